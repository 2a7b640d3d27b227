/* import_volunteers: a command-line tool, so it may block. The file (UTF-8, RFC 4180, a header row) is
 * read whole and each line is checked with the very checks of POST /api/v1/volunteers
 * (volunteer_input_read), then against the database — skill codes and team names that exist, phones
 * and ID numbers not registered yet — and against the other lines (a phone, an ID number or a team's
 * lead twice). Only a file without a bad line is imported: in one transaction, through the statements
 * of POST /api/v1/volunteers and POST /api/v1/teams/{id}/members. */
#include "import_volunteers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "config.h"
#include "db_blocking.h"
#include "id_number.h"
#include "json_io.h"
#include "text.h"
#include "validate.h"
#include "volunteer_input.h"
#include "xalloc.h"

#define FIELDS_MAX 32

enum column { COL_NAME, COL_PHONE, COL_ID_NUMBER, COL_SKILLS, COL_TEAM, COL_ROLE, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"name", "phone", "id_number", "skills", "team", "role"};

struct row {
	int line;
	struct volunteer_input in;
	struct field_errors errors;
	char *team; /* NULL when the line names no team */
	char *role; /* "lead" or "member" when it does */
	const char *team_id;
};

/* A sorted list of strings from one query column, for lookups. */
struct names {
	PGresult *res;
	const char **values;
	int count;
};

struct import {
	struct row *rows;
	size_t count, cap;
	int columns[COL_COUNT]; /* field index of each column in a line, -1 when the file has none */
	int nfields; /* fields per line */
	struct names teams; /* name → id, sorted by name; the rows' team_id point into it */
};

static void
usage(FILE *out)
{
	fputs("usage: paidan import volunteers FILE.csv [--database-url URL] [--id-key-file PATH]\n"
	      "FILE.csv: UTF-8 (a BOM is skipped), RFC 4180, header row name,phone,id_number,skills,team,role\n"
	      "(name and phone required; skills as code or code:level separated by ';'; team by name;\n"
	      "role lead or member). Nothing is imported unless every line is good.\n",
	    out);
}

/* ---- CSV ---- */

struct csv {
	const char *p, *end;
	int line; /* of the next character */
};

static void
free_fields(char **fields, int n)
{
	for (int i = 0; i < n && i < FIELDS_MAX; i++)
		free(fields[i]);
}

/* Reads one record into fields (owned, NUL-terminated; lens their lengths, at most FIELDS_MAX kept).
 * Returns the number of fields, 0 at the end of the file, or -1 with *problem for bad quoting, having
 * skipped the rest of that line. */
static int
csv_record(struct csv *c, char **fields, size_t *lens, const char **problem)
{
	int n = 0;

	if (c->p >= c->end)
		return 0;
	for (;;) {
		struct evbuffer *t = evbuffer_new();
		char *field;
		size_t len;
		if (c->p < c->end && *c->p == '"') {
			c->p++;
			for (;;) {
				if (c->p >= c->end) {
					*problem = "引号没有结束 (a quoted field does not end)";
					goto bad;
				}
				if (*c->p == '"' && c->p + 1 < c->end && c->p[1] == '"') {
					evbuffer_add(t, "\"", 1);
					c->p += 2;
				} else if (*c->p == '"') {
					c->p++;
					break;
				} else {
					c->line += *c->p == '\n';
					evbuffer_add(t, c->p++, 1);
				}
			}
			if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
				*problem = "引号后面还有文字 (text after a closing quote)";
				goto bad;
			}
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
				if (*c->p == '"') {
					*problem = "引号只能用在整个字段两端 (a quote inside an unquoted field)";
					goto bad;
				}
				evbuffer_add(t, c->p++, 1);
			}
		}
		field = text_take(t, &len);
		if (n < FIELDS_MAX) {
			fields[n] = field;
			lens[n] = len;
		} else {
			free(field);
		}
		n++;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p == '\n')
			c->p++;
		c->line++;
		return n;
	bad:
		evbuffer_free(t);
		free_fields(fields, n);
		while (c->p < c->end && *c->p != '\n')
			c->p++;
		if (c->p < c->end)
			c->p++;
		c->line++;
		return -1;
	}
}

