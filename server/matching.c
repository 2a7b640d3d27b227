/* matching: the ranking is one SQL function (sql/010_matching.sql, paidan_suggest_teams) so that
 * the benchmark can run exactly the same statement through pgbench; here only scope and replies. */
#include "matching.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"

static struct db_statement suggest_statement = DB_STATEMENT(
    "matching_suggest", "SELECT order_found, department_id, suggestions FROM paidan_suggest_teams($1::bigint)", 1);

static void
suggest_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;
	const char *text;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		http_reply_error(r, 404, "not_found", "没有这一单 (no such order)", NULL);
		return;
	}
	if (r->user.role == ROLE_DEPARTMENT &&
	    (PQgetisnull(res, 0, 1) || strtoll(PQgetvalue(res, 0, 1), NULL, 10) != r->user.scope_id)) {
		http_reply_error(r, 403, "forbidden", "这一单不归您处理 (this order is not in your scope)", NULL);
		return;
	}
	text = PQgetvalue(res, 0, 2);
	http_reply_json_text(r, 200, text, strlen(text));
}

static void
suggest_authenticated(struct request *r)
{
	const char *values[1] = {http_path_id(r, "id")};

	db_query(r->app->db, &suggest_statement, values, suggest_done, r);
}

void
matching_suggest(struct request *r)
{
	auth_require(r, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_DEPARTMENT), suggest_authenticated);
}
