/* limits_api: the county's work limits (sql/071_work_limits.sql) read and set by an administrator:
 * the defaults (claim_limit, accept_limit, offer_hours) and each category's own offer deadline. One
 * statement changes them and appends what it set to the admin chain (sql/057_admin_chain.sql), so a
 * change is never made without its record of who made it. */
#include "limits_api.h"

#include <stdio.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "validate.h"

#define CATEGORIES_MAX 200
#define LIMIT_MAX 10000
#define HOURS_MAX 8760

static struct db_statement limits_get_statement = DB_STATEMENT("limits_get",
    "SELECT json_build_object("
    "  'claim_limit', s.claim_limit, 'accept_limit', s.accept_limit, 'offer_hours', s.offer_hours,"
    "  'categories', (SELECT json_agg(json_build_object('id', c.id, 'name', c.name, 'offer_hours', c.offer_hours)"
    "                                 ORDER BY c.id) FROM categories c))::text AS limits"
    "  FROM county_settings s",
    0);

/* $1 claim_limit, $2 accept_limit, $3 offer_hours (NULL: unchanged), $4 category ids, $5 their offer
 * hours (NULL: the county's), $6 whether categories were given, $7 the admin, $8 what was set. */
static struct db_statement limits_put_statement = DB_STATEMENT("limits_put",
    "WITH county AS ("
    "  UPDATE county_settings SET claim_limit = COALESCE($1::int, claim_limit),"
    "         accept_limit = COALESCE($2::int, accept_limit), offer_hours = COALESCE($3::int, offer_hours)"
    "  RETURNING *"
    "), given AS ("
    "  SELECT x.id, x.hours FROM unnest($4::bigint[], $5::int[]) AS x (id, hours)"
    "), cats AS ("
    "  UPDATE categories c SET offer_hours = g.hours FROM given g WHERE $6::boolean AND c.id = g.id RETURNING c.id"
    "), ev AS ("
    "  INSERT INTO admin_events (actor_user_id, actor_role, action, target, payload)"
    "  SELECT $7::bigint, 'admin', 'work_limits.set', 'work_limits', $8::text FROM county"
    ")"
    "SELECT json_build_object('claim_limit', county.claim_limit, 'accept_limit', county.accept_limit,"
    "         'offer_hours', county.offer_hours,"
    "         'categories', (SELECT json_agg(json_build_object('id', c.id, 'name', c.name,"
    "                          'offer_hours', CASE WHEN g.id IS NOT NULL THEN g.hours ELSE c.offer_hours END)"
    "                          ORDER BY c.id) FROM categories c LEFT JOIN given g ON $6::boolean AND g.id = c.id))::text"
    "       AS limits"
    "  FROM county"
    " WHERE paidan_check(NOT $6::boolean OR (SELECT count(*) FROM cats) = cardinality($4::bigint[]), 'categories')",
    8);

static void
limits_rows(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "limits", 200);
}

void
limits_get(struct request *r)
{
	struct query q;

	query_start(&q, r, &limits_get_statement);
	query_run(&q, limits_rows, NULL);
}

/* An optional whole number in [1, max] as $param; "what" gets "name=N;". */
static void
read_limit(struct query *q, struct json_object *body, const char *name, int max, int param, struct field_errors *errors,
    char *what, size_t size)
{
	struct json_object *v;
	int64_t n;
	char text[24];

	if (!json_object_object_get_ex(body, name, &v))
		return;
	n = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
	if (n < 1 || n > max) {
		char message[96];
		snprintf(message, sizeof message, "应为 1 到 %d 的整数 (a whole number from 1 to %d)", max, max);
		field_errors_add(errors, name, message);
		return;
	}
	snprintf(text, sizeof text, "%lld", (long long)n);
	query_text(q, param, http_strdup(q->r, text));
	snprintf(what + strlen(what), size - strlen(what), "%s=%lld;", name, (long long)n);
}

