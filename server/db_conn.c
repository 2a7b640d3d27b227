/* db_conn: one connection as a small state machine moved only by conn_set_state.
 *
 * Connecting follows PQconnectPoll on one-shot events re-armed on the current PQsocket, under a
 * timer of our own (libpq's connect_timeout does not apply to PQconnectPoll). Once up, the socket's
 * read event is armed once and write interest is added only while PQflush has data left; with a
 * pipeline depth above 1 it enters pipeline mode once, up (db_flight.c sends and answers its
 * statements). Every statement runs under a deadline: past it the statement is cancelled from a
 * thread (PQcancel blocks) and the connection is dropped and made again, so a database that stops
 * answering costs each request at most the deadline. */
#include "db_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib_log.h"
#include "log.h"
#include "xalloc.h"

#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 500

static const char *conn_state_names[] = {"down", "connecting", "idle", "preparing", "querying"};
_Static_assert(sizeof conn_state_names / sizeof conn_state_names[0] == CONN_QUERYING + 1,
    "conn_state_names matches enum conn_state");

static void conn_io_cb(evutil_socket_t fd, short what, void *arg);
static void conn_deliver_notifications(struct db_conn *c);

bool
db_conn_is_up(const struct db_conn *c)
{
	return c->state == CONN_IDLE || c->state == CONN_PREPARING || c->state == CONN_QUERYING;
}

int
db_pool_connections_up(const struct db_pool *pool)
{
	int up = 0;

	for (int i = 0; i < pool->options.size; i++)
		if (db_conn_is_up(&pool->conns[i]))
			up++;
	return up;
}

/* The only place a connection changes state. */
void
db_conn_set_state(struct db_conn *c, enum conn_state next)
{
	char number[12];

	if (c->state != next) {
		snprintf(number, sizeof number, "%d", c->number);
		log_debug("db connection state", "conn", number, "from", conn_state_names[c->state], "to",
		    conn_state_names[next]);
	}
	c->state = next;
}

static void
timer_add_ms(struct event *timer, long long ms)
{
	struct timeval tv;

	if (ms < 1)
		ms = 1;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(timer, &tv);
}

/* While connecting: a one-shot event on the current PQsocket. */
static void
conn_watch_connecting(struct db_conn *c, short what)
{
	if (c->connecting_io != NULL)
		event_free(c->connecting_io);
	c->connecting_io = event_new(c->pool->base, PQsocket(c->pg), what, conn_io_cb, c);
	event_add(c->connecting_io, NULL);
}

/* Connected: read interest for the connection's life; write interest is added by conn_flush. */
static void
conn_arm(struct db_conn *c)
{
	int fd = PQsocket(c->pg);

	if (c->connecting_io != NULL) {
		event_free(c->connecting_io);
		c->connecting_io = NULL;
	}
	c->read_io = event_new(c->pool->base, fd, EV_READ | EV_PERSIST, conn_io_cb, c);
	c->write_io = event_new(c->pool->base, fd, EV_WRITE | EV_PERSIST, conn_io_cb, c);
	c->writing = false;
	event_add(c->read_io, NULL);
}

static void
conn_disarm(struct db_conn *c)
{
	if (c->connecting_io != NULL)
		event_free(c->connecting_io);
	if (c->read_io != NULL)
		event_free(c->read_io);
	if (c->write_io != NULL)
		event_free(c->write_io);
	c->connecting_io = c->read_io = c->write_io = NULL;
	c->writing = false;
	evtimer_del(c->timer);
}

static void
conn_want_write(struct db_conn *c, bool on)
{
	if (on == c->writing)
		return;
	c->writing = on;
	if (on)
		event_add(c->write_io, NULL);
	else
		event_del(c->write_io);
}

static void
conn_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	db_conn_connect(arg);
}

static void
conn_schedule_retry(struct db_conn *c)
{
	if (c->pool->closing)
		return;
	timer_add_ms(c->retry, c->backoff_ms);
	c->backoff_ms *= 2;
	if (c->backoff_ms > RECONNECT_MAX_MS)
		c->backoff_ms = RECONNECT_MAX_MS;
}

void
db_conn_timer(struct db_conn *c, long long ms)
{
	timer_add_ms(c->timer, ms);
}

