/* event_feed: this process's reader of the order event log, each new event handed on once. */
#ifndef PAIDAN_EVENT_FEED_H
#define PAIDAN_EVENT_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db_pool;
struct event_base;

#define EVENT_FEED_MAX_OFFERED 200

/* Who may see one event's order: its scope columns as the event's transaction left them. */
struct event_scope {
	int64_t order; /* the order the event is of (a resident's stream follows one) */
	int64_t community, department, team;
	int64_t offered[EVENT_FEED_MAX_OFFERED];
	int noffered;
};

/* One new event: its id, scope and the JSON a client receives (never the scope columns). */
typedef void (*event_feed_deliver)(
    void *arg, int64_t id, const struct event_scope *scope, const char *data, size_t len);
/* Whether anyone listens now: the log is read often then, and seldom otherwise. */
typedef bool (*event_feed_busy)(void *arg);

struct event_feed;

/* Starts reading from where the log ends now; deliver runs on the loop. */
struct event_feed *event_feed_start(
    struct db_pool *db, struct event_base *base, event_feed_deliver deliver, event_feed_busy busy, void *arg);

/* Someone started listening: read at the live pace from now on. */
void event_feed_wake(struct event_feed *feed);

/* Stops; no callback runs after it returns (a statement still out frees the feed when it comes back). */
void event_feed_free(struct event_feed *feed);

#endif
