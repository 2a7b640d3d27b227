/* notifications_api: reads are one statement each; a resend is one guarded UPDATE. */
#include "notifications_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "outbox.h"
#include "query.h"
#include "validate.h"

static struct db_statement of_order_statement = DB_STATEMENT("notifications_of_order",
    "SELECT CASE WHEN paidan_order_visible(o, $2::text, $3::bigint) THEN"
    "  json_build_object('items', COALESCE((SELECT json_agg(paidan_notification_json(n) ORDER BY n.id)"
    "                                         FROM notifications n WHERE n.order_id = o.id), '[]'))::text END"
    "         AS notifications"
    "  FROM orders o WHERE o.id = $1::bigint",
    3);

static struct db_statement list_statement = DB_STATEMENT("notifications_list",
    "SELECT json_build_object('items', COALESCE(json_agg(paidan_notification_json(n)::jsonb"
    "                                                    || jsonb_build_object('work_no', o.work_no) ORDER BY n.id DESC), '[]'))::text"
    "         AS notifications"
    "  FROM (SELECT * FROM notifications WHERE state = $1::text ORDER BY id DESC LIMIT $2::int) n"
    "  JOIN orders o ON o.id = n.order_id",
    2);

static struct db_statement resend_statement = DB_STATEMENT("notifications_resend",
    "WITH upd AS ("
    "  UPDATE notifications SET state = 'pending', attempts = 0, next_attempt_at = now(),"
    "         deadline_at = now() + interval '1 day', last_error = NULL"
    "   WHERE id = $1::bigint AND state = 'failed' AND recipient <> 'erased' RETURNING *"
    ")"
    "SELECT paidan_notification_json(upd)::text AS notification, true AS resent FROM upd "
    "UNION ALL SELECT NULL, false FROM notifications WHERE id = $1::bigint AND NOT EXISTS (SELECT 1 FROM upd)",
    1);

static void
of_order_done(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0 || query_cell_null(res, 0, "notifications")) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	query_reply_cell(r, res, "notifications", 200);
}

void
notifications_of_order(struct request *r)
{
	struct query q;

	query_start_scoped(&q, r, &of_order_statement);
	query_run(&q, of_order_done, NULL);
}

void
notifications_list(struct request *r)
{
	const char *state = http_query_param(r, "state"), *limit = http_query_param(r, "limit");
	int64_t n = 100;
	struct query q;

	if (state == NULL)
		state = "failed";
	if ((strcmp(state, "failed") != 0 && strcmp(state, "pending") != 0 && strcmp(state, "sending") != 0 &&
	        strcmp(state, "sent") != 0) ||
	    (limit != NULL && (!parse_id(limit, &n) || n > 500))) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(&errors, limit != NULL && (!parse_id(limit, &n) || n > 500) ? "limit" : "state",
		    "state 为 failed、pending、sending 或 sent；limit 为 1–500 (state: failed, pending, sending or sent; limit 1–500)");
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	query_start(&q, r, &list_statement);
	query_text(&q, 1, state);
	query_int(&q, 2, n);
	query_run_reply(&q, "notifications", 200);
}

static void
resend_done(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_NOTIFICATION, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "resent")) {
		api_error_reply(r, API_ERROR_NOTIFICATION_NOT_FAILED, NULL);
		return;
	}
	outbox_wake(r->app->outbox);
	query_reply_cell(r, res, "notification", 200);
}

void
notifications_resend(struct request *r)
{
	struct query q;

	query_start(&q, r, &resend_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_run(&q, resend_done, NULL);
}
