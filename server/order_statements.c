/* order_statements: the SQL of an order action: the read that checks it and the one guarded
 * statement that moves the order and appends its audit event (see order_actions.c). */
#include "order_statements.h"

#include "db.h"

static struct db_statement load_statement = DB_STATEMENT("order_action_load",
    "SELECT o.id, o.state, o.community_id, o.department_id, o.team_id, o.tracking_code,"
    "       encode(o.last_event_hash, 'hex') AS head, o.event_count,"
    "       EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $3::bigint) AS offered,"
    "       encode(o.resident_key_hash, 'hex') AS resident_key_hash,"
    "       paidan_audit_hours_text(o.id, false) AS hours_text,"
    /* a 查我的点单 session ($4, the hash of its cookie) of the order's phone (sql/087's rule) */
    "       paidan_resident_session_holds(o, $4::text) AS phone_session,"
    "       (SELECT encode(k.secret, 'hex') FROM order_checkin_secrets k WHERE k.order_id = o.id)"
    "         AS checkin_secret,"
    "       (extract(epoch FROM o.accepted_at) * 1000)::bigint AS accepted_ms,"
    "       (SELECT count(*) FROM order_checkin_failures f WHERE f.order_id = o.id) AS checkin_failures,"
    "       (SELECT COALESCE(string_agg(sp.volunteer_id || ':' || sp.minutes, ',' ORDER BY sp.volunteer_id), '')"
    "          FROM paidan_attendance_spans(o.id) sp) AS spans,"
    "       paidan_span_tolerance_minutes() AS span_tolerance,"
    /* a booking from the service menu: its cancel is menu_cancel.c's */
    "       o.service_id IS NOT NULL AS booking"
    "  FROM orders o"
    " WHERE ($1::bigint IS NOT NULL AND o.id = $1::bigint) OR ($2::text IS NOT NULL AND o.tracking_code = $2::text)",
    4);

