/* registry_teams: volunteer teams. As with volunteers, a write is one statement and the team is then
 * read back in the shape every read gives (paidan_team_json). A team account reads its own team and
 * nothing else (teams_own, which registry_members.c shares). */
#include "registry_teams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "list_page.h"
#include "query.h"
#include "validate.h"
#include "xalloc.h"

#define TOWNS_MAX 20

static struct db_statement team_list_statement = DB_STATEMENT("teams_list",
    "SELECT paidan_team_json(t)::text AS team, t.id FROM teams t"
    " WHERE ($1::bigint IS NULL OR t.department_id = $1::bigint)"
    "   AND ($2::bigint IS NULL OR t.id IN (SELECT tt.team_id FROM team_towns tt WHERE tt.town_id = $2::bigint))"
    "   AND ($3::bigint IS NULL OR t.id > $3::bigint)"
    " ORDER BY t.id"
    " LIMIT $4::int",
    4);

static struct db_statement team_detail_statement =
    DB_STATEMENT("team_detail", "SELECT paidan_team_json(t)::text AS team FROM teams t WHERE t.id = $1::bigint", 1);

static struct db_statement team_create_statement = DB_STATEMENT("team_create",
    "WITH t AS ("
    "  INSERT INTO teams (name, department_id)"
    "  SELECT $1::text, $2::bigint"
    "   WHERE paidan_check((SELECT count(*) FROM towns WHERE id = ANY ($3::bigint[])) = cardinality($3::bigint[]),"
    "                      'town_ids')"
    "  RETURNING id"
    "), towns_added AS ("
    "  INSERT INTO team_towns (team_id, town_id) SELECT t.id, unnest($3::bigint[]) FROM t"
    ")"
    "SELECT id FROM t",
    3);

static struct db_statement team_update_statement = DB_STATEMENT("team_update",
    "WITH upd AS ("
    "  UPDATE teams t SET name = COALESCE($2::text, t.name), status = COALESCE($3::text, t.status)"
    "   WHERE t.id = $1::bigint"
    "     AND paidan_check(NOT $4::boolean"
    "                      OR (SELECT count(*) FROM towns WHERE id = ANY ($5::bigint[])) = cardinality($5::bigint[]),"
    "                      'town_ids')"
    "  RETURNING t.id"
    "), towns_dropped AS ("
    "  DELETE FROM team_towns tt USING upd"
    "   WHERE $4::boolean AND tt.team_id = upd.id AND tt.town_id <> ALL ($5::bigint[])"
    "), towns_added AS ("
    "  INSERT INTO team_towns (team_id, town_id) SELECT upd.id, unnest($5::bigint[]) FROM upd WHERE $4::boolean"
    "  ON CONFLICT DO NOTHING"
    ")"
    "SELECT count(*) AS changed FROM upd",
    5);

/* Per request: the team, and the status of the reply once it is read back. */
struct team_state {
	int64_t id;
	int status;
};

static struct team_state *
team_state_new(struct request *r)
{
	struct team_state *s = http_alloc(r, sizeof *s);
	const char *id = http_path_param(r, "id");

	if (id != NULL)
		parse_id(id, &s->id); /* checked by the dispatch */
	r->state = s; /* request memory: no state_free */
	return s;
}

bool
teams_own(struct request *r, int64_t team_id)
{
	if (r->user->role == ROLE_TEAM && r->user->scope_id != team_id) {
		api_error_reply(r, API_ERROR_ONLY_OWN_TEAM, NULL);
		return false;
	}
	return true;
}

/* ---- reading ---- */

static void
detail_rows(struct request *r, const PGresult *res)
{
	struct team_state *s = r->state;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	query_reply_cell(r, res, "team", s->status);
}

/* Reads team s->id back and replies with status. */
static void
detail_send(struct request *r, int status)
{
	struct team_state *s = r->state;
	struct query q;

	s->status = status;
	query_start(&q, r, &team_detail_statement);
	query_id(&q, 1, s->id);
	query_run(&q, detail_rows, NULL);
}

void
teams_get(struct request *r)
{
	struct team_state *s = team_state_new(r);

	if (!teams_own(r, s->id))
		return;
	detail_send(r, 200);
}

static void
list_rows(struct request *r, const PGresult *res)
{
	list_page_reply(r, res, r->state, "team", "id");
}

/* A query-string id filter as $param: absent is fine, present must be a positive id. */
static void
filter_id(struct query *q, int param, const char *name, struct field_errors *errors)
{
	const char *text = http_query_param(q->r, name);
	int64_t id;

	if (text == NULL || *text == '\0')
		return;
	if (parse_id(text, &id))
		query_id(q, param, id);
	else
		field_errors_add(errors, name, "应为正整数编号 (must be a positive whole number)");
}

