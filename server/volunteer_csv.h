/* volunteer_csv: the rules of a volunteer import file, shared by `paidan import volunteers`
 * (tools/import_volunteers.c) and the console's POST /api/v1/volunteers/import (volunteer_import.c):
 * UTF-8, RFC 4180, a BOM skipped, a header row naming known columns; each line checked with the very
 * checks of POST /api/v1/volunteers (volunteer_input_read), then against the other lines (a phone, an ID
 * number or a team's lead twice) and against what the database holds (volunteer_import.h). Pure: no I/O.
 * ID numbers are kept only sealed, hashed and masked, as volunteer_input keeps them. */
#ifndef PAIDAN_VOLUNTEER_CSV_H
#define PAIDAN_VOLUNTEER_CSV_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "validate.h"
#include "volunteer_input.h"

enum volunteer_csv_column { VCSV_NAME, VCSV_PHONE, VCSV_ID_NUMBER, VCSV_SKILLS, VCSV_TEAM, VCSV_ROLE, VCSV_COUNT };

/* One line of the file. Problems are under their field ("csv" for the line's form), first one per field. */
struct volunteer_csv_row {
	int line;
	struct volunteer_input in;
	struct field_errors errors;
	char *team; /* NULL when the line names no team */
	char *role; /* "lead" or "member" when it does */
	char *team_id; /* set by volunteer_import_apply_facts for a team that exists */
};

struct volunteer_csv {
	struct volunteer_csv_row *rows;
	size_t count, cap;
	int columns[VCSV_COUNT]; /* field index of each column in a line, -1 when the file has none */
	int nfields; /* fields per line */
	struct json_object *header_problems; /* array of "中文 (English)" strings; empty when the header is good */
};

/* Parses text (len bytes) into csv: the header, then every line checked on its own and against the
 * other lines. False when the header (line 1) is bad: then header_problems says why and there are no
 * rows. Free with volunteer_csv_free either way. */
bool volunteer_csv_read(struct volunteer_csv *csv, const char *text, size_t len);

/* How many rows have a problem. */
size_t volunteer_csv_bad_lines(const struct volunteer_csv *csv);

void volunteer_csv_free(struct volunteer_csv *csv);

#endif
