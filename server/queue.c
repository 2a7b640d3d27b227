/* queue: the tab of an order is paidan_queue_tab (sql/074_queue_callbacks.sql, by role in sql/098),
 * the same rule the list's `tab` filter uses, so the counts and the tabs' rows agree. The counts are one statement per
 * role with its plain scope predicate (scope_sql.h): the open orders' tabs from the partial indexes
 * of open orders, the done ones counted from (scope, state) (sql/097). */
#include "queue.h"

#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "scope_sql.h"
#include "validate.h"

#define CALLBACK_DAYS "7"

#define COUNTS_SQL(SCOPE, TAB, ROWS)                                                                                   \
	"SELECT json_build_object("                                                                                    \
	"  'mine', count(*) FILTER (WHERE x.tab = 'mine'), 'overdue', count(*) FILTER (WHERE x.tab = 'overdue'),"      \
	"  'open', count(*) FILTER (WHERE x.tab = 'open'),"                                                            \
	"  'done', (SELECT count(*) FROM orders o WHERE " SCOPE " AND o.state IN " ORDER_DONE_STATES "),"              \
	"  'callbacks', (SELECT count(*) FROM orders o"                                                                \
	"      WHERE $1::text = 'community' AND o.community_id = $2::bigint AND o.state = 'closed'"                    \
	"        AND o.closed_at > now() - interval '" CALLBACK_DAYS " days'"                                          \
	"        AND NOT EXISTS (SELECT 1 FROM callbacks c WHERE c.order_id = o.id"                                    \
	"                          AND c.outcome <> 'unreachable')))::text AS body"                                    \
	"  FROM (SELECT " TAB " AS tab FROM orders o"                                                                  \
	"         WHERE " SCOPE " AND o.state NOT IN " ORDER_DONE_STATES ") x"

static struct db_statement counts_statements[ROLE_COUNT] = SCOPE_STATEMENTS("queue_counts", COUNTS_SQL, 2);

static struct db_statement callbacks_statement = DB_STATEMENT("queue_callbacks",
    "SELECT json_build_object('items', COALESCE(json_agg(json_build_object("
    "         'id', o.id, 'work_no', o.work_no, 'category_id', o.category_id, 'contact_name', o.contact_name,"
    "         'contact_phone', o.contact_phone, 'address', o.address, 'closed_at', o.closed_at,"
    "         'call_by', o.closed_at + interval '" CALLBACK_DAYS " days',"
    "         'rating', (SELECT e.rating FROM evaluations e WHERE e.order_id = o.id),"
    "         'outcome', c.outcome, 'note', c.note, 'called_at', c.called_at)"
    "         ORDER BY (c.outcome IS NULL OR c.outcome = 'unreachable') DESC, o.closed_at), '[]'::json))::text AS body"
    "  FROM orders o"
    "  LEFT JOIN LATERAL (SELECT c.outcome, c.note, c.called_at FROM callbacks c WHERE c.order_id = o.id"
    "                      ORDER BY c.id DESC LIMIT 1) c ON true"
    " WHERE o.state = 'closed' AND o.closed_at > now() - interval '" CALLBACK_DAYS " days'"
    "   AND ($1::text = 'admin' OR o.community_id = $2::bigint)",
    2);

static struct db_statement record_statement = DB_STATEMENT("queue_callback_record",
    "WITH o AS (SELECT id, state, community_id FROM orders WHERE id = $1::bigint),"
    " ins AS ("
    "  INSERT INTO callbacks (order_id, outcome, note, called_by)"
    "  SELECT o.id, $3::text, $4::text, $5::bigint FROM o WHERE o.community_id = $2::bigint AND o.state = 'closed'"
    "  RETURNING id, order_id, outcome, note, called_at)"
    "SELECT (SELECT state FROM o) AS state, (SELECT community_id FROM o) AS community_id,"
    "       (SELECT json_build_object('id', id, 'order_id', order_id, 'outcome', outcome, 'note', note,"
    "                                 'called_at', called_at)::text FROM ins) AS body",
    5);

static void
reply_body(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "body", 200);
}

void
queue_counts(struct request *r)
{
	struct query q;

	if (counts_statements[r->user->role].sql == NULL) { /* the route's roles keep others out already */
		api_error_reply(r, API_ERROR_ROLE_FORBIDDEN, NULL);
		return;
	}
	query_start(&q, r, &counts_statements[r->user->role]);
	query_text(&q, 1, user_role_name(r->user->role));
	query_id(&q, 2, r->user->scope_id);
	query_run(&q, reply_body, NULL);
}

void
queue_callbacks(struct request *r)
{
	struct query q;

	query_start(&q, r, &callbacks_statement);
	query_text(&q, 1, user_role_name(r->user->role));
	query_id(&q, 2, r->user->scope_id);
	query_run(&q, reply_body, NULL);
}

static void
recorded(struct request *r, const PGresult *res)
{
	if (query_cell_null(res, 0, "state")) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (query_cell_id(res, 0, "community_id") != r->user->scope_id) {
		api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		return;
	}
	if (query_cell_null(res, 0, "body")) {
		api_error_reply_state(r, API_ERROR_STATE_CONFLICT, query_cell(res, 0, "state"));
		return;
	}
	query_reply_cell(r, res, "body", 201);
}

void
queue_callback_record(struct request *r)
{
	struct field_errors errors;
	struct json_object *body, *v;
	enum input_kind kind;
	const char *outcome = NULL, *text = "";
	size_t len = 0;
	struct query q;

	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (json_object_object_get_ex(body, "outcome", &v) && json_object_is_type(v, json_type_string) &&
	    (strcmp(json_object_get_string(v), "satisfied") == 0 ||
	        strcmp(json_object_get_string(v), "unsatisfied") == 0 ||
	        strcmp(json_object_get_string(v), "unreachable") == 0))
		outcome = http_strdup(r, json_object_get_string(v));
	else
		field_errors_add(&errors, "outcome",
		    "应为 satisfied、unsatisfied 或 unreachable (satisfied, unsatisfied or unreachable)");
	if (validate_text(&errors, body, "note", 0, 500, TEXT_MULTI_LINE, &text, &len))
		text = http_strndup(r, text, len);
	else
		text = "";
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &record_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_id(&q, 2, r->user->scope_id);
	query_text(&q, 3, outcome);
	query_text(&q, 4, text);
	query_id(&q, 5, r->user->id);
	query_run(&q, recorded, NULL);
}
