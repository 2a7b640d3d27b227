/* order_read: GET /api/v1/orders (filters, keyset pages) and GET /api/v1/orders/{id} (detail), each
 * limited to what the user may see; the scope predicate lives in SQL (paidan_order_visible and its
 * per-role parts, sql/020_scope_predicates.sql). */
#include "order_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "json_io.h"
#include "list_page.h"
#include "order_facts.h"
#include "order_model.h"
#include "query.h"
#include "scope_sql.h"
#include "validate.h"
#include "xalloc.h"

#define LIST_DEFAULT 20
#define LIST_MAX 100

/* One list statement per role, so that each has a plan (generic, once PostgreSQL settles on it) that
 * reads its scope from an index in the list's order: escalated first, then newest. The scope is the
 * role's part of paidan_order_visible (sql/020_scope_predicates.sql); a team's and a volunteer's are
 * the same rule as a set of ids. $1 must name the role the statement was written for, else it returns
 * nothing. The cursor is a row comparison the index serves: no cursor compares below (true, the
 * largest id). The inner LIMIT is a constant (the largest page and one more), so that the plan is
 * made for a few rows; the outer one cuts the page, and only its rows become JSON.
 *
 * Each role has it twice: with the optional filters ("$n IS NULL OR …"), and plain, for a list with
 * none of them (the console's 全部, every first look). In a generic plan the filters' guessed
 * selectivities multiply to one row, so PostgreSQL reads every order of the scope and sorts them
 * (100,000 rows for the admin at 100k orders), or plans each call anew; in the plain statement the
 * absent filters are "$n IS NULL" alone, a one-time check outside the row estimate, and the plan is
 * the index read in order that stops after a page. */
#define LIST_FILTERS                                                                                                     \
	"   AND ($3::text IS NULL OR o.state = $3::text)"                                                                \
	"   AND ($4::bigint IS NULL OR o.community_id IN (SELECT c.id FROM communities c WHERE c.town_id = $4::bigint))" \
	"   AND ($5::bigint IS NULL OR o.community_id = $5::bigint)"                                                     \
	"   AND ($6::bigint IS NULL OR o.department_id = $6::bigint)"                                                    \
	"   AND ($7::bigint IS NULL OR o.team_id = $7::bigint)"                                                          \
	"   AND ($8::bigint IS NULL OR o.category_id = $8::bigint)"                                                      \
	"   AND ($9::boolean IS NULL OR (o.due_at IS NOT NULL AND o.due_at < now()"                                      \
	"        AND o.state NOT IN ('closed', 'rejected', 'cancelled')) = $9::boolean)"                                 \
	"   AND ($10::text IS NULL OR o.description ILIKE '%' || $10::text || '%'"                                       \
	"        OR o.tracking_code = upper($10::text) OR o.work_no = upper($10::text)"                                  \
	"        OR o.contact_name = $10::text)"                                                                         \
	"   AND ($14::text IS NULL OR paidan_queue_tab(o, $1::text, $2::bigint) = $14::text)"
#define LIST_ABSENT                                                                                                    \
	"   AND $3::text IS NULL AND $4::bigint IS NULL AND $5::bigint IS NULL AND $6::bigint IS NULL"                 \
	"   AND $7::bigint IS NULL AND $8::bigint IS NULL AND $9::boolean IS NULL AND $10::text IS NULL"
#define LIST_NO_FILTERS LIST_ABSENT "   AND $14::text IS NULL"
/* A console tab and nothing else: 已办结 reads the scope's done orders, the others its open ones
 * from the partial indexes of open orders (sql/097) that this state list matches. */
#define LIST_TAB_DONE LIST_ABSENT "   AND $14::text = 'done' AND o.state IN " ORDER_DONE_STATES
#define LIST_TAB_OPEN(TAB) LIST_ABSENT "   AND o.state NOT IN " ORDER_DONE_STATES "   AND " TAB " = $14::text"
#define LIST_AFTER(ESC, ID)                                                                                            \
	"(" ESC ", " ID ") < (COALESCE($11::int = 1, true), COALESCE($12::bigint, 9223372036854775807))"
#define LIST_SQL(SCOPE, FILTERS, ROWS)                                                                                 \
	"SELECT paidan_order_staff_json(x.o, paidan_phone_visible(x.o, $1::text, $2::bigint))::text AS body,"          \
	"       ((x.o).escalated_at IS NOT NULL)::int AS escalated, (x.o).id AS id"                                    \
	"  FROM (" ROWS(SCOPE, FILTERS, LIST_AFTER, LIST_STRINGIFY(LIST_MAX) " + 1") ") x"                             \
	                                                                             " LIMIT $13::int"
#define LIST_STRINGIFY_(x) #x
#define LIST_STRINGIFY(x) LIST_STRINGIFY_(x)

