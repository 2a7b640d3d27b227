/* event_feed: the order events as they commit, read by id, each delivered once.
 *
 * Every audit event notes its order's scope columns as its transaction left them
 * (order_event_scopes, sql/021_event_outbox.sql): no notification sits in any commit. The feed
 * reads what is new by event id, every POLL_MS while someone listens (every IDLE_POLL_MS else, to
 * keep its place), and hands each event on once.
 *
 * Ids are handed out before commit, so a lower id can become visible after a higher one. The
 * floor is the id up to which everything is delivered; above it, delivered ids are remembered,
 * and a hole holds the floor until it fills or GAP_S passes (a rolled-back event leaves a hole
 * for good) — the same allowance a reconnecting client's Last-Event-ID gets. */
#include "event_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "db.h"
#include "query.h"
#include "xalloc.h"

#define FEED_STRINGIFY_(x) #x
#define FEED_STRINGIFY(x) FEED_STRINGIFY_(x)
#define POLL_MS 25
#define IDLE_POLL_MS 1000
#define POLL_ROWS 1000
#define GAP_S 2
#define PRUNE_S 60
#define MAX_PENDING 100000

/* The newest events after $1 (an event id), with their scope as noted at commit; $1 NULL asks where
 * the log ends now. The scope notes are limited before the join: the generic plan guessed a third of
 * them and hash-joined a sequential scan of the whole audit log on every poll. */
static struct db_statement poll_statement = DB_STATEMENT("events_poll",
    "SELECT s.event_id, s.community_id, s.department_id, s.team_id, s.offered::text,"
    "       json_build_object('event_id', e.id, 'order_id', e.order_id, 'action', e.action,"
    "         'from', e.from_state, 'state', e.to_state, 'at', e.at)::text, e.order_id"
    "  FROM (SELECT * FROM order_event_scopes WHERE $1::bigint IS NOT NULL AND event_id > $1::bigint"
    "         ORDER BY event_id LIMIT 1000) s"
    "  JOIN order_events e ON e.id = s.event_id"
    " UNION ALL"
    " SELECT COALESCE(max(e.id), 0), NULL, NULL, NULL, NULL, NULL, NULL FROM order_events e WHERE $1::bigint IS NULL"
    " ORDER BY 1 LIMIT " FEED_STRINGIFY(POLL_ROWS),
    1);
_Static_assert(POLL_ROWS == 1000, "the poll statement's inner LIMIT");

/* Scope notes are for the processes reading now; an old one is of no use to anyone. */
static struct db_statement prune_statement = DB_STATEMENT("events_prune",
    "DELETE FROM order_event_scopes WHERE event_id IN (SELECT event_id FROM order_event_scopes"
    "  WHERE noted_at < now() - $1::int * interval '1 second' ORDER BY event_id LIMIT 10000)",
    1);

struct event_feed {
	struct db_pool *db;
	event_feed_deliver deliver;
	event_feed_busy busy;
	void *arg;
	struct event *poll, *prune;
	bool polling, pruning; /* a statement is out; its callback comes whatever happens */
	bool freeing; /* event_feed_free ran while a statement was out: its callback frees */
	bool known; /* floor is where the log was at some point */
	int64_t floor;
	int64_t *pending; /* delivered ids above floor, ascending */
	size_t npending, cap_pending;
	int64_t gap_id; /* the missing id holding the floor, since gap_since */
	time_t gap_since;
};

static void
deliver_row(struct event_feed *feed, const PGresult *res, int row)
{
	struct event_scope scope;

	scope.order = strtoll(PQgetvalue(res, row, 6), NULL, 10);
	scope.community = strtoll(PQgetvalue(res, row, 1), NULL, 10);
	scope.department = PQgetisnull(res, row, 2) ? 0 : strtoll(PQgetvalue(res, row, 2), NULL, 10);
	scope.team = PQgetisnull(res, row, 3) ? 0 : strtoll(PQgetvalue(res, row, 3), NULL, 10);
	scope.noffered = query_id_array(PQgetvalue(res, row, 4), scope.offered, EVENT_FEED_MAX_OFFERED);
	feed->deliver(feed->arg, strtoll(PQgetvalue(res, row, 0), NULL, 10), &scope, PQgetvalue(res, row, 5),
	    (size_t)PQgetlength(res, row, 5));
}

