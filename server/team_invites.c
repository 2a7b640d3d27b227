/* team_invites: each answer is one statement — the invitation leaves "pending" and, when accepted,
 * the membership is made with it — so an invitation is answered once. */
#include "team_invites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "validate.h"
#include "xalloc.h"

static struct db_statement create_statement = DB_STATEMENT("team_invitation_create",
    "WITH t AS (SELECT id FROM teams WHERE id = $1::bigint AND status = 'active'),"
    " v AS (SELECT id FROM volunteers WHERE volunteer_no = $2::text AND status = 'active'),"
    " ins AS ("
    "  INSERT INTO team_invitations (team_id, volunteer_id, invited_by)"
    "  SELECT t.id, v.id, $3::bigint FROM t, v"
    "   WHERE NOT EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id AND m.volunteer_id = v.id)"
    "  ON CONFLICT DO NOTHING"
    "  RETURNING id, team_id, status, created_at)"
    "SELECT EXISTS (SELECT 1 FROM t), EXISTS (SELECT 1 FROM v),"
    "       (SELECT json_build_object('id', id, 'team_id', team_id, 'status', status,"
    "                                 'created_at', created_at)::text FROM ins)",
    3);

static struct db_statement list_statement = DB_STATEMENT("team_invitations_list",
    "SELECT json_build_object('items', COALESCE(json_agg(json_build_object("
    "         'id', i.id, 'team_id', i.team_id, 'team_name', t.name, 'department_name', d.name,"
    "         'status', i.status, 'created_at', i.created_at) ORDER BY i.id DESC), '[]'::json))::text"
    "  FROM team_invitations i JOIN teams t ON t.id = i.team_id JOIN departments d ON d.id = t.department_id"
    " WHERE i.volunteer_id = $1::bigint AND i.status = 'pending'",
    1);

static struct db_statement answer_statement = DB_STATEMENT("team_invitation_answer",
    "WITH i AS ("
    "  UPDATE team_invitations SET status = $3::text, answered_at = now()"
    "   WHERE id = $1::bigint AND volunteer_id = $2::bigint AND status = 'pending'"
    "  RETURNING id, team_id, volunteer_id, status"
    "), m AS ("
    "  INSERT INTO team_members (team_id, volunteer_id, role)"
    "  SELECT team_id, volunteer_id, 'member' FROM i WHERE i.status = 'accepted'"
    "  ON CONFLICT DO NOTHING"
    ")"
    "SELECT json_build_object('id', id, 'team_id', team_id, 'status', status)::text FROM i",
    3);

static void
create_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;
	const char *text;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ACTIVE_TEAM, NULL);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(
		    fields, "volunteer_no", json_object_new_string("没有这个志愿者编号 (no such volunteer)"));
		api_error_reply(r, API_ERROR_VOLUNTEER_NUMBER_INVALID, fields);
		return;
	}
	if (PQgetisnull(res, 0, 2)) {
		api_error_reply(r, API_ERROR_ALREADY_MEMBER_OR_INVITED, NULL);
		return;
	}
	text = PQgetvalue(res, 0, 2);
	http_reply_json_text(r, 201, text, strlen(text));
}

void
team_invitations_create(struct request *r)
{
	const char *team = http_path_param(r, "id");
	struct json_object *body;
	struct field_errors errors;
	enum input_kind kind;
	const char *text;
	size_t len;
	char number[64], actor[24];
	const char *values[3] = {team, number, actor};

	if (r->user->role == ROLE_TEAM && strtoll(team, NULL, 10) != r->user->scope_id) {
		api_error_reply(r, API_ERROR_INVITE_OWN_TEAM_ONLY, NULL);
		return;
	}
	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "volunteer_no", 1, 32, TEXT_SINGLE_LINE, &text, &len))
		snprintf(number, sizeof number, "%.*s", (int)len, text);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	snprintf(actor, sizeof actor, "%lld", (long long)r->user->id);
	db_query(r->app->db, &create_statement, values, create_done, r);
}

void
invitations_list(struct request *r)
{
	char volunteer[24];
	const char *values[1] = {volunteer};

	snprintf(volunteer, sizeof volunteer, "%lld", (long long)r->user->scope_id);
	db_query(r->app->db, &list_statement, values, api_reply_ok_cb, r);
}

static void
answer_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const char *text;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(reply->result) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_INVITATION, NULL);
		return;
	}
	text = PQgetvalue(reply->result, 0, 0);
	http_reply_json_text(r, 200, text, strlen(text));
}

void
invitation_answer(struct request *r)
{
	const char *answer = route_param(&r->match, "answer");
	char volunteer[24];
	const char *values[3] = {http_path_param(r, "id"), volunteer, NULL};

	if (strcmp(answer, "accept") == 0)
		values[2] = "accepted";
	else if (strcmp(answer, "decline") == 0)
		values[2] = "declined";
	else {
		api_error_reply(r, API_ERROR_NO_SUCH_ACTION, NULL);
		return;
	}
	snprintf(volunteer, sizeof volunteer, "%lld", (long long)r->user->scope_id);
	db_query(r->app->db, &answer_statement, values, answer_done, r);
}
