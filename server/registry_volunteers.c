/* registry_volunteers: volunteers as the admin registers them. A write is one statement (the volunteer,
 * their skills and the uniqueness checks together), then the volunteer is read back in the shape every
 * read gives (paidan_volunteer_json), so a reply never differs from what a later GET shows. Team
 * accounts may read their own members, with phone numbers masked. */
#include "registry_volunteers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "http.h"
#include "id_number.h"
#include "json_io.h"
#include "list_page.h"
#include "registry_teams.h"
#include "xalloc.h"

struct db_statement volunteer_create_statement = DB_STATEMENT("volunteer_create",
    "WITH found AS ("
    "  SELECT s.id, w.level FROM unnest($9::text[], $10::smallint[]) AS w (code, level)"
    "    JOIN skills s ON s.code = w.code"
    "), new AS ("
    "  SELECT nextval(pg_get_serial_sequence('volunteers', 'id')) AS id"
    "   WHERE paidan_check(NOT $8::boolean OR (SELECT count(*) FROM found) = cardinality($9::text[]), 'skills')"
    "     AND paidan_check_unique(NOT EXISTS (SELECT 1 FROM volunteers x WHERE x.phone = $2::text), 'phone')"
    "), v AS ("
    "  INSERT INTO volunteers (id, volunteer_no, name, phone, status, id_number_enc, id_number_hash, id_number_masked)"
    "  OVERRIDING SYSTEM VALUE"
    "  SELECT new.id, 'V' || lpad(new.id::text, greatest(6, length(new.id::text)), '0'), $1::text, $2::text,"
    "         COALESCE($3::text, 'active'), CASE WHEN $4::boolean THEN $5::bytea END,"
    "         CASE WHEN $4::boolean THEN $6::bytea END, CASE WHEN $4::boolean THEN $7::text END"
    "    FROM new"
    "  RETURNING id"
    "), skills_added AS ("
    "  INSERT INTO volunteer_skills (volunteer_id, skill_id, level) SELECT v.id, found.id, found.level FROM v, found"
    ")"
    "SELECT id FROM v",
    VP_COUNT - 1);

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
    "SELECT count(*) FROM upd",
    VP_COUNT);

/* $3: the team whose members a team account may see; NULL for an admin. */
static struct db_statement detail_statement = DB_STATEMENT("volunteer_detail",
    "SELECT paidan_volunteer_json(v, $2::boolean)::text,"
    "       $3::bigint IS NULL OR EXISTS (SELECT 1 FROM team_members m"
    "                                      WHERE m.volunteer_id = v.id AND m.team_id = $3::bigint)"
    "  FROM volunteers v WHERE v.id = $1::bigint",
    3);

enum { L_FULL_PHONE, L_TEAM, L_SKILL, L_STATUS, L_Q, L_Q_PHONE, L_CURSOR, L_FETCH, L_COUNT };

static struct db_statement list_statement = DB_STATEMENT("volunteers_list",
    "SELECT paidan_volunteer_json(v, $1::boolean)::text, v.id"
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
    L_COUNT);

struct volunteer_state {
	struct volunteer_input in;
	struct list_page page;
	char *list_values[L_COUNT];
	char id[24];
	int status; /* of the reply once the volunteer is read back */
};

static void
volunteer_state_free(void *p)
{
	struct volunteer_state *s = p;

	volunteer_input_clear(&s->in);
	for (int i = 0; i < L_COUNT; i++)
		free(s->list_values[i]);
	free(s);
}

static struct volunteer_state *
volunteer_state_new(struct request *r)
{
	struct volunteer_state *s = xcalloc(1, sizeof *s);

	r->state = s;
	r->state_free = volunteer_state_free;
	return s;
}

/* ---- checking the fields ---- */

static void
set_value(struct volunteer_input *in, enum volunteer_param p, const char *text, size_t len)
{
	free(in->values[p]);
	in->values[p] = xstrndup(text, len);
}

static void
set_text(struct volunteer_input *in, enum volunteer_param p, const char *text)
{
	set_value(in, p, text, strlen(text));
}

