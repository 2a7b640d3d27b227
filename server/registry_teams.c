/* registry_teams: skills, teams and their members. As with volunteers, a write is one statement and
 * the team is then read back in the shape every read gives (paidan_team_json). A team account manages
 * its own team's members and nothing else; at most one lead per team is the database's rule
 * (team_members_one_lead), and naming a new lead demotes the old one in the same statement; when two
 * people name leads at once, the second gets 409. */
#include "registry_teams.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "http.h"
#include "list_page.h"
#include "validate.h"
#include "xalloc.h"

#define TOWNS_MAX 20

static struct db_statement skills_list_statement = DB_STATEMENT("skills_list",
    "SELECT json_build_object('items', COALESCE(json_agg(json_build_object('id', s.id, 'code', s.code,"
    "                                   'name', s.name) ORDER BY s.id), '[]'::json))::text"
    "  FROM skills s",
    0);

static struct db_statement skill_create_statement = DB_STATEMENT("skill_create",
    "INSERT INTO skills (code, name) VALUES ($1::text, $2::text)"
    " RETURNING json_build_object('id', id, 'code', code, 'name', name)::text",
    2);

static struct db_statement team_list_statement = DB_STATEMENT("teams_list",
    "SELECT paidan_team_json(t)::text, t.id FROM teams t"
    " WHERE ($1::bigint IS NULL OR t.department_id = $1::bigint)"
    "   AND ($2::bigint IS NULL OR t.id IN (SELECT tt.team_id FROM team_towns tt WHERE tt.town_id = $2::bigint))"
    "   AND ($3::bigint IS NULL OR t.id > $3::bigint)"
    " ORDER BY t.id"
    " LIMIT $4::int",
    4);

static struct db_statement team_detail_statement =
    DB_STATEMENT("team_detail", "SELECT paidan_team_json(t)::text FROM teams t WHERE t.id = $1::bigint", 1);

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
    "SELECT count(*) FROM upd",
    5);

/* One row for an existing team; its json is NULL when the page is empty. */
static struct db_statement members_list_statement = DB_STATEMENT("team_members_list",
    "SELECT m.json::text, m.volunteer_id FROM teams t"
    "  LEFT JOIN LATERAL ("
    "    SELECT json_build_object('volunteer_id', x.volunteer_id, 'volunteer_no', v.volunteer_no, 'name', v.name,"
    "                             'role', x.role, 'joined_at', x.joined_at) AS json, x.volunteer_id"
    "      FROM team_members x JOIN volunteers v ON v.id = x.volunteer_id"
    "     WHERE x.team_id = t.id AND ($2::bigint IS NULL OR x.volunteer_id > $2::bigint)"
    "     ORDER BY x.volunteer_id"
    "     LIMIT $3::int) m ON true"
    " WHERE t.id = $1::bigint"
    " ORDER BY m.volunteer_id",
    3);

/* The old lead is demoted before the new one is written (team_members_one_lead is checked row by row):
 * the insert waits on the count of demoted rows, which runs the demotion to completion first. */
struct db_statement team_member_add_statement = DB_STATEMENT("team_member_add",
    "WITH team AS (SELECT id FROM teams WHERE id = $1::bigint),"
    "vol AS (SELECT id, name, volunteer_no FROM volunteers WHERE id = $2::bigint),"
    "demoted AS ("
    "  UPDATE team_members m SET role = 'member' FROM team, vol"
    "   WHERE $3::text = 'lead' AND m.team_id = team.id AND m.role = 'lead' AND m.volunteer_id <> vol.id"
    "  RETURNING m.volunteer_id"
    "), added AS ("
    "  INSERT INTO team_members (team_id, volunteer_id, role)"
    "  SELECT team.id, vol.id, $3::text FROM team, vol WHERE (SELECT count(*) FROM demoted) >= 0"
    "  ON CONFLICT (team_id, volunteer_id) DO UPDATE SET role = EXCLUDED.role"
    "   WHERE team_members.role <> 'lead' OR EXCLUDED.role = 'lead'"
    "  RETURNING volunteer_id, role, joined_at"
    ")"
    "SELECT EXISTS (SELECT 1 FROM team), EXISTS (SELECT 1 FROM vol),"
    "       EXISTS (SELECT 1 FROM team_members WHERE team_id = $1::bigint AND volunteer_id = $2::bigint),"
    "       (SELECT json_build_object('volunteer_id', a.volunteer_id, 'volunteer_no', vol.volunteer_no,"
    "                                 'name', vol.name, 'role', a.role, 'joined_at', a.joined_at)::text"
    "          FROM added a, vol)",
    3);