/* categories: [{id, offer_hours: 1–8760 or null (the county's)}], each id once. */
static void
read_categories(struct query *q, struct json_object *body, struct field_errors *errors, char *what, size_t size)
{
	struct json_object *list;
	char ids[CATEGORIES_MAX * 12 + 3] = "{", hours[CATEGORIES_MAX * 12 + 3] = "{";
	size_t n;

	if (!json_object_object_get_ex(body, "categories", &list)) {
		query_bool(q, 6, false);
		return;
	}
	if (!json_object_is_type(list, json_type_array) || (n = json_object_array_length(list)) > CATEGORIES_MAX) {
		field_errors_add(errors, "categories", "应为至多 200 项的列表 (a list of at most 200)");
		return;
	}
	snprintf(what + strlen(what), size - strlen(what), "categories=");
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i), *v;
		int64_t id = 0, h = 0;
		bool null_hours;

		if (!json_object_is_type(item, json_type_object) || !json_object_object_get_ex(item, "id", &v) ||
		    !json_object_is_type(v, json_type_int) || (id = json_object_get_int64(v)) < 1 ||
		    !json_object_object_get_ex(item, "offer_hours", &v)) {
			field_errors_add(errors, "categories", "每项应为 {id, offer_hours} (each {id, offer_hours})");
			return;
		}
		null_hours = json_object_is_type(v, json_type_null);
		if (!null_hours &&
		    (!json_object_is_type(v, json_type_int) || (h = json_object_get_int64(v)) < 1 || h > HOURS_MAX)) {
			field_errors_add(errors, "categories",
			    "offer_hours 应为 1 到 8760 的整数，或 null 表示用全县默认 (1 to 8760, or null for the county's)");
			return;
		}
		for (size_t k = 0; k < i; k++) {
			struct json_object *other = json_object_array_get_idx(list, k), *ov;
			if (json_object_object_get_ex(other, "id", &ov) && json_object_get_int64(ov) == id) {
				field_errors_add(errors, "categories", "同一类别只能出现一次 (each category once)");
				return;
			}
		}
		snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%lld", i ? "," : "", (long long)id);
		if (null_hours)
			snprintf(hours + strlen(hours), sizeof hours - strlen(hours), "%sNULL", i ? "," : "");
		else
			snprintf(
			    hours + strlen(hours), sizeof hours - strlen(hours), "%s%lld", i ? "," : "", (long long)h);
		if (null_hours)
			snprintf(what + strlen(what), size - strlen(what), "%s%lld:-", i ? "," : "", (long long)id);
		else
			snprintf(what + strlen(what), size - strlen(what), "%s%lld:%lld", i ? "," : "", (long long)id,
			    (long long)h);
	}
	strcat(ids, "}");
	strcat(hours, "}");
	query_text(q, 4, http_strdup(q->r, ids));
	query_text(q, 5, http_strdup(q->r, hours));
	query_bool(q, 6, true);
}

static bool
limits_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "PD422") == 0) {
		api_reply_field(
		    r, API_ERROR_FIELDS_INVALID, "categories", "有不存在的类别 (a category does not exist)");
		return true;
	}
	return false;
}

void
limits_put(struct request *r)
{
	struct json_object *body;
	struct field_errors errors;
	enum input_kind kind;
	struct query q;
	char what[CATEGORIES_MAX * 24 + 128] = "";

	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return;
	query_start(&q, r, &limits_put_statement);
	field_errors_init(&errors);
	read_limit(&q, body, "claim_limit", LIMIT_MAX, 1, &errors, what, sizeof what);
	read_limit(&q, body, "accept_limit", LIMIT_MAX, 2, &errors, what, sizeof what);
	read_limit(&q, body, "offer_hours", HOURS_MAX, 3, &errors, what, sizeof what);
	read_categories(&q, body, &errors, what, sizeof what);
	json_object_put(body);
	if (!field_errors_any(&errors) && what[0] == '\0')
		field_errors_add(&errors, "claim_limit", "没有要改的内容 (nothing to change)");
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_id(&q, 7, r->user->id);
	query_text(&q, 8, http_strdup(r, what));
	query_run(&q, limits_rows, limits_refused);
}
