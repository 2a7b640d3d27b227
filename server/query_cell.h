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

/* A loop over many rows looks each name up once per result and reads the cells through the number:
 *     int id = query_column(res, "id");
 *     for (int i = 0; i < PQntuples(res); i++) use(query_at_id(res, i, id));
 * query_column aborts on a missing column as query_cell does; query_at* read as their query_cell kin. */
int query_column(const PGresult *res, const char *column);
const char *query_at(const PGresult *res, int row, int col);
const char *query_at_text(const PGresult *res, int row, int col);
int64_t query_at_id(const PGresult *res, int row, int col);
bool query_at_bool(const PGresult *res, int row, int col);

/* The numbers of a statement's columns, from a list of names (an X-macro), found once per result:
 *     #define ROW_COLUMNS(X) X(id) X(name)
 *     QUERY_COLUMNS(row_columns, ROW_COLUMNS)  // struct row_columns { int id, name; } and
 *     ...                                      // row_columns_find(res, &c): each by query_column
 *     query_at_text(res, i, c.name) */
#define QUERY_COLUMN_FIELD(name) int name;
#define QUERY_COLUMN_FIND(name) c->name = query_column(res, #name);
#define QUERY_COLUMNS(type, LIST)                                                                                      \
	struct type {                                                                                                  \
		LIST(QUERY_COLUMN_FIELD)                                                                               \
	};                                                                                                             \
	static inline void type##_find(const PGresult *res, struct type *c)                                            \
	{                                                                                                              \
		LIST(QUERY_COLUMN_FIND)                                                                                \
	}

/* Ids from a PostgreSQL array literal such as "{3,7}" (an int8[] cell), at most max of them. */
int query_id_array(const char *text, int64_t *out, int max);

#endif
