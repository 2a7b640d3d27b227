/* events_internal: what events.c (the streams and their fan-out) offers events_resume.c (the
 * signed-in user's route). Not for other modules. */
#ifndef PAIDAN_EVENTS_INTERNAL_H
#define PAIDAN_EVENTS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct request;

/* The process's cap (--max-streams) is reached: 503 with Retry-After, counted for /metrics. */
void events_refuse_full(struct request *r);

/* A few streams per account (user_id) or per resident key (order_id); past that, 429 and false. */
bool events_room_for_one_more(struct request *r, int64_t user_id, int64_t order_id);

/* Opens r's signed-in user's stream; teams_text (a volunteer's teams, "{1,2}") and missed_json (a
 * JSON array of missed events) may be NULL. */
void events_open_user(struct request *r, const char *teams_text, const char *missed_json);

#endif
