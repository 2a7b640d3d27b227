/* stats: the summary is one statement that builds the whole JSON object in PostgreSQL, over the
 * orders created in the range that the user may see (the role's part of paidan_order_visible, as the
 * order list).
 * Hours are numeric sums printed with two places; stage times are percentiles of intervals, so no
 * floating point is involved anywhere. "escalated" counts orders escalated at any time (the flag is
 * cleared when an order moves on; the audit log keeps the event). The date range is read here for
 * the exports too. */
#include "stats.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "order_model.h"

/* Asia/Shanghai has kept UTC+8 without daylight saving since 1991. */
#define SHANGHAI_OFFSET_S (8 * 3600)
#define DATE_MIN_YEAR 1970
#define DATE_MAX_YEAR 9999

/* $1 from, $2 to (dates, both included), $3 role, $4 scope id, $5 every state's wire name. One statement
 * per role, each with that role's part of paidan_order_visible (sql/020_scope_predicates.sql; a team's
 * as a set of ids), so that a scope's orders in the range come from an index; $3 must name the
 * statement's role. */
#define SUMMARY_SQL(SCOPE)                                                                                             \
	"WITH scoped AS MATERIALIZED ("                                                                                \
	"  SELECT o.* FROM orders o"                                                                                   \
	"   WHERE o.created_at >= $1::date::timestamp AT TIME ZONE 'Asia/Shanghai'"                                    \
	"     AND o.created_at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'"                               \
	"     AND " SCOPE "), counted AS MATERIALIZED ("                                                               \
	"  SELECT s.hours, s.team_id, o.community_id, o.department_id,"                                                \
	"         to_char(COALESCE(o.completed_at, s.recorded_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month"   \
	"    FROM scoped o JOIN service_records s ON s.order_id = o.id"                                                \
	"   WHERE paidan_record_counts(s)"                                                                             \
	"), stages AS ("                                                                                               \
	"  SELECT st.stage, st.span"                                                                                   \
	"    FROM scoped o CROSS JOIN LATERAL (VALUES"                                                                 \
	"         ('dispatch', o.dispatched_at - o.created_at), ('claim', o.claimed_at - o.dispatched_at),"            \
	"         ('accept', o.accepted_at - o.claimed_at), ('start', o.started_at - o.accepted_at),"                  \
	"         ('complete', o.completed_at - o.started_at), ('confirm', o.closed_at - o.completed_at)"              \
	"         ) AS st (stage, span)"                                                                               \
	"   WHERE st.span >= interval '0'"                                                                             \
	")"                                                                                                            \
	"SELECT json_build_object("                                                                                    \
	"  'from', $1::text, 'to', $2::text,"                                                                          \
	"  'orders_by_state', (SELECT json_object_agg(n.state, COALESCE(c.n, 0) ORDER BY n.ord)"                       \
	"      FROM unnest($5::text[]) WITH ORDINALITY AS n (state, ord)"                                              \
	"      LEFT JOIN (SELECT state, count(*) AS n FROM scoped GROUP BY state) c ON c.state = n.state),"            \
	"  'orders_total', (SELECT count(*) FROM scoped),"                                                             \
	"  'overdue_open', (SELECT count(*) FROM scoped o WHERE o.due_at < now()"                                      \
	"                      AND o.state NOT IN ('closed', 'rejected', 'cancelled')),"                               \
	"  'escalated', (SELECT count(*) FROM scoped o WHERE o.escalated_at IS NOT NULL OR EXISTS"                     \
	"      (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.action = 'escalate')),"                     \
	"  'stage_hours', (SELECT json_object_agg(n.stage, json_build_object("                                         \
	"          'median', round(extract(epoch FROM p.median)::numeric / 3600, 1),"                                  \
	"          'p90', round(extract(epoch FROM p.p90)::numeric / 3600, 1),"                                        \
	"          'n', COALESCE(p.n, 0)) ORDER BY n.ord)"                                                             \
	"      FROM unnest(ARRAY['dispatch', 'claim', 'accept', 'start', 'complete', 'confirm'])"                      \
	"           WITH ORDINALITY AS n (stage, ord)"                                                                 \
	"      LEFT JOIN (SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY span) AS median,"                  \
	"                        percentile_cont(0.9) WITHIN GROUP (ORDER BY span) AS p90, count(*) AS n"              \
	"                   FROM stages GROUP BY stage) p ON p.stage = n.stage),"                                      \
	"  'hours', json_build_object("                                                                                \
	"      'total', (SELECT COALESCE(sum(hours), 0)::numeric(14, 2)::text FROM counted),"                          \
	"      'by_team', (SELECT COALESCE(json_agg(json_build_object('team_id', t.id, 'name', t.name,"                \
	"                     'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)"       \
	"          FROM (SELECT team_id, sum(hours) AS hours FROM counted GROUP BY team_id) x"                         \
	"          JOIN teams t ON t.id = x.team_id),"                                                                 \
	"      'by_town', (SELECT COALESCE(json_agg(json_build_object('town_id', t.id, 'name', t.name,"                \
	"                     'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)"       \
	"          FROM (SELECT cm.town_id, sum(c.hours) AS hours FROM counted c"                                      \
	"                  JOIN communities cm ON cm.id = c.community_id GROUP BY cm.town_id) x"                       \
	"          JOIN towns t ON t.id = x.town_id),"                                                                 \
	"      'by_department', (SELECT COALESCE(json_agg(json_build_object('department_id', x.department_id,"         \
	"                     'name', d.name, 'hours', x.hours::numeric(14, 2)::text)"                                 \
	"                     ORDER BY x.hours DESC, x.department_id), '[]'::json)"                                    \
	"          FROM (SELECT department_id, sum(hours) AS hours FROM counted GROUP BY department_id) x"             \
	"          LEFT JOIN departments d ON d.id = x.department_id),"                                                \
	"      'by_month', (SELECT COALESCE(json_agg(json_build_object('month', x.month,"                              \
	"                     'hours', x.hours::numeric(14, 2)::text) ORDER BY x.month), '[]'::json)"                  \
	"          FROM (SELECT month, sum(hours) AS hours FROM counted GROUP BY month) x)),"                          \
	"  'satisfaction', (SELECT json_build_object('average', round(avg(e.rating), 2),"                              \
	"          'rated', count(e.order_id),"                                                                        \
	"          'rated_share', CASE WHEN count(*) > 0 THEN round(count(e.order_id)::numeric / count(*), 4) END,"    \
	"          'closed', count(*))"                                                                                \
	"      FROM scoped o LEFT JOIN evaluations e ON e.order_id = o.id WHERE o.state = 'closed'))::text"