/* ---- one line ---- */

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* "first_aid;smartphone_help:3" → ["first_aid", {"code": "smartphone_help", "level": 3}]. */
static struct json_object *
skills_array(const char *s, size_t len)
{
	struct json_object *list = json_object_new_array();

	while (len > 0) {
		const char *semicolon = memchr(s, ';', len);
		size_t n = semicolon ? (size_t)(semicolon - s) : len;
		const char *piece = s, *colon;
		size_t plen = n;

		trim(&piece, &plen);
		if (plen > 0 && (colon = memchr(piece, ':', plen)) != NULL) {
			struct json_object *skill = json_object_new_object();
			const char *code = piece, *level = colon + 1;
			size_t clen = (size_t)(colon - piece), llen = plen - clen - 1;
			trim(&code, &clen);
			trim(&level, &llen);
			json_object_object_add(skill, "code", json_object_new_string_len(code, (int)clen));
			if (llen > 0 && llen <= 2 && strspn(level, "0123456789") >= llen)
				json_object_object_add(skill, "level", json_object_new_int(atoi(level)));
			else
				json_object_object_add(skill, "level", json_object_new_string_len(level, (int)llen));
			json_object_array_add(list, skill);
		} else if (plen > 0) {
			json_object_array_add(list, json_object_new_string_len(piece, (int)plen));
		}
		if (semicolon == NULL)
			break;
		s = semicolon + 1;
		len -= n + 1;
	}
	return list;
}

/* The field of column col in this line, trimmed; "" when the file has no such column. */
static const char *
column(const struct import *im, char **fields, size_t *lens, enum column col, size_t *len)
{
	const char *s;

	if (im->columns[col] < 0) {
		*len = 0;
		return "";
	}
	s = fields[im->columns[col]];
	*len = lens[im->columns[col]];
	trim(&s, len);
	return s;
}

static bool
utf8_valid_fields(char **fields, const size_t *lens, int n)
{
	for (int i = 0; i < n && i < FIELDS_MAX; i++)
		if (!utf8_valid(fields[i], lens[i]))
			return false;
	return true;
}

/* Checks one line on its own: the volunteer's fields as the API checks them, then team and role. */
static void
row_check(const struct import *im, struct row *row, char **fields, size_t *lens)
{
	struct json_object *obj = json_object_new_object();
	const char *s;
	size_t len;

	s = column(im, fields, lens, COL_NAME, &len);
	json_object_object_add(obj, "name", json_object_new_string_len(s, (int)len));
	s = column(im, fields, lens, COL_PHONE, &len);
	json_object_object_add(obj, "phone", json_object_new_string_len(s, (int)len));
	s = column(im, fields, lens, COL_ID_NUMBER, &len);
	if (len > 0)
		json_object_object_add(obj, "id_number", json_object_new_string_len(s, (int)len));
	s = column(im, fields, lens, COL_SKILLS, &len);
	if (len > 0)
		json_object_object_add(obj, "skills", skills_array(s, len));
	volunteer_input_read(&row->in, obj, true, &row->errors);
	json_object_put(obj);

	s = column(im, fields, lens, COL_TEAM, &len);
	if (len > 0)
		row->team = xstrndup(s, len);
	s = column(im, fields, lens, COL_ROLE, &len);
	if (len == 0 && row->team != NULL)
		row->role = xstrdup("member");
	else if (len > 0 && row->team == NULL)
		field_errors_add(&row->errors, "role", "填了角色就要填队伍 (a role needs a team)");
	else if (len > 0 && ((len == 4 && strncmp(s, "lead", 4) == 0) || (len == 6 && strncmp(s, "member", 6) == 0)))
		row->role = xstrndup(s, len);
	else if (len > 0)
		field_errors_add(&row->errors, "role", "应为 lead 或 member (lead or member)");
}

