/* phone_time: see the header. */
#include "phone_time.h"

enum phone_time_result
phone_time_to_server(int64_t taken_ms, int64_t sent_ms, int64_t server_now_ms, int64_t *server_ms)
{
	int64_t skew;

	if (taken_ms <= 0 || sent_ms <= 0 || taken_ms > sent_ms)
		return PHONE_TIME_MALFORMED;
	skew = server_now_ms - sent_ms;
	if (skew > PHONE_TIME_MAX_SKEW_MS || skew < -PHONE_TIME_MAX_SKEW_MS)
		return PHONE_TIME_CLOCK_OFF;
	if (sent_ms - taken_ms > PHONE_TIME_MAX_QUEUE_MS)
		return PHONE_TIME_TOO_OLD;
	*server_ms = taken_ms + skew;
	return PHONE_TIME_OK;
}
