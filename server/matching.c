/* matching: the ranking is one SQL function (sql/010_matching.sql, paidan_suggest_teams) so that
 * the benchmark can run exactly the same statement through pgbench; here only scope and replies. */
#include "matching.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "scope.h"

static struct db_statement suggest_statement = DB_STATEMENT(
    "matching_suggest", "SELECT order_found, department_id, suggestions FROM paidan_suggest_teams($1::bigint)", 1);

static void
suggest_rows(struct request *r, const PGresult *res)
{
	/* Only the order's department decides who may see its suggestions. */
	struct scope_order order = {.department_id = query_cell_id(res, 0, "department_id")};

	if (query_cell_id(res, 0, "order_found") == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (!scope_may_see(r->user->role, r->user->scope_id, &order)) {
		api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		return;
	}
	query_reply_cell(r, res, "suggestions", 200);
}

void
matching_suggest(struct request *r)
{
	struct query query;

	query_start(&query, r, &suggest_statement);
	query_text(&query, 1, http_path_param(r, "id"));
	query_run(&query, suggest_rows, NULL);
}
