/* menu: the service menu (服务清单) — standing services a team or its department publishes, the public
 * list residents book from, and withdrawing one. A write reads the team (or the service) first and
 * asks scope.c whether the caller may publish for it (403); the write's own statement repeats the
 * guard, so a team moved to another department in between is refused there too. Booking is
 * menu_book.c; a booking's cancellation, menu_cancel.c. */
#include "menu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "scope.h"
#include "validate.h"

#define MENU_LIST_MAX 200

static struct db_statement menu_list_statement = DB_STATEMENT("menu_list",
    "SELECT COALESCE(json_agg(paidan_service_json(x) ORDER BY paidan_service_last_at(x), x.id), '[]')::text AS items"
    "  FROM (SELECT s.* FROM services s"
    "         WHERE paidan_service_open(s)"
    "           AND ($1::bigint IS NULL OR s.town_id = $1::bigint)"
    "           AND ($2::bigint IS NULL OR s.category_id = $2::bigint)"
    "           AND ($3::bigint IS NULL OR s.team_id = $3::bigint)"
    "         ORDER BY paidan_service_last_at(s), s.id LIMIT $4::int) x",
    4);

static struct db_statement menu_team_statement = DB_STATEMENT(
    "menu_team", "SELECT t.id, t.department_id FROM teams t WHERE t.id = $1::bigint AND t.status = 'active'", 1);

/* The one-off time as given: with a zone, or Beijing time without one. */
#define STARTS_AT                                                                                                      \
	"(CASE WHEN $8::text IS NULL THEN NULL WHEN $8::text ~ '(Z|[+-][0-9]{2}:[0-9]{2})$' THEN $8::timestamptz"      \
	"      ELSE $8::timestamp AT TIME ZONE 'Asia/Shanghai' END)"

/* $1 team, $2 caller's role, $3 caller's scope, $4 category, $5 town, $6 title, $7 place, $8 starts_at,
 * $9 weekday, $10 time, $11 ends_on, $12 capacity, $13 publisher. */
static struct db_statement menu_publish_statement = DB_STATEMENT("menu_publish",
    "WITH tm AS ("
    "  SELECT t.id, t.department_id FROM teams t"
    "   WHERE t.id = $1::bigint AND t.status = 'active'"
    "     AND CASE $2::text WHEN 'team' THEN t.id = $3::bigint WHEN 'department' THEN t.department_id = $3::bigint"
    "         ELSE false END"
    "), ins AS ("
    "  INSERT INTO services (team_id, department_id, category_id, town_id, title, place, starts_at, weekday,"
    "                        time_of_day, ends_on, capacity, published_by)"
    "  SELECT tm.id, tm.department_id, $4::bigint, $5::bigint, $6::text, $7::text, " STARTS_AT ","
    "         $9::smallint, $10::time, $11::date, $12::int, $13::bigint FROM tm"
    "   WHERE paidan_check(" STARTS_AT " IS NULL OR " STARTS_AT " > now(), 'starts_at')"
    "     AND paidan_check($11::date IS NULL OR $11::date >= (now() AT TIME ZONE 'Asia/Shanghai')::date, 'ends_on')"
    "  RETURNING *"
    ")"
    "SELECT paidan_service_json(ins)::text AS service FROM ins",
    13);

static struct db_statement menu_service_statement = DB_STATEMENT("menu_service",
    "SELECT s.id, s.team_id, s.department_id, s.withdrawn_at IS NOT NULL AS withdrawn FROM services s"
    " WHERE s.id = $1::bigint",
    1);

/* $1 service, $2 role, $3 scope, $4 who. Already withdrawn: no row. */
static struct db_statement menu_withdraw_statement = DB_STATEMENT("menu_withdraw",
    "WITH upd AS ("
    "  UPDATE services s SET withdrawn_at = now(), withdrawn_by = $4::bigint"
    "   WHERE s.id = $1::bigint AND s.withdrawn_at IS NULL"
    "     AND CASE $2::text WHEN 'team' THEN s.team_id = $3::bigint"
    "         WHEN 'department' THEN s.department_id = $3::bigint ELSE false END"
    "  RETURNING s.*"
    ")"
    "SELECT paidan_service_json(upd)::text AS service FROM upd",
    4);

