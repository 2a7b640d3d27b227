/* attendance: 签到 / 签退 of each volunteer on an order (team app), optionally with the phone's
 * place (only with consent, stored to 0.01°, about a kilometre); events of the order's audit chain. */
#ifndef PAIDAN_ATTENDANCE_H
#define PAIDAN_ATTENDANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct request;
struct field_errors;

/* POST /api/v1/orders/{id}/attendance — team (for a member: volunteer_id), volunteer (themself):
 * {kind: "in"|"out", volunteer_id?, taken_at, sent_at (ms by the phone's clock), location?: {lat,
 * lng}} while the order is accepted or in progress → 201 with the order's attendance. */
void attendance_sign(struct request *r);

/* GET /api/v1/orders/{id}/attendance — whoever may see the order: per volunteer the sign-ins and
 * sign-outs, the signed span and the hours claimed (paidan_attendance_json). */
void attendance_list(struct request *r);

/* The chain's payload of a sign-in or sign-out: "kind=in;volunteer=N;at=MS;loc=LAT,LNG" (or
 * "loc=none"); sql/064's paidan_attendance_payload writes the same from the row. */
void attendance_payload(
    bool in, int64_t volunteer_id, int64_t at_ms, const char *lat, const char *lng, char *out, size_t size);

/* At completion: hours_record "volunteer:hours,…" (hours with two decimals) against spans
 * "volunteer:minutes,…" (the order's signed spans; "" when nobody signed in, and then nothing is
 * checked). Hours beyond a volunteer's span by more than tolerance_minutes (a volunteer who never
 * signed in has a span of 0) need a reason in reasons_json ({"<volunteer id>": reason}); each one
 * missing goes to errors as "reason.<volunteer id>". */
void attendance_check_claims(const char *hours_record, const char *spans, int tolerance_minutes,
    const char *reasons_json, struct field_errors *errors);

/* degrees to two decimals ("25.12"; never "-0.00"); false when not finite or beyond ±limit. */
bool attendance_coarse(double degrees, double limit, char out[16]);

#endif
