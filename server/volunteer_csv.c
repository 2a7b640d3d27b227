/* volunteer_csv: an import file read and checked line by line, before the database is asked (see the
 * header). Moved here from tools/import_volunteers.c so that the console's import keeps the command's rules. */
#include "volunteer_csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "json_io.h"
#include "text.h"
#include "xalloc.h"

#define FIELDS_MAX 32

static const char *const column_names[VCSV_COUNT] = {"name", "phone", "id_number", "skills", "team", "role"};

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
column(const struct volunteer_csv *im, char **fields, size_t *lens, enum volunteer_csv_column col, size_t *len)
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
row_check(const struct volunteer_csv *im, struct volunteer_csv_row *row, char **fields, size_t *lens)
{
	struct json_object *obj = json_object_new_object();
	const char *s;
	size_t len;

	s = column(im, fields, lens, VCSV_NAME, &len);
	json_object_object_add(obj, "name", json_object_new_string_len(s, (int)len));
	s = column(im, fields, lens, VCSV_PHONE, &len);
	json_object_object_add(obj, "phone", json_object_new_string_len(s, (int)len));
	s = column(im, fields, lens, VCSV_ID_NUMBER, &len);
	if (len > 0)
		json_object_object_add(obj, "id_number", json_object_new_string_len(s, (int)len));
	s = column(im, fields, lens, VCSV_SKILLS, &len);
	if (len > 0)
		json_object_object_add(obj, "skills", skills_array(s, len));
	volunteer_input_read(&row->in, obj, true, &row->errors);
	json_object_put(obj);

	s = column(im, fields, lens, VCSV_TEAM, &len);
	if (len > 0)
		row->team = xstrndup(s, len);
	s = column(im, fields, lens, VCSV_ROLE, &len);
	if (len == 0 && row->team != NULL)
		row->role = xstrdup("member");
	else if (len > 0 && row->team == NULL)
		field_errors_add(&row->errors, "role", "填了角色就要填队伍 (a role needs a team)");
	else if (len > 0 && ((len == 4 && strncmp(s, "lead", 4) == 0) || (len == 6 && strncmp(s, "member", 6) == 0)))
		row->role = xstrndup(s, len);
	else if (len > 0)
		field_errors_add(&row->errors, "role", "应为 lead 或 member (lead or member)");
}

static struct volunteer_csv_row *
row_add(struct volunteer_csv *im, int line)
{
	struct volunteer_csv_row *row;

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

/* Records a problem of the header row. */
static void
header_problem(struct volunteer_csv *im, const char *format, ...)
{
	char message[200];
	va_list ap;

	va_start(ap, format);
	vsnprintf(message, sizeof message, format, ap);
	va_end(ap);
	json_object_array_add(im->header_problems, json_object_new_string(message));
}

/* Reads the header row: known columns in any order, name and phone required. False after recording why. */
static bool
read_header(struct volunteer_csv *im, char **fields, size_t *lens, int n)
{
	bool ok = true;

	for (int c = 0; c < VCSV_COUNT; c++)
		im->columns[c] = -1;
	im->nfields = n;
	for (int i = 0; i < n && i < FIELDS_MAX; i++) {
		const char *s = fields[i];
		size_t len = lens[i];
		int found = -1;
		trim(&s, &len);
		for (int c = 0; c < VCSV_COUNT; c++)
			if (strlen(column_names[c]) == len && strncmp(column_names[c], s, len) == 0)
				found = c;
		if (found < 0 || im->columns[found] >= 0) {
			header_problem(im, "%s \"%.*s\" (%s)", found < 0 ? "不认识的列" : "重复的列",
			    (int)(len > 40 ? 40 : len), s, found < 0 ? "unknown column" : "column named twice");
			ok = false;
			continue;
		}
		im->columns[found] = i;
	}
	if (n > FIELDS_MAX) {
		header_problem(im, "%s", "列太多 (too many columns)");
		ok = false;
	}
	for (int c = VCSV_NAME; c <= VCSV_PHONE; c++)
		if (im->columns[c] < 0) {
			header_problem(im, "缺少 %s 列 (the %s column is required)", column_names[c], column_names[c]);
			ok = false;
		}
	return ok;
}

/* Parses the file into im->rows, each checked on its own; false after recording a header problem. */
static bool
read_rows(struct volunteer_csv *im, const char *text, size_t len)
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
		header_problem(im, "%s", n == 0 ? "文件是空的 (the file is empty)" : problem);
		return false;
	}
	ok = read_header(im, fields, lens, n);
	free_fields(fields, n);
	if (!ok)
		return false;
	for (;;) {
		int line = c.line;
		struct volunteer_csv_row *row;
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

/* ---- against the other lines ---- */

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
mark_repeats(
    struct volunteer_csv *im, struct key_ref *refs, size_t n, const char *field, const char *zh, const char *en)
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
check_repeats(struct volunteer_csv *im)
{
	struct key_ref *phones = xcalloc(im->count + 1, sizeof *phones);
	struct key_ref *ids = xcalloc(im->count + 1, sizeof *ids);
	struct key_ref *leads = xcalloc(im->count + 1, sizeof *leads);
	size_t np = 0, ni = 0, nl = 0;

	for (size_t i = 0; i < im->count; i++) {
		const struct volunteer_csv_row *row = &im->rows[i];
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

bool
volunteer_csv_read(struct volunteer_csv *csv, const char *text, size_t len)
{
	memset(csv, 0, sizeof *csv);
	csv->header_problems = json_object_new_array();
	if (!read_rows(csv, text, len))
		return false;
	check_repeats(csv);
	return true;
}

size_t
volunteer_csv_bad_lines(const struct volunteer_csv *csv)
{
	size_t bad = 0;

	for (size_t i = 0; i < csv->count; i++)
		bad += field_errors_any(&csv->rows[i].errors);
	return bad;
}

void
volunteer_csv_free(struct volunteer_csv *csv)
{
	for (size_t i = 0; i < csv->count; i++) {
		volunteer_input_clear(&csv->rows[i].in);
		field_errors_free(&csv->rows[i].errors);
		free(csv->rows[i].team);
		free(csv->rows[i].role);
		free(csv->rows[i].team_id);
	}
	free(csv->rows);
	json_object_put(csv->header_problems);
	memset(csv, 0, sizeof *csv);
}