static void
read_name(struct volunteer_input *in, struct json_object *body, struct field_errors *errors)
{
	const char *text;
	size_t len;

	if (validate_text(errors, body, "name", 1, 50, TEXT_SINGLE_LINE, &text, &len))
		set_value(in, VP_NAME, text, len);
}

static void
read_phone(struct volunteer_input *in, struct json_object *body, struct field_errors *errors)
{
	const char *text;
	size_t len;
	char phone[16];

	if (!validate_text(errors, body, "phone", 1, 32, TEXT_SINGLE_LINE, &text, &len))
		return;
	if (!phone_normalize(text, len, phone)) {
		field_errors_add(errors, "phone",
		    "应为手机号或带区号的固定电话 (a mobile number, or a landline with its area code)");
		return;
	}
	set_text(in, VP_PHONE, phone);
}

static void
read_status(struct volunteer_input *in, struct json_object *body, struct field_errors *errors)
{
	struct json_object *value;
	const char *text;

	if (!json_object_object_get_ex(body, "status", &value))
		return;
	text = json_object_is_type(value, json_type_string) ? json_object_get_string(value) : "";
	if (strcmp(text, "active") != 0 && strcmp(text, "inactive") != 0) {
		field_errors_add(errors, "status", "应为 active 或 inactive (active or inactive)");
		return;
	}
	set_text(in, VP_STATUS, text);
}

/* Absent: no number (creating) or unchanged; null or "": none; else a checked number, sealed. */
static void
read_id_number(struct volunteer_input *in, struct json_object *body, struct field_errors *errors)
{
	char id[ID_NUMBER_LEN + 1], masked[ID_NUMBER_LEN + 1], sealed[ID_NUMBER_SEALED_TEXT];
	char hash[ID_NUMBER_HASH_TEXT];
	const char *text, *problem;
	size_t len;

	set_text(in, VP_ID_GIVEN, "false");
	if (!json_object_object_get_ex(body, "id_number", NULL))
		return;
	if (!validate_text(errors, body, "id_number", 0, 32, TEXT_SINGLE_LINE, &text, &len))
		return;
	set_text(in, VP_ID_GIVEN, "true");
	if (len == 0)
		return;
	if ((problem = id_number_problem(text, len, id)) != NULL) {
		field_errors_add(errors, "id_number", problem);
		return;
	}
	if (!id_number_seal(id, sealed) || !id_number_hash(id, hash)) {
		field_errors_add(
		    errors, "id_number", "暂时无法保存身份证号码 (ID numbers cannot be stored: no key loaded)");
		sodium_memzero(id, sizeof id);
		return;
	}
	id_number_mask(id, masked);
	sodium_memzero(id, sizeof id);
	set_text(in, VP_ID_SEALED, sealed);
	set_text(in, VP_ID_HASH, hash);
	set_text(in, VP_ID_MASKED, masked);
}

/* One entry of "skills": "code" or {"code", "level" 1–5 (default 1)}; false after recording why not. */
static bool
read_skill(struct json_object *item, size_t index, const char **code, int64_t *level, struct field_errors *errors)
{
	struct json_object *value;
	char message[200];

	*level = 1;
	*code = NULL;
	if (json_object_is_type(item, json_type_string)) {
		*code = json_object_get_string(item);
	} else if (json_object_is_type(item, json_type_object)) {
		if (json_object_object_get_ex(item, "code", &value) && json_object_is_type(value, json_type_string))
			*code = json_object_get_string(value);
		if (json_object_object_get_ex(item, "level", &value)) {
			*level = json_object_is_type(value, json_type_int) ? json_object_get_int64(value) : 0;
			if (*level < 1 || *level > 5) {
				snprintf(message, sizeof message, "第 %zu 项的等级应为 1 到 5 (item %zu: level 1 to 5)",
				    index + 1, index + 1);
				field_errors_add(errors, "skills", message);
				return false;
			}
		}
	}
	if (*code == NULL || !skill_code_valid(*code, strlen(*code))) {
		snprintf(message, sizeof message,
		    "第 %zu 项应为技能代码或 {code, level} (item %zu: a skill code such as \"first_aid\", or {code, level})",
		    index + 1, index + 1);
		field_errors_add(errors, "skills", message);
		return false;
	}
	return true;
}