static struct db_statement member_remove_statement = DB_STATEMENT("team_member_remove",
    "WITH gone AS ("
    "  DELETE FROM team_members m WHERE m.team_id = $1::bigint AND m.volunteer_id = $2::bigint AND m.role <> 'lead'"
    "  RETURNING 1"
    ")"
    "SELECT (SELECT role FROM team_members WHERE team_id = $1::bigint AND volunteer_id = $2::bigint),"
    "       (SELECT count(*) FROM gone)",
    2);

bool
skill_code_valid(const char *s, size_t len)
{
	if (len == 0 || len > SKILL_CODE_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

enum { TV_ID, TV_NAME, TV_STATUS, TV_TOWNS_GIVEN, TV_TOWNS, TV_COUNT };

struct team_state {
	char id[24];
	char volunteer_id[24];
	char *values[TV_COUNT];
	struct list_page page;
	int status; /* of the reply once the team is read back */
};

static void
team_state_free(void *p)
{
	struct team_state *s = p;

	for (int i = 0; i < TV_COUNT; i++)
		free(s->values[i]);
	free(s);
}

static struct team_state *
team_state_new(struct request *r)
{
	struct team_state *s = xcalloc(1, sizeof *s);
	const char *id = http_path_param(r, "id"), *volunteer_id = http_path_param(r, "volunteer_id");

	/* The router has already checked the path's ids. */
	if (id != NULL)
		snprintf(s->id, sizeof s->id, "%s", id);
	if (volunteer_id != NULL)
		snprintf(s->volunteer_id, sizeof s->volunteer_id, "%s", volunteer_id);
	r->state = s;
	r->state_free = team_state_free;
	return s;
}

/* Admins act on any team, a team account on its own only; false after replying 403. */
static bool
own_team(struct request *r, const char *team_id)
{
	char scope[24];

	if (r->user->role == ROLE_TEAM) {
		snprintf(scope, sizeof scope, "%lld", (long long)r->user->scope_id);
		if (strcmp(scope, team_id) != 0) {
			api_error_reply(r, API_ERROR_ONLY_OWN_TEAM, NULL);
			return false;
		}
	}
	return true;
}

static void
reply_field(struct request *r, enum api_error error, const char *field, const char *field_message)
{
	struct json_object *fields = json_object_new_object();

	json_object_object_add(fields, field, json_object_new_string(field_message));
	api_error_reply(r, error, fields);
}

/* Parses the body as a JSON object; NULL after replying 400/415. */
static struct json_object *
parse_body(struct request *r)
{
	enum input_kind kind;

	return http_parse_body(r, false, &kind);
}

static bool
reply_errors_if_any(struct request *r, struct field_errors *errors)
{
	bool any = field_errors_any(errors);

	if (any)
		api_reply_field_errors(r, errors);
	field_errors_free(errors);
	return any;
}

/* ---- skills ---- */

void
skills_list(struct request *r)
{
	db_query(r->app->db, &skills_list_statement, NULL, api_reply_ok_cb, r);
}

static void
skill_create_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0) {
		reply_field(r, API_ERROR_SKILL_CODE_TAKEN, "code", "已被占用 (already taken)");
		return;
	}
	api_reply_first_cell(r, reply, 201);
}

void
skills_create(struct request *r)
{
	struct team_state *s = team_state_new(r);
	struct json_object *body = parse_body(r);
	struct field_errors errors;
	const char *text;
	size_t len;

	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "code", 1, SKILL_CODE_MAX, TEXT_SINGLE_LINE, &text, &len)) {
		if (skill_code_valid(text, len))
			s->values[0] = xstrndup(text, len);
		else
			field_errors_add(&errors, "code",
			    "小写字母开头，只含小写字母、数字和下划线 (a lower-case letter, then lower-case letters, digits or _)");
	}
	if (validate_text(&errors, body, "name", 1, 100, TEXT_SINGLE_LINE, &text, &len))
		s->values[1] = xstrndup(text, len);
	json_object_put(body);
	if (reply_errors_if_any(r, &errors))
		return;
	db_query(r->app->db, &skill_create_statement, (const char *const *)s->values, skill_create_done, r);
}

/* ---- teams ---- */

static void
team_detail_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct team_state *s = r->state;
	const char *text;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(reply->result) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	text = PQgetvalue(reply->result, 0, 0);
	http_reply_json_text(r, s->status, text, strlen(text));
}

/* Reads team s->id back and replies with status. */
static void
team_detail_send(struct request *r, int status)
{
	struct team_state *s = r->state;
	const char *values[1] = {s->id};

	s->status = status;
	db_query(r->app->db, &team_detail_statement, values, team_detail_done, r);
}

void
teams_get(struct request *r)
{
	struct team_state *s = team_state_new(r);

	if (!own_team(r, s->id))
		return;
	team_detail_send(r, 200);
}

static void
team_list_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct team_state *s = r->state;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	list_page_reply(r, reply->result, &s->page);
}