static struct row *
row_add(struct import *im, int line)
{
	struct row *row;

	if (im->count == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 64;
		im->rows = xrealloc(im->rows, im->cap * sizeof *im->rows);
	}
	row = &im->rows[im->count++];
	memset(row, 0, sizeof *row);
	row->line = line;
	field_errors_init(&row->errors);
	return row;
}

/* Reads the header row: known columns in any order, name and phone required. False after printing why. */
static bool
read_header(struct import *im, char **fields, size_t *lens, int n)
{
	bool ok = true;

	for (int c = 0; c < COL_COUNT; c++)
		im->columns[c] = -1;
	im->nfields = n;
	for (int i = 0; i < n && i < FIELDS_MAX; i++) {
		const char *s = fields[i];
		size_t len = lens[i];
		int found = -1;
		trim(&s, &len);
		for (int c = 0; c < COL_COUNT; c++)
			if (strlen(column_names[c]) == len && strncmp(column_names[c], s, len) == 0)
				found = c;
		if (found < 0 || im->columns[found] >= 0) {
			fprintf(stderr, "line 1: header: %s \"%.*s\" (%s)\n", found < 0 ? "不认识的列" : "重复的列",
			    (int)(len > 40 ? 40 : len), s, found < 0 ? "unknown column" : "column named twice");
			ok = false;
			continue;
		}
		im->columns[found] = i;
	}
	if (n > FIELDS_MAX) {
		fprintf(stderr, "line 1: header: 列太多 (too many columns)\n");
		ok = false;
	}
	for (int c = COL_NAME; c <= COL_PHONE; c++)
		if (im->columns[c] < 0) {
			fprintf(stderr, "line 1: header: 缺少 %s 列 (the %s column is required)\n", column_names[c],
			    column_names[c]);
			ok = false;
		}
	return ok;
}

/* Parses the file into im->rows, each checked on its own; false after printing a header problem. */
static bool
read_rows(struct import *im, const char *text, size_t len)
{
	struct csv c = {text, text + len, 1};
	char *fields[FIELDS_MAX];
	size_t lens[FIELDS_MAX];
	const char *problem = NULL;
	bool ok;
	int n;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		c.p += 3;
	n = csv_record(&c, fields, lens, &problem);
	if (n <= 0) {
		fprintf(stderr, "line 1: header: %s\n", n == 0 ? "文件是空的 (the file is empty)" : problem);
		return false;
	}
	ok = read_header(im, fields, lens, n);
	free_fields(fields, n);
	if (!ok)
		return false;
	for (;;) {
		int line = c.line;
		struct row *row;
		n = csv_record(&c, fields, lens, &problem);
		if (n == 0)
			break;
		if (n == 1 && lens[0] == 0) {
			free_fields(fields, n);
			continue; /* a blank line */
		}
		row = row_add(im, line);
		if (n < 0) {
			field_errors_add(&row->errors, "csv", problem);
			continue;
		}
		if (n != im->nfields) {
			char message[160];
			snprintf(message, sizeof message, "应有 %d 列，这一行有 %d 列 (expected %d fields, found %d)",
			    im->nfields, n, im->nfields, n);
			field_errors_add(&row->errors, "csv", message);
		} else if (!utf8_valid_fields(fields, lens, n)) {
			field_errors_add(&row->errors, "csv", "不是有效的 UTF-8 文字 (not valid UTF-8)");
		} else {
			row_check(im, row, fields, lens);
		}
		free_fields(fields, n);
	}
	return true;
}

