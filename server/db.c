/* db: the pool — jobs wait in a FIFO per class for a connection (db_conn.c runs each connection,
 * db_flight.c the statements it has in flight). */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_internal.h"
#include "log.h"
#include "metrics.h"
#include "offload.h"
#include "xalloc.h"

#define QUEUE_CHECK_MS 100

static int statement_count;

long long
db_now_ms(void)
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

bool
db_listening(const struct db_pool *pool)
{
	return pool->listener != NULL && pool->listener->state == CONN_IDLE;
}

bool
db_pool_ready(const struct db_pool *pool)
{
	return !pool->closing && db_pool_connections_up(pool) > 0;
}

long long
db_job_deadline(const struct db_pool *pool, const struct db_job *job, long long now)
{
	long long deadline = now + pool->options.call_timeout_ms;

	/* The deadline counts from the first send: preparing first, or moving to another connection
	 * when one breaks, does not extend it. */
	return job->deadline_ms != 0 && job->deadline_ms < deadline ? job->deadline_ms : deadline;
}

/* Defined below: the census is the pool's own. */
static int pool_census(
    const struct db_pool *pool, int busy[DB_CLASSES], int running[DB_CLASSES], struct db_conn **idle);

bool
db_pool_busy(const struct db_pool *pool)
{
	int busy[DB_CLASSES], running = 0, up;
	struct db_conn *idle;

	up = pool_census(pool, busy, NULL, &idle);
	for (int c = 0; c < DB_CLASSES; c++) {
		running += busy[c];
		if (pool->queues[c].length > 0)
			return true;
	}
	return running >= (up > 4 ? up / 2 : 2);
}

static void
job_free(struct db_job *job)
{
	PQclear(job->result);
	free(job->values);
	free(job);
}

void
db_job_finish(struct db_job *job, const struct db_reply *reply)
{
	struct db_pool *pool = job->pool;
	enum db_class was = pool->current;

	metrics_db_call(job->queued_ms, db_now_ms());
	/* What the callback sends next belongs to the same request, so to the same class. */
	pool->current = job->klass;
	job->cb(job->arg, reply);
	pool->current = was;
	job_free(job);
}

void
db_job_fail(struct db_job *job, enum db_status status, const char *message)
{
	struct db_reply reply = {status, NULL, "", message, ""};

	db_job_finish(job, &reply);
}

static void
queue_push_tail(struct db_pool *pool, struct db_job *job)
{
	struct db_queue *q = &pool->queues[job->klass];

	job->next = NULL;
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	q->length++;
}

void
db_queue_push_head(struct db_pool *pool, struct db_job *job)
{
	struct db_queue *q = &pool->queues[job->klass];

	job->next = q->head;
	q->head = job;
	if (q->tail == NULL)
		q->tail = job;
	q->length++;
}

static struct db_job *
queue_pop(struct db_pool *pool, enum db_class c)
{
	struct db_queue *q = &pool->queues[c];
	struct db_job *job = q->head;

	if (job == NULL)
		return NULL;
	q->head = job->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->length--;
	job->next = NULL;
	return job;
}

void
db_pool_fail_queue(struct db_pool *pool, const char *message)
{
	struct db_job *job;

	for (int c = 0; c < DB_CLASSES; c++)
		while ((job = queue_pop(pool, (enum db_class)c)) != NULL) {
			pool->stats.refused_unavailable++;
			db_job_fail(job, DB_UNAVAILABLE, message);
		}
}

/* Connections up; busy[k]: connections held by class k (a connection's statements are all of one
 * class: only fast reads join a pipeline, and only one of fast reads); running[k] (unless NULL):
 * statements of class k in flight; and an idle connection if there is one. */
static int
pool_census(const struct db_pool *pool, int busy[DB_CLASSES], int running[DB_CLASSES], struct db_conn **idle)
{
	int up = 0;

	*idle = NULL;
	for (int c = 0; c < DB_CLASSES; c++) {
		busy[c] = 0;
		if (running != NULL)
			running[c] = 0;
	}
	for (int i = 0; i < pool->options.size; i++) {
		struct db_conn *conn = &pool->conns[i];
		if (!db_conn_is_up(conn))
			continue;
		up++;
		if (conn->first != NULL)
			busy[conn->first->klass]++;
		else if (conn->state == CONN_IDLE && *idle == NULL)
			*idle = conn;
		for (const struct db_job *job = conn->first; running != NULL && job != NULL; job = job->next)
			running[job->klass]++;
	}
	return up;
}

