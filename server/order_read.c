/* order_read: GET /api/v1/orders (filters, keyset pages) and GET /api/v1/orders/{id} (detail), each
 * limited to what the user may see; the scope predicate lives in SQL (paidan_order_visible). */
#include "order_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"
#include "json_io.h"
#include "order_model.h"
#include "validate.h"
#include "xalloc.h"

#define LIST_DEFAULT 20
#define LIST_MAX 100

static struct db_statement list_statement = DB_STATEMENT("orders_list",
    "SELECT paidan_order_json(o, paidan_phone_visible(o, $1::text, $2::bigint))::text,"
    "       (o.escalated_at IS NOT NULL)::int, o.id"
    "  FROM orders o"
    " WHERE paidan_order_visible(o, $1::text, $2::bigint)"
    "   AND ($3::text IS NULL OR o.state = $3::text)"
    "   AND ($4::bigint IS NULL OR o.community_id IN (SELECT c.id FROM communities c WHERE c.town_id = $4::bigint))"
    "   AND ($5::bigint IS NULL OR o.community_id = $5::bigint)"
    "   AND ($6::bigint IS NULL OR o.department_id = $6::bigint)"
    "   AND ($7::bigint IS NULL OR o.team_id = $7::bigint)"
    "   AND ($8::bigint IS NULL OR o.category_id = $8::bigint)"
    "   AND ($9::boolean IS NULL OR (o.due_at IS NOT NULL AND o.due_at < now()"
    "        AND o.state NOT IN ('closed', 'rejected', 'cancelled')) = $9::boolean)"
    "   AND ($10::text IS NULL OR o.description ILIKE '%' || $10::text || '%'"
    "        OR o.tracking_code = upper($10::text) OR o.contact_name = $10::text)"
    "   AND ($11::int IS NULL OR ((o.escalated_at IS NOT NULL)::int, o.id) < ($11::int, $12::bigint))"
    " ORDER BY (o.escalated_at IS NOT NULL) DESC, o.id DESC"
    " LIMIT $13::int",
    13);

static struct db_statement detail_statement = DB_STATEMENT("orders_detail",
    "SELECT paidan_order_visible(o, $2::text, $3::bigint),"
    "       (paidan_order_json(o, paidan_phone_visible(o, $2::text, $3::bigint))::jsonb"
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
    "          'team_name', (SELECT t.name FROM teams t WHERE t.id = o.team_id)))::text,"
    "       o.state, o.community_id, o.department_id, o.team_id,"
    "       EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $3::bigint)"
    "  FROM orders o WHERE o.id = $1::bigint",
    3);

/* ---- list ---- */

struct list_state {
	char *values[13];
	int limit;
};

static void
list_state_free(void *p)
{
	struct list_state *s = p;

	for (int i = 0; i < 13; i++)
		free(s->values[i]);
	free(s);
}

static void
list_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct list_state *s = r->state;
	const PGresult *res = reply->result;
	int rows, shown;
	size_t cap = 64, used = 0;
	char *out;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	rows = PQntuples(res);
	shown = rows > s->limit ? s->limit : rows;
	for (int i = 0; i < shown; i++)
		cap += (size_t)PQgetlength(res, i, 0) + 1;
	out = xmalloc(cap + 64);
	used += (size_t)sprintf(out, "{\"items\":[");
	for (int i = 0; i < shown; i++) {
		size_t n = (size_t)PQgetlength(res, i, 0);
		if (i > 0)
			out[used++] = ',';
		memcpy(out + used, PQgetvalue(res, i, 0), n);
		used += n;
	}
	if (rows > s->limit)
		used += (size_t)sprintf(out + used, "],\"next_cursor\":\"%s.%s\"}", PQgetvalue(res, shown - 1, 1),
		    PQgetvalue(res, shown - 1, 2));
	else
		used += (size_t)sprintf(out + used, "],\"next_cursor\":null}");
	http_reply_json_text(r, 200, out, used);
	free(out);
}

/* A query-string id filter: absent is fine, present must be a positive id. */
static void
filter_id(struct request *r, struct list_state *s, struct field_errors *errors, const char *name, int param)
{
	const char *text = http_query_param(r, name);
	int64_t id;

	if (text == NULL || *text == '\0')
		return;
	if (!parse_id(text, &id)) {
		field_errors_add(errors, name, "应为正整数编号 (must be a positive whole number)");
		return;
	}
	s->values[param] = xstrdup(text);
}

