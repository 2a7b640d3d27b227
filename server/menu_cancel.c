/* menu_cancel: cancelling a booking from the service menu. order_actions.c checks it as any cancel
 * (the key or the community, the state, the order's chain head) and hands its parameters here; a
 * booked place goes to the first on the waiting list, who becomes accepted in the same statement
 * with a "promote" event of their own chain. So the waiter's head is read first, their next link
 * computed, and the statement guarded by both heads and by the waiting count read: the service's row
 * is locked first, and when someone joined or left the waiting list in between the statement raises
 * PD493, nothing is written, and this reads again (a few times, then 503 busy). */
#include "menu_cancel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "audit.h"
#include "http.h"
#include "order_statements.h"
#include "query.h"
#include "xalloc.h"

#define CANCEL_ATTEMPTS 4
#define PROMOTE_NOTE "有人取消了预约，您已从候补转为预约成功 (a place came free: your booking is confirmed)"

static struct db_statement waiting_statement = DB_STATEMENT("menu_cancel_waiting",
    "SELECT s.waiting, w.id, w.tracking_code, encode(w.last_event_hash, 'hex') AS head, w.event_count"
    "  FROM orders o JOIN services s ON s.id = o.service_id"
    "  LEFT JOIN LATERAL (SELECT * FROM orders x WHERE x.service_id = s.id AND x.state = 'waitlisted'"
    "                     ORDER BY x.id LIMIT 1) w ON true"
    " WHERE o.id = $1::bigint",
    1);

/* $1 order, $2 its state, $3 its head, $4 its new head, $5 the event's seq, $6 its time (µs),
 * $7 actor, $8 actor's role, $9 reason, $10 the community (scope), $11 the resident key's hash,
 * $12 payload, $13 hash version (the transition's, as order_actions.c made them); $14 the waiting
 * count read, $15 the waiter to promote (NULL: none, or the cancelled one was itself waiting),
 * $16 its head, $17 its new head, $18 its event's time (µs), $19 its note, $20 its payload. */
static struct db_statement cancel_statement = DB_STATEMENT("menu_cancel",
    "WITH t AS (SELECT timestamptz 'epoch' + $6::bigint * interval '1 microsecond' AS at,"
    "                  timestamptz 'epoch' + $18::bigint * interval '1 microsecond' AS promote_at),"
    "svc AS ("
    "  SELECT s.id, s.waiting, s.team_id, paidan_service_due(s) AS due FROM services s"
    "   WHERE s.id = (SELECT o.service_id FROM orders o WHERE o.id = $1::bigint) FOR UPDATE"
    "), upd AS ("
    "  UPDATE orders o SET state = 'cancelled', updated_at = t.at, due_at = NULL, escalated_at = NULL,"
    "         team_id = NULL, reason = NULLIF($9::text, ''), closed_at = t.at,"
    "         last_event_hash = decode($4::text, 'hex'), event_count = o.event_count + 1"
    "    FROM t, svc"
    "   WHERE o.id = $1::bigint AND o.service_id = svc.id AND o.state = $2::text"
    "     AND o.last_event_hash = decode($3::text, 'hex') AND o.event_count + 1 = $5::int"
    "     AND CASE $8::text WHEN 'community' THEN o.community_id = $10::bigint"
    "         WHEN 'resident' THEN o.resident_key_hash = decode($11::text, 'hex') ELSE false END"
    "  RETURNING o.*"
    "), ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role,"
    "                            note, at, prev_hash, hash, hash_version, payload)"
    "  SELECT id, $5::int, 'cancel', $2::text, 'cancelled', $7::bigint, $8::text, $9::text, updated_at,"
    "         decode($3::text, 'hex'), decode($4::text, 'hex'), $13::smallint, $12::text FROM upd"
    "), promoted AS ("
    "  UPDATE orders w SET state = 'accepted', team_id = svc.team_id, accepted_at = t.promote_at,"
    "         updated_at = t.promote_at, due_at = svc.due,"
    "         last_event_hash = decode($17::text, 'hex'), event_count = w.event_count + 1"
    "    FROM t, svc, upd"
    "   WHERE w.id = $15::bigint AND w.service_id = svc.id AND w.state = 'waitlisted'"
    "     AND w.last_event_hash = decode($16::text, 'hex')"
    "  RETURNING w.id, w.event_count, w.updated_at"
    "), promote_ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_role, note, at,"
    "                            prev_hash, hash, hash_version, payload)"
    "  SELECT id, event_count, 'promote', 'waitlisted', 'accepted', 'system', $19::text, updated_at,"
    "         decode($16::text, 'hex'), decode($17::text, 'hex'), $13::smallint, $20::text FROM promoted"
    "), counted AS ("
    "  UPDATE services s SET"
    "         booked = s.booked - CASE WHEN $2::text = 'accepted' AND $15::bigint IS NULL THEN 1 ELSE 0 END,"
    "         waiting = s.waiting - CASE WHEN $2::text = 'waitlisted' OR $15::bigint IS NOT NULL THEN 1 ELSE 0 END"
    "    FROM upd WHERE s.id = upd.service_id"
    ")"
    "SELECT paidan_order_staff_json(upd::orders, paidan_phone_visible(upd::orders, $8::text, $10::bigint))::text"
    "       AS \"order\""
    "  FROM upd, svc"
    " WHERE paidan_menu_check(svc.waiting = $14::int"
    "                         AND (SELECT count(*) FROM promoted) = CASE WHEN $15::bigint IS NULL THEN 0 ELSE 1 END)",
    20);

