/* hours: the ledger is built by one SQL function (paidan_ledger_json) shared with certificates; a
 * team account sees of its member's ledger only what was served in that team. */
#include "hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "audit.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "validate.h"
#include "xalloc.h"

static struct db_statement ledger_statement = DB_STATEMENT("hours_ledger",
    "SELECT EXISTS (SELECT 1 FROM volunteers WHERE id = $1::bigint) AS found,"
    "       paidan_ledger_visible($1::bigint, $2::text, $3::bigint) AS visible,"
    "       (paidan_ledger_json($1::bigint, CASE WHEN $2::text = 'team' THEN $3::bigint END)"
    "        || paidan_ledger_pending_json($1::bigint, CASE WHEN $2::text = 'team' THEN $3::bigint END)"
    "        || jsonb_build_object('star_level', paidan_star_level(paidan_verified_hours($1::bigint))))::text"
    "         AS ledger",
    3);

/* What a correction needs to know first: the record, whether something replaced it already, the
 * head of its order's chain (the correction is an event of that chain) and the new record's id. */
static struct db_statement correct_load_statement = DB_STATEMENT("hours_correct_load",
    "SELECT s.status, EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id),"
    "       o.id, o.tracking_code, o.state, encode(o.last_event_hash, 'hex'), o.event_count, s.volunteer_id,"
    "       nextval(pg_get_serial_sequence('service_records', 'id'))"
    "  FROM service_records s JOIN orders o ON o.id = s.order_id"
    " WHERE s.id = $1::bigint",
    1);

/* The correction replaces a verified record that nothing has replaced yet, and appends its event to
 * the order's chain and to the admin chain (sql/057), guarded by the head read before: nothing moves unless all of it happens. */
static struct db_statement correct_statement = DB_STATEMENT("hours_correct",
    "WITH t AS (SELECT timestamptz 'epoch' + $8::bigint * interval '1 microsecond' AS at),"
    "upd AS ("
    "  UPDATE orders o SET last_event_hash = decode($7::text, 'hex'), event_count = o.event_count + 1"
    "   WHERE o.id = $5::bigint AND o.last_event_hash = decode($6::text, 'hex')"
    "     AND EXISTS (SELECT 1 FROM service_records s WHERE s.id = $1::bigint AND s.status = 'verified'"
    "                   AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id))"
    "  RETURNING o.id, o.event_count"
    "), added AS ("
    "  INSERT INTO service_records (id, order_id, volunteer_id, team_id, hours, status, recorded_by,"
    "                               recorded_at, verified_by, verified_at, corrects_id, correction_reason,"
    "                               event_seq)"
    "  OVERRIDING SYSTEM VALUE"
    "  SELECT $9::bigint, s.order_id, s.volunteer_id, s.team_id, $2::numeric, 'verified', $3::bigint, t.at,"
    "         $3::bigint, t.at, s.id, $4::text, upd.event_count"
    "    FROM service_records s, upd, t WHERE s.id = $1::bigint"
    "  RETURNING volunteer_id"
    "), ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role, note,"
    "                            at, prev_hash, hash, hash_version, payload)"
    "  SELECT upd.id, upd.event_count, 'correct', $10::text, $10::text, $3::bigint, 'admin', $4::text, t.at,"
    "         decode($6::text, 'hex'), decode($7::text, 'hex'), $11::smallint, $12::text FROM upd, t"
    "), adm AS ("
    "  INSERT INTO admin_events (actor_user_id, actor_role, action, target, payload)"
    "  SELECT $3::bigint, 'admin', 'hours.correct', 'service_record:' || $9::bigint, $12::text FROM upd"
    ")"
    "SELECT (SELECT volunteer_id FROM added)",
    12);

static struct db_statement ledger_only_statement = DB_STATEMENT("hours_ledger_only",
    "SELECT (paidan_ledger_json($1::bigint) || paidan_ledger_pending_json($1::bigint, NULL))::text", 1);

static void
ledger_rows(struct request *r, const PGresult *res)
{
	const char *text;

	if (!query_cell_bool(res, 0, "found")) {
		api_error_reply(r, API_ERROR_NO_SUCH_VOLUNTEER, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "visible")) {
		api_error_reply(r, API_ERROR_LEDGER_NOT_YOURS, NULL);
		return;
	}
	text = query_cell(res, 0, "ledger");
	http_reply_json_text(r, 200, text, strlen(text));
}

