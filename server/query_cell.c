/* query_cell: column names resolved with PQfnumber (an exact match costs a few string compares). */
#include "query_cell.h"

#include <stdlib.h>

#include "log.h"

int
query_column(const PGresult *res, const char *name)
{
	int col = PQfnumber(res, name);

	if (col < 0) {
		log_error("statement has no such column", "column", name);
		abort();
	}
	return col;
}

const char *
query_at(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

const char *
query_at_text(const PGresult *res, int row, int col)
{
	const char *text = query_at(res, row, col);

	return text != NULL ? text : "";
}

int64_t
query_at_id(const PGresult *res, int row, int col)
{
	const char *text = query_at(res, row, col);

	return text ? strtoll(text, NULL, 10) : 0;
}

bool
query_at_bool(const PGresult *res, int row, int col)
{
	const char *text = query_at(res, row, col);

	return text != NULL && text[0] == 't';
}

const char *
query_cell(const PGresult *res, int row, const char *name)
{
	return query_at(res, row, query_column(res, name));
}

const char *
query_cell_text(const PGresult *res, int row, const char *name)
{
	return query_at_text(res, row, query_column(res, name));
}

int64_t
query_cell_id(const PGresult *res, int row, const char *name)
{
	return query_at_id(res, row, query_column(res, name));
}

int
query_cell_int(const PGresult *res, int row, const char *name)
{
	const char *text = query_cell(res, row, name);

	return text ? atoi(text) : 0;
}

bool
query_cell_bool(const PGresult *res, int row, const char *name)
{
	return query_at_bool(res, row, query_column(res, name));
}

bool
query_cell_null(const PGresult *res, int row, const char *name)
{
	return query_cell(res, row, name) == NULL;
}

int
query_id_array(const char *text, int64_t *out, int max)
{
	int n = 0;

	while (text != NULL && *text && n < max) {
		char *end;
		if (*text < '0' || *text > '9') {
			text++;
			continue;
		}
		out[n++] = strtoll(text, &end, 10);
		text = end;
	}
	return n;
}
