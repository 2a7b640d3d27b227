/* hours: the ledger is built by one SQL function (paidan_ledger_json) shared with certificates. */
#include "hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "validate.h"
#include "xalloc.h"

static struct db_statement ledger_statement = DB_STATEMENT("hours_ledger",
    "SELECT EXISTS (SELECT 1 FROM volunteers WHERE id = $1::bigint) AS found,"
    "       paidan_ledger_visible($1::bigint, $2::text, $3::bigint) AS visible,"
    "       paidan_ledger_json($1::bigint)::text AS ledger",
    3);

/* The correction replaces a verified record that nothing has replaced yet; the unique index on
 * corrects_id settles two admins correcting at once. */
static struct db_statement correct_statement = DB_STATEMENT("hours_correct",
    "WITH original AS ("
    "  SELECT s.* FROM service_records s"
    "   WHERE s.id = $1::bigint AND s.status = 'verified'"
    "     AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id)"
    "), added AS ("
    "  INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, recorded_by,"
    "                               verified_by, verified_at, corrects_id, correction_reason)"
    "  SELECT order_id, volunteer_id, team_id, $2::numeric, 'verified', $3::bigint, $3::bigint, now(),"
    "         id, $4::text FROM original"
    "  RETURNING volunteer_id"
    ")"
    "SELECT (SELECT count(*) FROM service_records WHERE id = $1::bigint),"
    "       (SELECT volunteer_id FROM added),"
    "       (SELECT status FROM service_records WHERE id = $1::bigint)",
    4);

static struct db_statement ledger_only_statement =
    DB_STATEMENT("hours_ledger_only", "SELECT paidan_ledger_json($1::bigint)::text", 1);

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

static void
correct_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;
	const char *values[1];

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0) {
		api_error_reply(r, API_ERROR_ALREADY_CORRECTED, NULL);
		return;
	}
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_SERVICE_RECORD, NULL);
		return;
	}
	if (PQgetisnull(res, 0, 1)) {
		api_error_reply(r,
		    strcmp(PQgetvalue(res, 0, 2), "verified") == 0 ? API_ERROR_ALREADY_CORRECTED
		                                                   : API_ERROR_CORRECT_ONLY_VERIFIED,
		    NULL);
		return;
	}
	values[0] = PQgetvalue(res, 0, 1);
	db_query(r->app->db, &ledger_only_statement, values, api_reply_created_cb, r);
}

void
hours_correct(struct request *r)
{
	struct field_errors errors;
	struct json_object *body, *h = NULL;
	enum input_kind kind;
	char admin[24], hours[16], *reason = NULL;
	const char *text;
	size_t len;
	int hundredths = -1;

	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
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
		reason = xstrndup(text, len);
	json_object_put(body);
	if (field_errors_any(&errors)) {
		free(reason);
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	field_errors_free(&errors);
	snprintf(admin, sizeof admin, "%lld", (long long)r->user->id);
	format_hours(hundredths, hours);
	{
		const char *values[4] = {http_path_param(r, "id"), hours, admin, reason};
		db_query(r->app->db, &correct_statement, values, correct_done, r);
	}
	free(reason);
}
