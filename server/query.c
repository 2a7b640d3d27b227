/* query: a thin typed layer over db_query with the request's memory and the common error mapping. */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "scope.h"

struct query_call {
	struct request *r;
	query_rows on_rows;
	query_failed on_failed;
	const char *column; /* query_run_reply: the column replied with status */
	int status;
};

void
query_start(struct query *q, struct request *r, struct db_statement *statement)
{
	memset(q, 0, sizeof *q);
	q->r = r;
	q->pool = r->app->db;
	q->statement = statement;
}

void
query_start_scoped(struct query *q, struct request *r, struct db_statement *statement)
{
	query_start(q, r, statement);
	query_text(q, 1, http_path_param(r, "id"));
	query_text(q, 2, user_role_name(r->user->role));
	query_id(q, 3, r->user->scope_id);
}

void
query_start_pool(struct query *q, struct db_pool *pool, struct db_statement *statement)
{
	memset(q, 0, sizeof *q);
	q->pool = pool;
	q->statement = statement;
}

static void
set_param(struct query *q, int param, const char *value)
{
	if (param < 1 || param > QUERY_MAX_PARAMS || param > q->statement->nparams) {
		log_error("query parameter out of range", "statement", q->statement->name);
		abort();
	}
	q->values[param - 1] = value;
}

void
query_text(struct query *q, int param, const char *text)
{
	set_param(q, param, text);
}

void
query_id(struct query *q, int param, int64_t id)
{
	query_int(q, param, (long long)id);
}

void
query_int(struct query *q, int param, long long n)
{
	set_param(q, param, NULL); /* checks param before it is used as an index */
	snprintf(q->numbers[param - 1], sizeof q->numbers[param - 1], "%lld", n);
	q->values[param - 1] = q->numbers[param - 1];
}

void
query_bool(struct query *q, int param, bool b)
{
	set_param(q, param, b ? "true" : "false");
}

bool
query_param_set(const struct query *q, int param)
{
	return param >= 1 && param <= QUERY_MAX_PARAMS && q->values[param - 1] != NULL;
}

static void
query_done(void *arg, const struct db_reply *reply)
{
	struct query_call *call = arg;

	if (reply->status == DB_OK && call->on_rows == NULL) {
		query_reply_cell(call->r, reply->result, call->column, call->status);
		return;
	}
	if (reply->status == DB_OK) {
		call->on_rows(call->r, reply->result);
		return;
	}
	if (call->on_failed != NULL && call->on_failed(call->r, reply))
		return;
	api_reply_db_error(call->r, reply);
}

static void
run(struct query *q, query_rows on_rows, query_failed on_failed, const char *column, int status)
{
	struct query_call *call = http_alloc(q->r, sizeof *call);

	call->r = q->r;
	call->on_rows = on_rows;
	call->on_failed = on_failed;
	call->column = column;
	call->status = status;
	db_query(q->pool, q->statement, q->values, query_done, call);
}

void
query_run(struct query *q, query_rows on_rows, query_failed on_failed)
{
	run(q, on_rows, on_failed, NULL, 0);
}

void
query_run_reply(struct query *q, const char *column, int status)
{
	run(q, NULL, NULL, column, status);
}

void
query_send(struct query *q, db_callback done, void *arg)
{
	db_query(q->pool, q->statement, q->values, done, arg);
}

void
query_reply_cell(struct request *r, const PGresult *res, const char *column, int status)
{
	const char *text = query_cell(res, 0, column);

	http_reply_json_text(r, status, text, strlen(text));
}

bool
query_row_visible(struct request *r, const PGresult *res, enum api_error missing, enum api_error hidden)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, missing, NULL);
		return false;
	}
	if (!query_cell_bool(res, 0, "visible")) {
		api_error_reply(r, hidden, NULL);
		return false;
	}
	return true;
}

bool
query_row_in_community(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return false;
	}
	if (!scope_may_see(r->user->role, r->user->scope_id,
	        &(struct scope_order){.community_id = query_cell_id(res, 0, "community_id")})) {
		api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		return false;
	}
	return true;
}
