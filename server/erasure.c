/* erasure: like an escalation, each erasure is guarded by the order's chain head, so two processes
 * sweeping at once erase once. */
#include "erasure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "xalloc.h"

#define ERASED_TEXT "（已删除）"

static struct db_statement due_statement = DB_STATEMENT("erasure_due",
    "SELECT id, tracking_code, state, encode(last_event_hash, 'hex'), event_count"
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
		    .id = PQgetvalue(res, i, 0),
		    .tracking_code = PQgetvalue(res, i, 1),
		    .state = PQgetvalue(res, i, 2),
		    .head = PQgetvalue(res, i, 3),
		    .event_count = atoi(PQgetvalue(res, i, 4)),
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
	char actor[24];
	const char *values[10] = {order->id, order->state, link.prev_hex, link.hash_hex, link.at_us, note, link.version,
	    event.payload, actor_id > 0 ? actor : NULL, actor_role};

	if (!audit_next(&event, order->head, order->event_count, &link))
		return false;
	snprintf(actor, sizeof actor, "%lld", (long long)actor_id);
	db_query(app->db, &erase_statement, values, done, arg);
	return true;
}

void
erasure_round(struct app *app, int *pending)
{
	struct erasure_round *round = xcalloc(1, sizeof *round);
	char days[24];
	const char *values[1] = {days};

	round->app = app;
	round->pending = pending;
	snprintf(days, sizeof days, "%ld", app->cfg->erase_after_days);
	(*pending)++;
	db_query(app->db, &due_statement, values, due_done, round);
}
