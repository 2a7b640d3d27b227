/* stats: the summary is one statement that builds the whole JSON object in PostgreSQL, over the
 * orders created in the range that the user may see (the role's part of paidan_order_visible, as the
 * order list), from sums kept per day or month (sql/024_stats_rollups.sql) for the admin, a community
 * and a department, from the kept facts for a team.
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
#include "query.h"

/* Asia/Shanghai has kept UTC+8 without daylight saving since 1991. */
#define SHANGHAI_OFFSET_S (8 * 3600)
#define DATE_MIN_YEAR 1970
#define DATE_MAX_YEAR 9999

/* $1 from, $2 to (dates, both included), $3 role, $4 scope id, $5 every state's wire name. The summary
 * reads what each order adds to it, kept as orders change (sql/022_stats_facts.sql: order_stat_facts,
 * order_hour_facts, a few dozen bytes an order with its created day, scope and stage spans), never
 * the orders, events, evaluations and records themselves. One statement per role, each with that
 * role's part of paidan_order_visible (sql/020_scope_predicates.sql) on the facts' copy of the
 * order's columns (a team's as its set of ids), so that a scope's days come from an index; $3 must
 * name the statement's role. tests/integration/scope_queries.test.mjs compares this with the query
 * over the orders themselves. SUMMARY_SQL reads the facts (a team's summary); ROLLUP_SQL below the
 * rollups. */
/* The reply's first members, the same from the facts (SUMMARY_SQL) and from the rollups (ROLLUP_SQL):
 * each reads by_state and by_source as its statement defines them. */
#define SUMMARY_COUNTS_JSON                                                                                            \
	"SELECT json_build_object("                                                                                    \
	"  'from', $1::text, 'to', $2::text,"                                                                          \
	"  'orders_by_state', (SELECT json_object_agg(n.state, COALESCE(c.n, 0) ORDER BY n.ord)"                       \
	"      FROM unnest($5::text[]) WITH ORDINALITY AS n (state, ord)"                                              \
	"      LEFT JOIN by_state c ON c.state = n.state),"                                                            \
	"  'orders_total', (SELECT COALESCE(sum(n), 0)::bigint FROM by_state),"                                        \
	"  'orders_by_source', (SELECT json_object_agg(n.source, COALESCE(c.n, 0) ORDER BY n.ord)"                     \
	"      FROM unnest(ARRAY['web', 'phone', 'visit', 'hotline', 'menu']) WITH ORDINALITY AS n (source, ord)"      \
	"      LEFT JOIN by_source c ON c.source = n.source),"                                                         \
	"  'entered_by_staff', (SELECT COALESCE(sum(entered), 0)::bigint FROM by_source),"
#define SUMMARY_RANGE "f.day BETWEEN $1::date AND $2::date"
/* The values of a stage's rows picked by stage_rows (0-based, in the stage's order), one sort of integers. */
#define STAGE_PICK(STAGE)                                                                                              \
	"percentile_disc((SELECT array_agg(v.x ORDER BY r.i, v.k) FROM stage_rows r"                                   \
	"   CROSS JOIN LATERAL (VALUES (1, (r.lo + 0.5) / r.n), (2, (r.hi + 0.5) / r.n)) v (k, x)"                     \
	"   WHERE r.stage = '" STAGE "' AND r.n > 0)) WITHIN GROUP (ORDER BY f." STAGE "_us) AS " STAGE
/* stage_rows: percentile_cont's arithmetic, per stage and quantile, on the number of spans: the two
 * neighbouring rows (0-based) and the proportion between them. picks: those rows' values, one sort of
 * integers per stage. stages: as percentile_cont does, the row itself or lo + (hi - lo) * proportion
 * (on the intervals the timestamps' difference gives). */
#define STAGE_PICKS                                                                                                    \
	STAGE_PICK("dispatch")                                                                                         \
	", " STAGE_PICK("claim") ", " STAGE_PICK("accept") ", " STAGE_PICK("start") ", " STAGE_PICK(                   \
	    "complete") ", " STAGE_PICK("confirm")