static struct db_statement transition_statement = DB_STATEMENT("order_transition",
    "WITH t AS (SELECT timestamptz 'epoch' + $8::bigint * interval '1 microsecond' AS at),"
    /* A row another transaction holds is not waited for (55P03 at once): order_actions.c tries again. */
    "lk AS (SELECT id FROM orders WHERE id = $1::bigint FOR UPDATE NOWAIT),"
    "upd AS ("
    "  UPDATE orders o SET"
    "    state = $3::text,"
    "    updated_at = t.at,"
    "    due_at = CASE WHEN $3::text = o.state THEN o.due_at"
    "                  ELSE t.at + paidan_stage_hours(o.category_id, $3::text) * interval '1 hour' END,"
    "    escalated_at = CASE WHEN $4::text = 'escalate' THEN t.at WHEN $3::text <> o.state THEN NULL"
    "                        ELSE o.escalated_at END,"
    "    department_id = CASE $4::text WHEN 'dispatch' THEN $13::bigint WHEN 'return' THEN NULL"
    "                                  ELSE o.department_id END,"
    "    team_id = CASE $4::text WHEN 'accept' THEN $12::bigint WHEN 'withdraw' THEN NULL ELSE o.team_id END,"
    "    reason = CASE WHEN $4::text IN ('reject', 'return', 'withdraw', 'cancel', 'dispute')"
    "                  THEN NULLIF($11::text, '')"
    "                  WHEN $4::text = 'dispatch' THEN NULL ELSE o.reason END,"
    "    summary = CASE WHEN $4::text = 'complete' THEN $11::text ELSE o.summary END,"
    "    dispatched_at = CASE WHEN $4::text = 'dispatch' THEN t.at ELSE o.dispatched_at END,"
    "    claimed_at = CASE WHEN $4::text = 'claim' THEN t.at ELSE o.claimed_at END,"
    "    accepted_at = CASE WHEN $4::text = 'accept' THEN t.at ELSE o.accepted_at END,"
    "    started_at = CASE WHEN $4::text = 'start' THEN t.at ELSE o.started_at END,"
    "    completed_at = CASE WHEN $4::text = 'complete' THEN t.at ELSE o.completed_at END,"
    "    closed_at = CASE WHEN $4::text IN ('confirm', 'reject', 'cancel') THEN t.at ELSE o.closed_at END,"
    "    last_event_hash = decode($6::text, 'hex'),"
    "    event_count = o.event_count + 1"
    "  FROM t, lk"
    "  WHERE o.id = lk.id AND o.state = $2::text AND o.last_event_hash = decode($5::text, 'hex')"
    "    AND o.event_count + 1 = $7::int"
    "    AND CASE $10::text"
    "      WHEN 'community' THEN o.community_id = $12::bigint"
    "      WHEN 'department' THEN o.department_id = $12::bigint"
    "      WHEN 'team' THEN CASE WHEN $4::text = 'accept'"
    "          THEN EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $12::bigint)"
    "          ELSE o.team_id = $12::bigint END"
    "      WHEN 'resident' THEN o.resident_key_hash = decode($18::text, 'hex')"
    "      WHEN 'system' THEN true"
    "      ELSE false END"
    "  RETURNING o.*"
    "), ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role,"
    "                            note, at, prev_hash, hash, hash_version, payload)"
    "  SELECT id, $7::int, $4::text, $2::text, $3::text, $9::bigint, $10::text, $11::text, updated_at,"
    "         decode($5::text, 'hex'), decode($6::text, 'hex'), $20::smallint, $19::text FROM upd"
    "), offer_teams AS ("
    "  SELECT tm.id FROM upd JOIN teams tm ON tm.id = ANY ($14::bigint[])"
    "   AND tm.department_id = upd.department_id AND tm.status = 'active'"
    "  WHERE $4::text = 'offer'"
    "), offers AS ("
    "  INSERT INTO order_offers (order_id, team_id, offered_by, offered_at)"
    "  SELECT upd.id, ot.id, $9::bigint, upd.updated_at FROM upd, offer_teams ot"
    "  ON CONFLICT DO NOTHING"
    "), offers_cleared AS ("
    "  DELETE FROM order_offers f USING upd WHERE $4::text = 'return' AND f.order_id = upd.id"
    "), hours_in AS ("
    "  SELECT h.volunteer_id, h.hours"
    "    FROM upd CROSS JOIN LATERAL unnest($15::bigint[], $16::numeric[]) AS h (volunteer_id, hours)"
    "    JOIN team_members m ON m.team_id = upd.team_id AND m.volunteer_id = h.volunteer_id"
    "   WHERE $4::text = 'complete'"
    "), records AS ("
    "  INSERT INTO service_records (order_id, volunteer_id, team_id, hours, recorded_by, recorded_at,"
    "                               over_span_reason)"
    "  SELECT upd.id, hi.volunteer_id, upd.team_id, hi.hours, $9::bigint, upd.updated_at,"
    "         $21::jsonb ->> hi.volunteer_id::text FROM upd, hours_in hi"
    "), verified AS ("
    "  UPDATE service_records sr SET status = 'verified', verified_by = $9::bigint, verified_at = upd.updated_at"
    "    FROM upd WHERE $4::text = 'confirm' AND sr.order_id = upd.id AND sr.status = 'pending'"
    "), disputed AS ("
    "  UPDATE service_records sr SET status = 'disputed'"
    "    FROM upd WHERE $4::text = 'dispute' AND sr.order_id = upd.id AND sr.status = 'pending'"
    "), rated AS ("
    "  INSERT INTO evaluations (order_id, rating, comment, created_at)"
    "  SELECT upd.id, $17::smallint, $11::text, upd.updated_at FROM upd WHERE $4::text = 'evaluate'"
    ")"
    "SELECT paidan_order_staff_json(upd::orders, paidan_phone_visible(upd::orders, $10::text, $12::bigint))::text"
    "       AS \"order\""
    "  FROM upd"
    " WHERE paidan_check($4::text <> 'offer'"
    "                    OR (SELECT count(*) FROM offer_teams) = cardinality($14::bigint[]), 'team_ids')"
    "   AND paidan_check($4::text <> 'complete'"
    "                    OR (SELECT count(*) FROM hours_in) = cardinality($15::bigint[]), 'hours')",
    21);

void
order_load_query(struct query *q, struct request *r, int64_t id, const char *tracking_code, int64_t team_id,
    const char *resident_session)
{
	query_start(q, r, &load_statement);
	if (id > 0)
		query_id(q, 1, id);
	query_text(q, 2, tracking_code);
	if (team_id > 0)
		query_id(q, 3, team_id);
	query_text(q, 4, resident_session);
}

void
order_transition_query(struct query *q, struct request *r, const struct order_transition *t)
{
	query_start(q, r, &transition_statement);
	query_id(q, 1, t->order_id);
	query_text(q, 2, t->from);
	query_text(q, 3, t->to);
	query_text(q, 4, t->action);
	query_text(q, 5, t->link->prev_hex);
	query_text(q, 6, t->link->hash_hex);
	query_text(q, 7, t->link->seq);
	query_text(q, 8, t->link->at_us);
	if (t->actor_id > 0)
		query_id(q, 9, t->actor_id);
	query_text(q, 10, t->actor_role);
	query_text(q, 11, t->note);
	if (t->scope_id > 0)
		query_id(q, 12, t->scope_id);
	query_text(q, 13, t->department_id);
	query_text(q, 14, t->team_ids);
	query_text(q, 15, t->volunteer_ids);
	query_text(q, 16, t->hours);
	query_text(q, 17, t->rating);
	query_text(q, 18, t->resident_key_hash);
	query_text(q, 19, t->payload);
	query_text(q, 20, t->link->version);
	query_text(q, 21, t->over_span_reasons);
}