/* ---- against the database and the other lines ---- */

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Column 0 of sql's rows (column 1 alongside when wanted), sorted; false after printing the error. */
static bool
names_load(PGconn *conn, struct names *names, const char *sql, const char *param)
{
	const char *values[1] = {param};

	names->res = db_blocking_query(conn, sql, param ? 1 : 0, param ? values : NULL);
	if (names->res == NULL)
		return false;
	names->count = PQntuples(names->res);
	names->values = xcalloc((size_t)names->count + 1, sizeof *names->values);
	for (int i = 0; i < names->count; i++)
		names->values[i] = PQgetvalue(names->res, i, 0);
	qsort(names->values, (size_t)names->count, sizeof *names->values, compare_strings);
	return true;
}

static void
names_free(struct names *names)
{
	PQclear(names->res);
	free(names->values);
}

static bool
names_have(const struct names *names, const char *value)
{
	return bsearch(&value, names->values, (size_t)names->count, sizeof *names->values, compare_strings) != NULL;
}

/* The row of a result sorted by column 0 (COLLATE "C", the order of strcmp) holding value, or -1. */
static int
names_row(const struct names *names, const char *value)
{
	int low = 0, high = names->count - 1;

	while (low <= high) {
		int mid = low + (high - low) / 2, c = strcmp(PQgetvalue(names->res, mid, 0), value);
		if (c == 0)
			return mid;
		if (c < 0)
			low = mid + 1;
		else
			high = mid - 1;
	}
	return -1;
}

/* Appends value to a PostgreSQL array literal being built in list, after its "{" (values here need no quoting). */
static void
list_add(struct evbuffer *list, const char *value)
{
	evbuffer_add_printf(list, "%s%s", evbuffer_get_length(list) > 1 ? "," : "", value);
}

struct key_ref {
	const char *key;
	size_t row;
};

static int
compare_key_refs(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->row > y->row) - (x->row < y->row);
}

/* Marks each row whose key an earlier row has already, naming that earlier line. */
static void
mark_repeats(struct import *im, struct key_ref *refs, size_t n, const char *field, const char *zh, const char *en)
{
	char message[200];

	qsort(refs, n, sizeof *refs, compare_key_refs);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcmp(refs[i].key, refs[first].key) != 0) {
			first = i;
			continue;
		}
		snprintf(message, sizeof message, "与第 %d 行%s (%s line %d)", im->rows[refs[first].row].line, zh, en,
		    im->rows[refs[first].row].line);
		field_errors_add(&im->rows[refs[i].row].errors, field, message);
	}
}

static void
check_repeats(struct import *im)
{
	struct key_ref *phones = xcalloc(im->count + 1, sizeof *phones);
	struct key_ref *ids = xcalloc(im->count + 1, sizeof *ids);
	struct key_ref *leads = xcalloc(im->count + 1, sizeof *leads);
	size_t np = 0, ni = 0, nl = 0;

	for (size_t i = 0; i < im->count; i++) {
		const struct row *row = &im->rows[i];
		if (row->in.phone != NULL)
			phones[np++] = (struct key_ref){row->in.phone, i};
		if (row->in.id_hash != NULL)
			ids[ni++] = (struct key_ref){row->in.id_hash, i};
		if (row->role != NULL && strcmp(row->role, "lead") == 0)
			leads[nl++] = (struct key_ref){row->team, i};
	}
	mark_repeats(im, phones, np, "phone", "的电话号码相同", "the same phone as");
	mark_repeats(im, ids, ni, "id_number", "的身份证号码相同", "the same ID number as");
	mark_repeats(im, leads, nl, "role", "同队，一队只有一名队长", "one lead per team: the lead is already on");
	free(phones);
	free(ids);
	free(leads);
}

