/* metrics: Prometheus counters and histograms of requests, database calls, live streams and
 * escalations, in memory shared by every worker process of one `paidan serve`. */
#ifndef PAIDAN_METRICS_H
#define PAIDAN_METRICS_H

#include <stdbool.h>
#include <stddef.h>

struct evbuffer;
struct route;

/* Maps the shared counters for the routes[0..count) table. Call once in the parent, before the
 * workers fork. Until it is called (unit tests, tools) every other call does nothing. */
bool metrics_init(const struct route *routes, size_t count);

/* One request answered: route is the matched entry of the table (NULL for static files and paths
 * no route matched), method an EVHTTP_REQ_* code, us the time from arrival to the reply. A live
 * stream (stream = true) is counted here when it ends. */
void metrics_request(const struct route *route, unsigned method, int status, long long us, bool stream);

/* A live-update stream started (its end comes through metrics_request). */
void metrics_stream_opened(void);

/* A database call finished, queued_ms after it was submitted (the wait for a connection included). */
void metrics_db_call(long long queued_ms, long long now_ms);

/* A database call left the queue for a connection, waited_ms after it was submitted. */
void metrics_db_queue_wait(long long waited_ms);

/* The sweep escalated an overdue order. */
void metrics_escalated(void);

/* Notifications (outbox.c), per channel: one delivered, one attempt that failed, one given up on
 * (failed for good); and the backlog and failed rows the sender last counted in the database. */
enum metrics_channel { METRICS_CHANNEL_SMS, METRICS_CHANNEL_ROBOT, METRICS_CHANNEL_COUNT };
enum metrics_notify_outcome { METRICS_NOTIFY_DELIVERED, METRICS_NOTIFY_ATTEMPT_FAILED, METRICS_NOTIFY_FAILED };
void metrics_notify(enum metrics_channel channel, enum metrics_notify_outcome outcome);
void metrics_notify_backlog(enum metrics_channel channel, long backlog, long failed);

/* Appends every series in the Prometheus text format. */
void metrics_render(struct evbuffer *out);

#endif
