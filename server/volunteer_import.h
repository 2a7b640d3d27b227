/* volunteer_import: a checked import file (volunteer_csv.h) against the database, and its import —
 * the statements and the rules that `paidan import volunteers` and POST /api/v1/volunteers/import share:
 * which skill codes and teams exist, which phones and ID numbers are registered already, the one
 * statement that registers the whole file (all or nothing), and the line-by-line report. */
#ifndef PAIDAN_VOLUNTEER_IMPORT_H
#define PAIDAN_VOLUNTEER_IMPORT_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "db.h"
#include "volunteer_csv.h"

#define VOLUNTEER_IMPORT_FACTS_PARAMS 5
#define VOLUNTEER_IMPORT_PARAMS 3

/* What the database holds of a file's names: $1 skill codes, $2 team names, $3 phones, $4 ID-number
 * hashes (hex) — each a JSON array of strings (volunteer_import_facts_params) — and $5 an
 * Idempotency-Key or NULL. Rows (kind, key, value): ("skill", code), ("team", name, id), ("phone",
 * phone), ("id", "\x" hash), and ("key", body hash hex, the volunteers imported as JSON) when the key
 * was used already. */
extern struct db_statement volunteer_import_facts_statement;

/* Registers every row of $1 (volunteer_import_rows_json) in line order, all or nothing, under
 * Idempotency-Key $2 (or NULL) for body hash $3 (bytea): one row, column "result", JSON
 * {"replayed": bool, "volunteers": [{line, id, volunteer_no}]}. A key used for another body fails
 * with PD409 "Idempotency-Key"; the register's refusals are volunteer_create_statement's. */
extern struct db_statement volunteer_import_statement;

/* The facts statement's lists for a file, JSON arrays of strings (owned: volunteer_import_lists_free). */
struct volunteer_import_lists {
	char *skills, *teams, *phones, *ids;
};
/* Fills lists from csv and sets them as q's $1–$4 (q borrows them: free them once q is sent); the
 * caller sets $5. */
struct query;
void volunteer_import_facts_bind(
    struct query *q, const struct volunteer_csv *csv, struct volunteer_import_lists *lists);
void volunteer_import_lists_free(struct volunteer_import_lists *lists);

/* Marks each row against the facts statement's result: unknown skill codes and teams, phones and ID
 * numbers registered already; sets the rows' team_id. */
void volunteer_import_apply_facts(struct volunteer_csv *csv, const PGresult *facts);

/* When the facts say the key was used: true, with the stored body hash (hex) and volunteers (JSON
 * text), both borrowed from facts. */
bool volunteer_import_key_used(const PGresult *facts, const char **body_hash_hex, const char **volunteers);

/* The rows as the import statement's $1 (owned; free with free). Only for a file without a bad line. */
char *volunteer_import_rows_json(const struct volunteer_csv *csv);

/* The report of csv: {"total": lines, "bad_lines": n, "imported": n, "replayed": bool, "header": [...],
 * "lines": [{"line", "ok", "volunteer_no"?, "problems"?: [{"field", "message"}]}]}. imported (may be
 * NULL) is the import statement's volunteers array; replayed says it was answered from a stored
 * upload. The caller owns the result. No ID number is in it. */
struct json_object *volunteer_import_report(
    const struct volunteer_csv *csv, struct json_object *imported, bool replayed);

#endif
