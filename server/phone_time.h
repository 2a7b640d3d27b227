/* phone_time: a time a phone recorded by its own clock (a check-in code taken, a volunteer signing in),
 * perhaps offline and sent later, turned into the server's time. The phone also says when it sent
 * the request, by the same clock; the difference to the server's clock on arrival is the phone's
 * error, taken off the recorded time. Both the error and the wait are bounded. Pure. */
#ifndef PAIDAN_PHONE_TIME_H
#define PAIDAN_PHONE_TIME_H

#include <stdint.h>

/* The phone's clock may be this far from the server's (measured when the request arrives). */
#define PHONE_TIME_MAX_SKEW_MS (60LL * 60 * 1000)
/* A request queued offline counts if sent within this long of the time it records. */
#define PHONE_TIME_MAX_QUEUE_MS (12LL * 60 * 60 * 1000)

enum phone_time_result {
	PHONE_TIME_OK,
	PHONE_TIME_MALFORMED, /* missing, not positive, or recorded after it was sent */
	PHONE_TIME_CLOCK_OFF, /* the phone's clock is too far from the server's */
	PHONE_TIME_TOO_OLD, /* recorded too long before it was sent */
};

/* taken_ms and sent_ms by the phone's clock, server_now_ms when the request arrived (all
 * milliseconds since the epoch). On PHONE_TIME_OK *server_ms is taken_ms by the server's clock. */
enum phone_time_result phone_time_to_server(
    int64_t taken_ms, int64_t sent_ms, int64_t server_now_ms, int64_t *server_ms);

#endif