/* The connection broke or ran out of time: its statements fail, except one that never ran (its
 * Execute never went whole into libpq's buffer), which may wait for another connection; it
 * reconnects in the background. The others may have run, so none is run again: a write that
 * committed must not commit twice, and only some routes carry idempotency keys. */
void
db_conn_lost(struct db_conn *c, const char *why)
{
	struct db_pool *pool = c->pool;
	struct db_job *jobs = db_flight_take(c), *job;
	enum conn_state was = c->state;
	char message[256];

	snprintf(message, sizeof message, "%s", why && *why ? why : "connection lost");
	message[strcspn(message, "\n")] = '\0';
	if (was != CONN_CONNECTING && was != CONN_DOWN)
		log_warn(
		    c->is_listener ? "notification connection lost" : "database connection lost", "reason", message);
	else
		log_debug("database connection failed", "reason", message);
	conn_disarm(c);
	PQfinish(c->pg);
	c->pg = NULL;
	c->pipeline = false;
	memset(c->prepared, 0, sizeof c->prepared);
	db_conn_set_state(c, CONN_DOWN);
	if (c->is_listener) {
		conn_schedule_retry(c);
		return;
	}
	/* Answered only now that the connection is down: a callback may send another statement. */
	while ((job = jobs) != NULL) {
		jobs = job->next;
		job->next = NULL;
		if (!job->sent && db_pool_connections_up(pool) > 0 && job->deadline_ms > db_now_ms()) {
			PQclear(job->result);
			job->result = NULL;
			db_queue_push_head(pool, job);
		} else {
			pool->stats.refused_unavailable++;
			db_job_fail(job, DB_UNAVAILABLE, message);
		}
	}
	if (db_pool_connections_up(pool) == 0 && pool->ever_up)
		db_pool_fail_queue(pool, "no database connection");
	conn_schedule_retry(c);
	db_pool_start_waiting(pool);
}

/* The connect deadline, or the oldest statement's (the earliest of those in flight: a pipeline takes
 * no statement whose deadline is earlier than those before it, db_share_pipeline_pick). */
static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == CONN_CONNECTING) {
		c->pool->stats.connect_timeouts++;
		db_conn_lost(c, "connecting took too long");
	} else if (c->state == CONN_PREPARING || c->state == CONN_QUERYING) {
		/* Past its deadline a statement fails, even one still being prepared: it is not tried again.
		 * Those behind it fail with it: the server may have run them already. */
		c->pool->stats.call_timeouts++;
		if (c->first != NULL)
			c->first->sent = true;
		db_conn_cancel(c);
		db_conn_lost(c, "the database did not answer within the deadline");
	}
}

/* Sends what libpq's buffer still holds; write interest stays on only while something is left. */
bool
db_conn_flush(struct db_conn *c)
{
	int flushed = PQflush(c->pg);

	if (flushed < 0) {
		db_conn_lost(c, PQerrorMessage(c->pg));
		return false;
	}
	conn_want_write(c, flushed == 1);
	return true;
}

static void
conn_listening(struct db_conn *c, bool ok)
{
	if (!ok) {
		db_conn_lost(c, "LISTEN failed");
		return;
	}
	db_conn_set_state(c, CONN_IDLE);
	log_info("listening for notifications");
	/* Notifications sent while this connection was down are lost: let the owner catch up. */
	if (c->pool->on_listen_start != NULL)
		c->pool->on_listen_start(c->pool->notify_arg);
	conn_deliver_notifications(c);
}

static void
conn_deliver_notifications(struct db_conn *c)
{
	PGnotify *n;

	while (c->pg != NULL && (n = PQnotifies(c->pg)) != NULL) {
		if (c->pool->on_notify != NULL)
			c->pool->on_notify(c->pool->notify_arg, n->extra);
		PQfreemem(n);
	}
}

/* The LISTEN's results: once all are in, the connection listens (or is made again). */
static void
conn_read_listen(struct db_conn *c)
{
	while (!PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);
		if (r == NULL) {
			evtimer_del(c->timer);
			conn_listening(c, !c->listen_failed);
			return;
		}
		c->listen_failed = c->listen_failed || PQresultStatus(r) != PGRES_COMMAND_OK;
		PQclear(r);
	}
}

