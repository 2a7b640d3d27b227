/* query_cell: a result's cells read by column name — for the query runner (query.h) and for the
 * command-line tools' blocking statements alike. Pure libpq result reading: nothing here waits. */
#ifndef PAIDAN_QUERY_CELL_H
#define PAIDAN_QUERY_CELL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* A cell by column name; the column must exist (a missing one is a programming error: abort). */
const char *query_cell(const PGresult *res, int row, const char *column); /* NULL for SQL NULL */
int64_t query_cell_id(const PGresult *res, int row, const char *column); /* 0 for SQL NULL */
int query_cell_int(const PGresult *res, int row, const char *column); /* 0 for SQL NULL */
bool query_cell_bool(const PGresult *res, int row, const char *column); /* false for SQL NULL */
bool query_cell_null(const PGresult *res, int row, const char *column);
/* The cell's text, "" for SQL NULL (as PQgetvalue reads a NULL). */
const char *query_cell_text(const PGresult *res, int row, const char *column);

/* Ids from a PostgreSQL array literal such as "{3,7}" (an int8[] cell), at most max of them. */
int query_id_array(const char *text, int64_t *out, int max);

#endif