/* Skill codes and teams that exist; phones and ID numbers registered already. False on a database error. */
static bool
check_against_database(PGconn *conn, struct import *im)
{
	struct names skills = {0}, teams = {0}, phones = {0}, ids = {0};
	struct evbuffer *phone_build = evbuffer_new(), *id_build = evbuffer_new();
	char *phone_list, *id_list;
	bool ok;

	evbuffer_add(phone_build, "{", 1);
	evbuffer_add(id_build, "{", 1);
	for (size_t i = 0; i < im->count; i++) {
		const struct row *row = &im->rows[i];
		if (row->in.phone != NULL)
			list_add(phone_build, row->in.phone);
		if (row->in.id_hash != NULL)
			list_add(id_build, row->in.id_hash + 2); /* hex without the "\x" */
	}
	evbuffer_add(phone_build, "}", 1);
	evbuffer_add(id_build, "}", 1);
	phone_list = text_take(phone_build, NULL);
	id_list = text_take(id_build, NULL);
	ok = names_load(conn, &skills, "SELECT code FROM skills", NULL) &&
	    names_load(conn, &teams, "SELECT name, id FROM teams ORDER BY name COLLATE \"C\"", NULL) &&
	    names_load(conn, &phones, "SELECT phone FROM volunteers WHERE phone = ANY ($1::text[])", phone_list) &&
	    names_load(conn, &ids,
	        "SELECT '\\x' || encode(id_number_hash, 'hex') FROM volunteers"
	        " WHERE id_number_hash = ANY (SELECT decode(h, 'hex') FROM unnest($1::text[]) h)",
	        id_list);
	for (size_t i = 0; ok && i < im->count; i++) {
		struct row *row = &im->rows[i];
		const char *codes = row->in.skill_codes;
		char code[SKILL_CODE_MAX + 1], message[200];
		int team;

		/* codes is an array literal of plain codes: "{first_aid,smartphone_help}" */
		for (const char *p = codes ? codes + 1 : ""; *p && *p != '}';) {
			size_t n = strcspn(p, ",}");
			snprintf(code, sizeof code, "%.*s", (int)n, p);
			if (!names_have(&skills, code)) {
				snprintf(message, sizeof message, "没有技能代码 \"%s\" (no skill with code \"%s\")",
				    code, code);
				field_errors_add(&row->errors, "skills", message);
			}
			p += n + (p[n] == ',');
		}
		if (row->team != NULL) {
			if ((team = names_row(&teams, row->team)) < 0)
				field_errors_add(&row->errors, "team", "没有这支队伍 (no team with this name)");
			else
				row->team_id = PQgetvalue(teams.res, team, 1);
		}
		if (row->in.phone != NULL && names_have(&phones, row->in.phone))
			field_errors_add(
			    &row->errors, "phone", "这个电话号码已登记过 (this phone number is already registered)");
		if (row->in.id_hash != NULL && names_have(&ids, row->in.id_hash))
			field_errors_add(
			    &row->errors, "id_number", "这个身份证号码已登记过 (this ID number is already registered)");
	}
	names_free(&skills);
	names_free(&phones);
	names_free(&ids);
	free(phone_list);
	free(id_list);
	if (!ok) {
		names_free(&teams);
		return false;
	}
	im->teams = teams;
	return true;
}

/* ---- reporting and importing ---- */

/* Prints every problem as "line N: field: problem"; returns how many lines had one. */
static size_t
report(const struct import *im)
{
	size_t bad = 0;

	for (size_t i = 0; i < im->count; i++) {
		const struct row *row = &im->rows[i];
		if (!field_errors_any(&row->errors))
			continue;
		bad++;
		json_object_object_foreach(row->errors.fields, field, message)
		    fprintf(stderr, "line %d: %s: %s\n", row->line, field, json_object_get_string(message));
	}
	return bad;
}

/* Runs the prepared statement name; the result, or NULL with the error on standard error. */
static PGresult *
run_prepared(PGconn *conn, const char *name, int nparams, const char *const *values)
{
	PGresult *res = PQexecPrepared(conn, name, nparams, values, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
		PQclear(res);
		return NULL;
	}
	return res;
}