#define STAGE_ROWS                                                                                                     \
	"stage_rows AS MATERIALIZED ("                                                                                 \
	"  SELECT st.stage, st.ord, st.n, q.i, floor(q.q * (st.n - 1)) AS lo, ceil(q.q * (st.n - 1)) AS hi,"           \
	"         q.q * (st.n - 1) - floor(q.q * (st.n - 1)) AS proportion"                                            \
	"    FROM (SELECT sum(dispatch) AS dispatch, sum(claim) AS claim, sum(accept) AS accept, sum(start) AS start," \
	"                 sum(complete) AS complete, sum(confirm) AS confirm FROM by_state) c"                         \
	"   CROSS JOIN LATERAL (VALUES ('dispatch', 1, COALESCE(c.dispatch, 0)::float8),"                              \
	"         ('claim', 2, COALESCE(c.claim, 0)::float8), ('accept', 3, COALESCE(c.accept, 0)::float8),"           \
	"         ('start', 4, COALESCE(c.start, 0)::float8), ('complete', 5, COALESCE(c.complete, 0)::float8),"       \
	"         ('confirm', 6, COALESCE(c.confirm, 0)::float8)) AS st (stage, ord, n)"                               \
	"   CROSS JOIN (VALUES (1, 0.5::float8), (2, 0.9::float8)) AS q (i, q))"
#define SUMMARY_SQL(SCOPE)                                                                                             \
	"WITH by_state AS MATERIALIZED ("                                                                              \
	"  SELECT f.state, count(*) AS n, count(*) FILTER (WHERE f.due_at < now()) AS overdue,"                        \
	"         count(*) FILTER (WHERE f.escalated) AS escalated, count(f.rating) AS rated,"                         \
	"         round(avg(f.rating), 2) AS average, count(f.dispatch_us) AS dispatch, count(f.claim_us) AS claim,"   \
	"         count(f.accept_us) AS accept, count(f.start_us) AS start, count(f.complete_us) AS complete,"         \
	"         count(f.confirm_us) AS confirm"                                                                      \
	"    FROM order_stat_facts f WHERE " SUMMARY_RANGE " AND " SCOPE " GROUP BY f.state"                           \
	"), by_source AS MATERIALIZED ("                                                                               \
	"  SELECT f.source, count(*) AS n, count(*) FILTER (WHERE f.entered) AS entered"                               \
	"    FROM order_stat_facts f WHERE " SUMMARY_RANGE " AND " SCOPE " GROUP BY f.source"                          \
	"), " STAGE_ROWS ", picks AS MATERIALIZED ("                                                                   \
	"  SELECT " STAGE_PICKS " FROM order_stat_facts f WHERE " SUMMARY_RANGE " AND " SCOPE "), stages AS ("         \
	"  SELECT r.stage, r.ord, r.n, r.i,"                                                                           \
	"         CASE WHEN r.n = 0 THEN NULL WHEN r.hi = r.lo THEN paidan_span_interval(p.v[2 * r.i - 1])"            \
	"              ELSE paidan_span_interval(p.v[2 * r.i - 1]) + (paidan_span_interval(p.v[2 * r.i])"              \
	"                   - paidan_span_interval(p.v[2 * r.i - 1])) * r.proportion END AS value"                     \
	"    FROM stage_rows r JOIN (SELECT x.stage, x.v FROM picks CROSS JOIN LATERAL (VALUES"                        \
	"         ('dispatch', picks.dispatch), ('claim', picks.claim), ('accept', picks.accept),"                     \
	"         ('start', picks.start), ('complete', picks.complete), ('confirm', picks.confirm)) x (stage, v)) p"   \
	"      ON p.stage = r.stage"                                                                                   \
	"), counted AS MATERIALIZED ("                                                                                 \
	"  SELECT f.team_id, f.community_id, f.department_id, f.month, f.hours"                                        \
	"    FROM order_hour_facts f WHERE " SUMMARY_RANGE " AND " SCOPE ")" SUMMARY_COUNTS_JSON                       \
	"  'overdue_open', (SELECT COALESCE(sum(overdue), 0)::bigint FROM by_state"                                    \
	"                    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged')),"                       \
	"  'escalated', (SELECT COALESCE(sum(escalated), 0)::bigint FROM by_state),"                                   \
	"  'stage_hours', (SELECT json_object_agg(stage, json_build_object("                                           \
	"          'median', round(extract(epoch FROM median)::numeric / 3600, 1),"                                    \
	"          'p90', round(extract(epoch FROM p90)::numeric / 3600, 1),"                                          \
	"          'n', n) ORDER BY ord)"                                                                              \
	"      FROM (SELECT stage, ord, max(n)::bigint AS n, max(value) FILTER (WHERE i = 1) AS median,"               \
	"                   max(value) FILTER (WHERE i = 2) AS p90 FROM stages GROUP BY stage, ord) x),"               \
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
	"  'satisfaction', (SELECT json_build_object('average', c.average, 'rated', COALESCE(c.rated, 0),"             \
	"          'rated_share', CASE WHEN c.n > 0 THEN round(c.rated::numeric / c.n, 4) END,"                        \
	"          'closed', COALESCE(c.n, 0))"                                                                        \
	"      FROM (SELECT 1) one LEFT JOIN by_state c ON c.state = 'closed'))::text AS summary"

