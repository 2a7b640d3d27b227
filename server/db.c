/* db: each connection is a small state machine moved only by conn_set_state; jobs wait in one FIFO. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event_struct.h>

#include "lib_log.h"
#include "log.h"
#include "metrics.h"
#include "xalloc.h"

#define DB_MAX_STATEMENTS 256
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 500
#define QUEUE_CHECK_MS 100

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_IDLE, CONN_PREPARING, CONN_QUERYING };
static const char *conn_state_names[] = {"down", "connecting", "idle", "preparing", "querying"};
_Static_assert(sizeof conn_state_names / sizeof conn_state_names[0] == CONN_QUERYING + 1,
    "conn_state_names matches enum conn_state");

struct db_job {
	struct db_job *next;
	struct db_statement *stmt;
	char **values;
	db_callback cb;
	void *arg;
	long long queued_ms;
};

struct db_conn {
	struct db_pool *pool;
	int number;
	PGconn *pg;
	enum conn_state state;
	struct event io;
	bool io_assigned;
	struct event *retry;
	int backoff_ms;
	struct db_job *job;
	PGresult *result;
	unsigned char prepared[DB_MAX_STATEMENTS];
	bool is_listener; /* runs LISTEN and delivers notifications; never takes jobs */
};

struct db_pool {
	struct event_base *base;
	struct db_pool_options options;
	char *conninfo;
	struct db_conn *conns;
	struct db_job *queue_head, *queue_tail;
	int queued;
	struct event *queue_timer;
	struct db_conn *listener;
	char *listen_sql;
	void (*on_notify)(void *arg, const char *payload);
	void (*on_listen_start)(void *arg);
	void *notify_arg;
	bool closing;
	unsigned long queries, refused_busy, refused_unavailable, reconnects;
};

static int statement_count;

static void conn_connect(struct db_conn *c);
static void conn_io_cb(evutil_socket_t fd, short what, void *arg);
static void conn_start_next(struct db_conn *c);
static void conn_deliver_notifications(struct db_conn *c);
static void conn_lost(struct db_conn *c, const char *why);
static void conn_flush_and_wait(struct db_conn *c);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
db_connect_params(const char *conninfo, int statement_timeout_ms, int lock_timeout_ms, const char *keywords[8],
    const char *values[8], char options_buf[128])
{
	int n = 0;

	snprintf(options_buf, 128,
	    "-c TimeZone=UTC -c statement_timeout=%d -c lock_timeout=%d "
	    "-c idle_in_transaction_session_timeout=60000",
	    statement_timeout_ms, lock_timeout_ms);
	keywords[n] = "dbname";
	values[n++] = conninfo;
	keywords[n] = "application_name";
	values[n++] = "paidan";
	keywords[n] = "client_encoding";
	values[n++] = "UTF8";
	keywords[n] = "options";
	values[n++] = options_buf;
	keywords[n] = NULL;
	values[n] = NULL;
}

const char *
db_value(const PGresult *result, int row, int col)
{
	if (PQgetisnull(result, row, col))
		return NULL;
	return PQgetvalue(result, row, col);
}

static bool
conn_is_up(const struct db_conn *c)
{
	return c->state == CONN_IDLE || c->state == CONN_PREPARING || c->state == CONN_QUERYING;
}

static int
pool_connections_up(const struct db_pool *pool)
{
	int up = 0;

	for (int i = 0; i < pool->options.size; i++)
		if (conn_is_up(&pool->conns[i]))
			up++;
	return up;
}

bool
db_listening(const struct db_pool *pool)
{
	return pool->listener != NULL && pool->listener->state == CONN_IDLE;
}

bool
db_pool_ready(const struct db_pool *pool)
{
	return !pool->closing && pool_connections_up(pool) > 0;
}

void
db_pool_get_stats(const struct db_pool *pool, struct db_pool_stats *stats)
{
	stats->connections_up = pool_connections_up(pool);
	stats->queued = pool->queued;
	stats->queries = pool->queries;
	stats->refused_busy = pool->refused_busy;
	stats->refused_unavailable = pool->refused_unavailable;
	stats->reconnects = pool->reconnects;
}