/* With no idle connection it may take, the first waiting fast read may join a busy connection in
 * pipeline mode (db_share_pipeline_pick) — but never while a slow read or a write waits: then the
 * connections fast reads hold come idle as their statements are answered and go by the shares to
 * whoever waited longest, as without pipelines, instead of being kept busy by fast reads forever. */
static struct db_conn *
pipeline_target(struct db_pool *pool)
{
	const struct db_job *job = pool->queues[DB_CLASS_FAST_READ].head;
	long long now = db_now_ms();
	int n = 0, pick;

	if (job == NULL || pool->options.pipeline_depth <= 1 || pool->queues[DB_CLASS_SLOW_READ].head != NULL ||
	    pool->queues[DB_CLASS_WRITE].head != NULL)
		return NULL;
	for (int i = 0; i < pool->options.size; i++) {
		const struct db_conn *conn = &pool->conns[i];
		struct db_share_conn *v = &pool->pipeline_view[i];
		v->in_flight = 0;
		if (!conn->pipeline || conn->first == NULL || !db_conn_is_up(conn))
			continue;
		v->in_flight = conn->in_flight;
		v->fast_only = true;
		for (const struct db_job *j = conn->first; j != NULL; j = j->next)
			v->fast_only = v->fast_only && j->klass == DB_CLASS_FAST_READ;
		v->head_ms = now - conn->head_since_ms;
		v->last_deadline_ms = conn->last->deadline_ms;
		n = i + 1;
	}
	pick = db_share_pipeline_pick(
	    pool->pipeline_view, n, pool->options.pipeline_depth, db_job_deadline(pool, job, now));
	return pick < 0 ? NULL : &pool->conns[pick];
}

void
db_pool_start_waiting(struct db_pool *pool)
{
	for (;;) {
		int busy[DB_CLASSES], next = -1;
		struct db_conn *to;
		int up = pool_census(pool, busy, NULL, &to);
		struct db_job *job;

		/* Of the classes whose share allows one more, the one whose first statement waited longest. */
		for (int c = 0; to != NULL && c < DB_CLASSES; c++) {
			const struct db_job *head = pool->queues[c].head;
			if (head != NULL && db_share_may_take(up, busy, (enum db_class)c) &&
			    (next < 0 || head->queued_ms < pool->queues[next].head->queued_ms))
				next = c;
		}
		if (next < 0) {
			if ((to = pipeline_target(pool)) == NULL)
				return;
			next = DB_CLASS_FAST_READ;
		}
		job = queue_pop(pool, (enum db_class)next);
		metrics_db_queue_wait(db_now_ms() - job->queued_ms);
		db_conn_send(to, job);
	}
}

/* Refuses, with DB_BUSY, each waiting job past the queue timeout or its own deadline. */
static void
queue_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool *pool = arg;
	long long now = db_now_ms(), cutoff = now - pool->options.queue_timeout_ms;
	struct db_job *expired = NULL, *job;

	(void)fd;
	(void)what;
	for (int c = 0; c < DB_CLASSES; c++) {
		struct db_queue *q = &pool->queues[c];
		struct db_job **link = &q->head;
		q->tail = NULL;
		while ((job = *link) != NULL) {
			if (job->queued_ms < cutoff || (job->deadline_ms != 0 && job->deadline_ms <= now)) {
				*link = job->next;
				q->length--;
				job->next = expired;
				expired = job;
				continue;
			}
			q->tail = job;
			link = &job->next;
		}
	}
	/* Answered after the queues are whole again: a callback may queue another statement. */
	while ((job = expired) != NULL) {
		expired = job->next;
		pool->stats.refused_busy++;
		pool->stats.refused_busy_by_class[job->klass]++;
		db_job_fail(job, DB_BUSY, "waited too long for a database connection");
	}
}

