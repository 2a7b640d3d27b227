/* events: live updates over Server-Sent Events, fed by PostgreSQL LISTEN/NOTIFY. */
#ifndef PAIDAN_EVENTS_H
#define PAIDAN_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

struct app;
struct events;
struct request;

/* Starts listening (one dedicated database connection) and the heartbeat. Owned by the caller. */
struct events *events_start(struct app *app);

/* Ends every open stream (on shutdown, before the HTTP server goes). */
void events_close_streams(struct events *ev);

/* Ends the streams and frees. */
void events_free(struct events *ev);

/* GET /api/v1/events (logged in): "event: order" messages {event_id, order_id, action, from,
 * state, at} for the orders this user may see; Last-Event-ID resumes; ": ping" every 15 s. */
void events_stream(struct request *r);

/* For /metrics: open streams and the refusals of each cap (per process, per user). */
struct events_stats {
	int streams;
	unsigned long refused_process;
	unsigned long refused_user;
};
void events_get_stats(struct events_stats *stats);
/* Whether this process takes another stream now (--max-streams): checked before database work. */
bool events_room(void);

/* Opens a resident's stream of one order's events (the caller checked the stream token): missed_json
 * is a JSON array of the events since the client's Last-Event-ID (may be NULL); the stream ends at
 * until (seconds since the epoch) and the client asks for a new token. */
void events_stream_order(struct request *r, int64_t order_id, int64_t until, const char *missed_json);

#endif
