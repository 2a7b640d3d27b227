/* stale_work: two questions (claimed and never offered past the offer deadline; accepted and never
 * started past the start deadline) answered by one statement, then one guarded statement per order,
 * like an escalation: the guard holds the chain head read, so a second sweeper finds it moved and
 * writes nothing. An accepted order past its time is escalated first (sweep.c: the office, the
 * county and the team lead are told) and taken back from the team only once it has been: both
 * happen at the same deadline, and otherwise whichever statement ran first decided which did. A
 * booking from the service menu is never withdrawn: its team published the service and serves it at
 * the service's time (its deadline). */
#include "stale_work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "xalloc.h"

#define EXPIRE_CLAIM_NOTE                                                                                              \
	"部门领单后未按时邀请服务队，已退回社区重新派单 (claimed but never offered in time: back to the community)"
#define EXPIRE_ACCEPT_NOTE                                                                                             \
	"服务队接单后未按时开始服务，已收回，另请服务队 (accepted but never started in time: withdrawn from the team)"

/* Columns: id, tracking_code, state, head (hex), event_count, team_id (accepted ones). The second
 * branch takes the first one's column names. */
static struct db_statement stalled_statement = DB_STATEMENT("stale_work_due",
    "(SELECT o.id, o.tracking_code, o.state, encode(o.last_event_hash, 'hex') AS head, o.event_count, o.team_id"
    "   FROM orders o"
    "  WHERE o.state = 'claimed' AND paidan_offer_deadline(o.category_id, o.claimed_at) < now()"
    "    AND NOT EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id)"
    "  ORDER BY o.claimed_at LIMIT 100)"
    " UNION ALL "
    "(SELECT o.id, o.tracking_code, o.state, encode(o.last_event_hash, 'hex'), o.event_count, o.team_id"
    "   FROM orders o"
    "  WHERE o.state = 'accepted' AND o.due_at < now() AND o.escalated_at IS NOT NULL AND o.service_id IS NULL"
    "  ORDER BY o.due_at LIMIT 100)",
    0);

/* $1 id, $2 from, $3 to, $4 action, $5 head read, $6 new head, $7 at (µs), $8 note, $9 version,
 * $10 payload, $11 the lapsed team (expire_accept). Still stalled is part of the guard. */
static struct db_statement release_statement = DB_STATEMENT("stale_work_release",
    "WITH t AS (SELECT timestamptz 'epoch' + $7::bigint * interval '1 microsecond' AS at),"
    "upd AS ("
    "  UPDATE orders o SET state = $3::text, updated_at = t.at,"
    "         due_at = t.at + paidan_stage_hours(o.category_id, $3::text) * interval '1 hour',"
    "         escalated_at = NULL, reason = $8::text, team_id = NULL,"
    "         department_id = CASE WHEN $4::text = 'expire_claim' THEN NULL ELSE o.department_id END,"
    "         last_event_hash = decode($6::text, 'hex'), event_count = o.event_count + 1"
    "    FROM t"
    "   WHERE o.id = $1::bigint AND o.state = $2::text AND o.last_event_hash = decode($5::text, 'hex')"
    "     AND CASE $4::text"
    "         WHEN 'expire_claim' THEN paidan_offer_deadline(o.category_id, o.claimed_at) < t.at"
    "              AND NOT EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id)"
    "         WHEN 'expire_accept' THEN o.due_at < t.at AND o.escalated_at IS NOT NULL AND o.team_id = $11::bigint"
    "              AND o.service_id IS NULL"
    "         ELSE false END"
    "  RETURNING o.id, o.event_count, t.at"
    "), lapsed AS ("
    "  DELETE FROM order_offers f USING upd WHERE f.order_id = upd.id AND f.team_id = $11::bigint"
    ")"
    "INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_role, note, at,"
    "                          prev_hash, hash, hash_version, payload)"
    "SELECT id, event_count, $4::text, $2::text, $3::text, 'system', $8::text, at,"
    "       decode($5::text, 'hex'), decode($6::text, 'hex'), $9::smallint, $10::text FROM upd",
    11);

struct stale_round {
	struct app *app;
	int *pending;
};

static void
release_done(void *arg, const struct db_reply *reply)
{
	int *pending = arg;

	(*pending)--;
	if (reply->status == DB_OK && strcmp(PQcmdTuples((PGresult *)reply->result), "1") == 0)
		log_info("released stalled work", "outcome", "released");
	else if (reply->status != DB_OK)
		log_warn("releasing stalled work failed", "reason", reply->message, "sqlstate", reply->sqlstate);
}

static void
release_one(struct stale_round *round, const PGresult *res, int i)
{
	bool claim = strcmp(query_cell(res, i, "state"), "claimed") == 0;
	char payload[40] = "";
	struct audit_event event = {
	    .tracking_code = query_cell(res, i, "tracking_code"),
	    .action = claim ? "expire_claim" : "expire_accept",
	    .from_state = claim ? "claimed" : "accepted",
	    .to_state = claim ? "submitted" : "claimed",
	    .actor_user_id = 0,
	    .actor_role = "system",
	    .note = claim ? EXPIRE_CLAIM_NOTE : EXPIRE_ACCEPT_NOTE,
	    .payload = payload,
	};
	struct audit_link link;
	const char *team = query_cell(res, i, "team_id");
	struct query q;

	if (!claim && team == NULL)
		return;
	if (!claim)
		snprintf(payload, sizeof payload, "team=%s", team);
	if (!audit_next(&event, query_cell(res, i, "head"), atoi(query_cell(res, i, "event_count")), &link))
		return;
	query_start_pool(&q, round->app->db, &release_statement);
	query_text(&q, 1, query_cell(res, i, "id"));
	query_text(&q, 2, event.from_state);
	query_text(&q, 3, event.to_state);
	query_text(&q, 4, event.action);
	query_text(&q, 5, link.prev_hex);
	query_text(&q, 6, link.hash_hex);
	query_text(&q, 7, link.at_us);
	query_text(&q, 8, event.note);
	query_text(&q, 9, link.version);
	query_text(&q, 10, payload);
	query_text(&q, 11, claim ? NULL : team);
	(*round->pending)++;
	query_send(&q, release_done, round->pending);
}

static void
stalled_done(void *arg, const struct db_reply *reply)
{
	struct stale_round *round = arg;

	(*round->pending)--;
	if (reply->status == DB_OK)
		for (int i = 0; i < PQntuples(reply->result); i++)
			release_one(round, reply->result, i);
	else
		log_warn("finding stalled work failed", "reason", reply->message, "sqlstate", reply->sqlstate);
	free(round);
}

void
stale_work_round(struct app *app, int *pending)
{
	struct stale_round *round = xcalloc(1, sizeof *round);

	round->app = app;
	round->pending = pending;
	(*pending)++;
	db_query(app->db, &stalled_statement, NULL, stalled_done, round);
}