/* The four kinds of list, each one statement per role. */
#define LIST_ANY(SCOPE, TAB, ROWS) LIST_SQL(SCOPE, LIST_FILTERS, ROWS)
#define LIST_PLAIN(SCOPE, TAB, ROWS) LIST_SQL(SCOPE, LIST_NO_FILTERS, ROWS)
#define LIST_DONE(SCOPE, TAB, ROWS) LIST_SQL(SCOPE, LIST_TAB_DONE, ROWS)
#define LIST_OPEN(SCOPE, TAB, ROWS) LIST_SQL(SCOPE, LIST_TAB_OPEN(TAB), ROWS)
static struct db_statement list_statements[ROLE_COUNT] = SCOPE_STATEMENTS("orders_list", LIST_ANY, 14);
static struct db_statement plain_list_statements[ROLE_COUNT] = SCOPE_STATEMENTS("orders_plain", LIST_PLAIN, 14);
static struct db_statement done_tab_statements[ROLE_COUNT] = SCOPE_STATEMENTS("orders_done", LIST_DONE, 14);
static struct db_statement open_tab_statements[ROLE_COUNT] = SCOPE_STATEMENTS("orders_open", LIST_OPEN, 14);

static struct db_statement detail_statement = DB_STATEMENT("orders_detail",
    "SELECT paidan_order_visible(o, $2::text, $3::bigint) AS visible,"
    "       (paidan_order_staff_json(o, paidan_phone_visible(o, $2::text, $3::bigint))::jsonb"
    "        || jsonb_build_object("
    "          'events', paidan_order_events_json(o.id, true),"
    "          'offers', (SELECT COALESCE(json_agg(json_build_object('team_id', f.team_id, 'team_name', t.name,"
    "                       'offered_at', f.offered_at) ORDER BY f.offered_at, f.team_id), '[]'::json)"
    "                     FROM order_offers f JOIN teams t ON t.id = f.team_id WHERE f.order_id = o.id),"
    "          'service_records', (SELECT COALESCE(json_agg(json_build_object('id', s.id,"
    "                       'volunteer_id', s.volunteer_id, 'volunteer_name', v.name, 'hours', to_char(s.hours, 'FM990.00'),"
    "                       'status', s.status, 'verified_at', s.verified_at) ORDER BY s.id), '[]'::json)"
    "                     FROM service_records s JOIN volunteers v ON v.id = s.volunteer_id"
    "                    WHERE s.order_id = o.id),"
    "          'evaluation', (SELECT json_build_object('rating', e.rating, 'comment', e.comment,"
    "                       'created_at', e.created_at) FROM evaluations e WHERE e.order_id = o.id),"
    "          'community_name', (SELECT c.name FROM communities c WHERE c.id = o.community_id),"
    "          'category_name', (SELECT c.name FROM categories c WHERE c.id = o.category_id),"
    "          'department_name', (SELECT d.name FROM departments d WHERE d.id = o.department_id),"
    "          'team_name', (SELECT t.name FROM teams t WHERE t.id = o.team_id),"
    "          'merged_from', (SELECT COALESCE(json_agg(json_build_object('id', m.id, 'work_no', m.work_no)"
    "                       ORDER BY m.id), '[]'::json) FROM orders m WHERE m.merged_into = o.id)))::text AS body,"
    "       o.state, o.community_id, o.department_id, o.team_id,"
    "       EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $3::bigint) AS offered"
    "  FROM orders o WHERE o.id = $1::bigint",
    3);

/* ---- list ---- */

/* The page size, for the reply once the rows are in. */
struct list_state {
	int limit;
};

static void
list_rows(struct request *r, const PGresult *res)
{
	const struct list_state *s = r->state;
	char cursor[64];
	bool more = PQntuples(res) > s->limit;

	/* The cursor is (escalated, id) of the last order shown, for the next page's keyset. */
	if (more)
		snprintf(cursor, sizeof cursor, "%s.%s", query_cell(res, s->limit - 1, "escalated"),
		    query_cell(res, s->limit - 1, "id"));
	list_page_send(r, res, "body", s->limit, more ? cursor : NULL);
}

/* A query-string id filter: absent is fine, present must be a positive id. */
static void
filter_id(struct request *r, struct query *query, struct field_errors *errors, const char *name, int param)
{
	const char *text = http_query_param(r, name);
	int64_t id;

	if (text == NULL || *text == '\0')
		return;
	if (!parse_id(text, &id)) {
		field_errors_add(errors, name, "应为正整数编号 (must be a positive whole number)");
		return;
	}
	query_id(query, param, id);
}

/* Searched as text, so LIKE's wildcards in it are escaped; NULL when too long or not UTF-8. */
static const char *
like_text(struct request *r, const char *q)
{
	size_t n = strlen(q), used = 0;
	char *escaped;

	if (n > 100 || !utf8_valid(q, n))
		return NULL;
	escaped = http_alloc(r, n * 2 + 1);
	for (size_t i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			escaped[used++] = '\\';
		escaped[used++] = q[i];
	}
	escaped[used] = '\0';
	return escaped;
}

/* Whether any optional filter but the tab ($3–$10) is set. */
static bool
list_filtered(const struct query *query)
{
	for (int n = 3; n <= 10; n++)
		if (query_param_set(query, n))
			return true;
	return false;
}