void
teams_list(struct request *r)
{
	struct list_page *page = http_alloc(r, sizeof *page);
	struct field_errors errors;
	struct query q;

	query_start(&q, r, &team_list_statement);
	field_errors_init(&errors);
	filter_id(&q, 1, "department_id", &errors);
	filter_id(&q, 2, "town_id", &errors);
	list_page_read(r, &errors, page);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_text(&q, 3, list_page_cursor(page));
	query_text(&q, 4, page->fetch);
	r->state = page; /* request memory: no state_free */
	query_run(&q, list_rows, NULL);
}

/* ---- writing ---- */

/* "town_ids": 1–20 distinct positive ids, as an array literal in request memory; NULL when refused. */
static const char *
read_town_ids(struct request *r, struct json_object *body, struct field_errors *errors)
{
	char text[TOWNS_MAX * 18 + 4];
	int64_t ids[TOWNS_MAX];
	struct json_object *list;
	size_t used = 0, n;

	if (!json_object_object_get_ex(body, "town_ids", &list) || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > TOWNS_MAX) {
		field_errors_add(errors, "town_ids", "应为 1 到 20 个镇的编号 (a list of 1 to 20 town ids)");
		return NULL;
	}
	text[used++] = '{';
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		int64_t id = json_object_is_type(item, json_type_int) ? json_object_get_int64(item) : 0;
		if (id < 1 || id > ((int64_t)1 << 53)) {
			field_errors_add(
			    errors, "town_ids", "每一项都应为正整数编号 (each item must be a positive id)");
			return NULL;
		}
		for (size_t j = 0; j < i; j++)
			if (ids[j] == id) {
				field_errors_add(errors, "town_ids", "编号不能重复 (ids must not repeat)");
				return NULL;
			}
		ids[i] = id;
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%lld", i ? "," : "", (long long)id);
	}
	text[used++] = '}';
	text[used] = '\0';
	return http_strdup(r, text);
}

/* "name" as $param. */
static void
read_team_name(struct query *q, int param, struct json_object *body, struct field_errors *errors)
{
	const char *text;
	size_t len;

	if (validate_text(errors, body, "name", 1, 100, TEXT_SINGLE_LINE, &text, &len))
		query_text(q, param, http_strndup(q->r, text, len));
}

/* The refusals of the team statements that name a field; false for any other failure. */
static bool
team_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status != DB_SQL_ERROR)
		return false;
	if (strcmp(reply->sqlstate, "PD422") == 0 && strcmp(reply->message, "town_ids") == 0) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, "town_ids", "有不存在的镇 (a town does not exist)");
		return true;
	}
	if (strcmp(reply->sqlstate, "23505") == 0 && strcmp(reply->constraint, "teams_name_key") == 0) {
		api_reply_field(r, API_ERROR_TEAM_NAME_TAKEN, "name", "已被占用 (already taken)");
		return true;
	}
	return false;
}

static void
create_rows(struct request *r, const PGresult *res)
{
	struct team_state *s = r->state;

	s->id = query_cell_id(res, 0, "id");
	detail_send(r, 201);
}

void
teams_create(struct request *r)
{
	struct json_object *body;
	struct field_errors errors;
	enum input_kind kind;
	struct query q;
	int64_t id;

	team_state_new(r);
	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	query_start(&q, r, &team_create_statement);
	field_errors_init(&errors);
	read_team_name(&q, 1, body, &errors);
	if (validate_id(&errors, body, "department_id", INPUT_JSON, &id))
		query_id(&q, 2, id);
	query_text(&q, 3, read_town_ids(r, body, &errors));
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_run(&q, create_rows, team_refused);
}

static void
update_rows(struct request *r, const PGresult *res)
{
	if (query_cell_id(res, 0, "changed") == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	detail_send(r, 200);
}

void
teams_update(struct request *r)
{
	struct team_state *s = team_state_new(r);
	struct json_object *body, *status;
	struct field_errors errors;
	enum input_kind kind;
	struct query q;
	bool towns_given;

	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	query_start(&q, r, &team_update_statement);
	query_id(&q, 1, s->id);
	field_errors_init(&errors);
	if (json_object_object_get_ex(body, "name", NULL))
		read_team_name(&q, 2, body, &errors);
	if (json_object_object_get_ex(body, "status", &status)) {
		const char *text = json_object_is_type(status, json_type_string) ? json_object_get_string(status) : "";
		if (strcmp(text, "active") == 0 || strcmp(text, "inactive") == 0)
			query_text(&q, 3, strcmp(text, "active") == 0 ? "active" : "inactive");
		else
			field_errors_add(&errors, "status", "应为 active 或 inactive (active or inactive)");
	}
	if (json_object_object_get_ex(body, "department_id", NULL))
		field_errors_add(&errors, "department_id",
		    "队伍所属部门不能更改，请新建队伍 (a team keeps its department: make a new team)");
	towns_given = json_object_object_get_ex(body, "town_ids", NULL);
	query_bool(&q, 4, towns_given);
	query_text(&q, 5, towns_given ? read_town_ids(r, body, &errors) : "{}");
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_run(&q, update_rows, team_refused);
}
