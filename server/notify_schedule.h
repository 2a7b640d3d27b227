/* notify_schedule: when a notification may go — SMS quiet hours in Beijing time, the Beijing day for
 * the per-phone daily limit, and the retry back-off. Pure. Beijing is UTC+8 all year. */
#ifndef PAIDAN_NOTIFY_SCHEDULE_H
#define PAIDAN_NOTIFY_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

/* Parses "HH:MM-HH:MM" (Beijing time; the window may wrap midnight; equal ends mean none) into
 * minutes of the day. False for anything else. */
bool notify_quiet_parse(const char *text, int *start_min, int *end_min);

/* When now (Unix seconds) falls in the quiet window, the Unix time it ends; else 0. */
int64_t notify_quiet_until(int64_t now, int start_min, int end_min);

/* Unix time of the Beijing midnight that began now's day, and of the next day's window end
 * (the morning the SMS over the daily limit are held to). */
int64_t notify_beijing_day_start(int64_t now);
int64_t notify_next_morning(int64_t now, int end_min);

/* Milliseconds before retry number attempts (1 after the first failure): base doubling each time,
 * at most an hour. */
int64_t notify_retry_delay_ms(int attempts, int64_t base_ms);

#endif