struct db_pool *
db_pool_new(struct event_base *base, const struct db_pool_options *options)
{
	struct db_pool *pool = xcalloc(1, sizeof *pool);
	struct timeval tick = {0, QUEUE_CHECK_MS * 1000};

	pool->base = base;
	pool->options = *options;
	pool->current = DB_CLASS_WRITE;
	pool->conninfo = xstrdup(options->conninfo);
	pool->options.conninfo = pool->conninfo;
	if (pool->options.call_timeout_ms <= 0)
		pool->options.call_timeout_ms = options->statement_timeout_ms + 1000;
	if (pool->options.connect_timeout_ms <= 0)
		pool->options.connect_timeout_ms = 5000;
	/* One thread: cancels go to one server, and one stuck on a frozen server holds up only cancels. */
	pool->canceller = offload_new(base, 1, options->size * 2);
	pool->conns = xcalloc((size_t)options->size, sizeof *pool->conns);
	pool->pipeline_view = xcalloc((size_t)options->size, sizeof *pool->pipeline_view);
	pool->queue_timer = event_new(base, -1, EV_PERSIST, queue_timer_cb, pool);
	event_add(pool->queue_timer, &tick);
	for (int i = 0; i < options->size; i++) {
		db_conn_init(pool, &pool->conns[i], i);
		db_conn_connect(&pool->conns[i]);
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
	db_conn_init(pool, c, -1);
	c->is_listener = true;
	pool->listener = c;
	db_conn_connect(c);
}

void
db_pool_free(struct db_pool *pool)
{
	if (pool == NULL)
		return;
	pool->closing = true;
	db_pool_fail_queue(pool, "shutting down");
	if (pool->listener != NULL) {
		db_conn_close(pool->listener);
		free(pool->listener);
		free(pool->listen_sql);
	}
	for (int i = 0; i < pool->options.size; i++)
		db_conn_close(&pool->conns[i]);
	/* A cancel sent to a frozen server never returns: it is left behind rather than waited for. */
	offload_free(pool->canceller, 1000);
	event_free(pool->queue_timer);
	free(pool->pipeline_view);
	free(pool->conns);
	free(pool->conninfo);
	free(pool);
}

static struct db_job *
job_new(struct db_pool *pool, struct db_statement *stmt, const char *const *values, db_callback cb, void *arg)
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
	job->queued_ms = db_now_ms();
	job->klass = pool->current;
	job->pool = pool;
	return job;
}

void
db_query_within(struct db_pool *pool, struct db_statement *stmt, const char *const *values, int within_ms,
    db_callback cb, void *arg)
{
	struct db_job *job;

	if (stmt->index < 0) {
		if (statement_count == DB_MAX_STATEMENTS)
			abort();
		stmt->index = statement_count++;
	}
	job = job_new(pool, stmt, values, cb, arg);
	if (within_ms > 0)
		job->deadline_ms = job->queued_ms + within_ms;
	/* While the database is down, fail fast; at start-up, wait (bounded) for the first connection. */
	if (pool->closing || (db_pool_connections_up(pool) == 0 && (pool->ever_up || pool->options.fail_at_start))) {
		pool->stats.refused_unavailable++;
		db_job_fail(job, DB_UNAVAILABLE, "no database connection");
		return;
	}
	if (pool->queues[job->klass].length >= pool->options.queue_max[job->klass]) {
		pool->stats.refused_busy++;
		pool->stats.refused_busy_by_class[job->klass]++;
		db_job_fail(job, DB_BUSY, "database queue full");
		return;
	}
	/* Behind the statements of its class already waiting; sent at once if its share allows. */
	queue_push_tail(pool, job);
	db_pool_start_waiting(pool);
}

enum db_class
db_pool_use_class(struct db_pool *pool, enum db_class c)
{
	enum db_class was = pool->current;

	pool->current = c;
	return was;
}

void
db_query(struct db_pool *pool, struct db_statement *stmt, const char *const *values, db_callback cb, void *arg)
{
	db_query_within(pool, stmt, values, 0, cb, arg);
}

void
db_pool_get_stats(const struct db_pool *pool, struct db_pool_stats *stats)
{
	struct db_conn *idle;
	int busy[DB_CLASSES];

	*stats = pool->stats;
	stats->connections_up = pool_census(pool, busy, stats->running_by_class, &idle);
	stats->queued = 0;
	for (int c = 0; c < DB_CLASSES; c++) {
		stats->queued_by_class[c] = pool->queues[c].length;
		stats->queued += pool->queues[c].length;
	}
}