static bool
prepare(PGconn *conn, const struct db_statement *stmt)
{
	PGresult *res = PQprepare(conn, stmt->name, stmt->sql, stmt->nparams, NULL);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

/* Registers every row in one transaction, each through the API's own statements, prepared once
 * (planning them afresh for each line would take most of the time); false, and nothing kept, when
 * the database refuses one. */
static bool
import_rows(PGconn *conn, const struct import *im)
{
	if (!prepare(conn, &volunteer_create_statement) || !prepare(conn, &team_member_add_statement) ||
	    !db_blocking_exec(conn, "BEGIN"))
		return false;
	for (size_t i = 0; i < im->count; i++) {
		const struct row *row = &im->rows[i];
		const char *volunteer[VOLUNTEER_INPUT_PARAMS];
		PGresult *res;
		bool ok;

		volunteer_input_params(&row->in, volunteer);
		res =
		    run_prepared(conn, volunteer_create_statement.name, volunteer_create_statement.nparams, volunteer);
		ok = res != NULL;
		if (ok && row->team_id != NULL) {
			const char *values[3] = {row->team_id, PQgetvalue(res, 0, PQfnumber(res, "id")), row->role};
			PGresult *member = run_prepared(
			    conn, team_member_add_statement.name, team_member_add_statement.nparams, values);
			ok = member != NULL && !PQgetisnull(member, 0, PQfnumber(member, "member"));
			PQclear(member);
		}
		PQclear(res);
		if (!ok) {
			fprintf(stderr, "line %d: the database refused it; nothing imported\n", row->line);
			db_blocking_exec(conn, "ROLLBACK");
			return false;
		}
	}
	return db_blocking_exec(conn, "COMMIT");
}

static void
import_free(struct import *im)
{
	for (size_t i = 0; i < im->count; i++) {
		volunteer_input_clear(&im->rows[i].in);
		field_errors_free(&im->rows[i].errors);
		free(im->rows[i].team);
		free(im->rows[i].role);
	}
	free(im->rows);
	if (im->teams.res != NULL)
		names_free(&im->teams);
}

int
import_volunteers_main(int argc, char **argv)
{
	const char *path = NULL, *cause;
	char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
	struct import im = {0};
	struct config cfg;
	int nrest = 0, code = 1;
	PGconn *conn = NULL;
	char *text;
	size_t len, bad;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			free(rest);
			return 0;
		}
		if (strncmp(argv[i], "--", 2) != 0 && path == NULL) {
			path = argv[i];
			continue;
		}
		rest[nrest++] = argv[i];
		if (strncmp(argv[i], "--", 2) == 0 && strchr(argv[i], '=') == NULL && i + 1 < argc)
			rest[nrest++] = argv[++i];
	}
	if (path == NULL || config_load(&cfg, nrest, rest, 0, &cause) < 0) {
		if (path != NULL)
			fprintf(stderr, "paidan: %s\n", cause);
		usage(stderr);
		free(rest);
		return 2;
	}
	free(rest);
	if ((text = read_file(path, &len)) == NULL) {
		fprintf(stderr, "paidan: cannot read %s\n", path);
		return 1;
	}
	if (!id_number_key_load_or_create(cfg.id_key_file) || !read_rows(&im, text, len))
		goto done;
	check_repeats(&im);
	if ((conn = db_blocking_connect(cfg.database_url)) == NULL || !check_against_database(conn, &im))
		goto done;
	if ((bad = report(&im)) > 0) {
		fprintf(stderr, "paidan: %zu bad line%s; nothing imported\n", bad, bad == 1 ? "" : "s");
		goto done;
	}
	if (!import_rows(conn, &im))
		goto done;
	printf("imported %zu volunteer%s\n", im.count, im.count == 1 ? "" : "s");
	code = 0;
done:
	if (conn != NULL)
		PQfinish(conn);
	import_free(&im);
	free(text);
	return code;
}
