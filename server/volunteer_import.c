/* volunteer_import: an import file against the database, its one import statement and its report
 * (see the header). */
#include "volunteer_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "xalloc.h"

struct db_statement volunteer_import_facts_statement = DB_STATEMENT("volunteer_import_facts",
    "SELECT 'skill' AS kind, s.code AS key, NULL::text AS value FROM skills s"
    " WHERE s.code IN (SELECT jsonb_array_elements_text($1::jsonb))"
    " UNION ALL SELECT 'team', t.name, t.id::text FROM teams t"
    " WHERE t.name IN (SELECT jsonb_array_elements_text($2::jsonb))"
    " UNION ALL SELECT 'phone', v.phone, NULL FROM volunteers v"
    " WHERE v.phone IN (SELECT jsonb_array_elements_text($3::jsonb))"
    " UNION ALL SELECT 'id', '\\x' || encode(v.id_number_hash, 'hex'), NULL FROM volunteers v"
    " WHERE v.id_number_hash IN (SELECT decode(h, 'hex') FROM jsonb_array_elements_text($4::jsonb) h)"
    " UNION ALL SELECT 'key', encode(i.body_hash, 'hex'), i.imported::text FROM volunteer_imports i"
    " WHERE i.idempotency_key = $5::text",
    VOLUNTEER_IMPORT_FACTS_PARAMS);

struct db_statement volunteer_import_statement = DB_STATEMENT("volunteer_import",
    "SELECT paidan_volunteers_import($1::jsonb, $2::text, $3::bytea)::text AS result", VOLUNTEER_IMPORT_PARAMS);

/* The skill codes of an array literal of plain codes, "{first_aid,smartphone_help}", one by one. */
static const char *
next_code(const char *p, char code[SKILL_CODE_MAX + 1])
{
	size_t n;

	if (p == NULL || *p == '\0' || *p == '}')
		return NULL;
	n = strcspn(p, ",}");
	snprintf(code, SKILL_CODE_MAX + 1, "%.*s", (int)n, p);
	return p + n + (p[n] == ',');
}

static char *
json_take(struct json_object *list)
{
	char *s = xstrdup(json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN));

	json_object_put(list);
	return s;
}

void
volunteer_import_facts_bind(struct query *q, const struct volunteer_csv *csv, struct volunteer_import_lists *lists)
{
	struct json_object *skills = json_object_new_array(), *teams = json_object_new_array();
	struct json_object *phones = json_object_new_array(), *ids = json_object_new_array();
	char code[SKILL_CODE_MAX + 1];

	for (size_t i = 0; i < csv->count; i++) {
		const struct volunteer_csv_row *row = &csv->rows[i];
		for (const char *p = row->in.skill_codes ? row->in.skill_codes + 1 : NULL; (p = next_code(p, code));)
			json_object_array_add(skills, json_object_new_string(code));
		if (row->team != NULL)
			json_object_array_add(teams, json_object_new_string(row->team));
		if (row->in.phone != NULL)
			json_object_array_add(phones, json_object_new_string(row->in.phone));
		if (row->in.id_hash != NULL)
			json_object_array_add(ids, json_object_new_string(row->in.id_hash + 2)); /* hex without "\x" */
	}
	lists->skills = json_take(skills);
	lists->teams = json_take(teams);
	lists->phones = json_take(phones);
	lists->ids = json_take(ids);
	query_text(q, 1, lists->skills);
	query_text(q, 2, lists->teams);
	query_text(q, 3, lists->phones);
	query_text(q, 4, lists->ids);
}

void
volunteer_import_lists_free(struct volunteer_import_lists *lists)
{
	free(lists->skills);
	free(lists->teams);
	free(lists->phones);
	free(lists->ids);
}

/* ---- facts, sorted for lookups ---- */

struct fact {
	const char *key, *value;
};

struct facts {
	struct fact *items;
	size_t count;
};

static int
compare_facts(const void *a, const void *b)
{
	return strcmp(((const struct fact *)a)->key, ((const struct fact *)b)->key);
}

/* The facts of one kind, borrowed from res, sorted by key. */
static void
facts_load(struct facts *f, const PGresult *res, const char *kind)
{
	int k = query_column(res, "kind"), key = query_column(res, "key"), value = query_column(res, "value");
	int n = PQntuples(res);

	f->items = xcalloc((size_t)n + 1, sizeof *f->items);
	f->count = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(query_at_text(res, i, k), kind) == 0)
			f->items[f->count++] = (struct fact){query_at_text(res, i, key), query_at_text(res, i, value)};
	qsort(f->items, f->count, sizeof *f->items, compare_facts);
}

static const struct fact *
facts_find(const struct facts *f, const char *key)
{
	struct fact wanted = {key, NULL};

	return bsearch(&wanted, f->items, f->count, sizeof *f->items, compare_facts);
}