void
hours_ledger(struct request *r)
{
	struct query query;

	query_start(&query, r, &ledger_statement);
	query_text(&query, 1, http_path_param(r, "id"));
	query_text(&query, 2, user_role_name(r->user->role));
	query_id(&query, 3, r->user->scope_id);
	query_run(&query, ledger_rows, NULL);
}

struct correction {
	char hours[16];
	char admin[24];
	char *reason;
};

static void
correction_free(void *p)
{
	struct correction *c = p;

	free(c->reason);
	free(c);
}

static void
reply_already_corrected(struct request *r)
{
	api_error_reply(r, API_ERROR_ALREADY_CORRECTED, NULL);
}

static void
correct_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const char *values[1];

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0) {
		reply_already_corrected(r);
		return;
	}
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQgetisnull(reply->result, 0, 0)) {
		/* Someone corrected it, or moved the order's chain, in between. */
		reply_already_corrected(r);
		return;
	}
	values[0] = PQgetvalue(reply->result, 0, 0);
	db_query(r->app->db, &ledger_only_statement, values, api_reply_created_cb, r);
}

static void
correct_load_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct correction *c = r->state;
	const PGresult *res = reply->result;
	char payload[160];
	struct audit_event event = {0};
	struct audit_link link;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_SERVICE_RECORD, NULL);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "verified") != 0) {
		api_error_reply(r, API_ERROR_CORRECT_ONLY_VERIFIED, NULL);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		reply_already_corrected(r);
		return;
	}
	snprintf(payload, sizeof payload, "record=%s;volunteer=%s;hours=%s;replaces=%s", PQgetvalue(res, 0, 8),
	    PQgetvalue(res, 0, 7), c->hours, http_path_param(r, "id"));
	event.tracking_code = PQgetvalue(res, 0, 3);
	event.action = "correct";
	event.from_state = PQgetvalue(res, 0, 4);
	event.to_state = PQgetvalue(res, 0, 4);
	event.actor_user_id = r->user->id;
	event.actor_role = "admin";
	event.note = c->reason;
	event.payload = payload;
	if (!audit_next(&event, PQgetvalue(res, 0, 5), atoi(PQgetvalue(res, 0, 6)), &link)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	{
		const char *v[12] = {http_path_param(r, "id"), c->hours, c->admin, c->reason, PQgetvalue(res, 0, 2),
		    link.prev_hex, link.hash_hex, link.at_us, PQgetvalue(res, 0, 8), event.from_state, link.version,
		    payload};
		db_query(r->app->db, &correct_statement, v, correct_done, r);
	}
}

void
hours_correct(struct request *r)
{
	struct field_errors errors;
	struct json_object *body, *h = NULL;
	enum input_kind kind;
	struct correction *c;
	const char *text;
	size_t len;
	int hundredths = -1;

	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	c = xcalloc(1, sizeof *c);
	r->state = c;
	r->state_free = correction_free;
	field_errors_init(&errors);
	/* Zero is a valid correction (the service did not happen); validate_hours takes > 0 only. */
	if (!json_object_object_get_ex(body, "hours", &h) || json_object_is_type(h, json_type_null))
		field_errors_add(&errors, "hours", "必填 (required)");
	else if ((json_object_is_type(h, json_type_int) && json_object_get_int64(h) == 0) ||
	    (json_object_is_type(h, json_type_string) && strcmp(json_object_get_string(h), "0") == 0))
		hundredths = 0;
	else
		validate_hours(&errors, h, "hours", &hundredths);
	if (validate_text(&errors, body, "reason", 1, 500, TEXT_MULTI_LINE, &text, &len))
		c->reason = xstrndup(text, len);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	snprintf(c->admin, sizeof c->admin, "%lld", (long long)r->user->id);
	format_hours(hundredths, c->hours);
	{
		const char *values[1] = {http_path_param(r, "id")};
		db_query(r->app->db, &correct_load_statement, values, correct_load_done, r);
	}
}