static void
list_authenticated(struct request *r)
{
	struct list_state *s = xcalloc(1, sizeof *s);
	struct field_errors errors;
	const char *state = http_query_param(r, "state"), *overdue = http_query_param(r, "overdue");
	const char *q = http_query_param(r, "q"), *limit = http_query_param(r, "limit");
	const char *cursor = http_query_param(r, "cursor");
	char text[32];

	r->state = s;
	r->state_free = list_state_free;
	field_errors_init(&errors);
	s->values[0] = xstrdup(user_role_name(r->user.role));
	snprintf(text, sizeof text, "%lld", (long long)r->user.scope_id);
	s->values[1] = xstrdup(text);
	if (state != NULL && *state) {
		enum order_state st;
		if (order_state_from_name(state, &st))
			s->values[2] = xstrdup(state);
		else
			field_errors_add(&errors, "state", "没有这个状态 (unknown state)");
	}
	filter_id(r, s, &errors, "town_id", 3);
	filter_id(r, s, &errors, "community_id", 4);
	filter_id(r, s, &errors, "department_id", 5);
	filter_id(r, s, &errors, "team_id", 6);
	filter_id(r, s, &errors, "category_id", 7);
	if (overdue != NULL && *overdue) {
		if (strcmp(overdue, "true") == 0 || strcmp(overdue, "false") == 0)
			s->values[8] = xstrdup(overdue);
		else
			field_errors_add(&errors, "overdue", "应为 true 或 false (true or false)");
	}
	if (q != NULL && *q) {
		/* Searched as text, so LIKE's wildcards in it are escaped. */
		size_t n = strlen(q), used = 0;
		char *escaped;
		if (n > 100 || !utf8_valid(q, n)) {
			field_errors_add(&errors, "q", "最多 100 个字 (at most 100 characters)");
		} else {
			escaped = xmalloc(n * 2 + 1);
			for (size_t i = 0; i < n; i++) {
				if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
					escaped[used++] = '\\';
				escaped[used++] = q[i];
			}
			escaped[used] = '\0';
			s->values[9] = escaped;
		}
	}
	if (cursor != NULL && *cursor) {
		int64_t id;
		if ((cursor[0] == '0' || cursor[0] == '1') && cursor[1] == '.' && parse_id(cursor + 2, &id)) {
			s->values[10] = xstrndup(cursor, 1);
			s->values[11] = xstrdup(cursor + 2);
		} else {
			field_errors_add(&errors, "cursor", "无效的翻页标记 (invalid cursor)");
		}
	}
	s->limit = LIST_DEFAULT;
	if (limit != NULL && *limit) {
		int64_t n;
		if (parse_id(limit, &n) && n <= LIST_MAX)
			s->limit = (int)n;
		else
			field_errors_add(&errors, "limit", "应为 1 到 100 (1 to 100)");
	}
	if (field_errors_any(&errors)) {
		http_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	field_errors_free(&errors);
	snprintf(text, sizeof text, "%d", s->limit + 1);
	s->values[12] = xstrdup(text);
	db_query(r->app->db, &list_statement, (const char *const *)s->values, list_done, r);
}

void
order_list(struct request *r)
{
	auth_require(r, ROLES_ANY_USER, list_authenticated);
}

/* ---- detail ---- */

/* Whether this user's scope lets them act on an order with these columns (same rule as the write guard). */
static bool
may_act(const struct auth_user *user, enum order_action action, const PGresult *res)
{
	int64_t community = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	int64_t department = PQgetisnull(res, 0, 4) ? 0 : strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	int64_t team = PQgetisnull(res, 0, 5) ? 0 : strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	bool offered = strcmp(PQgetvalue(res, 0, 6), "t") == 0;

	switch (user->role) {
	case ROLE_COMMUNITY: return community == user->scope_id;
	case ROLE_DEPARTMENT: return department == user->scope_id;
	case ROLE_TEAM:
		return action == ORDER_ACTION_ACCEPT ? offered && team != user->scope_id : team == user->scope_id;
	default: return false;
	}
}

static void
detail_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;
	enum order_action actions[ORDER_ACTION_COUNT];
	enum order_state state;
	const char *json;
	size_t len, cap, used;
	char *out;
	int n;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0) {
		http_reply_error(r, 404, "not_found", "没有这一单 (no such order)", NULL);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		http_reply_error(r, 403, "forbidden", "您无权查看这一单 (this order is not in your scope)", NULL);
		return;
	}
	json = PQgetvalue(res, 0, 1);
	len = (size_t)PQgetlength(res, 0, 1);
	if (!order_state_from_name(PQgetvalue(res, 0, 2), &state) || len < 2 || json[len - 1] != '}') {
		http_reply_error(r, 500, "internal_error", "服务器内部错误 (internal error)", NULL);
		return;
	}
	n = order_actions_for(state, r->user.role, actions, ORDER_ACTION_COUNT);
	/* The object from PostgreSQL ends in '}': "actions" is added just before it. */
	cap = len + 32 + (size_t)n * 16;
	out = xmalloc(cap);
	memcpy(out, json, len - 1);
	used = len - 1;
	used += (size_t)snprintf(out + used, cap - used, ",\"actions\":[");
	for (int i = 0, shown = 0; i < n; i++) {
		if (!may_act(&r->user, actions[i], res))
			continue;
		used += (size_t)snprintf(
		    out + used, cap - used, "%s\"%s\"", shown++ ? "," : "", order_action_name(actions[i]));
	}
	used += (size_t)snprintf(out + used, cap - used, "]}");
	http_reply_json_text(r, 200, out, used);
	free(out);
}

static void
detail_authenticated(struct request *r)
{
	char scope[24];
	const char *values[3] = {http_path_id(r, "id"), user_role_name(r->user.role), scope};

	snprintf(scope, sizeof scope, "%lld", (long long)r->user.scope_id);
	db_query(r->app->db, &detail_statement, values, detail_done, r);
}

void
order_detail(struct request *r)
{
	auth_require(r, ROLES_ANY_USER, detail_authenticated);
}