void
volunteer_import_apply_facts(struct volunteer_csv *csv, const PGresult *res)
{
	struct facts skills, teams, phones, ids;
	char code[SKILL_CODE_MAX + 1], message[200];

	facts_load(&skills, res, "skill");
	facts_load(&teams, res, "team");
	facts_load(&phones, res, "phone");
	facts_load(&ids, res, "id");
	for (size_t i = 0; i < csv->count; i++) {
		struct volunteer_csv_row *row = &csv->rows[i];
		const struct fact *team;
		for (const char *p = row->in.skill_codes ? row->in.skill_codes + 1 : NULL; (p = next_code(p, code));)
			if (facts_find(&skills, code) == NULL) {
				snprintf(message, sizeof message, "没有技能代码 \"%s\" (no skill with code \"%s\")",
				    code, code);
				field_errors_add(&row->errors, "skills", message);
			}
		if (row->team != NULL) {
			if ((team = facts_find(&teams, row->team)) == NULL)
				field_errors_add(&row->errors, "team", "没有这支队伍 (no team with this name)");
			else
				row->team_id = xstrdup(team->value);
		}
		if (row->in.phone != NULL && facts_find(&phones, row->in.phone) != NULL)
			field_errors_add(
			    &row->errors, "phone", "这个电话号码已登记过 (this phone number is already registered)");
		if (row->in.id_hash != NULL && facts_find(&ids, row->in.id_hash) != NULL)
			field_errors_add(
			    &row->errors, "id_number", "这个身份证号码已登记过 (this ID number is already registered)");
	}
	free(skills.items);
	free(teams.items);
	free(phones.items);
	free(ids.items);
}

bool
volunteer_import_key_used(const PGresult *res, const char **body_hash_hex, const char **volunteers)
{
	int k = query_column(res, "kind");

	for (int i = 0; i < PQntuples(res); i++)
		if (strcmp(query_at_text(res, i, k), "key") == 0) {
			*body_hash_hex = query_cell_text(res, i, "key");
			*volunteers = query_cell_text(res, i, "value");
			return true;
		}
	return false;
}

/* ---- the import and its report ---- */

static struct json_object *
text_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

char *
volunteer_import_rows_json(const struct volunteer_csv *csv)
{
	struct json_object *rows = json_object_new_array();

	for (size_t i = 0; i < csv->count; i++) {
		const struct volunteer_csv_row *row = &csv->rows[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "line", json_object_new_int(row->line));
		volunteer_input_json(&row->in, o);
		json_object_object_add(o, "team_id", text_or_null(row->team_id));
		json_object_object_add(o, "role", text_or_null(row->team_id != NULL ? row->role : NULL));
		json_object_array_add(rows, o);
	}
	return json_take(rows);
}

/* The volunteer number the import gave row i (line), or NULL: the import answers the rows in line order. */
static const char *
imported_number(struct json_object *imported, size_t i, int line)
{
	struct json_object *v, *l, *no;

	if (imported == NULL || i >= json_object_array_length(imported))
		return NULL;
	v = json_object_array_get_idx(imported, i);
	if (json_object_object_get_ex(v, "line", &l) && json_object_get_int(l) == line &&
	    json_object_object_get_ex(v, "volunteer_no", &no))
		return json_object_get_string(no);
	return NULL;
}

struct json_object *
volunteer_import_report(const struct volunteer_csv *csv, struct json_object *imported, bool replayed)
{
	struct json_object *report = json_object_new_object(), *lines = json_object_new_array();
	size_t bad = 0, done = 0;

	for (size_t i = 0; i < csv->count; i++) {
		const struct volunteer_csv_row *row = &csv->rows[i];
		struct json_object *line = json_object_new_object();
		const char *number = imported_number(imported, i, row->line);
		json_object_object_add(line, "line", json_object_new_int(row->line));
		json_object_object_add(line, "ok", json_object_new_boolean(!field_errors_any(&row->errors)));
		if (row->in.name != NULL)
			json_object_object_add(line, "name", json_object_new_string(row->in.name));
		if (number != NULL) {
			json_object_object_add(line, "volunteer_no", json_object_new_string(number));
			done++;
		}
		if (field_errors_any(&row->errors)) {
			struct json_object *problems = json_object_new_array();
			json_object_object_foreach(row->errors.fields, field, message)
			{
				struct json_object *p = json_object_new_object();
				json_object_object_add(p, "field", json_object_new_string(field));
				json_object_object_add(p, "message", json_object_get(message));
				json_object_array_add(problems, p);
			}
			json_object_object_add(line, "problems", problems);
			bad++;
		}
		json_object_array_add(lines, line);
	}
	json_object_object_add(report, "total", json_object_new_int64((int64_t)csv->count));
	json_object_object_add(report, "bad_lines", json_object_new_int64((int64_t)bad));
	json_object_object_add(report, "imported", json_object_new_int64((int64_t)done));
	json_object_object_add(report, "replayed", json_object_new_boolean(replayed));
	json_object_object_add(report, "header", json_object_get(csv->header_problems));
	json_object_object_add(report, "lines", lines);
	return report;
}
