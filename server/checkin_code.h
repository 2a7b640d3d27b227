/* checkin_code: the 6-digit check-in code shown at the resident's door, changing every minute
 * (TOTP-style: HMAC-SHA-256 of the minute under a per-order secret, RFC 4226 truncation), and the
 * check of a code a phone took, perhaps offline and sent later. Pure: no clock, no I/O. */
#ifndef PAIDAN_CHECKIN_CODE_H
#define PAIDAN_CHECKIN_CODE_H

#include <stdbool.h>
#include <stdint.h>

#include "phone_time.h"

#define CHECKIN_SECRET_BYTES 32
#define CHECKIN_STEP_SECONDS 60
#define CHECKIN_DIGITS 6
/* A code is taken as the one of its minute or the minute either side (a screen a little late,
 * a slow scan). */
#define CHECKIN_STEP_TOLERANCE 1
/* The phone's clock error and the offline wait allowed: phone_time.h's. */
#define CHECKIN_MAX_CLOCK_SKEW_MS PHONE_TIME_MAX_SKEW_MS
#define CHECKIN_MAX_QUEUE_MS PHONE_TIME_MAX_QUEUE_MS

/* The code of secret for the minute holding unix_seconds. out holds 6 digits and a NUL. */
void checkin_code_at(
    const unsigned char secret[CHECKIN_SECRET_BYTES], int64_t unix_seconds, char out[CHECKIN_DIGITS + 1]);

/* What a phone says: the digits, when it took them and when it sent them, both by its own clock
 * (milliseconds since the epoch). */
struct checkin_claim {
	const char *code;
	int64_t taken_at_ms;
	int64_t sent_at_ms;
};

enum checkin_result {
	CHECKIN_VERIFIED,
	CHECKIN_MALFORMED, /* not 6 digits, or times that make no sense (taken after sent) */
	CHECKIN_CLOCK_OFF, /* the phone's clock is too far from the server's */
	CHECKIN_TOO_OLD, /* taken too long before it was sent */
	CHECKIN_WRONG, /* not the code of that time (or of a time before the order was accepted) */
};

/* Checks claim against secret. server_now_ms is when the claim arrived; not_before_ms when the
 * order was accepted (no code existed before). On CHECKIN_VERIFIED *taken_at_ms is when the code
 * was taken by the server's clock (the phone's time corrected by the measured skew). */
enum checkin_result checkin_code_verify(const unsigned char secret[CHECKIN_SECRET_BYTES],
    const struct checkin_claim *claim, int64_t server_now_ms, int64_t not_before_ms, int64_t *taken_at_ms);

/* A message for people (Chinese, English in brackets). */
const char *checkin_result_message(enum checkin_result result);

#endif