/* A query-string id filter into *value: absent is fine, present must be a positive id. */
static void
filter_id(struct request *r, const char *name, struct field_errors *errors, char **value)
{
	const char *text = http_query_param(r, name);
	int64_t id;

	if (text == NULL || *text == '\0')
		return;
	if (parse_id(text, &id))
		*value = xstrdup(text);
	else
		field_errors_add(errors, name, "应为正整数编号 (must be a positive whole number)");
}

void
teams_list(struct request *r)
{
	struct team_state *s = team_state_new(r);
	struct field_errors errors;
	const char *values[4];

	field_errors_init(&errors);
	filter_id(r, "department_id", &errors, &s->values[0]);
	filter_id(r, "town_id", &errors, &s->values[1]);
	list_page_read(r, &errors, &s->page);
	if (reply_errors_if_any(r, &errors))
		return;
	values[0] = s->values[0];
	values[1] = s->values[1];
	values[2] = list_page_cursor(&s->page);
	values[3] = s->page.fetch;
	db_query(r->app->db, &team_list_statement, values, team_list_done, r);
}

/* "town_ids": 1–20 distinct positive ids, as an array literal in s->values[TV_TOWNS]. */
static void
read_town_ids(struct team_state *s, struct json_object *body, struct field_errors *errors)
{
	char text[TOWNS_MAX * 18 + 4];
	int64_t ids[TOWNS_MAX];
	struct json_object *list;
	size_t used = 0, n;

	if (!json_object_object_get_ex(body, "town_ids", &list) || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > TOWNS_MAX) {
		field_errors_add(errors, "town_ids", "应为 1 到 20 个镇的编号 (a list of 1 to 20 town ids)");
		return;
	}
	text[used++] = '{';
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		int64_t id = json_object_is_type(item, json_type_int) ? json_object_get_int64(item) : 0;
		if (id < 1 || id > ((int64_t)1 << 53)) {
			field_errors_add(
			    errors, "town_ids", "每一项都应为正整数编号 (each item must be a positive id)");
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (ids[j] == id) {
				field_errors_add(errors, "town_ids", "编号不能重复 (ids must not repeat)");
				return;
			}
		ids[i] = id;
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%lld", i ? "," : "", (long long)id);
	}
	text[used++] = '}';
	text[used] = '\0';
	s->values[TV_TOWNS] = xstrdup(text);
}

static void
read_team_name(struct team_state *s, struct json_object *body, struct field_errors *errors)
{
	const char *text;
	size_t len;

	if (validate_text(errors, body, "name", 1, 100, TEXT_SINGLE_LINE, &text, &len))
		s->values[TV_NAME] = xstrndup(text, len);
}

/* The refusals of the team statements that name a field; false for any other failure. */
static bool
reply_team_refusal(struct request *r, const struct db_reply *reply)
{
	if (reply->status != DB_SQL_ERROR)
		return false;
	if (strcmp(reply->sqlstate, "PD422") == 0 && strcmp(reply->message, "town_ids") == 0) {
		reply_field(r, API_ERROR_FIELDS_INVALID, "town_ids", "有不存在的镇 (a town does not exist)");
		return true;
	}
	if (strcmp(reply->sqlstate, "23505") == 0 && strcmp(reply->constraint, "teams_name_key") == 0) {
		reply_field(r, API_ERROR_TEAM_NAME_TAKEN, "name", "已被占用 (already taken)");
		return true;
	}
	return false;
}

static void
team_create_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct team_state *s = r->state;

	if (reply_team_refusal(r, reply))
		return;
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	snprintf(s->id, sizeof s->id, "%s", PQgetvalue(reply->result, 0, 0));
	team_detail_send(r, 201);
}

void
teams_create(struct request *r)
{
	struct team_state *s = team_state_new(r);
	struct json_object *body = parse_body(r);
	struct field_errors errors;
	const char *values[3];
	char department[24];
	int64_t id;

	if (body == NULL)
		return;
	field_errors_init(&errors);
	read_team_name(s, body, &errors);
	if (validate_id(&errors, body, "department_id", INPUT_JSON, &id))
		snprintf(department, sizeof department, "%lld", (long long)id);
	read_town_ids(s, body, &errors);
	json_object_put(body);
	if (reply_errors_if_any(r, &errors))
		return;
	values[0] = s->values[TV_NAME];
	values[1] = department;
	values[2] = s->values[TV_TOWNS];
	db_query(r->app->db, &team_create_statement, values, team_create_done, r);
}

static void
team_update_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;

	if (reply_team_refusal(r, reply))
		return;
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(reply->result, 0, 0), "0") == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	team_detail_send(r, 200);
}

