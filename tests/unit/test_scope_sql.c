/* The C scope rule (server/scope.c) and the SQL one (paidan_order_visible) agree, order by order.
 *
 * Needs a database: PAIDAN_TEST_DATABASE_URL (the integration stage runs it through
 * tests/integration/scope.test.mjs, after the demo county is loaded); skipped without one. Inside one
 * transaction that is rolled back, it makes orders in every state with every combination of
 * community, department, team, offers and service records the schema allows, then asks both rules
 * for every caller: the admin, two communities, two departments, two teams, a volunteer in one
 * team and a volunteer in none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_blocking.h"
#include "scope.h"

struct caller {
	enum user_role role;
	const char *name;
	int64_t scope;
};

static PGconn *conn;

static int64_t
one_id(const char *sql, int nparams, const char *const *values)
{
	PGresult *res = db_blocking_query(conn, sql, nparams, values);
	int64_t id;

	assert_non_null(res);
	assert_int_equal(PQntuples(res), 1);
	id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return id;
}

static void
exec_ok(const char *sql)
{
	assert_true(db_blocking_exec(conn, sql));
}

/* Every order of the test, its facts for the two teams and two volunteers, and SQL's answer per caller. */
static const char facts_sql[] =
    "SELECT o.id, o.community_id, COALESCE(o.department_id, 0), COALESCE(o.team_id, 0),"
    "  EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $1::bigint),"
    "  EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $2::bigint),"
    "  EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = $3::bigint AND m.team_id = o.team_id),"
    "  EXISTS (SELECT 1 FROM service_records s WHERE s.order_id = o.id AND s.volunteer_id = $3::bigint),"
    "  EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = $4::bigint AND m.team_id = o.team_id),"
    "  EXISTS (SELECT 1 FROM service_records s WHERE s.order_id = o.id AND s.volunteer_id = $4::bigint),"
    "  paidan_order_visible(o, $5::text, $6::bigint)"
    "  FROM orders o WHERE o.description = 'scope agreement test' ORDER BY o.id";

