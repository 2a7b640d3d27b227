/* The scope rule (server/scope.c), case by case; test_scope_sql.c checks it against SQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scope.h"

static void
community_and_department_see_and_act_on_their_own_only(void **state)
{
	struct scope_order o = {.community_id = 7, .department_id = 3};

	(void)state;
	assert_true(scope_may_see(ROLE_COMMUNITY, 7, &o));
	assert_false(scope_may_see(ROLE_COMMUNITY, 8, &o));
	assert_true(scope_may_act(ROLE_COMMUNITY, 7, ORDER_ACTION_CONFIRM, &o));
	assert_true(scope_may_see(ROLE_DEPARTMENT, 3, &o));
	assert_false(scope_may_see(ROLE_DEPARTMENT, 4, &o));
	assert_true(scope_may_act(ROLE_DEPARTMENT, 3, ORDER_ACTION_CLAIM, &o));
	o.department_id = 0;
	assert_false(scope_may_see(ROLE_DEPARTMENT, 0, &o)); /* no department is nobody's */
}

static void
a_team_sees_what_was_offered_to_it_and_what_it_holds(void **state)
{
	struct scope_order offered = {.community_id = 1, .department_id = 2, .offered_to_caller = true};
	struct scope_order held = {.community_id = 1, .department_id = 2, .team_id = 5};
	struct scope_order other = {.community_id = 1, .department_id = 2, .team_id = 6};

	(void)state;
	assert_true(scope_may_see(ROLE_TEAM, 5, &offered));
	assert_true(scope_may_act(ROLE_TEAM, 5, ORDER_ACTION_ACCEPT, &offered));
	assert_false(scope_may_act(ROLE_TEAM, 5, ORDER_ACTION_START, &offered));
	assert_true(scope_may_see(ROLE_TEAM, 5, &held));
	assert_true(scope_may_act(ROLE_TEAM, 5, ORDER_ACTION_COMPLETE, &held));
	assert_false(scope_may_act(ROLE_TEAM, 5, ORDER_ACTION_ACCEPT, &held)); /* accepting needs an offer */
	assert_false(scope_may_see(ROLE_TEAM, 5, &other));
	assert_false(scope_may_act(ROLE_TEAM, 5, ORDER_ACTION_COMPLETE, &other));
}

static void
a_volunteer_sees_their_teams_orders_and_what_they_served_and_acts_on_none(void **state)
{
	struct scope_order in_team = {.community_id = 1, .team_id = 5, .caller_in_team = true};
	struct scope_order served = {.community_id = 1, .team_id = 6, .caller_has_record = true};
	struct scope_order neither = {.community_id = 1, .team_id = 6};

	(void)state;
	assert_true(scope_may_see(ROLE_VOLUNTEER, 9, &in_team));
	assert_true(scope_may_see(ROLE_VOLUNTEER, 9, &served));
	assert_false(scope_may_see(ROLE_VOLUNTEER, 9, &neither));
	for (int a = 0; a < ORDER_ACTION_COUNT; a++)
		assert_false(scope_may_act(ROLE_VOLUNTEER, 9, (enum order_action)a, &in_team));
}

static void
an_admin_sees_everything_and_acts_on_nothing(void **state)
{
	struct scope_order o = {.community_id = 1, .department_id = 2, .team_id = 3};

	(void)state;
	assert_true(scope_may_see(ROLE_ADMIN, 0, &o));
	for (int a = 0; a < ORDER_ACTION_COUNT; a++)
		assert_false(scope_may_act(ROLE_ADMIN, 0, (enum order_action)a, &o));
	assert_false(scope_may_see(ROLE_RESIDENT, 0, &o));
	assert_false(scope_may_see(ROLE_SYSTEM, 0, &o));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(community_and_department_see_and_act_on_their_own_only),
	    cmocka_unit_test(a_team_sees_what_was_offered_to_it_and_what_it_holds),
	    cmocka_unit_test(a_volunteer_sees_their_teams_orders_and_what_they_served_and_acts_on_none),
	    cmocka_unit_test(an_admin_sees_everything_and_acts_on_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