/* The only place a connection changes state. */
static void
conn_set_state(struct db_conn *c, enum conn_state next)
{
	char number[12];

	if (c->state != next) {
		snprintf(number, sizeof number, "%d", c->number);
		log_debug("db connection state", "conn", number, "from", conn_state_names[c->state], "to",
		    conn_state_names[next]);
	}
	c->state = next;
}

/* Re-arms the one-shot socket event on the current PQsocket (it may change while connecting). */
static void
conn_watch(struct db_conn *c, short what)
{
	if (c->io_assigned)
		event_del(&c->io);
	event_assign(&c->io, c->pool->base, PQsocket(c->pg), what, conn_io_cb, c);
	c->io_assigned = true;
	event_add(&c->io, NULL);
}

static void
job_free(struct db_job *job)
{
	free(job->values);
	free(job);
}

static void
job_finish(struct db_job *job, const struct db_reply *reply)
{
	metrics_db_call(job->queued_ms, now_ms());
	job->cb(job->arg, reply);
	job_free(job);
}

static void
job_fail(struct db_job *job, enum db_status status, const char *message)
{
	struct db_reply reply = {status, NULL, "", message, ""};

	job_finish(job, &reply);
}

static void
queue_push_tail(struct db_pool *pool, struct db_job *job)
{
	job->next = NULL;
	if (pool->queue_tail)
		pool->queue_tail->next = job;
	else
		pool->queue_head = job;
	pool->queue_tail = job;
	pool->queued++;
}

static void
queue_push_head(struct db_pool *pool, struct db_job *job)
{
	job->next = pool->queue_head;
	pool->queue_head = job;
	if (pool->queue_tail == NULL)
		pool->queue_tail = job;
	pool->queued++;
}

static struct db_job *
queue_pop(struct db_pool *pool)
{
	struct db_job *job = pool->queue_head;

	if (job == NULL)
		return NULL;
	pool->queue_head = job->next;
	if (pool->queue_head == NULL)
		pool->queue_tail = NULL;
	pool->queued--;
	job->next = NULL;
	return job;
}

static void
pool_fail_queue(struct db_pool *pool, const char *message)
{
	struct db_job *job;

	while ((job = queue_pop(pool)) != NULL) {
		pool->refused_unavailable++;
		job_fail(job, DB_UNAVAILABLE, message);
	}
}

static void
conn_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_connect(arg);
}

static void
conn_schedule_retry(struct db_conn *c)
{
	struct timeval tv = {c->backoff_ms / 1000, (c->backoff_ms % 1000) * 1000};

	if (c->pool->closing)
		return;
	evtimer_add(c->retry, &tv);
	c->backoff_ms *= 2;
	if (c->backoff_ms > RECONNECT_MAX_MS)
		c->backoff_ms = RECONNECT_MAX_MS;
}

/* The connection broke: its statement (if it was sent) fails, it reconnects in the background. */
static void
conn_lost(struct db_conn *c, const char *why)
{
	struct db_pool *pool = c->pool;
	struct db_job *job = c->job;
	enum conn_state was = c->state;
	char message[256];

	snprintf(message, sizeof message, "%s", why && *why ? why : "connection lost");
	message[strcspn(message, "\n")] = '\0';
	if (was != CONN_CONNECTING && was != CONN_DOWN)
		log_warn(
		    c->is_listener ? "notification connection lost" : "database connection lost", "reason", message);
	if (c->io_assigned) {
		event_del(&c->io);
		c->io_assigned = false;
	}
	PQclear(c->result);
	c->result = NULL;
	PQfinish(c->pg);
	c->pg = NULL;
	c->job = NULL;
	memset(c->prepared, 0, sizeof c->prepared);
	conn_set_state(c, CONN_DOWN);
	if (c->is_listener) {
		conn_schedule_retry(c);
		return;
	}
	if (job != NULL) {
		/* A statement still being prepared never ran: it may wait for another connection. */
		if (was == CONN_PREPARING && pool_connections_up(pool) > 0) {
			queue_push_head(pool, job);
		} else {
			pool->refused_unavailable++;
			job_fail(job, DB_UNAVAILABLE, message);
		}
	}
	if (pool_connections_up(pool) == 0)
		pool_fail_queue(pool, "no database connection");
	conn_schedule_retry(c);
	for (int i = 0; i < pool->options.size; i++)
		if (pool->conns[i].state == CONN_IDLE)
			conn_start_next(&pool->conns[i]);
}

