/* registry_members: who is on a team. An admin manages any team's members, a team account its own
 * (teams_own). At most one lead per team is the database's rule (team_members_one_lead); naming a new
 * lead demotes the old one in the same statement (volunteer_input.c's team_member_add_statement,
 * shared with the importer), and when two people name leads at once the second gets 409. */
#include "registry_members.h"

#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "db.h"
#include "http.h"
#include "list_page.h"
#include "query.h"
#include "registry_teams.h"
#include "validate.h"
#include "volunteer_input.h"

/* One row for an existing team; its json is NULL when the page is empty. */
static struct db_statement members_list_statement = DB_STATEMENT("team_members_list",
    "SELECT m.json::text AS member, m.volunteer_id FROM teams t"
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

/* A lead stays until another is named: the row is deleted only when it is not the lead's. */
static struct db_statement member_remove_statement = DB_STATEMENT("team_member_remove",
    "WITH gone AS ("
    "  DELETE FROM team_members m WHERE m.team_id = $1::bigint AND m.volunteer_id = $2::bigint AND m.role <> 'lead'"
    "  RETURNING 1"
    ")"
    "SELECT (SELECT role FROM team_members WHERE team_id = $1::bigint AND volunteer_id = $2::bigint) AS role,"
    "       (SELECT count(*) FROM gone) AS removed",
    2);

/* The path's team {id} (and {volunteer_id}), checked by the dispatch. */
static int64_t
path_id(struct request *r, const char *name)
{
	int64_t id = 0;

	parse_id(http_path_param(r, name), &id);
	return id;
}

static void
list_rows(struct request *r, const PGresult *res)
{
	static const char empty[] = "{\"items\":[],\"next_cursor\":null}";

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	if (query_cell_null(res, 0, "member")) {
		http_reply_json_text(r, 200, empty, sizeof empty - 1);
		return;
	}
	list_page_reply(r, res, r->state, "member", "volunteer_id");
}

void
team_members_list(struct request *r)
{
	struct list_page *page = http_alloc(r, sizeof *page);
	int64_t team = path_id(r, "id");
	struct field_errors errors;
	struct query q;

	if (!teams_own(r, team))
		return;
	field_errors_init(&errors);
	list_page_read(r, &errors, page);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &members_list_statement);
	query_id(&q, 1, team);
	query_text(&q, 2, list_page_cursor(page));
	query_text(&q, 3, page->fetch);
	r->state = page; /* request memory: no state_free */
	query_run(&q, list_rows, NULL);
}

static void
add_rows(struct request *r, const PGresult *res)
{
	if (!query_cell_bool(res, 0, "team_found")) {
		api_error_reply(r, API_ERROR_NO_SUCH_TEAM, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "volunteer_found")) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, "volunteer_id", "没有这名志愿者 (no such volunteer)");
		return;
	}
	if (query_cell_null(res, 0, "member")) {
		api_reply_field(
		    r, API_ERROR_LEAD_NOT_DEMOTABLE, "role", "这名志愿者是队长 (this volunteer is the lead)");
		return;
	}
	query_reply_cell(r, res, "member", query_cell_bool(res, 0, "was_member") ? 200 : 201);
}

static bool
add_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status != DB_SQL_ERROR || strcmp(reply->sqlstate, "23505") != 0 ||
	    strcmp(reply->constraint, "team_members_one_lead") != 0)
		return false;
	api_error_reply(r, API_ERROR_LEAD_CHANGED, NULL);
	return true;
}

void
team_members_add(struct request *r)
{
	int64_t team = path_id(r, "id"), id;
	struct json_object *body, *role;
	struct field_errors errors;
	enum input_kind kind;
	const char *role_name = "";
	struct query q;

	if (!teams_own(r, team) || (body = http_parse_body(r, false, &kind)) == NULL)
		return;
	query_start(&q, r, &team_member_add_statement);
	query_id(&q, 1, team);
	field_errors_init(&errors);
	if (validate_id(&errors, body, "volunteer_id", INPUT_JSON, &id))
		query_id(&q, 2, id);
	if (json_object_object_get_ex(body, "role", &role) && json_object_is_type(role, json_type_string))
		role_name = json_object_get_string(role);
	if (strcmp(role_name, "lead") == 0 || strcmp(role_name, "member") == 0)
		query_text(&q, 3, strcmp(role_name, "lead") == 0 ? "lead" : "member");
	else
		field_errors_add(&errors, "role", "应为 lead 或 member (lead or member)");
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_run(&q, add_rows, add_refused);
}

static void
remove_rows(struct request *r, const PGresult *res)
{
	if (query_cell_id(res, 0, "removed") == 1) {
		http_reply_empty(r, 204);
		return;
	}
	if (query_cell_null(res, 0, "role")) {
		api_error_reply(r, API_ERROR_NOT_A_MEMBER, NULL);
		return;
	}
	api_error_reply(r, API_ERROR_LEAD_NOT_REMOVABLE, NULL);
}

void
team_members_remove(struct request *r)
{
	int64_t team = path_id(r, "id");
	struct query q;

	if (!teams_own(r, team))
		return;
	query_start(&q, r, &member_remove_statement);
	query_id(&q, 1, team);
	query_id(&q, 2, path_id(r, "volunteer_id"));
	query_run(&q, remove_rows, NULL);
}
