/* robots_api: admin-only; every field validated; the secret goes in, never comes out. */
#include "robots_api.h"

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

static struct db_statement list_statement = DB_STATEMENT("robots_list",
    "SELECT json_build_object('items', COALESCE(json_agg(paidan_robot_json(r) ORDER BY r.scope, r.scope_id),"
    "       '[]'))::text AS robots FROM robot_webhooks r",
    0);

static struct db_statement put_statement = DB_STATEMENT("robots_put",
    "INSERT INTO robot_webhooks (scope, scope_id, kind, url, secret, updated_by, updated_at)"
    "SELECT $1::text, $2::bigint, $3::text, $4::text,"
    "       COALESCE($5::text, (SELECT w.secret FROM robot_webhooks w WHERE w.scope = $1::text"
    "                            AND w.scope_id = $2::bigint), ''), $6::bigint, now()"
    " WHERE CASE $1::text WHEN 'community' THEN EXISTS (SELECT 1 FROM communities WHERE id = $2::bigint)"
    "                     WHEN 'department' THEN EXISTS (SELECT 1 FROM departments WHERE id = $2::bigint)"
    "                     ELSE $2::bigint = 0 END "
    "ON CONFLICT (scope, scope_id) DO UPDATE SET kind = EXCLUDED.kind, url = EXCLUDED.url,"
    "       secret = EXCLUDED.secret, updated_by = EXCLUDED.updated_by, updated_at = now()"
    "RETURNING paidan_robot_json(robot_webhooks)::text AS robot",
    6);

static struct db_statement delete_statement = DB_STATEMENT(
    "robots_delete", "DELETE FROM robot_webhooks WHERE scope = $1::text AND scope_id = $2::bigint RETURNING 1", 2);

/* The validated fields, owned until the request ends. */
struct robot_state {
	char *scope, *kind, *url, *secret; /* secret NULL: keep the stored one */
	int64_t scope_id;
};

static void
robot_state_free(void *p)
{
	struct robot_state *s = p;

	free(s->scope);
	free(s->kind);
	free(s->url);
	free(s->secret);
	free(s);
}

static bool
scope_valid(const char *scope)
{
	return strcmp(scope, "community") == 0 || strcmp(scope, "department") == 0 || strcmp(scope, "county") == 0;
}

static bool
url_valid(const char *url, size_t len)
{
	if (len < 9 || len > 500 || strncmp(url, "https://", 8) != 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			return false;
	return true;
}

void
robots_list(struct request *r)
{
	struct query q;

	query_start(&q, r, &list_statement);
	query_run_reply(&q, "robots", 200);
}

static void
put_done(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(&errors, "scope_id",
		    "没有这个社区或部门（县级填 0）(no such community or department; 0 for the county)");
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	query_reply_cell(r, res, "robot", 200);
}

void
robots_put(struct request *r)
{
	struct robot_state *s = http_state_new(r, sizeof *s, robot_state_free);
	struct field_errors errors;
	enum input_kind kind;
	struct json_object *body = http_parse_body(r, false, &kind), *v;
	const char *text;
	size_t len;
	int64_t id = -1;
	struct query q;

	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "scope", 1, 20, TEXT_SINGLE_LINE, &text, &len)) {
		if (scope_valid(text))
			s->scope = xstrndup(text, len);
		else
			field_errors_add(
			    &errors, "scope", "应为 community、department 或 county (community, department or county)");
	}
	if (!json_object_object_get_ex(body, "scope_id", &v) || !json_object_is_type(v, json_type_int) ||
	    (id = json_object_get_int64(v)) < 0 || id > 9007199254740991LL)
		field_errors_add(&errors, "scope_id",
		    "应为社区或部门的编号，县级填 0 (the community's or department's id; 0 for the county)");
	else
		s->scope_id = id;
	if (validate_text(&errors, body, "kind", 1, 20, TEXT_SINGLE_LINE, &text, &len)) {
		if (strcmp(text, "wecom") == 0 || strcmp(text, "dingtalk") == 0)
			s->kind = xstrndup(text, len);
		else
			field_errors_add(
			    &errors, "kind", "应为 wecom（企业微信）或 dingtalk（钉钉）(wecom or dingtalk)");
	}
	if (validate_text(&errors, body, "url", 1, 500, TEXT_SINGLE_LINE, &text, &len)) {
		if (url_valid(text, len))
			s->url = xstrndup(text, len);
		else
			field_errors_add(&errors, "url", "应为机器人的 https 地址 (the robot's https webhook URL)");
	}
	if (json_object_object_get_ex(body, "secret", &v) && !json_object_is_type(v, json_type_null) &&
	    validate_text(&errors, body, "secret", 0, 200, TEXT_SINGLE_LINE, &text, &len))
		s->secret = xstrndup(text, len);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &put_statement);
	query_text(&q, 1, s->scope);
	query_id(&q, 2, s->scope_id);
	query_text(&q, 3, s->kind);
	query_text(&q, 4, s->url);
	query_text(&q, 5, s->secret);
	query_id(&q, 6, r->user->id);
	query_run(&q, put_done, NULL);
}

static void
delete_done(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ROBOT, NULL);
		return;
	}
	http_reply_empty(r, 204);
}

void
robots_delete(struct request *r)
{
	const char *scope = http_query_param(r, "scope"), *id = http_query_param(r, "scope_id");
	int64_t n = 0;
	struct query q;

	if (scope == NULL || !scope_valid(scope) || id == NULL || (strcmp(id, "0") != 0 && !parse_id(id, &n))) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(
		    &errors, "scope", "需要 scope 与 scope_id 查询参数 (scope and scope_id query parameters)");
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	query_start(&q, r, &delete_statement);
	query_text(&q, 1, scope);
	query_text(&q, 2, id);
	query_run(&q, delete_done, NULL);
}
