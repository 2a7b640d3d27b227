/* erasure: like an escalation, each erasure is guarded by the order's chain head, so two processes
 * sweeping at once erase once. */
#include "erasure.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "query.h"
#include "xalloc.h"

#define ERASED_TEXT "（已删除）"

static struct db_statement due_statement = DB_STATEMENT("erasure_due",
    "SELECT id, tracking_code, state, encode(last_event_hash, 'hex') AS head, event_count"
    "  FROM orders"
    " WHERE personal_erased_at IS NULL AND state IN ('closed', 'rejected', 'cancelled', 'merged')"
    "   AND closed_at < now() - $1::int * interval '1 day'"
    " ORDER BY closed_at LIMIT 200",
    1);

static struct db_statement erase_statement = DB_STATEMENT("erasure_erase",
    "WITH t AS (SELECT timestamptz 'epoch' + $5::bigint * interval '1 microsecond' AS at),"
    "upd AS ("
    "  UPDATE orders o SET description = '" ERASED_TEXT "', contact_name = '" ERASED_TEXT "',"
    "         contact_phone = '', address = '', preferred_time = '', personal_salt = NULL,"
    "         resident_key_hash = NULL, personal_erased_at = t.at,"
    "         last_event_hash = decode($4, 'hex'), event_count = o.event_count + 1"
    "    FROM t"
    "   WHERE o.id = $1::bigint AND o.state = $2::text AND o.last_event_hash = decode($3, 'hex')"
    "     AND o.personal_erased_at IS NULL"
    "  RETURNING o.id, o.event_count, t.at"
    ")"
    "INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role, note, at,"
    "                          prev_hash, hash, hash_version, payload)"
    "SELECT id, event_count, 'erase', $2::text, $2::text, $9::bigint, $10::text, $6::text, at,"
    "       decode($3, 'hex'), decode($4, 'hex'), $7::smallint, $8::text FROM upd",
    10);

struct erasure_round {
	struct app *app;
	int *pending;
};

static void
erase_done(void *arg, const struct db_reply *reply)
{
	int *pending = arg;

	(*pending)--;
	if (reply->status == DB_OK && strcmp(PQcmdTuples((PGresult *)reply->result), "1") == 0)
		log_info("erased the personal data of an order closed long ago");
	else if (reply->status != DB_OK)
		log_warn("erasure failed", "reason", reply->message, "sqlstate", reply->sqlstate);
}

static void
due_done(void *arg, const struct db_reply *reply)
{
	struct erasure_round round = *(struct erasure_round *)arg;
	const PGresult *res = reply->result;

	free(arg);
	(*round.pending)--;
	if (reply->status != DB_OK)
		return;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *note = "超过保存期限，已删除个人信息 (personal data erased after the retention period)";
		struct erasure_order order = {
		    .id = query_cell(res, i, "id"),
		    .tracking_code = query_cell(res, i, "tracking_code"),
		    .state = query_cell(res, i, "state"),
		    .head = query_cell(res, i, "head"),
		    .event_count = query_cell_int(res, i, "event_count"),
		};

		if (erasure_erase(round.app, &order, 0, "system", note, erase_done, round.pending))
			(*round.pending)++;
	}
}

bool
erasure_erase(struct app *app, const struct erasure_order *order, int64_t actor_id, const char *actor_role,
    const char *note, void (*done)(void *arg, const struct db_reply *reply), void *arg)
{
	struct audit_event event = {
	    .tracking_code = order->tracking_code,
	    .action = "erase",
	    .from_state = order->state,
	    .to_state = order->state,
	    .actor_user_id = actor_id,
	    .actor_role = actor_role,
	    .note = note,
	    .payload = "erased=personal",
	};
	struct audit_link link;
	struct query q;

	if (!audit_next(&event, order->head, order->event_count, &link))
		return false;
	query_start_pool(&q, app->db, &erase_statement);
	query_text(&q, 1, order->id);
	query_text(&q, 2, order->state);
	query_text(&q, 3, link.prev_hex);
	query_text(&q, 4, link.hash_hex);
	query_text(&q, 5, link.at_us);
	query_text(&q, 6, note);
	query_text(&q, 7, link.version);
	query_text(&q, 8, event.payload);
	if (actor_id > 0)
		query_id(&q, 9, actor_id);
	query_text(&q, 10, actor_role);
	query_send(&q, done, arg);
	return true;
}

void
erasure_round(struct app *app, int *pending)
{
	struct erasure_round *round = xcalloc(1, sizeof *round);
	struct query q;

	round->app = app;
	round->pending = pending;
	(*pending)++;
	query_start_pool(&q, app->db, &due_statement);
	query_int(&q, 1, app->cfg->erase_after_days);
	query_send(&q, due_done, round);
}
