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

/* Lives in the request's memory: the transition's texts and link are copied, as the waiting list
 * may be read again (and the statement sent again) after order_actions.c's call has returned. */
struct menu_cancel {
	struct request *r;
	struct order_transition t; /* the fields the cancel uses */
	struct audit_link link;
	query_rows done;
	int attempts;
};

static const char *
keep(struct request *r, const char *text)
{
	return text != NULL ? http_strdup(r, text) : NULL;
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
}

/* $1–$13: the cancel itself, as order_actions.c made it. */
static void
cancel_start(struct query *q, const struct menu_cancel *c)
{
	query_start(q, c->r, &cancel_statement);
	query_id(q, 1, c->t.order_id);
	query_text(q, 2, c->t.from);
	query_text(q, 3, c->link.prev_hex);
	query_text(q, 4, c->link.hash_hex);
	query_text(q, 5, c->link.seq);
	query_text(q, 6, c->link.at_us);
	if (c->t.actor_id > 0)
		query_id(q, 7, c->t.actor_id);
	query_text(q, 8, c->t.actor_role);
	query_text(q, 9, c->t.note);
	if (c->t.scope_id > 0)
		query_id(q, 10, c->t.scope_id);
	query_text(q, 11, c->t.resident_key_hash);
	query_text(q, 12, c->t.payload);
	query_text(q, 13, c->link.version);
}

static void
waiting_done(void *arg, const struct db_reply *reply)
{
	struct menu_cancel *c = arg;
	const PGresult *res = reply->result;
	struct audit_link link;
	char payload[48];
	struct query q;

	if (reply->status != DB_OK || PQntuples(res) == 0) {
		if (reply->status != DB_OK)
			api_reply_db_error(c->r, reply);
		else
			c->done(c->r, res); /* no row: the transition's "moved on" answer */
		return;
	}
	cancel_start(&q, c);
	query_text(&q, 14, query_cell(res, 0, "waiting"));
	/* A booked place goes to the first waiting; a waiting one leaving frees no place. */
	if (strcmp(c->t.from, "accepted") == 0 && !query_cell_null(res, 0, "id")) {
		struct audit_event event = {
		    .tracking_code = query_cell(res, 0, "tracking_code"),
		    .action = "promote",
		    .from_state = "waitlisted",
		    .to_state = "accepted",
		    .actor_role = "system",
		    .note = PROMOTE_NOTE,
		    .payload = payload,
		};

		snprintf(payload, sizeof payload, "freed_by=%lld", (long long)c->t.order_id);
		if (!audit_next(&event, query_cell(res, 0, "head"), query_cell_int(res, 0, "event_count"), &link)) {
			api_error_reply(c->r, API_ERROR_INTERNAL, NULL);
			return;
		}
		query_text(&q, 15, query_cell(res, 0, "id"));
		query_text(&q, 16, link.prev_hex);
		query_text(&q, 17, link.hash_hex);
		query_text(&q, 18, link.at_us);
		query_text(&q, 19, PROMOTE_NOTE);
		query_text(&q, 20, payload);
	}
	query_send(&q, cancel_done, c);
}

static void
waiting_send(struct menu_cancel *c)
{
	struct query q;

	query_start(&q, c->r, &waiting_statement);
	query_id(&q, 1, c->t.order_id);
	query_send(&q, waiting_done, c);
}

void
menu_cancel_booking(struct request *r, const struct order_transition *t, query_rows done)
{
	struct menu_cancel *c = http_alloc(r, sizeof *c);

	memset(c, 0, sizeof *c);
	c->r = r;
	c->done = done;
	c->link = *t->link;
	c->t.link = &c->link;
	c->t.order_id = t->order_id;
	c->t.actor_id = t->actor_id;
	c->t.scope_id = t->scope_id;
	c->t.from = keep(r, t->from);
	c->t.actor_role = keep(r, t->actor_role);
	c->t.note = keep(r, t->note);
	c->t.resident_key_hash = keep(r, t->resident_key_hash);
	c->t.payload = keep(r, t->payload);
	waiting_send(c);
}
