/* db_flight: the statements one connection has in flight, oldest first, and the results that answer
 * them.
 *
 * Without a pipeline (--db-pipeline-depth 1) a connection runs one statement at a time: one not yet
 * prepared there is prepared first (a round trip of its own), then run. In pipeline mode each
 * statement goes as its Parse (the first time on this connection), its Bind/Execute and a Sync of
 * its own, so it is its own implicit transaction and its own error scope, as without a pipeline: a
 * statement that fails makes the server skip only the rest of its own messages, up to its Sync, and
 * the next one runs as if alone. The results come back in the order sent — the prepare's, the
 * statement's, then PGRES_PIPELINE_SYNC, which ends the oldest statement — each run of a command's
 * results closed by a NULL from PQgetResult. */
#include "db_internal.h"

#include <stdlib.h>

/* Keeps the first error, else the last result. */
static void
flight_keep(struct db_conn *c, struct db_job *job, PGresult *r)
{
	ExecStatusType status = PQresultStatus(r);
	bool failed = status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK;

	/* In a pipeline the prepare's result comes first: if it failed, the statement is not there. */
	if (job->prepares && job->results++ == 0 && failed)
		c->prepared[job->stmt->index] = 0;
	if (job->result != NULL) {
		status = PQresultStatus(job->result);
		if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
			PQclear(r);
			return;
		}
		PQclear(job->result);
	}
	job->result = r;
}

/* Answers job from what it kept, and frees it. */
static void
flight_answer(struct db_job *job)
{
	const PGresult *result = job->result;
	ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;

	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
		struct db_reply reply = {DB_OK, result, "", "", ""};
		db_job_finish(job, &reply);
	} else {
		const char *sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
		const char *message = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		const char *constraint = result ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : NULL;
		struct db_reply reply = {DB_SQL_ERROR, NULL, sqlstate ? sqlstate : "XX000",
		    message ? message : "statement failed", constraint ? constraint : ""};
		db_job_finish(job, &reply);
	}
}

/* The oldest statement is answered: the next becomes the oldest, its deadline the connection's. */
static struct db_job *
flight_pop(struct db_conn *c)
{
	struct db_job *job = c->first;
	long long now = db_now_ms();

	c->first = job->next;
	if (c->first == NULL)
		c->last = NULL;
	c->in_flight--;
	job->next = NULL;
	evtimer_del(c->timer);
	if (c->first == NULL) {
		db_conn_set_state(c, CONN_IDLE);
	} else {
		c->head_since_ms = now;
		db_conn_timer(c, c->first->deadline_ms - now);
	}
	return job;
}

struct db_job *
db_flight_take(struct db_conn *c)
{
	struct db_job *jobs = c->first;

	c->first = c->last = NULL;
	c->in_flight = 0;
	return jobs;
}

/* One at a time: the statement's prepare alone if it is not prepared here yet, else the statement. */
static bool
flight_send_one(struct db_conn *c, struct db_job *job)
{
	struct db_statement *stmt = job->stmt;

	if (!c->prepared[stmt->index]) {
		db_conn_set_state(c, CONN_PREPARING);
		return PQsendPrepare(c->pg, stmt->name, stmt->sql, stmt->nparams, NULL) == 1;
	}
	db_conn_set_state(c, CONN_QUERYING);
	if (!PQsendQueryPrepared(c->pg, stmt->name, stmt->nparams, (const char *const *)job->values, NULL, NULL, 0))
		return false;
	job->sent = true;
	c->pool->stats.queries++;
	return true;
}

/* Pipeline mode: [Parse,] Bind/Execute, Sync, into libpq's buffer (PQpipelineSync also starts sending
 * it). A Sync that never reached the server leaves the statement's transaction uncommitted. */
static bool
flight_queue(struct db_conn *c, struct db_job *job)
{
	struct db_statement *stmt = job->stmt;

	db_conn_set_state(c, CONN_QUERYING);
	if (!c->prepared[stmt->index]) {
		if (!PQsendPrepare(c->pg, stmt->name, stmt->sql, stmt->nparams, NULL))
			return false;
		c->prepared[stmt->index] = 1; /* the statements behind it use it */
		job->prepares = true;
	}
	if (!PQsendQueryPrepared(c->pg, stmt->name, stmt->nparams, (const char *const *)job->values, NULL, NULL, 0))
		return false;
	job->sent = true;
	c->pool->stats.queries++;
	return PQpipelineSync(c->pg) == 1;
}

void
db_conn_send(struct db_conn *c, struct db_job *job)
{
	long long now = db_now_ms();

	job->deadline_ms = db_job_deadline(c->pool, job, now);
	job->next = NULL;
	job->prepares = job->sent = false;
	job->results = 0;
	if (c->first == NULL) {
		c->first = job;
		c->head_since_ms = now;
		db_conn_timer(c, job->deadline_ms - now);
	} else {
		c->last->next = job;
		c->pool->stats.pipelined++;
	}
	c->last = job;
	c->in_flight++;
	if (!(c->pipeline ? flight_queue(c, job) : flight_send_one(c, job))) {
		db_conn_lost(c, PQerrorMessage(c->pg));
		return;
	}
	db_conn_flush(c);
}

/* Without a pipeline: all results are in once PQgetResult gives NULL. */
static void
flight_read_one(struct db_conn *c)
{
	while (!PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);
		struct db_job *job = c->first;
		if (r != NULL) {
			flight_keep(c, job, r);
			continue;
		}
		if (c->state == CONN_PREPARING && PQresultStatus(job->result) == PGRES_COMMAND_OK) {
			PQclear(job->result);
			job->result = NULL;
			c->prepared[job->stmt->index] = 1;
			if (!flight_send_one(c, job))
				db_conn_lost(c, PQerrorMessage(c->pg));
			else
				db_conn_flush(c);
			return;
		}
		flight_answer(flight_pop(c));
		db_pool_start_waiting(c->pool);
		return;
	}
}

/* Pipeline mode: each PGRES_PIPELINE_SYNC answers the oldest statement. A callback may send more on
 * this connection, or lose it (then it is down and nothing more is read). */
static void
flight_read_pipeline(struct db_conn *c)
{
	bool after_null = false, answered = false;

	while (c->state == CONN_QUERYING && !PQisBusy(c->pg)) {
		PGresult *r = PQgetResult(c->pg);
		if (r == NULL) {
			/* The end of one command's results; twice in a row: nothing more is in. */
			if (after_null)
				break;
			after_null = true;
			continue;
		}
		after_null = false;
		if (PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
			flight_keep(c, c->first, r);
			continue;
		}
		PQclear(r);
		flight_answer(flight_pop(c));
		answered = true;
	}
	if (answered)
		db_pool_start_waiting(c->pool);
}

void
db_flight_read(struct db_conn *c)
{
	if (c->pipeline)
		flight_read_pipeline(c);
	else
		flight_read_one(c);
}