/* An optional id filter from the query: false after replying 422 naming it. */
static bool
query_filter(struct request *r, struct query *q, int param, const char *name)
{
	const char *text = http_query_param(r, name);
	int64_t id;

	if (text == NULL || text[0] == '\0')
		return true;
	if (!parse_id(text, &id)) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, name, "应为正整数 (a positive id)");
		return false;
	}
	query_id(q, param, id);
	return true;
}

static void
list_rows(struct request *r, const PGresult *res)
{
	const char *items = query_cell(res, 0, "items");
	size_t len = strlen(items) + 16;
	char *body = http_alloc(r, len);

	snprintf(body, len, "{\"items\":%s}", items);
	http_reply_json_text(r, 200, body, strlen(body));
}

void
menu_list(struct request *r)
{
	struct query q;

	query_start(&q, r, &menu_list_statement);
	if (!query_filter(r, &q, 1, "town_id") || !query_filter(r, &q, 2, "category_id") ||
	    !query_filter(r, &q, 3, "team_id"))
		return;
	query_int(&q, 4, MENU_LIST_MAX);
	query_run(&q, list_rows, NULL);
}

/* ---- publishing ---- */

/* True when text is exactly the pattern: 'd' a digit, anything else itself. */
static bool
shaped(const char *text, const char *pattern)
{
	for (; *pattern != '\0'; text++, pattern++) {
		if (*pattern == 'd' ? (*text < '0' || *text > '9') : *text != *pattern)
			return false;
	}
	return *text == '\0';
}

static bool
read_string(struct json_object *body, const char *field, const char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(body, field, &v) || json_object_is_type(v, json_type_null))
		return false;
	*out = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	return true;
}

static bool
read_int(struct field_errors *errors, struct json_object *body, const char *field, int min, int max, int *out)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(body, field, &v) || !json_object_is_type(v, json_type_int)) {
		field_errors_add(errors, field, "应为整数 (a whole number)");
		return false;
	}
	n = json_object_get_int64(v);
	if (n < min || n > max) {
		char message[96];
		snprintf(message, sizeof message, "应在 %d 到 %d 之间 (between %d and %d)", min, max, min, max);
		field_errors_add(errors, field, message);
		return false;
	}
	*out = (int)n;
	return true;
}

/* When: starts_at (one date and time), or weekday + time + ends_on (weekly), never both. */
static void
read_when(struct query *q, struct json_object *body, struct field_errors *errors)
{
	const char *starts, *time, *ends;
	bool one_off = read_string(body, "starts_at", &starts);
	bool weekly = json_object_object_get_ex(body, "weekday", NULL);
	int weekday;

	if (one_off == weekly) {
		field_errors_add(errors, one_off ? "weekday" : "starts_at",
		    "请填写一次的日期时间，或每周的星期、时间和截止日期，二选一 (a date and time, or weekday, time and "
		    "ends_on)");
		return;
	}
	if (one_off) {
		if (!shaped(starts, "dddd-dd-ddTdd:dd") && !shaped(starts, "dddd-dd-ddTdd:dd:dd") &&
		    !shaped(starts, "dddd-dd-ddTdd:dd:ddZ") && !shaped(starts, "dddd-dd-ddTdd:dd:dd+dd:dd"))
			field_errors_add(
			    errors, "starts_at", "日期时间格式如 2026-12-01T09:30 (like 2026-12-01T09:30)");
		else
			query_text(q, 8, http_strdup(q->r, starts)); /* starts points into body */
		return;
	}
	if (read_int(errors, body, "weekday", 1, 7, &weekday))
		query_int(q, 9, weekday);
	if (!read_string(body, "time", &time) || !shaped(time, "dd:dd") || atoi(time) > 23 || atoi(time + 3) > 59)
		field_errors_add(errors, "time", "时间格式如 09:30 (like 09:30)");
	else
		query_text(q, 10, http_strdup(q->r, time));
	if (!read_string(body, "ends_on", &ends) || !shaped(ends, "dddd-dd-dd"))
		field_errors_add(errors, "ends_on", "日期格式如 2026-12-31 (like 2026-12-31)");
	else
		query_text(q, 11, http_strdup(q->r, ends));
}

/* The refusals of the publishing statement that name a field. */
static bool
publish_refused(struct request *r, const struct db_reply *reply)
{
	struct query *q = r->state;

	if (reply->status != DB_SQL_ERROR)
		return false;
	if (strcmp(reply->sqlstate, "PD422") == 0) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, reply->message, "应在今天以后 (must be in the future)");
		return true;
	}
	if (strcmp(reply->sqlstate, "22008") == 0 || strcmp(reply->sqlstate, "22007") == 0) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, query_param_set(q, 8) ? "starts_at" : "ends_on",
		    "没有这一天 (no such date)");
		return true;
	}
	if (strcmp(reply->sqlstate, "23503") == 0) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID,
		    strstr(reply->constraint, "category") != NULL ? "category_id" : "town_id",
		    "不存在 (does not exist)");
		return true;
	}
	return false;
}