static void
c_and_sql_agree_on_every_order_for_every_caller(void **state)
{
	int64_t c1, c2, d1, d2, ta, tb, category, va, vb;
	char text[8][24];
	struct caller callers[9];
	int ncallers = 0, compared = 0, visible = 0;

	(void)state;
	if (conn == NULL)
		skip();
	exec_ok("BEGIN");
	c1 = one_id("SELECT min(id) FROM communities", 0, NULL);
	c2 = one_id("SELECT min(id) FROM communities WHERE id > (SELECT min(id) FROM communities)", 0, NULL);
	d1 = one_id("SELECT min(department_id) FROM teams", 0, NULL);
	d2 = one_id("SELECT min(department_id) FROM teams WHERE department_id > (SELECT min(department_id) FROM teams)",
	    0, NULL);
	snprintf(text[0], sizeof text[0], "%lld", (long long)d1);
	snprintf(text[1], sizeof text[1], "%lld", (long long)d2);
	ta = one_id("SELECT min(id) FROM teams WHERE department_id = $1::bigint", 1, (const char *[]){text[0]});
	tb = one_id("SELECT min(id) FROM teams WHERE department_id = $1::bigint", 1, (const char *[]){text[1]});
	category = one_id("SELECT min(id) FROM categories", 0, NULL);
	va = one_id("INSERT INTO volunteers (name, phone) VALUES ('范围甲', '13900000001') RETURNING id", 0, NULL);
	vb = one_id("INSERT INTO volunteers (name, phone) VALUES ('范围乙', '13900000002') RETURNING id", 0, NULL);
	snprintf(text[2], sizeof text[2], "%lld", (long long)ta);
	snprintf(text[3], sizeof text[3], "%lld", (long long)tb);
	snprintf(text[4], sizeof text[4], "%lld", (long long)va);
	snprintf(text[5], sizeof text[5], "%lld", (long long)c1);
	snprintf(text[6], sizeof text[6], "%lld", (long long)c2);
	snprintf(text[7], sizeof text[7], "%lld", (long long)category);
	PQclear(
	    db_blocking_query(conn, "INSERT INTO team_members (team_id, volunteer_id) VALUES ($1::bigint, $2::bigint)",
	        2, (const char *[]){text[2], text[4]}));
	/* Every state × community × department × team the schema allows; offers and records by id. */
	{
		const char *values[8] = {text[5], text[6], text[0], text[1], text[2], text[3], text[7], text[4]};
		PGresult *res = db_blocking_query(conn,
		    "WITH made AS ("
		    "  INSERT INTO orders (tracking_code, community_id, category_id, department_id, team_id, state,"
		    "                      description, contact_name, contact_phone, last_event_hash)"
		    "  SELECT translate(upper(substr(md5(random()::text || n::text), 1, 10)), '01', '23'),"
		    "         c, $7::bigint, d, t, s, 'scope agreement test', '测试', '13800000000', '\\x00'::bytea"
		    "    FROM unnest(ARRAY['submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed',"
		    "                      'closed', 'rejected', 'cancelled']) s,"
		    "         unnest(ARRAY[$1::bigint, $2::bigint]) c,"
		    "         unnest(ARRAY[NULL, $3::bigint, $4::bigint]) d,"
		    "         unnest(ARRAY[NULL, $5::bigint, $6::bigint]) t,"
		    "         generate_series(0, 5) n"
		    "   WHERE (s IN ('submitted', 'dispatched', 'rejected', 'cancelled') OR d IS NOT NULL)"
		    "     AND (s IN ('accepted', 'in_progress', 'completed', 'closed')) = (t IS NOT NULL)"
		    "  RETURNING id, team_id"
		    "), offers AS ("
		    "  INSERT INTO order_offers (order_id, team_id)"
		    "  SELECT m.id, x.team FROM made m, LATERAL (VALUES ($5::bigint, 1), ($6::bigint, 2)) x (team, bit)"
		    "   WHERE (m.id % 4) & x.bit <> 0"
		    "), records AS ("
		    "  INSERT INTO service_records (order_id, volunteer_id, team_id, hours)"
		    "  SELECT m.id, $8::bigint, m.team_id, 1 FROM made m WHERE m.team_id IS NOT NULL AND m.id % 3 = 0"
		    ") SELECT count(*) FROM made",
		    8, values);
		assert_non_null(res);
		assert_true(strtoll(PQgetvalue(res, 0, 0), NULL, 10) > 100);
		PQclear(res);
	}
	callers[ncallers++] = (struct caller){ROLE_ADMIN, "admin", 0};
	callers[ncallers++] = (struct caller){ROLE_COMMUNITY, "community", c1};
	callers[ncallers++] = (struct caller){ROLE_COMMUNITY, "community", c2};
	callers[ncallers++] = (struct caller){ROLE_DEPARTMENT, "department", d1};
	callers[ncallers++] = (struct caller){ROLE_DEPARTMENT, "department", d2};
	callers[ncallers++] = (struct caller){ROLE_TEAM, "team", ta};
	callers[ncallers++] = (struct caller){ROLE_TEAM, "team", tb};
	callers[ncallers++] = (struct caller){ROLE_VOLUNTEER, "volunteer", va};
	callers[ncallers++] = (struct caller){ROLE_VOLUNTEER, "volunteer", vb};
	for (int k = 0; k < ncallers; k++) {
		char scope[24], vbtext[24];
		const char *values[6] = {text[2], text[3], text[4], vbtext, callers[k].name, scope};
		PGresult *res;

		snprintf(scope, sizeof scope, "%lld", (long long)callers[k].scope);
		snprintf(vbtext, sizeof vbtext, "%lld", (long long)vb);
		res = db_blocking_query(conn, facts_sql, 6, values);
		assert_non_null(res);
		for (int i = 0; i < PQntuples(res); i++) {
			bool is_vb = callers[k].role == ROLE_VOLUNTEER && callers[k].scope == vb;
			bool is_tb = callers[k].role == ROLE_TEAM && callers[k].scope == tb;
			struct scope_order o = {
			    .community_id = strtoll(PQgetvalue(res, i, 1), NULL, 10),
			    .department_id = strtoll(PQgetvalue(res, i, 2), NULL, 10),
			    .team_id = strtoll(PQgetvalue(res, i, 3), NULL, 10),
			    .offered_to_caller =
			        callers[k].role == ROLE_TEAM && *PQgetvalue(res, i, is_tb ? 5 : 4) == 't',
			    .caller_in_team =
			        callers[k].role == ROLE_VOLUNTEER && *PQgetvalue(res, i, is_vb ? 8 : 6) == 't',
			    .caller_has_record =
			        callers[k].role == ROLE_VOLUNTEER && *PQgetvalue(res, i, is_vb ? 9 : 7) == 't',
			};
			bool sql_says = *PQgetvalue(res, i, 10) == 't';
			bool c_says = scope_may_see(callers[k].role, callers[k].scope, &o);

			if (sql_says != c_says)
				fail_msg("order %s (community %s, department %s, team %s): %s %lld — SQL %s, C %s",
				    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
				    PQgetvalue(res, i, 3), callers[k].name, (long long)callers[k].scope,
				    sql_says ? "visible" : "hidden", c_says ? "visible" : "hidden");
			compared++;
			visible += c_says;
		}
		PQclear(res);
	}
	exec_ok("ROLLBACK");
	print_message(
	    "scope: %d order × caller pairs compared, %d visible, C and SQL agree on all\n", compared, visible);
	assert_true(compared > 1000);
}

int
main(void)
{
	const char *url = getenv("PAIDAN_TEST_DATABASE_URL");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(c_and_sql_agree_on_every_order_for_every_caller),
	};
	int failed;

	if (url != NULL && *url)
		conn = db_blocking_connect(url);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	if (conn != NULL)
		PQfinish(conn);
	return failed;
}
