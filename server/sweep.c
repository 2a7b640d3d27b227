/* sweep: each escalation is guarded by the order's chain head, so when two processes sweep at
 * once the second finds the head moved and writes nothing. */
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "erasure.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "query.h"
#include "stale_work.h"
#include "xalloc.h"

#define SWEEP_BATCH "200"

static struct db_statement overdue_statement = DB_STATEMENT("sweep_overdue",
    "SELECT id, tracking_code, state, encode(last_event_hash, 'hex') AS head, event_count"
    "  FROM orders"
    " WHERE due_at < now() AND escalated_at IS NULL"
    "   AND state NOT IN ('closed', 'rejected', 'cancelled')"
    " ORDER BY due_at LIMIT " SWEEP_BATCH,
    0);

static struct db_statement escalate_statement = DB_STATEMENT("sweep_escalate",
    "WITH t AS (SELECT timestamptz 'epoch' + $5::bigint * interval '1 microsecond' AS at),"
    "upd AS ("
    "  UPDATE orders o SET escalated_at = t.at, last_event_hash = decode($4, 'hex'),"
    "         event_count = o.event_count + 1"
    "    FROM t"
    "   WHERE o.id = $1::bigint AND o.state = $2::text AND o.last_event_hash = decode($3, 'hex')"
    "     AND o.escalated_at IS NULL AND o.due_at < now()"
    "  RETURNING o.id, o.event_count, t.at"
    ")"
    "INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_role, note, at,"
    "                          prev_hash, hash, hash_version, payload)"
    "SELECT id, event_count, 'escalate', $2::text, $2::text, 'system', $6::text, at,"
    "       decode($3, 'hex'), decode($4, 'hex'), $7::smallint, '' FROM upd",
    7);

static struct db_statement cleanup_statement = DB_STATEMENT("sweep_cleanup",
    "WITH s AS (DELETE FROM sessions WHERE expires_at < now() - interval '1 day'),"
    " k AS (DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours'),"
    " f AS (DELETE FROM login_attempts WHERE window_start < now() - interval '1 day'),"
    " a AS (DELETE FROM submit_attempts WHERE window_start < now() - interval '1 day'),"
    " n AS (DELETE FROM login_known_addresses WHERE last_success < now() - interval '1 year'),"
    " r AS (DELETE FROM resident_sessions WHERE expires_at < now() - interval '1 day'),"
    " c AS (DELETE FROM phone_codes WHERE day_start < now() - interval '2 days')"
    "SELECT 1",
    0);

struct sweep {
	struct app *app;
	struct event *timer;
	int pending;
	int escalated;
};

static void
escalate_done(void *arg, const struct db_reply *reply)
{
	struct sweep *sweep = arg;

	sweep->pending--;
	if (reply->status == DB_OK && strcmp(PQcmdTuples((PGresult *)reply->result), "1") == 0) {
		sweep->escalated++;
		metrics_escalated();
		outbox_wake(sweep->app->outbox);
	} else if (reply->status != DB_OK)
		log_warn("escalation failed", "reason", reply->message, "sqlstate", reply->sqlstate);
	if (sweep->pending == 0 && sweep->escalated > 0) {
		char n[16];
		snprintf(n, sizeof n, "%d", sweep->escalated);
		log_info("escalated overdue orders", "count", n);
	}
}

static void
overdue_done(void *arg, const struct db_reply *reply)
{
	struct sweep *sweep = arg;
	const PGresult *res = reply->result;

	sweep->pending--;
	if (reply->status != DB_OK)
		return;
	sweep->escalated = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *note = "超过办理时限，已提醒县级管理员 (overdue: escalated)";
		const char *state = query_cell(res, i, "state");
		struct audit_event event = {
		    .tracking_code = query_cell(res, i, "tracking_code"),
		    .action = "escalate",
		    .from_state = state,
		    .to_state = state,
		    .actor_user_id = 0,
		    .actor_role = "system",
		    .note = note,
		    .payload = "",
		};
		struct audit_link link;
		struct query q;

		if (!audit_next(&event, query_cell(res, i, "head"), atoi(query_cell(res, i, "event_count")), &link))
			continue;
		query_start_pool(&q, sweep->app->db, &escalate_statement);
		query_text(&q, 1, query_cell(res, i, "id"));
		query_text(&q, 2, state);
		query_text(&q, 3, link.prev_hex);
		query_text(&q, 4, link.hash_hex);
		query_text(&q, 5, link.at_us);
		query_text(&q, 6, note);
		query_text(&q, 7, link.version);
		sweep->pending++;
		query_send(&q, escalate_done, sweep);
	}
}

static void
cleanup_done(void *arg, const struct db_reply *reply)
{
	struct sweep *sweep = arg;

	sweep->pending--;
	if (reply->status == DB_SQL_ERROR)
		log_warn("cleanup failed", "reason", reply->message);
}

static void
sweep_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sweep *sweep = arg;

	(void)fd;
	(void)what;
	if (sweep->pending > 0 || sweep->app->stopping || !db_pool_ready(sweep->app->db))
		return;
	sweep->pending += 2;
	db_query(sweep->app->db, &overdue_statement, NULL, overdue_done, sweep);
	db_query(sweep->app->db, &cleanup_statement, NULL, cleanup_done, sweep);
	erasure_round(sweep->app, &sweep->pending);
	stale_work_round(sweep->app, &sweep->pending);
}

struct sweep *
sweep_start(struct app *app)
{
	struct sweep *sweep = xcalloc(1, sizeof *sweep);
	struct timeval interval = {app->cfg->sweep_interval_s, 0};

	sweep->app = app;
	sweep->timer = event_new(app->base, -1, EV_PERSIST, sweep_tick, sweep);
	event_add(sweep->timer, &interval);
	return sweep;
}

void
sweep_stop(struct sweep *sweep)
{
	if (sweep == NULL)
		return;
	event_free(sweep->timer);
	free(sweep);
}