/* The summary from rollups (sql/024_stats_rollups.sql) for the admin, a community and a department:
 * the counts per created day, scope, state and source; the stage spans per created month and cell of
 * the printed 0.1 h; verified hours per created month along each grouping. Whole months of the range
 * come from the month rows, the days at its ends (ROLLUP_EDGE) from the facts. A percentile is the
 * number of the cell where its rank falls (the hour-wide cell from cumulative counts, then the cell
 * within it), read from the facts only when its two neighbouring ranks fall in different cells (then
 * the two spans, interpolated exactly as above). Past-due open orders move with the clock: counted from the facts (a partial index).
 * tests/integration/stats_rollups.test.mjs compares every figure with SUMMARY_SQL's. */
#define ROLLUP_MONTH_FROM "(date_trunc('month', ($1::date - 1)::timestamp) + interval '1 month')::date"
#define ROLLUP_MONTH_TO "date_trunc('month', ($2::date + 1)::timestamp)::date"
#define ROLLUP_MONTHS "r.month >= " ROLLUP_MONTH_FROM " AND r.month < " ROLLUP_MONTH_TO
#define ROLLUP_EDGE                                                                                                    \
	"((f.day >= $1::date AND f.day < LEAST(" ROLLUP_MONTH_FROM ", $2::date + 1))"                                  \
	" OR (f.day >= GREATEST(" ROLLUP_MONTH_TO ", " ROLLUP_MONTH_FROM ") AND f.day <= $2::date))"
/* The smallest or largest span of a stage in a cell, in range and scope: read backwards or forwards
 * along the stage's index from the cell's edge (the range and scope are a filter, "IS TRUE" keeps the
 * generic plan from combining them with the day index; a cell holds a few thousand spans at most). */
#define SPAN_IN_CELL(ORDER, STAGE, CELL, SCOPE)                                                                        \
	"(SELECT f." STAGE "_us FROM order_stat_facts f WHERE (" SUMMARY_RANGE " AND " SCOPE ") IS TRUE AND f." STAGE  \
	"_us >= " CELL " * 360000000::bigint - 180000000 AND f." STAGE "_us < " CELL                                   \
	" * 360000000::bigint + 180000000 ORDER BY f." STAGE "_us " ORDER " LIMIT 1)"
#define SPAN_AT(ORDER, CELL, SCOPE)                                                                                    \
	"CASE WHEN l.cell_lo <> l.cell_hi THEN CASE l.ord WHEN 1 THEN " SPAN_IN_CELL(ORDER, "dispatch", CELL,          \
	    SCOPE) " WHEN 2 THEN " SPAN_IN_CELL(ORDER, "claim", CELL, SCOPE) " WHEN 3 THEN " SPAN_IN_CELL(ORDER,       \
	    "accept", CELL,                                                                                            \
	    SCOPE) " WHEN 4 THEN " SPAN_IN_CELL(ORDER, "start", CELL, SCOPE) " WHEN 5 THEN " SPAN_IN_CELL(ORDER,       \
	    "complete", CELL, SCOPE) " WHEN 6 THEN " SPAN_IN_CELL(ORDER, "confirm", CELL, SCOPE) " END END"