struct menu_cancel {
	struct request *r;
	char *values[20];
	query_rows done;
	int attempts;
};

static void
menu_cancel_free(struct menu_cancel *c)
{
	for (int i = 0; i < 20; i++)
		free(c->values[i]);
	free(c);
}

static void
set(struct menu_cancel *c, int param, const char *text)
{
	free(c->values[param - 1]);
	c->values[param - 1] = text != NULL ? xstrdup(text) : NULL;
}

static void
set_id(struct menu_cancel *c, int param, int64_t id)
{
	char text[24];

	snprintf(text, sizeof text, "%lld", (long long)id);
	set(c, param, id > 0 ? text : NULL);
}

static void waiting_send(struct menu_cancel *c);

static void
cancel_done(void *arg, const struct db_reply *reply)
{
	struct menu_cancel *c = arg;
	bool changed = reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "PD493") == 0;

	if (changed && ++c->attempts < CANCEL_ATTEMPTS) {
		waiting_send(c); /* the waiting list changed since it was read: read it again */
		return;
	}
	if (changed) {
		http_set_header(c->r, "Retry-After", "1");
		api_error_reply(c->r, API_ERROR_BUSY, NULL);
	} else if (reply->status == DB_OK) {
		c->done(c->r, reply->result);
	} else {
		api_reply_db_error(c->r, reply);
	}
	menu_cancel_free(c);
}

static void
waiting_done(void *arg, const struct db_reply *reply)
{
	struct menu_cancel *c = arg;
	const PGresult *res = reply->result;

	if (reply->status != DB_OK || PQntuples(res) == 0) {
		if (reply->status != DB_OK)
			api_reply_db_error(c->r, reply);
		else
			c->done(c->r, res); /* no row: the transition's "moved on" answer */
		menu_cancel_free(c);
		return;
	}
	set(c, 14, query_cell(res, 0, "waiting"));
	for (int p = 15; p <= 20; p++)
		set(c, p, NULL);
	/* A booked place goes to the first waiting; a waiting one leaving frees no place. */
	if (strcmp(c->values[1], "accepted") == 0 && !query_cell_null(res, 0, "id")) {
		char payload[48];
		struct audit_event event = {
		    .tracking_code = query_cell(res, 0, "tracking_code"),
		    .action = "promote",
		    .from_state = "waitlisted",
		    .to_state = "accepted",
		    .actor_role = "system",
		    .note = PROMOTE_NOTE,
		    .payload = payload,
		};
		struct audit_link link;

		snprintf(payload, sizeof payload, "freed_by=%s", c->values[0]);
		if (!audit_next(&event, query_cell(res, 0, "head"), atoi(query_cell(res, 0, "event_count")), &link)) {
			api_error_reply(c->r, API_ERROR_INTERNAL, NULL);
			menu_cancel_free(c);
			return;
		}
		set(c, 15, query_cell(res, 0, "id"));
		set(c, 16, link.prev_hex);
		set(c, 17, link.hash_hex);
		set(c, 18, link.at_us);
		set(c, 19, PROMOTE_NOTE);
		set(c, 20, payload);
	}
	db_query(c->r->app->db, &cancel_statement, (const char *const *)c->values, cancel_done, c);
}

static void
waiting_send(struct menu_cancel *c)
{
	const char *values[1] = {c->values[0]};

	db_query(c->r->app->db, &waiting_statement, values, waiting_done, c);
}

void
menu_cancel_booking(struct request *r, const struct order_transition *t, query_rows done)
{
	struct menu_cancel *c = xcalloc(1, sizeof *c);

	c->r = r;
	c->done = done;
	set_id(c, 1, t->order_id);
	set(c, 2, t->from);
	set(c, 3, t->link->prev_hex);
	set(c, 4, t->link->hash_hex);
	set(c, 5, t->link->seq);
	set(c, 6, t->link->at_us);
	set_id(c, 7, t->actor_id);
	set(c, 8, t->actor_role);
	set(c, 9, t->note);
	set_id(c, 10, t->scope_id);
	set(c, 11, t->resident_key_hash);
	set(c, 12, t->payload);
	set(c, 13, t->link->version);
	waiting_send(c);
}