/* Absent: none (creating) or unchanged; else a list that replaces the set. Unknown codes are found by the statement. */
static void
read_skills(struct volunteer_input *in, struct json_object *body, bool creating, struct field_errors *errors)
{
	char codes[VOLUNTEER_SKILLS_MAX * (SKILL_CODE_MAX + 1) + 3], levels[VOLUNTEER_SKILLS_MAX * 2 + 3];
	const char *seen[VOLUNTEER_SKILLS_MAX];
	size_t cu = 0, lu = 0, n;
	struct json_object *list;

	set_text(in, VP_SKILLS_GIVEN, creating ? "true" : "false");
	set_text(in, VP_SKILL_CODES, "{}");
	set_text(in, VP_SKILL_LEVELS, "{}");
	if (!json_object_object_get_ex(body, "skills", &list))
		return;
	if (!json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) > VOLUNTEER_SKILLS_MAX) {
		field_errors_add(errors, "skills", "应为最多 30 项技能的列表 (a list of at most 30 skills)");
		return;
	}
	codes[cu++] = '{';
	levels[lu++] = '{';
	for (size_t i = 0; i < n; i++) {
		const char *code;
		int64_t level;
		if (!read_skill(json_object_array_get_idx(list, i), i, &code, &level, errors))
			return;
		for (size_t j = 0; j < i; j++)
			if (strcmp(seen[j], code) == 0) {
				field_errors_add(errors, "skills", "同一技能只能列一次 (a skill is listed twice)");
				return;
			}
		seen[i] = code;
		cu += (size_t)snprintf(codes + cu, sizeof codes - cu, "%s%s", i ? "," : "", code);
		lu += (size_t)snprintf(levels + lu, sizeof levels - lu, "%s%d", i ? "," : "", (int)level);
	}
	codes[cu++] = '}';
	codes[cu] = '\0';
	levels[lu++] = '}';
	levels[lu] = '\0';
	set_text(in, VP_SKILLS_GIVEN, "true");
	set_text(in, VP_SKILL_CODES, codes);
	set_text(in, VP_SKILL_LEVELS, levels);
}

void
volunteer_input_read(struct volunteer_input *in, struct json_object *body, bool creating, struct field_errors *errors)
{
	if (creating || json_object_object_get_ex(body, "name", NULL))
		read_name(in, body, errors);
	if (creating || json_object_object_get_ex(body, "phone", NULL))
		read_phone(in, body, errors);
	read_status(in, body, errors);
	read_id_number(in, body, errors);
	read_skills(in, body, creating, errors);
}

void
volunteer_input_clear(struct volunteer_input *in)
{
	for (int i = 0; i < VP_COUNT; i++) {
		free(in->values[i]);
		in->values[i] = NULL;
	}
}

/* ---- reading ---- */

static void
detail_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct volunteer_state *s = r->state;
	const char *text;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(reply->result) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_VOLUNTEER, NULL);
		return;
	}
	if (strcmp(PQgetvalue(reply->result, 0, 1), "t") != 0) {
		api_error_reply(r, API_ERROR_VOLUNTEER_NOT_IN_YOUR_TEAM, NULL);
		return;
	}
	text = PQgetvalue(reply->result, 0, 0);
	http_reply_json_text(r, s->status, text, strlen(text));
}

/* Reads volunteer s->id back as r's user may see it and replies with status. */
static void
detail_send(struct request *r, int status)
{
	struct volunteer_state *s = r->state;
	char scope[24];
	const char *values[3] = {s->id, r->user->role == ROLE_ADMIN ? "true" : "false", NULL};

	if (r->user->role == ROLE_TEAM) {
		snprintf(scope, sizeof scope, "%lld", (long long)r->user->scope_id);
		values[2] = scope;
	}
	s->status = status;
	db_query(r->app->db, &detail_statement, values, detail_done, r);
}

