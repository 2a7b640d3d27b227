/* query: the one way a handler runs a statement — typed parameters in, rows read by column name,
 * and database failures answered in one place (api_reply_db_error: unavailable 503, busy 503,
 * conflict 409, a refused value 422).
 *
 *     struct query q;
 *     query_start(&q, r, &ledger_statement);
 *     query_id(&q, 1, volunteer_id);          // $1
 *     query_text(&q, 2, user_role_name(r->user->role));
 *     query_run(&q, ledger_rows);             // ledger_rows(r, res) runs only on success
 *
 * Numbers are written into the struct query itself and text parameters are borrowed: the struct
 * and the texts need to live only until query_run or query_send returns (db_query copies the
 * values before it returns), so a struct query on the stack is the usual way. */
#ifndef PAIDAN_QUERY_H
#define PAIDAN_QUERY_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "api_error.h"
#include "db.h"
#include "query_cell.h" /* query_cell(res, row, "column") and its typed kin */

struct request;

#define QUERY_MAX_PARAMS 32

struct query {
	struct request *r; /* NULL for query_start_pool */
	struct db_pool *pool;
	struct db_statement *statement;
	const char *values[QUERY_MAX_PARAMS]; /* $1 is values[0]; unset ones are SQL NULL */
	char numbers[QUERY_MAX_PARAMS][24]; /* the text of numeric parameters */
};

/* Rows of a successful statement; the result is borrowed for the call. */
typedef void (*query_rows)(struct request *r, const PGresult *res);
/* A failed statement the handler answers itself (a named unique constraint, say): returns true when
 * it replied, false to let the common mapping answer. */
typedef bool (*query_failed)(struct request *r, const struct db_reply *reply);

void query_start(struct query *q, struct request *r, struct db_statement *statement);
/* query_start for a read of the thing named by the path's {id} that the scope rule decides in SQL
 * (paidan_order_visible and its kin): $1 the path's id, $2 the caller's role name, $3 their scope id. */
void query_start_scoped(struct query *q, struct request *r, struct db_statement *statement);
/* Outside a request (the sweep's rounds): the same parameters, sent with query_send. A command-line
 * tool passes pool NULL and runs the statement with db_blocking_run (tools/db_blocking.h). */
void query_start_pool(struct query *q, struct db_pool *pool, struct db_statement *statement);
/* $param (1-based) = the value; text NULL is SQL NULL. */
void query_text(struct query *q, int param, const char *text);
void query_id(struct query *q, int param, int64_t id);
void query_int(struct query *q, int param, long long n);
void query_bool(struct query *q, int param, bool b);
/* Whether $param has a value (false while it is SQL NULL). */
bool query_param_set(const struct query *q, int param);

/* Runs the statement; on_rows(r, res) on success, else on_failed (may be NULL) then the common
 * mapping. Exactly one of them leads to the reply. */
void query_run(struct query *q, query_rows on_rows, query_failed on_failed);
/* Runs the statement for query_start_pool's caller: done(arg, reply) sees every outcome, called as
 * db_query calls back (before query_send returns when the pool refuses at once). */
void query_send(struct query *q, db_callback done, void *arg);
/* query_run whose success replies status with row 0's column (JSON text PostgreSQL built). */
void query_run_reply(struct query *q, const char *column, int status);

/* Replies status with row 0's column (JSON text PostgreSQL built) as the body. */
void query_reply_cell(struct request *r, const PGresult *res, const char *column, int status);

/* A read of one thing and whether the caller may see it (its "visible" column, decided in SQL by
 * the scope rule): true when row 0 exists and is visible; otherwise replies missing (no row) or
 * hidden and returns false. */
bool query_row_visible(struct request *r, const PGresult *res, enum api_error missing, enum api_error hidden);

/* A read of one order that its community acts on (merge, erasure): true when row 0 exists and its
 * "community_id" is within the caller's scope (scope_may_see); otherwise replies no such order or
 * out of scope and returns false. */
bool query_row_in_community(struct request *r, const PGresult *res);

#endif