/* The statement for what is asked: the plain one without filters, a tab's own, else the general one. */
static struct db_statement *
list_statement(const struct query *query, enum user_role role, const char *tab)
{
	if (list_filtered(query))
		return &list_statements[role];
	if (!query_param_set(query, 14))
		return &plain_list_statements[role];
	return strcmp(tab, "done") == 0 ? &done_tab_statements[role] : &open_tab_statements[role];
}

void
order_list(struct request *r)
{
	struct list_state *s = http_alloc(r, sizeof *s);
	struct field_errors errors;
	struct query query;
	const char *state = http_query_param(r, "state"), *overdue = http_query_param(r, "overdue");
	const char *q = http_query_param(r, "q"), *limit = http_query_param(r, "limit");
	const char *cursor = http_query_param(r, "cursor"), *tab = http_query_param(r, "tab");

	r->state = s; /* request memory: no state_free */
	field_errors_init(&errors);
	if (list_statements[r->user->role].sql == NULL) { /* the route's roles keep others out already */
		api_error_reply(r, API_ERROR_ROLE_FORBIDDEN, NULL);
		return;
	}
	query_start(&query, r, &list_statements[r->user->role]);
	query_text(&query, 1, user_role_name(r->user->role));
	query_id(&query, 2, r->user->scope_id);
	if (state != NULL && *state) {
		enum order_state st;
		if (order_state_from_name(state, &st))
			query_text(&query, 3, order_state_name(st));
		else
			field_errors_add(&errors, "state", "没有这个状态 (unknown state)");
	}
	filter_id(r, &query, &errors, "town_id", 4);
	filter_id(r, &query, &errors, "community_id", 5);
	filter_id(r, &query, &errors, "department_id", 6);
	filter_id(r, &query, &errors, "team_id", 7);
	filter_id(r, &query, &errors, "category_id", 8);
	if (overdue != NULL && *overdue) {
		if (strcmp(overdue, "true") == 0 || strcmp(overdue, "false") == 0)
			query_bool(&query, 9, overdue[0] == 't');
		else
			field_errors_add(&errors, "overdue", "应为 true 或 false (true or false)");
	}
	if (q != NULL && *q) {
		const char *like = like_text(r, q);
		if (like != NULL)
			query_text(&query, 10, like);
		else
			field_errors_add(&errors, "q", "最多 100 个字 (at most 100 characters)");
	}
	if (cursor != NULL && *cursor) {
		int64_t id;
		if ((cursor[0] == '0' || cursor[0] == '1') && cursor[1] == '.' && parse_id(cursor + 2, &id)) {
			query_int(&query, 11, cursor[0] - '0');
			query_id(&query, 12, id);
		} else {
			field_errors_add(&errors, "cursor", "无效的翻页标记 (invalid cursor)");
		}
	}
	if (tab != NULL && *tab) {
		if (strcmp(tab, "mine") == 0 || strcmp(tab, "overdue") == 0 || strcmp(tab, "open") == 0 ||
		    strcmp(tab, "done") == 0)
			query_text(&query, 14, tab);
		else
			field_errors_add(
			    &errors, "tab", "应为 mine、overdue、open 或 done (mine, overdue, open or done)");
	}
	s->limit = LIST_DEFAULT;
	if (limit != NULL && *limit) {
		int64_t n;
		if (parse_id(limit, &n) && n <= LIST_MAX)
			s->limit = (int)n;
		else
			field_errors_add(&errors, "limit", "应为 1 到 100 (1 to 100)");
	}
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_int(&query, 13, s->limit + 1);
	query.statement = list_statement(&query, r->user->role, tab);
	query_run(&query, list_rows, NULL);
}

/* ---- detail ---- */

/* Whether this user's scope lets them act on an order with these columns (same rule as the write guard). */
static bool
may_act(const struct auth_user *user, enum order_action action, const PGresult *res)
{
	struct scope_order order = order_facts_from_row(res, 0, user->role);

	return scope_may_act(user->role, user->scope_id, action, &order);
}

static void
detail_rows(struct request *r, const PGresult *res)
{
	enum order_action actions[ORDER_ACTION_COUNT];
	enum order_state state;
	struct json_object *body, *list;
	int n;

	if (!query_row_visible(r, res, API_ERROR_NO_SUCH_ORDER, API_ERROR_ORDER_NOT_VISIBLE))
		return;
	body = json_tokener_parse(query_cell(res, 0, "body"));
	if (!order_state_from_name(query_cell(res, 0, "state"), &state) || body == NULL ||
	    !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	n = order_actions_for(state, r->user->role, actions, ORDER_ACTION_COUNT);
	list = json_object_new_array();
	for (int i = 0; i < n; i++)
		if (may_act(r->user, actions[i], res))
			json_object_array_add(list, json_object_new_string(order_action_name(actions[i])));
	json_object_object_add(body, "actions", list);
	http_reply_json(r, 200, body);
}

void
order_detail(struct request *r)
{
	struct query query;

	query_start_scoped(&query, r, &detail_statement);
	query_run(&query, detail_rows, NULL);
}
