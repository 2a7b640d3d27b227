/* db_blocking: the few synchronous helpers that the tools share. */
#include "db_blocking.h"

#include <stdio.h>
#include <stdlib.h>

#include "db.h"
#include "query.h"
#include "xalloc.h"

PGconn *
db_blocking_connect(const char *conninfo)
{
	const char *keywords[8], *values[8];
	char options[128];
	PGconn *conn;

	db_connect_params(conninfo, 0, 0, keywords, values, options);
	conn = PQconnectdbParams(keywords, values, 1);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "paidan: cannot connect to the database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

bool
db_blocking_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType status = PQresultStatus(res);
	bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

PGresult *
db_blocking_query(PGconn *conn, const char *sql, int nparams, const char *const *values)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, values, NULL, NULL, 0);
	ExecStatusType status = PQresultStatus(res);

	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
		fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
		PQclear(res);
		return NULL;
	}
	return res;
}

PGresult *
db_blocking_run(PGconn *conn, const struct query *q)
{
	return db_blocking_query(conn, q->statement->sql, q->statement->nparams, q->values);
}

PGresult *
db_blocking_run_plain(PGconn *conn, const struct db_statement *statement)
{
	return db_blocking_query(conn, statement->sql, 0, NULL);
}

char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)size + 1);
	if (fread(text, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[size] = '\0';
	if (len != NULL)
		*len = (size_t)size;
	return text;
}
