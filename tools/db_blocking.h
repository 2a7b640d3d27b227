/* db_blocking: synchronous libpq for command-line tools and start-up only — never on the request path. */
#ifndef PAIDAN_DB_BLOCKING_H
#define PAIDAN_DB_BLOCKING_H

#include <libpq-fe.h>
#include <stdbool.h>

/* Connects (TimeZone UTC, UTF8); NULL with the reason on stderr. Caller PQfinish-es. */
PGconn *db_blocking_connect(const char *conninfo);

/* Runs sql (may hold several statements); false with the error on stderr. */
bool db_blocking_exec(PGconn *conn, const char *sql);

/* Runs one parameterised statement; returns the result (caller PQclear-s) or NULL
 * with the error on stderr. */
PGresult *db_blocking_query(PGconn *conn, const char *sql, int nparams, const char *const *values);

/* Runs a statement whose typed parameters were set as a handler sets them (query.h):
 *     struct query q;
 *     query_start_pool(&q, NULL, &statement);
 *     query_text(&q, 1, username);
 *     res = db_blocking_run(conn, &q);   // cells then read by name: query_cell(res, 0, "id")
 * Returns the result (caller PQclear-s) or NULL with the error on stderr. */
struct query;
PGresult *db_blocking_run(PGconn *conn, const struct query *q);
/* db_blocking_run of a statement without parameters. */
struct db_statement;
PGresult *db_blocking_run_plain(PGconn *conn, const struct db_statement *statement);

/* Reads a whole file into a NUL-terminated string the caller frees; NULL on error. */
char *read_file(const char *path, size_t *len);

#endif
