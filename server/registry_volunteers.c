/* registry_volunteers: volunteers as the admin registers them. A write is one statement (the volunteer,
 * their skills and the uniqueness checks together), then the volunteer is read back in the shape every
 * read gives (paidan_volunteer_json), so a reply never differs from what a later GET shows. Team
 * accounts may read their own members, with phone numbers masked. */
#include "registry_volunteers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "http.h"
#include "json_io.h"
#include "list_page.h"
#include "query.h"
#include "volunteer_input.h"
#include "xalloc.h"

/* Skills given replace the set: the ones no longer listed go, the listed ones get their level. */
static struct db_statement update_statement = DB_STATEMENT("volunteer_update",
    "WITH found AS ("
    "  SELECT s.id, w.level FROM unnest($10::text[], $11::smallint[]) AS w (code, level)"
    "    JOIN skills s ON s.code = w.code"
    "), upd AS ("
    "  UPDATE volunteers v SET name = COALESCE($2::text, v.name), phone = COALESCE($3::text, v.phone),"
    "         status = COALESCE($4::text, v.status),"
    "         id_number_enc = CASE WHEN $5::boolean THEN $6::bytea ELSE v.id_number_enc END,"
    "         id_number_hash = CASE WHEN $5::boolean THEN $7::bytea ELSE v.id_number_hash END,"
    "         id_number_masked = CASE WHEN $5::boolean THEN $8::text ELSE v.id_number_masked END"
    "   WHERE v.id = $1::bigint"
    "     AND paidan_check(NOT $9::boolean OR (SELECT count(*) FROM found) = cardinality($10::text[]), 'skills')"
    "     AND paidan_check_unique($3::text IS NULL OR NOT EXISTS (SELECT 1 FROM volunteers x"
    "                              WHERE x.phone = $3::text AND x.id <> $1::bigint), 'phone')"
    "  RETURNING v.id"
    "), skills_dropped AS ("
    "  DELETE FROM volunteer_skills vs USING upd"
    "   WHERE $9::boolean AND vs.volunteer_id = upd.id AND vs.skill_id NOT IN (SELECT id FROM found)"
    "), skills_kept AS ("
    "  INSERT INTO volunteer_skills (volunteer_id, skill_id, level)"
    "  SELECT upd.id, found.id, found.level FROM upd, found WHERE $9::boolean"
    "  ON CONFLICT (volunteer_id, skill_id) DO UPDATE SET level = EXCLUDED.level"
    ")"
    "SELECT count(*) AS changed FROM upd",
    VOLUNTEER_INPUT_PARAMS + 1);

/* $3: the team whose members a team account may see; NULL for an admin. */
static struct db_statement detail_statement = DB_STATEMENT("volunteer_detail",
    "SELECT paidan_volunteer_json(v, $2::boolean)::text AS volunteer,"
    "       $3::bigint IS NULL OR EXISTS (SELECT 1 FROM team_members m"
    "                                      WHERE m.volunteer_id = v.id AND m.team_id = $3::bigint) AS visible"
    "  FROM volunteers v WHERE v.id = $1::bigint",
    3);

static struct db_statement list_statement = DB_STATEMENT("volunteers_list",
    "SELECT paidan_volunteer_json(v, $1::boolean)::text AS volunteer, v.id"
    "  FROM volunteers v"
    " WHERE ($2::bigint IS NULL OR v.id IN (SELECT m.volunteer_id FROM team_members m WHERE m.team_id = $2::bigint))"
    "   AND ($3::text IS NULL OR v.id IN (SELECT vs.volunteer_id FROM volunteer_skills vs"
    "                                      JOIN skills s ON s.id = vs.skill_id WHERE s.code = $3::text))"
    "   AND ($4::text IS NULL OR v.status = $4::text)"
    "   AND ($5::text IS NULL OR strpos(lower(v.name), lower($5::text)) > 0 OR v.volunteer_no = upper($5::text))"
    "   AND ($6::text IS NULL OR v.phone = $6::text)"
    "   AND ($7::bigint IS NULL OR v.id > $7::bigint)"
    " ORDER BY v.id"
    " LIMIT $8::int",
    8);

/* Per request: the checked body, and the status of the reply once the volunteer is read back. */
struct volunteer_state {
	struct volunteer_input in;
	int64_t id;
	int status;
};

static void
volunteer_state_free(void *p)
{
	struct volunteer_state *s = p;

	volunteer_input_clear(&s->in);
	free(s);
}

/* The state of r, with the path's {id} (checked by the dispatch) when the route has one. */
static struct volunteer_state *
volunteer_state_new(struct request *r)
{
	struct volunteer_state *s = http_state_new(r, sizeof *s, volunteer_state_free);
	const char *id = http_path_param(r, "id");

	if (id != NULL)
		parse_id(id, &s->id);
	return s;
}

/* ---- reading ---- */

static void
detail_rows(struct request *r, const PGresult *res)
{
	struct volunteer_state *s = r->state;

	if (!query_row_visible(r, res, API_ERROR_NO_SUCH_VOLUNTEER, API_ERROR_VOLUNTEER_NOT_IN_YOUR_TEAM))
		return;
	query_reply_cell(r, res, "volunteer", s->status);
}

/* Reads volunteer s->id back as r's user may see it and replies with status. */
static void
detail_send(struct request *r, int status)
{
	struct volunteer_state *s = r->state;
	struct query q;

	s->status = status;
	query_start(&q, r, &detail_statement);
	query_id(&q, 1, s->id);
	query_bool(&q, 2, r->user->role == ROLE_ADMIN);
	if (r->user->role == ROLE_TEAM)
		query_id(&q, 3, r->user->scope_id);
	query_run(&q, detail_rows, NULL);
}

