/* volunteer_input: the volunteer's input rules and the two register writes, shared by the API
 * (registry_volunteers.c, registry_members.c) and the importer (tools/import_volunteers.c). */
#include "volunteer_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "id_number.h"
#include "json_io.h"
#include "query.h"
#include "xalloc.h"

/* The writes themselves are SQL functions (sql/086) that the import (volunteer_import.c) calls too. */
struct db_statement volunteer_create_statement = DB_STATEMENT("volunteer_create",
    "SELECT paidan_volunteer_register($1::text, $2::text, $3::text, $4::boolean, $5::bytea, $6::bytea,"
    " $7::text, $8::boolean, $9::text[], $10::smallint[]) AS id",
    VOLUNTEER_INPUT_PARAMS);

/* was_member is read in the statement's snapshot, before the function's write. */
struct db_statement team_member_add_statement = DB_STATEMENT("team_member_add",
    "WITH team AS (SELECT id FROM teams WHERE id = $1::bigint),"
    "vol AS (SELECT id, name, volunteer_no FROM volunteers WHERE id = $2::bigint),"
    "added AS MATERIALIZED ("
    "  SELECT a.* FROM team, vol, paidan_team_member_put(team.id, vol.id, $3::text) a"
    ")"
    "SELECT EXISTS (SELECT 1 FROM team) AS team_found, EXISTS (SELECT 1 FROM vol) AS volunteer_found,"
    "       EXISTS (SELECT 1 FROM team_members WHERE team_id = $1::bigint AND volunteer_id = $2::bigint) AS was_member,"
    "       (SELECT json_build_object('volunteer_id', a.member_volunteer_id, 'volunteer_no', vol.volunteer_no,"
    "                                 'name', vol.name, 'role', a.member_role, 'joined_at', a.member_joined_at)::text"
    "          FROM added a, vol) AS member",
    3);

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

/* ---- checking the fields ---- */

static void
set_value(char **field, const char *text, size_t len)
{
	free(*field);
	*field = xstrndup(text, len);
}

static void
set_text(char **field, const char *text)
{
	set_value(field, text, strlen(text));
}

static void
read_name(struct volunteer_input *in, struct json_object *body, struct field_errors *errors)
{
	const char *text;
	size_t len;

	if (validate_text(errors, body, "name", 1, 50, TEXT_SINGLE_LINE, &text, &len))
		set_value(&in->name, text, len);
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
	set_text(&in->phone, phone);
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
	set_text(&in->status, text);
}

/* Absent: no number (creating) or unchanged; null or "": none; else a checked number, sealed. */
static void
read_id_number(struct volunteer_input *in, struct json_object *body, struct field_errors *errors)
{
	char id[ID_NUMBER_LEN + 1], masked[ID_NUMBER_LEN + 1], sealed[ID_NUMBER_SEALED_TEXT];
	char hash[ID_NUMBER_HASH_TEXT];
	const char *text, *problem;
	size_t len;

	in->id_given = false;
	if (!json_object_object_get_ex(body, "id_number", NULL))
		return;
	if (!validate_text(errors, body, "id_number", 0, 32, TEXT_SINGLE_LINE, &text, &len))
		return;
	in->id_given = true;
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
	set_text(&in->id_sealed, sealed);
	set_text(&in->id_hash, hash);
	set_text(&in->id_masked, masked);
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

	in->skills_given = creating;
	set_text(&in->skill_codes, "{}");
	set_text(&in->skill_levels, "{}");
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
	in->skills_given = true;
	set_text(&in->skill_codes, codes);
	set_text(&in->skill_levels, levels);
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
	free(in->name);
	free(in->phone);
	free(in->status);
	free(in->id_sealed);
	free(in->id_hash);
	free(in->id_masked);
	free(in->skill_codes);
	free(in->skill_levels);
	memset(in, 0, sizeof *in);
}

void
volunteer_input_bind(struct query *q, int first, const struct volunteer_input *in)
{
	query_text(q, first, in->name);
	query_text(q, first + 1, in->phone);
	query_text(q, first + 2, in->status);
	query_bool(q, first + 3, in->id_given);
	query_text(q, first + 4, in->id_sealed);
	query_text(q, first + 5, in->id_hash);
	query_text(q, first + 6, in->id_masked);
	query_bool(q, first + 7, in->skills_given);
	query_text(q, first + 8, in->skill_codes);
	query_text(q, first + 9, in->skill_levels);
}

static void
add_text(struct json_object *o, const char *name, const char *text)
{
	json_object_object_add(o, name, text != NULL ? json_object_new_string(text) : NULL);
}

void
volunteer_input_json(const struct volunteer_input *in, struct json_object *o)
{
	add_text(o, "name", in->name);
	add_text(o, "phone", in->phone);
	add_text(o, "status", in->status);
	add_text(o, "id_given", in->id_given ? "true" : "false");
	add_text(o, "id_enc", in->id_sealed);
	add_text(o, "id_hash", in->id_hash);
	add_text(o, "id_masked", in->id_masked);
	add_text(o, "skills_given", in->skills_given ? "true" : "false");
	add_text(o, "skill_codes", in->skill_codes);
	add_text(o, "skill_levels", in->skill_levels);
}
