/* import_volunteers: a command-line tool, so it may block. The file is read whole and checked with the
 * rules the console's import shares (volunteer_csv.h: each line with the very checks of POST
 * /api/v1/volunteers, then against the other lines; volunteer_import.h: against the database — skill
 * codes and team names that exist, phones and ID numbers not registered yet). Only a file without a bad
 * line is imported: by the one statement that registers a whole file, all or nothing. */
#include "import_volunteers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db_blocking.h"
#include "id_number.h"
#include "query.h"
#include "volunteer_csv.h"
#include "volunteer_import.h"
#include "xalloc.h"

static void
usage(FILE *out)
{
	fputs("usage: paidan import volunteers FILE.csv [--database-url URL] [--id-key-file PATH]\n"
	      "FILE.csv: UTF-8 (a BOM is skipped), RFC 4180, header row name,phone,id_number,skills,team,role\n"
	      "(name and phone required; skills as code or code:level separated by ';'; team by name;\n"
	      "role lead or member). Nothing is imported unless every line is good.\n",
	    out);
}

/* Header problems and every line's problems as "line N: field: problem"; returns how many lines had one. */
static size_t
report(const struct volunteer_csv *csv)
{
	size_t bad = 0;

	for (size_t i = 0; i < json_object_array_length(csv->header_problems); i++)
		fprintf(stderr, "line 1: header: %s\n",
		    json_object_get_string(json_object_array_get_idx(csv->header_problems, i)));
	for (size_t i = 0; i < csv->count; i++) {
		const struct volunteer_csv_row *row = &csv->rows[i];
		if (!field_errors_any(&row->errors))
			continue;
		bad++;
		json_object_object_foreach(row->errors.fields, field, message)
		    fprintf(stderr, "line %d: %s: %s\n", row->line, field, json_object_get_string(message));
	}
	return bad;
}

/* Skill codes and teams that exist; phones and ID numbers registered already. False on a database error. */
static bool
check_against_database(PGconn *conn, struct volunteer_csv *csv)
{
	struct volunteer_import_lists lists;
	struct query q;
	PGresult *res;

	query_start_pool(&q, NULL, &volunteer_import_facts_statement);
	volunteer_import_facts_bind(&q, csv, &lists);
	res = db_blocking_run(conn, &q);
	volunteer_import_lists_free(&lists);
	if (res == NULL)
		return false;
	volunteer_import_apply_facts(csv, res);
	PQclear(res);
	return true;
}

/* Registers every row in one statement; false, and nothing kept, when the database refuses one. */
static bool
import_rows(PGconn *conn, const struct volunteer_csv *csv)
{
	char *rows = volunteer_import_rows_json(csv);
	struct query q;
	PGresult *res;

	query_start_pool(&q, NULL, &volunteer_import_statement);
	query_text(&q, 1, rows);
	res = db_blocking_run(conn, &q);
	free(rows);
	if (res == NULL) {
		fprintf(stderr, "paidan: the database refused the import; nothing imported\n");
		return false;
	}
	PQclear(res);
	return true;
}

int
import_volunteers_main(int argc, char **argv)
{
	const char *path = NULL, *cause;
	char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
	struct volunteer_csv csv = {0};
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
	if (!id_number_key_load_or_create(cfg.id_key_file))
		goto done;
	if (!volunteer_csv_read(&csv, text, len)) {
		report(&csv);
		goto done;
	}
	if ((conn = db_blocking_connect(cfg.database_url)) == NULL || !check_against_database(conn, &csv))
		goto done;
	if ((bad = report(&csv)) > 0) {
		fprintf(stderr, "paidan: %zu bad line%s; nothing imported\n", bad, bad == 1 ? "" : "s");
		goto done;
	}
	if (!import_rows(conn, &csv))
		goto done;
	printf("imported %zu volunteer%s\n", csv.count, csv.count == 1 ? "" : "s");
	code = 0;
done:
	if (conn != NULL)
		PQfinish(conn);
	volunteer_csv_free(&csv);
	free(text);
	return code;
}