#define ROLLUP_SQL(SCOPE, ROLL)                                                                                               \
	"WITH by_state AS MATERIALIZED ("                                                                                     \
	"  SELECT r.state, sum(r.n) AS n, sum(r.escalated) AS escalated, sum(r.rated) AS rated,"                              \
	"         CASE WHEN sum(r.rated) > 0 THEN round(sum(r.rating_sum)::numeric / sum(r.rated), 2) END AS average,"        \
	"         sum(r.dispatch) AS dispatch, sum(r.claim) AS claim, sum(r.accept) AS accept, sum(r.start) AS start,"        \
	"         sum(r.complete) AS complete, sum(r.confirm) AS confirm"                                                     \
	"    FROM stats_day_counts r WHERE r.day BETWEEN $1::date AND $2::date AND " ROLL " GROUP BY r.state"                 \
	"), by_source AS MATERIALIZED ("                                                                                      \
	"  SELECT r.source, sum(r.n) AS n, sum(r.entered) AS entered"                                                         \
	"    FROM stats_day_counts r WHERE r.day BETWEEN $1::date AND $2::date AND " ROLL " GROUP BY r.source"                \
	"), overdue AS MATERIALIZED ("                                                                                        \
	"  SELECT count(*) AS n FROM order_stat_facts f WHERE " SUMMARY_RANGE " AND " SCOPE                                   \
	"     AND f.state NOT IN ('closed', 'rejected', 'cancelled', 'merged') AND f.due_at < now()"                          \
	"), " STAGE_ROWS ", edge_cells AS MATERIALIZED ("                                                                     \
	"  SELECT s.stage, paidan_stats_cell(s.us) AS cell, count(*) AS n FROM order_stat_facts f"                            \
	"   CROSS JOIN LATERAL (VALUES (1::smallint, f.dispatch_us), (2::smallint, f.claim_us),"                              \
	"         (3::smallint, f.accept_us), (4::smallint, f.start_us), (5::smallint, f.complete_us),"                       \
	"         (6::smallint, f.confirm_us)) AS s (stage, us)"                                                              \
	"   WHERE " ROLLUP_EDGE " AND " SCOPE " AND s.us IS NOT NULL GROUP BY 1, 2"                                           \
	"), coarse AS MATERIALIZED ("                                                                                         \
	"  SELECT x.stage, x.coarse, sum(x.n) AS n FROM ("                                                                    \
	"    SELECT r.stage, r.coarse, r.n FROM stats_month_spans_coarse r WHERE " ROLLUP_MONTHS " AND " ROLL                 \
	"    UNION ALL SELECT e.stage, e.cell / 10, e.n FROM edge_cells e) x"                                                 \
	"   GROUP BY x.stage, x.coarse HAVING sum(x.n) > 0"                                                                   \
	"), cum AS MATERIALIZED ("                                                                                            \
	"  SELECT c.stage, c.coarse, sum(c.n) OVER w - c.n AS below, sum(c.n) OVER w AS upto FROM coarse c"                   \
	"  WINDOW w AS (PARTITION BY c.stage ORDER BY c.coarse)"                                                              \
	"), ranks AS MATERIALIZED ("                                                                                          \
	"  SELECT r.stage, r.ord, r.i, r.proportion, k.which, c.coarse, k.rank - c.below AS within"                           \
	"    FROM stage_rows r CROSS JOIN LATERAL (VALUES (1, r.lo), (2, r.hi)) AS k (which, rank)"                           \
	"    JOIN cum c ON c.stage = r.ord AND c.below <= k.rank AND k.rank < c.upto WHERE r.n > 0"                           \
	"), fine AS MATERIALIZED ("                                                                                           \
	"  SELECT k.stage, k.ord, k.i, k.proportion, k.which, (SELECT y.cell FROM ("                                          \
	"           SELECT x.cell, sum(sum(x.n)) OVER (ORDER BY x.cell) AS upto FROM ("                                       \
	"             SELECT r.cell, r.n FROM stats_month_spans r WHERE " ROLL " AND r.stage = k.ord"                         \
	"                AND r.cell >= k.coarse * 10 AND r.cell < k.coarse * 10 + 10 AND " ROLLUP_MONTHS                      \
	"             UNION ALL SELECT e.cell, e.n FROM edge_cells e"                                                         \
	"              WHERE e.stage = k.ord AND e.cell >= k.coarse * 10 AND e.cell < k.coarse * 10 + 10) x"                  \
	"           GROUP BY x.cell) y WHERE y.upto > k.within ORDER BY y.cell LIMIT 1) AS cell"                              \
	"    FROM ranks k"                                                                                                    \
	"), located AS MATERIALIZED ("                                                                                        \
	"  SELECT lo.stage, lo.ord, lo.i, lo.proportion, lo.cell AS cell_lo, hi.cell AS cell_hi"                              \
	"    FROM fine lo JOIN fine hi ON hi.stage = lo.stage AND hi.i = lo.i AND hi.which = 2 WHERE lo.which = 1"            \
	"), stages AS ("                                                                                                      \
	"  SELECT l.stage, l.i, CASE WHEN l.cell_lo = l.cell_hi THEN round(l.cell_lo / 10.0, 1)"                              \
	"         ELSE round(extract(epoch FROM paidan_span_interval(e.lo) + (paidan_span_interval(e.hi)"                     \
	"              - paidan_span_interval(e.lo)) * l.proportion)::numeric / 3600, 1) END AS hours"                        \
	"    FROM located l LEFT JOIN LATERAL (SELECT " SPAN_AT("DESC", "l.cell_lo", SCOPE) " AS lo, " SPAN_AT("ASC",         \
	    "l.cell_hi",                                                                                                      \
	    SCOPE) " AS hi WHERE l.cell_lo <> l.cell_hi) e ON true"                                                           \
	           "), counted AS MATERIALIZED ("                                                                             \
	           "  SELECT x.dim, x.key, sum(x.hours) AS hours FROM ("                                                      \
	           "    SELECT r.dim, r.key, r.n, r.hours FROM stats_month_hours r WHERE " ROLLUP_MONTHS " AND " ROLL         \
	           "    UNION ALL SELECT d.dim, d.key, 1, f.hours FROM order_hour_facts f"                                    \
	           "     CROSS JOIN LATERAL (VALUES (1::smallint, f.team_id), (2::smallint, f.community_id),"                 \
	           "           (3::smallint, COALESCE(f.department_id, 0)), (4::smallint, paidan_stats_month_key(f.month)))"  \
	           "           AS d (dim, key)"                                                                               \
	           "     WHERE " ROLLUP_EDGE " AND " SCOPE ") x"                                                              \
	           "   GROUP BY x.dim, x.key HAVING sum(x.n) > 0)" SUMMARY_COUNTS_JSON                                        \
	           "  'overdue_open', (SELECT n FROM overdue),"                                                               \
	           "  'escalated', (SELECT COALESCE(sum(escalated), 0)::bigint FROM by_state),"                               \
	           "  'stage_hours', (SELECT json_object_agg(stage, json_build_object('median', median, 'p90', p90, 'n', n)"  \
	           "          ORDER BY ord)"                                                                                  \
	           "      FROM (SELECT r.stage, r.ord, max(r.n)::bigint AS n, max(s.hours) FILTER (WHERE r.i = 1) AS median," \
	           "                   max(s.hours) FILTER (WHERE r.i = 2) AS p90"                                            \
	           "              FROM stage_rows r LEFT JOIN stages s ON s.stage = r.stage AND s.i = r.i"                    \
	           "             GROUP BY r.stage, r.ord) x),"                                                                \
	           "  'hours', json_build_object("                                                                            \
	           "      'total', (SELECT COALESCE(sum(hours), 0)::numeric(14, 2)::text FROM counted WHERE dim = 4),"        \
	           "      'by_team', (SELECT COALESCE(json_agg(json_build_object('team_id', t.id, 'name', t.name,"            \
	           "                     'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)"   \
	           "          FROM counted x JOIN teams t ON t.id = x.key WHERE x.dim = 1),"                                  \
	           "      'by_town', (SELECT COALESCE(json_agg(json_build_object('town_id', t.id, 'name', t.name,"            \
	           "                     'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)"   \
	           "          FROM (SELECT cm.town_id, sum(c.hours) AS hours FROM counted c"                                  \
	           "                  JOIN communities cm ON cm.id = c.key WHERE c.dim = 2 GROUP BY cm.town_id) x"            \
	           "          JOIN towns t ON t.id = x.town_id),"                                                             \
	           "      'by_department', (SELECT COALESCE(json_agg(json_build_object('department_id', x.department_id,"     \
	           "                     'name', d.name, 'hours', x.hours::numeric(14, 2)::text)"                             \
	           "                     ORDER BY x.hours DESC, x.department_id), '[]'::json)"                                \
	           "          FROM (SELECT NULLIF(key, 0) AS department_id, hours FROM counted WHERE dim = 3) x"              \
	           "          LEFT JOIN departments d ON d.id = x.department_id),"                                            \
	           "      'by_month', (SELECT COALESCE(json_agg(json_build_object('month', x.month,"                          \
	           "                     'hours', x.hours::numeric(14, 2)::text) ORDER BY x.month), '[]'::json)"              \
	           "          FROM (SELECT paidan_stats_month_text(key) AS month, hours FROM counted WHERE dim = 4) x)),"     \
	           "  'satisfaction', (SELECT json_build_object('average', c.average, 'rated', COALESCE(c.rated, 0),"         \
	           "          'rated_share', CASE WHEN c.n > 0 THEN round(c.rated::numeric / c.n, 4) END,"                    \
	           "          'closed', COALESCE(c.n, 0))"                                                                    \
	           "      FROM (SELECT 1) one LEFT JOIN by_state c ON c.state = 'closed'))::text AS summary"