static struct db_statement summary_statements[ROLE_COUNT] = {
    [ROLE_ADMIN] = DB_STATEMENT("stats_summary_admin", SUMMARY_SQL("$3::text = 'admin' AND $4::bigint IS NOT NULL"), 5),
    [ROLE_COMMUNITY] = DB_STATEMENT(
        "stats_summary_community", SUMMARY_SQL("$3::text = 'community' AND paidan_scope_community(o, $4::bigint)"), 5),
    [ROLE_DEPARTMENT] = DB_STATEMENT("stats_summary_department",
        SUMMARY_SQL("$3::text = 'department' AND paidan_scope_department(o, $4::bigint)"), 5),
    [ROLE_TEAM] = DB_STATEMENT("stats_summary_team",
        SUMMARY_SQL("$3::text = 'team' AND o.id IN (SELECT t.id FROM paidan_team_order_ids($4::bigint) t (id))"), 5),
};

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
digits(const char *s, int n)
{
	int value = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		value = value * 10 + (s[i] - '0');
	}
	return value;
}

bool
stats_parse_date(const char *text, int64_t *days)
{
	static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	bool leap;

	if (text == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
		return false;
	y = digits(text, 4);
	m = digits(text + 5, 2);
	d = digits(text + 8, 2);
	if (y < DATE_MIN_YEAR || y > DATE_MAX_YEAR || m < 1 || m > 12 || d < 1 || d > month_days[m - 1])
		return false;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (m == 2 && d == 29 && !leap)
		return false;
	*days = days_from_civil(y, m, d);
	return true;
}

void
stats_format_date(int64_t days, char out[11])
{
	int64_t y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, m, d);
}

int64_t
stats_today(void)
{
	int64_t now = (int64_t)time(NULL) + SHANGHAI_OFFSET_S;

	return now >= 0 ? now / 86400 : -((-now + 86399) / 86400);
}

bool
stats_range_check(
    const char *from, const char *to, int64_t today, struct stats_range *range, struct field_errors *errors)
{
	int64_t from_days, to_days;
	bool ok = true, from_given = from != NULL && *from, to_given = to != NULL && *to;

	to_days = today;
	if (to_given && !stats_parse_date(to, &to_days)) {
		field_errors_add(errors, "to", "日期格式应为 YYYY-MM-DD (a date like 2026-11-30)");
		ok = false;
	}
	from_days = to_days - (STATS_RANGE_DEFAULT_DAYS - 1);
	if (from_given && !stats_parse_date(from, &from_days)) {
		field_errors_add(errors, "from", "日期格式应为 YYYY-MM-DD (a date like 2026-11-01)");
		ok = false;
	}
	if (!ok)
		return false;
	/* Only a given from can break these (the default is 30 days before to), so from is named. */
	if (from_days > to_days) {
		field_errors_add(errors, "from", "开始日期不能晚于结束日期 (from must not be after to)");
		return false;
	}
	if (to_days - from_days + 1 > STATS_RANGE_MAX_DAYS) {
		field_errors_add(errors, "from", "时间范围最长三年 (the range is at most 3 years)");
		return false;
	}
	stats_format_date(from_days, range->from);
	stats_format_date(to_days, range->to);
	return true;
}

bool
stats_range_from_query(struct request *r, struct stats_range *range)
{
	struct field_errors errors;
	bool ok;

	field_errors_init(&errors);
	ok = stats_range_check(http_query_param(r, "from"), http_query_param(r, "to"), stats_today(), range, &errors);
	if (!ok)
		api_reply_field_errors(r, &errors);
	field_errors_free(&errors);
	return ok;
}

/* ---- summary ---- */

static void
summary_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	http_reply_json_text(r, 200, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
}

void
stats_summary(struct request *r)
{
	struct stats_range range;
	char scope[24], states[ORDER_STATE_COUNT * 16 + 2];
	const char *values[5] = {range.from, range.to, user_role_name(r->user->role), scope, states};
	size_t used = 0;

	if (summary_statements[r->user->role].sql == NULL) { /* the route's roles keep others out already */
		api_error_reply(r, API_ERROR_ROLE_FORBIDDEN, NULL);
		return;
	}
	if (!stats_range_from_query(r, &range))
		return;
	snprintf(scope, sizeof scope, "%lld", (long long)r->user->scope_id);
	/* The states as a PostgreSQL array literal, from the model's one name table. */
	states[used++] = '{';
	for (int i = 0; i < ORDER_STATE_COUNT; i++)
		used += (size_t)snprintf(
		    states + used, sizeof states - used, "%s%s", i ? "," : "", order_state_name((enum order_state)i));
	snprintf(states + used, sizeof states - used, "}");
	db_query(r->app->db, &summary_statements[r->user->role], values, summary_done, r);
}