static void
conn_poll_connect(struct db_conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING: conn_watch_connecting(c, EV_READ); return;
	case PGRES_POLLING_WRITING: conn_watch_connecting(c, EV_WRITE); return;
	case PGRES_POLLING_OK:
		evtimer_del(c->timer);
		if (PQsetnonblocking(c->pg, 1) != 0) {
			db_conn_lost(c, PQerrorMessage(c->pg));
			return;
		}
		c->backoff_ms = RECONNECT_MIN_MS;
		conn_arm(c);
		if (c->is_listener) {
			db_conn_set_state(c, CONN_QUERYING);
			c->listen_failed = false;
			timer_add_ms(c->timer, c->pool->options.call_timeout_ms);
			if (!PQsendQuery(c->pg, c->pool->listen_sql)) {
				db_conn_lost(c, PQerrorMessage(c->pg));
				return;
			}
			db_conn_flush(c);
			return;
		}
		/* Once per connection, while nothing is in flight; PQsendQuery (the LISTEN's) is not
		 * allowed in pipeline mode, prepared statements are. */
		if (c->pool->options.pipeline_depth > 1 && !(c->pipeline = PQenterPipelineMode(c->pg) == 1))
			log_warn("database connection not in pipeline mode", "reason", PQerrorMessage(c->pg));
		db_conn_set_state(c, CONN_IDLE);
		c->pool->ever_up = true;
		log_info("database connection up");
		db_pool_start_waiting(c->pool);
		return;
	default: db_conn_lost(c, PQerrorMessage(c->pg)); return;
	}
}

static void
conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;

	(void)fd;
	switch (c->state) {
	case CONN_CONNECTING: conn_poll_connect(c); return;
	case CONN_IDLE:
		if (what & EV_WRITE) {
			if (!db_conn_flush(c))
				return;
		}
		if (!(what & EV_READ))
			return;
		/* Nothing is expected: this is the server closing the connection, a notice or a notification. */
		if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
			db_conn_lost(c, PQerrorMessage(c->pg));
			return;
		}
		conn_deliver_notifications(c);
		return;
	case CONN_PREPARING:
	case CONN_QUERYING:
		if (what & EV_READ) {
			if (!PQconsumeInput(c->pg)) {
				db_conn_lost(c, PQerrorMessage(c->pg));
				return;
			}
		}
		/* libpq asks for a flush after every read while output is pending. */
		if (c->writing || (what & EV_WRITE)) {
			if (!db_conn_flush(c))
				return;
		}
		if (c->is_listener)
			conn_read_listen(c);
		else
			db_flight_read(c);
		return;
	case CONN_DOWN: return;
	}
}

void
db_conn_connect(struct db_conn *c)
{
	const char *keywords[8], *values[8];
	char options[128];

	if (c->pool->closing)
		return;
	db_connect_params(c->pool->conninfo, c->pool->options.statement_timeout_ms, c->pool->options.lock_timeout_ms,
	    keywords, values, options);
	c->pool->stats.reconnects++;
	c->pg = PQconnectStartParams(keywords, values, 1);
	if (c->pg == NULL)
		abort();
	lib_log_libpq(c->pg);
	db_conn_set_state(c, CONN_CONNECTING);
	if (PQstatus(c->pg) == CONNECTION_BAD || PQsocket(c->pg) < 0) {
		db_conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	timer_add_ms(c->timer, c->pool->options.connect_timeout_ms);
	conn_watch_connecting(c, EV_WRITE);
}

void
db_conn_init(struct db_pool *pool, struct db_conn *c, int number)
{
	c->pool = pool;
	c->number = number;
	c->backoff_ms = RECONNECT_MIN_MS;
	c->retry = evtimer_new(pool->base, conn_retry_cb, c);
	c->timer = evtimer_new(pool->base, conn_timer_cb, c);
}

void
db_conn_close(struct db_conn *c)
{
	struct db_job *jobs = db_flight_take(c), *job;

	while ((job = jobs) != NULL) {
		jobs = job->next;
		job->next = NULL;
		c->pool->stats.refused_unavailable++;
		db_job_fail(job, DB_UNAVAILABLE, "shutting down");
	}
	conn_disarm(c);
	if (c->pg != NULL)
		PQfinish(c->pg);
	event_free(c->retry);
	event_free(c->timer);
}
