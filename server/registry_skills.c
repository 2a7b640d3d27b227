/* registry_skills: the skills volunteers are registered with — a list anyone signed in reads, and
 * codes the admin adds (the code's rule is volunteer_input.c's, shared with the importer). */
#include "registry_skills.h"

#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "validate.h"
#include "volunteer_input.h"

static struct db_statement skills_list_statement = DB_STATEMENT("skills_list",
    "SELECT json_build_object('items', COALESCE(json_agg(json_build_object('id', s.id, 'code', s.code,"
    "                                   'name', s.name) ORDER BY s.id), '[]'::json))::text AS skills"
    "  FROM skills s",
    0);

static struct db_statement skill_create_statement = DB_STATEMENT("skill_create",
    "INSERT INTO skills (code, name) VALUES ($1::text, $2::text)"
    " RETURNING json_build_object('id', id, 'code', code, 'name', name)::text AS skill",
    2);

static void
list_rows(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "skills", 200);
}

void
skills_list(struct request *r)
{
	struct query q;

	query_start(&q, r, &skills_list_statement);
	query_run(&q, list_rows, NULL);
}

static void
create_rows(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "skill", 201);
}

static bool
create_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status != DB_SQL_ERROR || strcmp(reply->sqlstate, "23505") != 0)
		return false;
	api_reply_field(r, API_ERROR_SKILL_CODE_TAKEN, "code", "已被占用 (already taken)");
	return true;
}

void
skills_create(struct request *r)
{
	struct json_object *body;
	struct field_errors errors;
	enum input_kind kind;
	struct query q;
	const char *text;
	size_t len;

	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	query_start(&q, r, &skill_create_statement);
	field_errors_init(&errors);
	if (validate_text(&errors, body, "code", 1, SKILL_CODE_MAX, TEXT_SINGLE_LINE, &text, &len)) {
		if (skill_code_valid(text, len))
			query_text(&q, 1, http_strndup(r, text, len));
		else
			field_errors_add(&errors, "code",
			    "小写字母开头，只含小写字母、数字和下划线 (a lower-case letter, then lower-case letters, digits or _)");
	}
	if (validate_text(&errors, body, "name", 1, 100, TEXT_SINGLE_LINE, &text, &len))
		query_text(&q, 2, http_strndup(r, text, len));
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_run(&q, create_rows, create_refused);
}
