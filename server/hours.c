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
    "SELECT s.status, EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id) AS replaced,"
    "       o.id AS order_id, o.tracking_code, o.state, encode(o.last_event_hash, 'hex') AS head,"
    "       o.event_count, s.volunteer_id, nextval(pg_get_serial_sequence('service_records', 'id')) AS record_id"
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
    "SELECT (SELECT volunteer_id FROM added) AS volunteer_id",
    12);

static struct db_statement ledger_only_statement = DB_STATEMENT("hours_ledger_only",
    "SELECT (paidan_ledger_json($1::bigint) || paidan_ledger_pending_json($1::bigint, NULL))::text AS ledger", 1);

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

	query_start_scoped(&query, r, &ledger_statement);
	query_run(&query, ledger_rows, NULL);
}

struct correction {
	char hours[16];
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
ledger_created(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "ledger", 201);
}

/* A unique violation: someone replaced the record in between. */
static bool
correct_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status != DB_SQL_ERROR || strcmp(reply->sqlstate, "23505") != 0)
		return false;
	reply_already_corrected(r);
	return true;
}

static void
correct_done(struct request *r, const PGresult *res)
{
	struct query q;

	if (query_cell_null(res, 0, "volunteer_id")) {
		/* Someone corrected it, or moved the order's chain, in between. */
		reply_already_corrected(r);
		return;
	}
	query_start(&q, r, &ledger_only_statement);
	query_text(&q, 1, query_cell(res, 0, "volunteer_id"));
	query_run(&q, ledger_created, NULL);
}

static void
correct_load_done(struct request *r, const PGresult *res)
{
	struct correction *c = r->state;
	char payload[160];
	struct audit_event event = {0};
	struct audit_link link;
	struct query q;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_SERVICE_RECORD, NULL);
		return;
	}
	if (strcmp(query_cell(res, 0, "status"), "verified") != 0) {
		api_error_reply(r, API_ERROR_CORRECT_ONLY_VERIFIED, NULL);
		return;
	}
	if (query_cell_bool(res, 0, "replaced")) {
		reply_already_corrected(r);
		return;
	}
	snprintf(payload, sizeof payload, "record=%s;volunteer=%s;hours=%s;replaces=%s",
	    query_cell(res, 0, "record_id"), query_cell(res, 0, "volunteer_id"), c->hours, http_path_param(r, "id"));
	event.tracking_code = query_cell(res, 0, "tracking_code");
	event.action = "correct";
	event.from_state = query_cell(res, 0, "state");
	event.to_state = event.from_state;
	event.actor_user_id = r->user->id;
	event.actor_role = "admin";
	event.note = c->reason;
	event.payload = payload;
	if (!audit_next(&event, query_cell(res, 0, "head"), atoi(query_cell(res, 0, "event_count")), &link)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	query_start(&q, r, &correct_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_text(&q, 2, c->hours);
	query_id(&q, 3, r->user->id);
	query_text(&q, 4, c->reason);
	query_text(&q, 5, query_cell(res, 0, "order_id"));
	query_text(&q, 6, link.prev_hex);
	query_text(&q, 7, link.hash_hex);
	query_text(&q, 8, link.at_us);
	query_text(&q, 9, query_cell(res, 0, "record_id"));
	query_text(&q, 10, event.from_state);
	query_text(&q, 11, link.version);
	query_text(&q, 12, payload);
	query_run(&q, correct_done, correct_refused);
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
	struct query q;

	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	c = http_state_new(r, sizeof *c, correction_free);
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
	format_hours(hundredths, c->hours);
	query_start(&q, r, &correct_load_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_run(&q, correct_load_done, NULL);
}