/* Remembers a delivered id above the floor; false when it was delivered already. */
static bool
pending_add(struct event_feed *feed, int64_t id)
{
	size_t lo = 0, hi = feed->npending;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (feed->pending[mid] == id)
			return false;
		if (feed->pending[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (feed->npending == feed->cap_pending) {
		feed->cap_pending = feed->cap_pending ? feed->cap_pending * 2 : 256;
		feed->pending = xrealloc(feed->pending, feed->cap_pending * sizeof *feed->pending);
	}
	memmove(feed->pending + lo + 1, feed->pending + lo, (feed->npending - lo) * sizeof *feed->pending);
	feed->pending[lo] = id;
	feed->npending++;
	return true;
}

/* Moves the floor over delivered ids, and over a hole that has stayed open GAP_S. */
static void
floor_advance(struct event_feed *feed, time_t now)
{
	size_t used = 0;

	for (;;) {
		if (used < feed->npending && feed->pending[used] == feed->floor + 1) {
			feed->floor++;
			used++;
			continue;
		}
		if (used == feed->npending)
			break;
		if (feed->gap_id != feed->floor + 1) {
			feed->gap_id = feed->floor + 1;
			feed->gap_since = now;
			break;
		}
		if (now - feed->gap_since < GAP_S && feed->npending - used < MAX_PENDING)
			break;
		/* Rolled back (or too far behind to keep waiting): every id of the hole is below an id
		 * that was visible when the hole was first seen, so all of them were handed out by then. */
		feed->floor = feed->pending[used] - 1;
	}
	if (used > 0) {
		memmove(feed->pending, feed->pending + used, (feed->npending - used) * sizeof *feed->pending);
		feed->npending -= used;
	}
}

static void
feed_destroy(struct event_feed *feed)
{
	free(feed->pending);
	free(feed);
}

static void
poll_schedule(struct event_feed *feed, int ms)
{
	struct timeval delay = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(feed->poll, &delay);
}

static int
poll_interval(struct event_feed *feed)
{
	return feed->busy(feed->arg) ? POLL_MS : IDLE_POLL_MS;
}

static void
poll_done(void *arg, const struct db_reply *reply)
{
	struct event_feed *feed = arg;
	const PGresult *res = reply->result;
	int rows;

	feed->polling = false;
	if (feed->freeing) {
		if (!feed->pruning)
			feed_destroy(feed);
		return;
	}
	if (reply->status != DB_OK) {
		poll_schedule(feed, IDLE_POLL_MS);
		return;
	}
	rows = PQntuples(res);
	if (!feed->known) {
		if (rows == 1) {
			feed->floor = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			feed->known = true;
		}
		poll_schedule(feed, poll_interval(feed));
		return;
	}
	for (int i = 0; i < rows; i++) {
		int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		if (id > feed->floor && pending_add(feed, id))
			deliver_row(feed, res, i);
	}
	floor_advance(feed, time(NULL));
	/* A full page: more are waiting now. */
	poll_schedule(feed, rows == POLL_ROWS ? 0 : poll_interval(feed));
}

static void
poll_now(evutil_socket_t fd, short what, void *arg)
{
	struct event_feed *feed = arg;
	char floor[24];
	const char *values[1] = {NULL};

	(void)fd;
	(void)what;
	if (feed->polling)
		return;
	if (feed->known) {
		snprintf(floor, sizeof floor, "%lld", (long long)feed->floor);
		values[0] = floor;
	}
	feed->polling = true;
	db_query(feed->db, &poll_statement, values, poll_done, feed);
}

static void
prune_done(void *arg, const struct db_reply *reply)
{
	struct event_feed *feed = arg;

	(void)reply;
	feed->pruning = false;
	if (feed->freeing && !feed->polling)
		feed_destroy(feed);
}

static void
prune_now(evutil_socket_t fd, short what, void *arg)
{
	struct event_feed *feed = arg;
	static const char *values[1] = {"600"}; /* kept ten minutes */

	(void)fd;
	(void)what;
	if (feed->pruning)
		return;
	feed->pruning = true;
	db_query(feed->db, &prune_statement, values, prune_done, feed);
}

struct event_feed *
event_feed_start(
    struct db_pool *db, struct event_base *base, event_feed_deliver deliver, event_feed_busy busy, void *arg)
{
	struct event_feed *feed = xcalloc(1, sizeof *feed);
	struct timeval prune_tick = {PRUNE_S, 0};

	feed->db = db;
	feed->deliver = deliver;
	feed->busy = busy;
	feed->arg = arg;
	feed->prune = event_new(base, -1, EV_PERSIST, prune_now, feed);
	event_add(feed->prune, &prune_tick);
	feed->poll = evtimer_new(base, poll_now, feed);
	poll_schedule(feed, 0);
	return feed;
}

void
event_feed_wake(struct event_feed *feed)
{
	if (!feed->polling)
		poll_schedule(feed, POLL_MS);
}

void
event_feed_free(struct event_feed *feed)
{
	if (feed == NULL)
		return;
	event_free(feed->poll);
	event_free(feed->prune);
	if (feed->polling || feed->pruning)
		feed->freeing = true; /* the pool calls back (DB_UNAVAILABLE when it is freed): free then */
	else
		feed_destroy(feed);
}