void
volunteers_get(struct request *r)
{
	volunteer_state_new(r);
	detail_send(r, 200);
}

static void
list_rows(struct request *r, const PGresult *res)
{
	list_page_reply(r, res, r->state, "volunteer", "id");
}

void
volunteers_list(struct request *r)
{
	struct list_page *page = http_alloc(r, sizeof *page);
	const char *team = http_query_param(r, "team_id"), *skill = http_query_param(r, "skill");
	const char *status = http_query_param(r, "status"), *q = http_query_param(r, "q");
	struct field_errors errors;
	struct query query;
	char phone[16];
	int64_t id;

	query_start(&query, r, &list_statement);
	field_errors_init(&errors);
	query_bool(&query, 1, r->user->role == ROLE_ADMIN);
	if (team != NULL && *team) {
		if (!parse_id(team, &id)) {
			field_errors_add(&errors, "team_id", "应为正整数编号 (must be a positive whole number)");
		} else if (r->user->role == ROLE_TEAM && id != r->user->scope_id) {
			field_errors_free(&errors);
			api_error_reply(r, API_ERROR_ONLY_OWN_TEAM_MEMBERS, NULL);
			return;
		}
	}
	if (r->user->role == ROLE_TEAM)
		query_id(&query, 2, r->user->scope_id);
	else if (team != NULL && *team)
		query_text(&query, 2, team);
	if (skill != NULL && *skill) {
		if (skill_code_valid(skill, strlen(skill)))
			query_text(&query, 3, skill);
		else
			field_errors_add(&errors, "skill", "应为技能代码 (a skill code)");
	}
	if (status != NULL && *status) {
		if (strcmp(status, "active") == 0 || strcmp(status, "inactive") == 0)
			query_text(&query, 4, status);
		else
			field_errors_add(&errors, "status", "应为 active 或 inactive (active or inactive)");
	}
	if (q != NULL && *q) {
		if (strlen(q) > 100 || !utf8_valid(q, strlen(q))) {
			field_errors_add(&errors, "q", "最多 100 个字 (at most 100 characters)");
		} else {
			/* A phone number is looked up by the index on phones; anything else by name or number. */
			if (phone_normalize(q, strlen(q), phone))
				query_text(&query, 6, http_strdup(r, phone));
			else
				query_text(&query, 5, q);
		}
	}
	list_page_read(r, &errors, page);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_text(&query, 7, list_page_cursor(page));
	query_text(&query, 8, page->fetch);
	r->state = page; /* http_alloc'd: no state_free */
	query_run(&query, list_rows, NULL);
}

/* ---- writing ---- */

static void
reply_taken(struct request *r, const char *field)
{
	struct json_object *fields = json_object_new_object();

	json_object_object_add(fields, field,
	    json_object_new_string(strcmp(field, "phone") == 0
	            ? "这个电话号码已登记过 (this phone number is already registered)"
	            : "这个身份证号码已登记过 (this ID number is already registered)"));
	api_error_reply(r, API_ERROR_VOLUNTEER_REGISTERED, fields);
}

/* The refusals of the register and change statements that name a field; false for any other failure. */
static bool
write_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status != DB_SQL_ERROR)
		return false;
	if (strcmp(reply->sqlstate, "PD422") == 0 && strcmp(reply->message, "skills") == 0) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(&errors, "skills", "有未登记的技能代码 (unknown skill code: see GET /api/v1/skills)");
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return true;
	}
	if ((strcmp(reply->sqlstate, "PD409") == 0 && strcmp(reply->message, "phone") == 0) ||
	    (strcmp(reply->sqlstate, "23505") == 0 && strcmp(reply->constraint, "volunteers_phone_numbered") == 0)) {
		reply_taken(r, "phone");
		return true;
	}
	if (strcmp(reply->sqlstate, "23505") == 0 && strcmp(reply->constraint, "volunteers_id_number_hash_key") == 0) {
		reply_taken(r, "id_number");
		return true;
	}
	return false;
}

static void
create_rows(struct request *r, const PGresult *res)
{
	struct volunteer_state *s = r->state;

	s->id = query_cell_id(res, 0, "id");
	detail_send(r, 201);
}

static void
update_rows(struct request *r, const PGresult *res)
{
	if (query_cell_id(res, 0, "changed") == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_VOLUNTEER, NULL);
		return;
	}
	detail_send(r, 200);
}

/* Reads and checks the body into s->in; false after replying 400/415/422. */
static bool
read_body(struct request *r, struct volunteer_state *s, bool creating)
{
	struct field_errors errors;
	struct json_object *body;
	enum input_kind kind;
	bool ok;

	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return false;
	field_errors_init(&errors);
	volunteer_input_read(&s->in, body, creating, &errors);
	json_object_put(body);
	ok = !field_errors_any(&errors);
	if (!ok)
		api_reply_field_errors(r, &errors);
	field_errors_free(&errors);
	return ok;
}

void
volunteers_create(struct request *r)
{
	struct volunteer_state *s = volunteer_state_new(r);
	struct query q;

	if (!read_body(r, s, true))
		return;
	query_start(&q, r, &volunteer_create_statement);
	volunteer_input_bind(&q, 1, &s->in);
	query_run(&q, create_rows, write_refused);
}

void
volunteers_update(struct request *r)
{
	struct volunteer_state *s = volunteer_state_new(r);
	struct query q;

	if (!read_body(r, s, false))
		return;
	query_start(&q, r, &update_statement);
	query_id(&q, 1, s->id);
	volunteer_input_bind(&q, 2, &s->in);
	query_run(&q, update_rows, write_refused);
}
