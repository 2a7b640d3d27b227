/* notify_schedule: clock arithmetic for the sender, kept pure so it is tested at any hour. */
#include "notify_schedule.h"

#include <stdio.h>
#include <string.h>

#define BEIJING_OFFSET (8 * 3600)
#define DAY 86400
#define RETRY_MAX_MS (3600 * 1000LL)

static bool
parse_clock(const char *s, int *minutes)
{
	if (s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' || s[2] != ':' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9')
		return false;
	*minutes = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
	return *minutes < 24 * 60;
}

bool
notify_quiet_parse(const char *text, int *start_min, int *end_min)
{
	return text != NULL && strlen(text) == 11 && text[5] == '-' && parse_clock(text, start_min) &&
	    parse_clock(text + 6, end_min);
}

int64_t
notify_quiet_until(int64_t now, int start_min, int end_min)
{
	int64_t local = now + BEIJING_OFFSET;
	int64_t day_start = local - (local % DAY + DAY) % DAY;
	int minute = (int)((local - day_start) / 60);
	int64_t end;

	if (start_min == end_min)
		return 0;
	if (start_min < end_min) {
		if (minute < start_min || minute >= end_min)
			return 0;
		end = day_start + (int64_t)end_min * 60;
	} else {
		if (minute < start_min && minute >= end_min)
			return 0;
		end = day_start + (int64_t)end_min * 60 + (minute >= start_min ? DAY : 0);
	}
	return end - BEIJING_OFFSET;
}

int64_t
notify_beijing_day_start(int64_t now)
{
	int64_t local = now + BEIJING_OFFSET;

	return local - (local % DAY + DAY) % DAY - BEIJING_OFFSET;
}

int64_t
notify_next_morning(int64_t now, int end_min)
{
	return notify_beijing_day_start(now) + DAY + (int64_t)end_min * 60;
}

int64_t
notify_retry_delay_ms(int attempts, int64_t base_ms)
{
	int64_t delay = base_ms;

	for (int i = 1; i < attempts && delay < RETRY_MAX_MS; i++)
		delay *= 2;
	return delay < RETRY_MAX_MS ? delay : RETRY_MAX_MS;
}
