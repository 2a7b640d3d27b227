/* events: live updates over Server-Sent Events, fed by PostgreSQL LISTEN/NOTIFY. */
#ifndef PAIDAN_EVENTS_H
#define PAIDAN_EVENTS_H

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

#endif