static void
publish_rows(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) { /* the team left the caller's scope in between */
		api_error_reply(r, API_ERROR_PUBLISH_OWN_TEAM_ONLY, NULL);
		return;
	}
	query_reply_cell(r, res, "service", 201);
}

static void
team_rows(struct request *r, const PGresult *res)
{
	struct query *q = r->state;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ACTIVE_TEAM, NULL);
		return;
	}
	if (!scope_may_publish(r->user->role, r->user->scope_id, query_cell_id(res, 0, "id"),
	        query_cell_id(res, 0, "department_id"))) {
		api_error_reply(r, API_ERROR_PUBLISH_OWN_TEAM_ONLY, NULL);
		return;
	}
	query_run(q, publish_rows, publish_refused);
}

void
menu_publish(struct request *r)
{
	struct query *q = http_alloc(r, sizeof *q), team;
	struct json_object *body;
	struct field_errors errors;
	enum input_kind kind;
	const char *text;
	size_t len;
	int64_t id, team_id = r->user->role == ROLE_TEAM ? r->user->scope_id : 0;
	int capacity;

	r->state = q;
	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	query_start(q, r, &menu_publish_statement);
	field_errors_init(&errors);
	if (json_object_object_get_ex(body, "team_id", NULL) || r->user->role != ROLE_TEAM) {
		if (validate_id(&errors, body, "team_id", INPUT_JSON, &id))
			team_id = id;
	}
	query_id(q, 1, team_id);
	query_text(q, 2, user_role_name(r->user->role));
	query_id(q, 3, r->user->scope_id);
	if (validate_id(&errors, body, "category_id", INPUT_JSON, &id))
		query_id(q, 4, id);
	if (validate_id(&errors, body, "town_id", INPUT_JSON, &id))
		query_id(q, 5, id);
	if (validate_text(&errors, body, "title", 1, 100, TEXT_SINGLE_LINE, &text, &len))
		query_text(q, 6, http_strndup(r, text, len));
	if (validate_text(&errors, body, "place", 1, 200, TEXT_SINGLE_LINE, &text, &len))
		query_text(q, 7, http_strndup(r, text, len));
	read_when(q, body, &errors);
	if (read_int(&errors, body, "capacity", 1, 1000, &capacity))
		query_int(q, 12, capacity);
	query_id(q, 13, r->user->id);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&team, r, &menu_team_statement);
	query_id(&team, 1, team_id);
	query_run(&team, team_rows, NULL);
}

/* ---- withdrawing ---- */

static void
withdraw_rows(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_SERVICE_WITHDRAWN, NULL);
		return;
	}
	query_reply_cell(r, res, "service", 200);
}

static void
service_rows(struct request *r, const PGresult *res)
{
	struct query q;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_SERVICE, NULL);
		return;
	}
	if (!scope_may_publish(r->user->role, r->user->scope_id, query_cell_id(res, 0, "team_id"),
	        query_cell_id(res, 0, "department_id"))) {
		api_error_reply(r, API_ERROR_PUBLISH_OWN_TEAM_ONLY, NULL);
		return;
	}
	if (query_cell_bool(res, 0, "withdrawn")) {
		api_error_reply(r, API_ERROR_SERVICE_WITHDRAWN, NULL);
		return;
	}
	query_start(&q, r, &menu_withdraw_statement);
	query_text(&q, 1, query_cell(res, 0, "id"));
	query_text(&q, 2, user_role_name(r->user->role));
	query_id(&q, 3, r->user->scope_id);
	query_id(&q, 4, r->user->id);
	query_run(&q, withdraw_rows, NULL);
}

void
menu_withdraw(struct request *r)
{
	struct query q;
	int64_t id;

	if (!parse_id(http_path_param(r, "id"), &id)) {
		api_error_reply(r, API_ERROR_NO_SUCH_SERVICE, NULL);
		return;
	}
	query_start(&q, r, &menu_service_statement);
	query_id(&q, 1, id);
	query_run(&q, service_rows, NULL);
}