/* Puts the path's {id} (checked by the router) in s->id. */
static void
path_id(struct request *r, struct volunteer_state *s)
{
	snprintf(s->id, sizeof s->id, "%s", http_path_param(r, "id"));
}

void
volunteers_get(struct request *r)
{
	path_id(r, volunteer_state_new(r));
	detail_send(r, 200);
}

static void
list_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct volunteer_state *s = r->state;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	list_page_reply(r, reply->result, &s->page);
}

void
volunteers_list(struct request *r)
{
	struct volunteer_state *s = volunteer_state_new(r);
	const char *team = http_query_param(r, "team_id"), *skill = http_query_param(r, "skill");
	const char *status = http_query_param(r, "status"), *q = http_query_param(r, "q");
	struct field_errors errors;
	char text[24], phone[16];
	int64_t id;

	field_errors_init(&errors);
	s->list_values[L_FULL_PHONE] = xstrdup(r->user->role == ROLE_ADMIN ? "true" : "false");
	if (team != NULL && *team) {
		if (!parse_id(team, &id)) {
			field_errors_add(&errors, "team_id", "应为正整数编号 (must be a positive whole number)");
		} else if (r->user->role == ROLE_TEAM && id != r->user->scope_id) {
			field_errors_free(&errors);
			api_error_reply(r, API_ERROR_ONLY_OWN_TEAM_MEMBERS, NULL);
			return;
		}
	}
	if (r->user->role == ROLE_TEAM) {
		snprintf(text, sizeof text, "%lld", (long long)r->user->scope_id);
		s->list_values[L_TEAM] = xstrdup(text);
	} else if (team != NULL && *team) {
		s->list_values[L_TEAM] = xstrdup(team);
	}
	if (skill != NULL && *skill) {
		if (skill_code_valid(skill, strlen(skill)))
			s->list_values[L_SKILL] = xstrdup(skill);
		else
			field_errors_add(&errors, "skill", "应为技能代码 (a skill code)");
	}
	if (status != NULL && *status) {
		if (strcmp(status, "active") == 0 || strcmp(status, "inactive") == 0)
			s->list_values[L_STATUS] = xstrdup(status);
		else
			field_errors_add(&errors, "status", "应为 active 或 inactive (active or inactive)");
	}
	if (q != NULL && *q) {
		if (strlen(q) > 100 || !utf8_valid(q, strlen(q))) {
			field_errors_add(&errors, "q", "最多 100 个字 (at most 100 characters)");
		} else {
			/* A phone number is looked up by the index on phones; anything else by name or number. */
			if (phone_normalize(q, strlen(q), phone))
				s->list_values[L_Q_PHONE] = xstrdup(phone);
			else
				s->list_values[L_Q] = xstrdup(q);
		}
	}
	list_page_read(r, &errors, &s->page);
	if (field_errors_any(&errors)) {
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	field_errors_free(&errors);
	if (list_page_cursor(&s->page) != NULL)
		s->list_values[L_CURSOR] = xstrdup(list_page_cursor(&s->page));
	s->list_values[L_FETCH] = xstrdup(s->page.fetch);
	db_query(r->app->db, &list_statement, (const char *const *)s->list_values, list_done, r);
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
reply_write_refusal(struct request *r, const struct db_reply *reply)
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
create_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct volunteer_state *s = r->state;

	if (reply_write_refusal(r, reply))
		return;
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	snprintf(s->id, sizeof s->id, "%s", PQgetvalue(reply->result, 0, 0));
	detail_send(r, 201);
}

static void
update_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;

	if (reply_write_refusal(r, reply))
		return;
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(reply->result, 0, 0), "0") == 0) {
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

	if (!read_body(r, s, true))
		return;
	db_query(r->app->db, &volunteer_create_statement, (const char *const *)s->in.values + VP_NAME, create_done, r);
}

void
volunteers_update(struct request *r)
{
	struct volunteer_state *s = volunteer_state_new(r);

	path_id(r, s);
	if (!read_body(r, s, false))
		return;
	s->in.values[VP_ID] = xstrdup(s->id);
	db_query(r->app->db, &update_statement, (const char *const *)s->in.values, update_done, r);
}
