/* checkin: the check-in code at the resident's door — shown to the resident (and, for residents
 * without a phone, in the community's console), checked when the team starts the service. */
#ifndef PAIDAN_CHECKIN_H
#define PAIDAN_CHECKIN_H

#include <json-c/json.h>
#include <stdint.h>

struct request;

/* GET /api/v1/track/{code}/checkin — the resident: while the order is accepted, the current code
 * → {code, step_seconds, valid_until, qr_svg}; 409 state_conflict in any other state. */
void checkin_track_code(struct request *r);

/* GET /api/v1/orders/{id}/checkin-code — the order's community worker or an admin: the same, for
 * a resident without a phone. */
void checkin_console_code(struct request *r);

/* Wrong codes an order takes before codes are no longer checked for it (the start may still be
 * made, unverified). */
#define CHECKIN_MAX_FAILURES 5

/* The note of a start event. body is the start's body: an optional "checkin": {code, taken_at,
 * sent_at} (milliseconds since the epoch by the phone's clock). secret_hex is the order's secret
 * (NULL when no code was ever shown), accepted_ms when the order was accepted, failures the codes
 * refused for it so far, now_ms the server's time. Writes the note ("到场核验：已核验 …" or "到场核验：未核验 …") to note and returns NULL, or
 * returns the message for a refused code (the start is then refused with 422). */
const char *checkin_start_note(struct json_object *body, const char *secret_hex, int64_t accepted_ms, long failures,
    int64_t now_ms, char *note, size_t note_size);

/* Records a refused code for order_id (by user_id, 0 for none), then replies 422 naming "checkin"
 * with message (a static string). */
void checkin_refuse(struct request *r, const char *order_id, int64_t user_id, const char *message);

#endif