static struct db_statement summary_statements[ROLE_COUNT] = {
    [ROLE_ADMIN] = DB_STATEMENT("stats_summary_admin",
        ROLLUP_SQL(
            "$3::text = 'admin' AND $4::bigint IS NOT NULL", "r.kind = 0 AND r.scope_id = 0 AND $3::text = 'admin'"),
        5),
    [ROLE_COMMUNITY] = DB_STATEMENT("stats_summary_community",
        ROLLUP_SQL("$3::text = 'community' AND f.community_id = $4::bigint",
            "r.kind = 1 AND r.scope_id = $4::bigint AND $3::text = 'community'"),
        5),
    [ROLE_DEPARTMENT] = DB_STATEMENT("stats_summary_department",
        ROLLUP_SQL("$3::text = 'department' AND f.department_id = $4::bigint",
            "r.kind = 2 AND r.scope_id = $4::bigint AND $3::text = 'department'"),
        5),
    /* A team's orders are few: its summary reads the facts. */
    [ROLE_TEAM] = DB_STATEMENT("stats_summary_team",
        SUMMARY_SQL("$3::text = 'team' AND f.order_id IN (SELECT t.id FROM paidan_team_order_ids($4::bigint) t (id))"),
        5),
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
summary_done(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "summary", 200);
}

void
stats_summary(struct request *r)
{
	struct stats_range range;
	char states[ORDER_STATE_COUNT * 16 + 2];
	size_t used = 0;
	struct query q;

	if (summary_statements[r->user->role].sql == NULL) { /* the route's roles keep others out already */
		api_error_reply(r, API_ERROR_ROLE_FORBIDDEN, NULL);
		return;
	}
	if (!stats_range_from_query(r, &range))
		return;
	/* The states as a PostgreSQL array literal, from the model's one name table. */
	states[used++] = '{';
	for (int i = 0; i < ORDER_STATE_COUNT; i++)
		used += (size_t)snprintf(
		    states + used, sizeof states - used, "%s%s", i ? "," : "", order_state_name((enum order_state)i));
	snprintf(states + used, sizeof states - used, "}");
	query_start(&q, r, &summary_statements[r->user->role]);
	query_text(&q, 1, range.from);
	query_text(&q, 2, range.to);
	query_text(&q, 3, user_role_name(r->user->role));
	query_id(&q, 4, r->user->scope_id);
	query_text(&q, 5, states);
	query_run(&q, summary_done, NULL);
}