void
teams_update(struct request *r)
{
	struct team_state *s = team_state_new(r);
	struct json_object *body = parse_body(r), *status;
	struct field_errors errors;

	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (json_object_object_get_ex(body, "name", NULL))
		read_team_name(s, body, &errors);
	if (json_object_object_get_ex(body, "status", &status)) {
		const char *text = json_object_is_type(status, json_type_string) ? json_object_get_string(status) : "";
		if (strcmp(text, "active") == 0 || strcmp(text, "inactive") == 0)
			s->values[TV_STATUS] = xstrdup(text);
		else
			field_errors_add(&errors, "status", "应为 active 或 inactive (active or inactive)");
	}
	if (json_object_object_get_ex(body, "department_id", NULL))
		field_errors_add(&errors, "department_id",
		    "队伍所属部门不能更改，请新建队伍 (a team keeps its department: make a new team)");
	s->values[TV_TOWNS_GIVEN] = xstrdup("false");
	if (json_object_object_get_ex(body, "town_ids", NULL)) {
		read_town_ids(s, body, &errors);
		free(s->values[TV_TOWNS_GIVEN]);
		s->values[TV_TOWNS_GIVEN] = xstrdup("true");
	} else {
		s->values[TV_TOWNS] = xstrdup("{}");
	}
	json_object_put(body);
	if (reply_errors_if_any(r, &errors))
		return;
	s->values[TV_ID] = xstrdup(s->id);
	db_query(r->app->db, &team_update_statement, (const char *const *)s->values, team_update_done, r);
}

/* ---- members ---- */

static void
members_list_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct team_state *s = r->state;
	static const char empty[] = "{\"items\":[],\"next_cursor\":null}";

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(reply->result) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	if (PQgetisnull(reply->result, 0, 0)) {
		http_reply_json_text(r, 200, empty, sizeof empty - 1);
		return;
	}
	list_page_reply(r, reply->result, &s->page);
}

void
team_members_list(struct request *r)
{
	struct team_state *s = team_state_new(r);
	struct field_errors errors;
	const char *values[3];

	if (!own_team(r, s->id))
		return;
	field_errors_init(&errors);
	list_page_read(r, &errors, &s->page);
	if (reply_errors_if_any(r, &errors))
		return;
	values[0] = s->id;
	values[1] = list_page_cursor(&s->page);
	values[2] = s->page.fetch;
	db_query(r->app->db, &members_list_statement, values, members_list_done, r);
}

static void
member_add_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;
	const char *text;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0 &&
	    strcmp(reply->constraint, "team_members_one_lead") == 0) {
		api_error_reply(r, API_ERROR_LEAD_CHANGED, NULL);
		return;
	}
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		reply_field(r, API_ERROR_FIELDS_INVALID, "volunteer_id", "没有这名志愿者 (no such volunteer)");
		return;
	}
	if (PQgetisnull(res, 0, 3)) {
		reply_field(r, API_ERROR_LEAD_NOT_DEMOTABLE, "role", "这名志愿者是队长 (this volunteer is the lead)");
		return;
	}
	text = PQgetvalue(res, 0, 3);
	http_reply_json_text(r, strcmp(PQgetvalue(res, 0, 2), "t") == 0 ? 200 : 201, text, strlen(text));
}

void
team_members_add(struct request *r)
{
	struct team_state *s = team_state_new(r);
	struct json_object *body, *role;
	struct field_errors errors;
	const char *values[3], *role_name = "";
	int64_t id;

	if (!own_team(r, s->id) || (body = parse_body(r)) == NULL)
		return;
	field_errors_init(&errors);
	if (validate_id(&errors, body, "volunteer_id", INPUT_JSON, &id))
		snprintf(s->volunteer_id, sizeof s->volunteer_id, "%lld", (long long)id);
	if (json_object_object_get_ex(body, "role", &role) && json_object_is_type(role, json_type_string))
		role_name = json_object_get_string(role);
	if (strcmp(role_name, "lead") == 0 || strcmp(role_name, "member") == 0)
		s->values[0] = xstrdup(role_name);
	else
		field_errors_add(&errors, "role", "应为 lead 或 member (lead or member)");
	json_object_put(body);
	if (reply_errors_if_any(r, &errors))
		return;
	values[0] = s->id;
	values[1] = s->volunteer_id;
	values[2] = s->values[0];
	db_query(r->app->db, &team_member_add_statement, values, member_add_done, r);
}

static void
member_remove_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "1") == 0) {
		http_reply_empty(r, 204);
		return;
	}
	if (PQgetisnull(res, 0, 0)) {
		api_error_reply(r, API_ERROR_NOT_A_MEMBER, NULL);
		return;
	}
	api_error_reply(r, API_ERROR_LEAD_NOT_REMOVABLE, NULL);
}

void
team_members_remove(struct request *r)
{
	struct team_state *s = team_state_new(r);
	const char *values[2] = {s->id, s->volunteer_id};

	if (!own_team(r, s->id))
		return;
	db_query(r->app->db, &member_remove_statement, values, member_remove_done, r);
}
