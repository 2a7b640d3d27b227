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
#include "query.h"
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
    "SELECT EXISTS (SELECT 1 FROM t) AS team_found, EXISTS (SELECT 1 FROM v) AS volunteer_found,"
    "       (SELECT json_build_object('id', id, 'team_id', team_id, 'status', status,"
    "                                 'created_at', created_at)::text FROM ins) AS invitation",
    3);

static struct db_statement list_statement = DB_STATEMENT("team_invitations_list",
    "SELECT json_build_object('items', COALESCE(json_agg(json_build_object("
    "         'id', i.id, 'team_id', i.team_id, 'team_name', t.name, 'department_name', d.name,"
    "         'status', i.status, 'created_at', i.created_at) ORDER BY i.id DESC), '[]'::json))::text AS list"
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
    "SELECT json_build_object('id', id, 'team_id', team_id, 'status', status)::text AS invitation FROM i",
    3);

static void
create_done(struct request *r, const PGresult *res)
{
	if (!query_cell_bool(res, 0, "team_found")) {
		api_error_reply(r, API_ERROR_NO_SUCH_ACTIVE_TEAM, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "volunteer_found")) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(
		    fields, "volunteer_no", json_object_new_string("没有这个志愿者编号 (no such volunteer)"));
		api_error_reply(r, API_ERROR_VOLUNTEER_NUMBER_INVALID, fields);
		return;
	}
	if (query_cell_null(res, 0, "invitation")) {
		api_error_reply(r, API_ERROR_ALREADY_MEMBER_OR_INVITED, NULL);
		return;
	}
	query_reply_cell(r, res, "invitation", 201);
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
	char number[64];
	struct query q;

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
	query_start(&q, r, &create_statement);
	query_text(&q, 1, team);
	query_text(&q, 2, number);
	query_id(&q, 3, r->user->id);
	query_run(&q, create_done, NULL);
}

static void
list_done(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "list", 200);
}

void
invitations_list(struct request *r)
{
	struct query q;

	query_start(&q, r, &list_statement);
	query_id(&q, 1, r->user->scope_id);
	query_run(&q, list_done, NULL);
}

static void
answer_done(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_INVITATION, NULL);
		return;
	}
	query_reply_cell(r, res, "invitation", 200);
}

void
invitation_answer(struct request *r)
{
	const char *answer = route_param(&r->match, "answer");
	const char *status;
	struct query q;

	if (strcmp(answer, "accept") == 0)
		status = "accepted";
	else if (strcmp(answer, "decline") == 0)
		status = "declined";
	else {
		api_error_reply(r, API_ERROR_NO_SUCH_ACTION, NULL);
		return;
	}
	query_start(&q, r, &answer_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_id(&q, 2, r->user->scope_id);
	query_text(&q, 3, status);
	query_run(&q, answer_done, NULL);
}