/* Sends what the buffered output still holds and waits for the answer. */
static void
conn_flush_and_wait(struct db_conn *c)
{
	int flushed = PQflush(c->pg);

	if (flushed < 0) {
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	conn_watch(c, flushed == 1 ? (EV_READ | EV_WRITE) : EV_READ);
}

static void
conn_send(struct db_conn *c, struct db_job *job)
{
	struct db_statement *stmt = job->stmt;
	int ok;

	c->job = job;
	if (!c->prepared[stmt->index]) {
		conn_set_state(c, CONN_PREPARING);
		ok = PQsendPrepare(c->pg, stmt->name, stmt->sql, stmt->nparams, NULL);
	} else {
		conn_set_state(c, CONN_QUERYING);
		c->pool->queries++;
		ok = PQsendQueryPrepared(
		    c->pg, stmt->name, stmt->nparams, (const char *const *)job->values, NULL, NULL, 0);
	}
	if (!ok) {
		/* Nothing reached the server: the statement may run on another connection. */
		conn_set_state(c, CONN_PREPARING);
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	conn_flush_and_wait(c);
}

static void
conn_start_next(struct db_conn *c)
{
	struct db_job *job;

	if (c->state != CONN_IDLE || c->is_listener)
		return;
	job = queue_pop(c->pool);
	if (job != NULL) {
		metrics_db_queue_wait(now_ms() - job->queued_ms);
		conn_send(c, job);
	}
}

/* A statement's results are all in: hand them to the job, then take the next one. */
static void
conn_command_done(struct db_conn *c)
{
	struct db_job *job = c->job;
	PGresult *result = c->result;
	ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
	bool ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;

	c->result = NULL;
	if (c->is_listener) {
		PQclear(result);
		if (!ok) {
			conn_lost(c, "LISTEN failed");
			return;
		}
		conn_set_state(c, CONN_IDLE);
		conn_watch(c, EV_READ);
		log_info("listening for notifications");
		/* Notifications sent while this connection was down are lost: let the owner catch up. */
		if (c->pool->on_listen_start != NULL)
			c->pool->on_listen_start(c->pool->notify_arg);
		conn_deliver_notifications(c);
		return;
	}
	if (c->state == CONN_PREPARING && ok) {
		PQclear(result);
		c->prepared[job->stmt->index] = 1;
		c->job = NULL;
		conn_set_state(c, CONN_IDLE);
		conn_send(c, job);
		return;
	}
	c->job = NULL;
	conn_set_state(c, CONN_IDLE);
	conn_watch(c, EV_READ);
	if (ok) {
		struct db_reply reply = {DB_OK, result, "", "", ""};
		job_finish(job, &reply);
	} else {
		const char *sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
		const char *message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		const char *constraint = result ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : NULL;
		struct db_reply reply = {DB_SQL_ERROR, NULL, sqlstate ? sqlstate : "XX000",
		    message ? message : "statement failed", constraint ? constraint : ""};
		job_finish(job, &reply);
	}
	PQclear(result);
	conn_start_next(c);
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

static void
conn_read_results(struct db_conn *c)
{
	while (!PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);
		if (r == NULL) {
			conn_command_done(c);
			return;
		}
		/* Keep the first error, else the last result. */
		if (c->result != NULL && PQresultStatus(c->result) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(c->result);
			c->result = r;
		}
	}
	conn_watch(c, EV_READ);
}

static void
conn_poll_connect(struct db_conn *c)
{
	switch (PQconnectPoll(c->pg)) {
	case PGRES_POLLING_READING: conn_watch(c, EV_READ); return;
	case PGRES_POLLING_WRITING: conn_watch(c, EV_WRITE); return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(c->pg, 1) != 0) {
			conn_lost(c, PQerrorMessage(c->pg));
			return;
		}
		c->backoff_ms = RECONNECT_MIN_MS;
		if (c->is_listener) {
			conn_set_state(c, CONN_QUERYING);
			if (!PQsendQuery(c->pg, c->pool->listen_sql)) {
				conn_lost(c, PQerrorMessage(c->pg));
				return;
			}
			conn_flush_and_wait(c);
			return;
		}
		conn_set_state(c, CONN_IDLE);
		log_info("database connection up");
		conn_watch(c, EV_READ);
		conn_start_next(c);
		return;
	default: conn_lost(c, PQerrorMessage(c->pg)); return;
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
		/* Nothing is expected: this is the server closing the connection (or a notice). */
		if (!PQconsumeInput(c->pg) || PQstatus(c->pg) == CONNECTION_BAD) {
			conn_lost(c, PQerrorMessage(c->pg));
			return;
		}
		conn_deliver_notifications(c);
		conn_watch(c, EV_READ);
		return;
	case CONN_PREPARING:
	case CONN_QUERYING:
		if (what & EV_WRITE) {
			int flushed = PQflush(c->pg);
			if (flushed < 0) {
				conn_lost(c, PQerrorMessage(c->pg));
				return;
			}
			if (flushed == 1 && !(what & EV_READ)) {
				conn_watch(c, EV_READ | EV_WRITE);
				return;
			}
		}
		if (what & EV_READ) {
			if (!PQconsumeInput(c->pg)) {
				conn_lost(c, PQerrorMessage(c->pg));
				return;
			}
		}
		conn_read_results(c);
		return;
	case CONN_DOWN: return;
	}
}

static void
conn_connect(struct db_conn *c)
{
	const char *keywords[8], *values[8];
	char options[128];

	if (c->pool->closing)
		return;
	db_connect_params(c->pool->conninfo, c->pool->options.statement_timeout_ms, c->pool->options.lock_timeout_ms,
	    keywords, values, options);
	c->pool->reconnects++;
	c->pg = PQconnectStartParams(keywords, values, 1);
	if (c->pg == NULL)
		abort();
	lib_log_libpq(c->pg);
	if (PQstatus(c->pg) == CONNECTION_BAD || PQsocket(c->pg) < 0) {
		conn_set_state(c, CONN_CONNECTING);
		conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	conn_set_state(c, CONN_CONNECTING);
	conn_watch(c, EV_WRITE);
}

static void
queue_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool *pool = arg;
	long long cutoff = now_ms() - pool->options.queue_timeout_ms;

	(void)fd;
	(void)what;
	while (pool->queue_head != NULL && pool->queue_head->queued_ms < cutoff) {
		struct db_job *job = queue_pop(pool);
		pool->refused_busy++;
		job_fail(job, DB_BUSY, "waited too long for a database connection");
	}
}

struct db_pool *
db_pool_new(struct event_base *base, const struct db_pool_options *options)
{
	struct db_pool *pool = xcalloc(1, sizeof *pool);
	struct timeval tick = {0, QUEUE_CHECK_MS * 1000};

	pool->base = base;
	pool->options = *options;
	pool->conninfo = xstrdup(options->conninfo);
	pool->options.conninfo = pool->conninfo;
	pool->conns = xcalloc((size_t)options->size, sizeof *pool->conns);
	pool->queue_timer = event_new(base, -1, EV_PERSIST, queue_timer_cb, pool);
	event_add(pool->queue_timer, &tick);
	for (int i = 0; i < options->size; i++) {
		struct db_conn *c = &pool->conns[i];
		c->pool = pool;
		c->number = i;
		c->backoff_ms = RECONNECT_MIN_MS;
		c->retry = evtimer_new(base, conn_retry_cb, c);
		conn_connect(c);
	}
	return pool;
}

void
db_listen(struct db_pool *pool, const char *channel, void (*on_notify)(void *arg, const char *payload),
    void (*on_listen_start)(void *arg), void *arg)
{
	struct db_conn *c = xcalloc(1, sizeof *c);
	char *quoted;
	size_t n;

	/* The channel is ours (a constant), never input; quoting keeps it a plain identifier anyway. */
	n = strlen(channel) + 16;
	quoted = xmalloc(n);
	snprintf(quoted, n, "LISTEN \"%s\"", channel);
	pool->listen_sql = quoted;
	pool->on_notify = on_notify;
	pool->on_listen_start = on_listen_start;
	pool->notify_arg = arg;
	c->pool = pool;
	c->number = -1;
	c->is_listener = true;
	c->backoff_ms = RECONNECT_MIN_MS;
	c->retry = evtimer_new(pool->base, conn_retry_cb, c);
	pool->listener = c;
	conn_connect(c);
}

static void
conn_close(struct db_conn *c)
{
	if (c->io_assigned)
		event_del(&c->io);
	PQclear(c->result);
	if (c->pg != NULL)
		PQfinish(c->pg);
	event_free(c->retry);
}

void
db_pool_free(struct db_pool *pool)
{
	if (pool == NULL)
		return;
	pool->closing = true;
	pool_fail_queue(pool, "shutting down");
	if (pool->listener != NULL) {
		conn_close(pool->listener);
		free(pool->listener);
		free(pool->listen_sql);
	}
	for (int i = 0; i < pool->options.size; i++) {
		struct db_conn *c = &pool->conns[i];
		struct db_job *job = c->job;
		c->job = NULL;
		if (job != NULL) {
			pool->refused_unavailable++;
			job_fail(job, DB_UNAVAILABLE, "shutting down");
		}
		conn_close(c);
	}
	event_free(pool->queue_timer);
	free(pool->conns);
	free(pool->conninfo);
	free(pool);
}

static struct db_job *
job_new(struct db_statement *stmt, const char *const *values, db_callback cb, void *arg)
{
	struct db_job *job = xcalloc(1, sizeof *job);
	size_t bytes = (size_t)stmt->nparams * sizeof(char *);
	char *text;

	for (int i = 0; i < stmt->nparams; i++)
		if (values[i] != NULL)
			bytes += strlen(values[i]) + 1;
	job->values = xmalloc(bytes > 0 ? bytes : 1);
	text = (char *)(job->values + stmt->nparams);
	for (int i = 0; i < stmt->nparams; i++) {
		if (values[i] == NULL) {
			job->values[i] = NULL;
			continue;
		}
		size_t n = strlen(values[i]) + 1;
		memcpy(text, values[i], n);
		job->values[i] = text;
		text += n;
	}
	job->stmt = stmt;
	job->cb = cb;
	job->arg = arg;
	job->queued_ms = now_ms();
	return job;
}

void
db_query(struct db_pool *pool, struct db_statement *stmt, const char *const *values, db_callback cb, void *arg)
{
	struct db_job *job;

	if (stmt->index < 0) {
		if (statement_count == DB_MAX_STATEMENTS)
			abort();
		stmt->index = statement_count++;
	}
	job = job_new(stmt, values, cb, arg);
	if (pool->closing || pool_connections_up(pool) == 0) {
		pool->refused_unavailable++;
		job_fail(job, DB_UNAVAILABLE, "no database connection");
		return;
	}
	for (int i = 0; i < pool->options.size; i++) {
		if (pool->conns[i].state == CONN_IDLE) {
			conn_send(&pool->conns[i], job);
			return;
		}
	}
	if (pool->queued >= pool->options.queue_max) {
		pool->refused_busy++;
		job_fail(job, DB_BUSY, "database queue full");
		return;
	}
	queue_push_tail(pool, job);
}
