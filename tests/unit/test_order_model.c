/* test_order_model: the ordering model checked against a table written independently here —
 * every (state, action, role) combination — plus names, actions_for and refusal reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "order_model.h"

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Everything the model allows, from docs/ARCHITECTURE.md; any combination not listed must be refused. */
struct allowed {
	enum order_action action;
	enum order_state from;
	enum user_role role;
	enum order_state to;
};

static const struct allowed expected_allowed[] = {
    {ORDER_ACTION_DISPATCH, ORDER_SUBMITTED, ROLE_COMMUNITY, ORDER_DISPATCHED},
    {ORDER_ACTION_REJECT, ORDER_SUBMITTED, ROLE_COMMUNITY, ORDER_REJECTED},
    {ORDER_ACTION_CLAIM, ORDER_DISPATCHED, ROLE_DEPARTMENT, ORDER_CLAIMED},
    {ORDER_ACTION_RETURN, ORDER_DISPATCHED, ROLE_DEPARTMENT, ORDER_SUBMITTED},
    {ORDER_ACTION_RETURN, ORDER_CLAIMED, ROLE_DEPARTMENT, ORDER_SUBMITTED},
    {ORDER_ACTION_OFFER, ORDER_CLAIMED, ROLE_DEPARTMENT, ORDER_CLAIMED},
    {ORDER_ACTION_ACCEPT, ORDER_CLAIMED, ROLE_TEAM, ORDER_ACCEPTED},
    {ORDER_ACTION_WITHDRAW, ORDER_ACCEPTED, ROLE_TEAM, ORDER_CLAIMED},
    {ORDER_ACTION_START, ORDER_ACCEPTED, ROLE_TEAM, ORDER_IN_PROGRESS},
    {ORDER_ACTION_COMPLETE, ORDER_IN_PROGRESS, ROLE_TEAM, ORDER_COMPLETED},
    {ORDER_ACTION_CONFIRM, ORDER_COMPLETED, ROLE_COMMUNITY, ORDER_CLOSED},
    {ORDER_ACTION_CANCEL, ORDER_SUBMITTED, ROLE_RESIDENT, ORDER_CANCELLED},
    {ORDER_ACTION_CANCEL, ORDER_DISPATCHED, ROLE_RESIDENT, ORDER_CANCELLED},
    {ORDER_ACTION_CANCEL, ORDER_CLAIMED, ROLE_RESIDENT, ORDER_CANCELLED},
    {ORDER_ACTION_CANCEL, ORDER_WAITLISTED, ROLE_RESIDENT, ORDER_CANCELLED},
    {ORDER_ACTION_EVALUATE, ORDER_COMPLETED, ROLE_RESIDENT, ORDER_COMPLETED},
    {ORDER_ACTION_EVALUATE, ORDER_CLOSED, ROLE_RESIDENT, ORDER_CLOSED},
    {ORDER_ACTION_ESCALATE, ORDER_SUBMITTED, ROLE_SYSTEM, ORDER_SUBMITTED},
    {ORDER_ACTION_ESCALATE, ORDER_DISPATCHED, ROLE_SYSTEM, ORDER_DISPATCHED},
    {ORDER_ACTION_ESCALATE, ORDER_CLAIMED, ROLE_SYSTEM, ORDER_CLAIMED},
    {ORDER_ACTION_ESCALATE, ORDER_ACCEPTED, ROLE_SYSTEM, ORDER_ACCEPTED},
    {ORDER_ACTION_ESCALATE, ORDER_IN_PROGRESS, ROLE_SYSTEM, ORDER_IN_PROGRESS},
    {ORDER_ACTION_ESCALATE, ORDER_COMPLETED, ROLE_SYSTEM, ORDER_COMPLETED},
    {ORDER_ACTION_EXPIRE_CLAIM, ORDER_CLAIMED, ROLE_SYSTEM, ORDER_SUBMITTED},
    {ORDER_ACTION_EXPIRE_ACCEPT, ORDER_ACCEPTED, ROLE_SYSTEM, ORDER_CLAIMED},
    {ORDER_ACTION_DISPUTE, ORDER_COMPLETED, ROLE_COMMUNITY, ORDER_IN_PROGRESS},
    {ORDER_ACTION_MERGE, ORDER_SUBMITTED, ROLE_COMMUNITY, ORDER_MERGED},
    {ORDER_ACTION_PROMOTE, ORDER_WAITLISTED, ROLE_SYSTEM, ORDER_ACCEPTED},
};

/* The wire names, written out here rather than read back from the module. */
static const char *const expected_state_names[ORDER_STATE_COUNT] = {
    "submitted",
    "dispatched",
    "claimed",
    "accepted",
    "in_progress",
    "completed",
    "closed",
    "rejected",
    "cancelled",
    "merged",
    "waitlisted",
};
static const char *const expected_action_names[ORDER_ACTION_COUNT] = {
    "submit",
    "dispatch",
    "reject",
    "claim",
    "return",
    "offer",
    "accept",
    "withdraw",
    "start",
    "complete",
    "confirm",
    "cancel",
    "evaluate",
    "escalate",
    "expire_claim",
    "expire_accept",
    "dispute",
    "merge",
    "promote",
};
static const char *const expected_role_names[ROLE_COUNT] = {
    "admin",
    "community",
    "department",
    "team",
    "volunteer",
    "resident",
    "system",
};

static const struct allowed *
find_allowed(enum order_action a, enum order_state s, enum user_role r)
{
	for (int i = 0; i < COUNT_OF(expected_allowed); i++) {
		const struct allowed *e = &expected_allowed[i];
		if (e->action == a && e->from == s && e->role == r)
			return e;
	}
	return NULL;
}

/* True when the expected table lets role r take action a from some state. */
static bool
role_takes_action_somewhere(enum order_action a, enum user_role r)
{
	for (int i = 0; i < COUNT_OF(expected_allowed); i++) {
		if (expected_allowed[i].action == a && expected_allowed[i].role == r)
			return true;
	}
	return false;
}

static const char *
refusal_name(enum order_refusal f)
{
	switch (f) {
	case ORDER_REFUSED_NONE: return "none";
	case ORDER_REFUSED_ROLE: return "role";
	case ORDER_REFUSED_STATE: return "state";
	}
	return "?";
}

/* Every one of the 10 × 18 × 7 combinations: allowed, target and refusal reason as expected. */
static void
every_combination_matches_expected_table(void **unused)
{
	(void)unused;
	int checked = 0;
	int allowed_count = 0;
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
			for (int r = 0; r < ROLE_COUNT; r++) {
				const struct allowed *e = find_allowed(a, s, r);
				bool allowed = order_action_allowed(a, s, r);
				enum order_refusal got = order_action_check(a, s, r);
				enum order_refusal want = e != NULL     ? ORDER_REFUSED_NONE
				    : role_takes_action_somewhere(a, r) ? ORDER_REFUSED_STATE
				                                        : ORDER_REFUSED_ROLE;
				if (allowed != (e != NULL))
					fail_msg("%s from %s by %s: allowed=%d, expected %d", expected_action_names[a],
					    expected_state_names[s], expected_role_names[r], allowed, e != NULL);
				if (got != want)
					fail_msg("%s from %s by %s: refusal %s, expected %s", expected_action_names[a],
					    expected_state_names[s], expected_role_names[r], refusal_name(got),
					    refusal_name(want));
				if (e != NULL) {
					enum order_state to = order_action_target(a, s);
					if (to != e->to)
						fail_msg("%s from %s: target %s, expected %s", expected_action_names[a],
						    expected_state_names[s], expected_state_names[to],
						    expected_state_names[e->to]);
					allowed_count++;
				}
				checked++;
			}
		}
	}
	assert_int_equal(checked, 11 * 19 * 7);
	assert_int_equal(allowed_count, COUNT_OF(expected_allowed));
}

static void
accept_only_by_team_from_claimed(void **unused)
{
	(void)unused;
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		for (int r = 0; r < ROLE_COUNT; r++) {
			bool want = s == ORDER_CLAIMED && r == ROLE_TEAM;
			assert_int_equal(order_action_allowed(ORDER_ACTION_ACCEPT, s, r), want);
		}
	}
	assert_int_equal(order_action_target(ORDER_ACTION_ACCEPT, ORDER_CLAIMED), ORDER_ACCEPTED);
}

static void
submit_is_never_a_transition(void **unused)
{
	(void)unused;
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		for (int r = 0; r < ROLE_COUNT; r++) {
			assert_false(order_action_allowed(ORDER_ACTION_SUBMIT, s, r));
			assert_int_equal(order_action_check(ORDER_ACTION_SUBMIT, s, r), ORDER_REFUSED_ROLE);
		}
	}
}

static void
admin_and_volunteer_take_no_action(void **unused)
{
	(void)unused;
	enum order_action out[ORDER_ACTION_COUNT];
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		assert_int_equal(order_actions_for(s, ROLE_ADMIN, out, ORDER_ACTION_COUNT), 0);
		assert_int_equal(order_actions_for(s, ROLE_VOLUNTEER, out, ORDER_ACTION_COUNT), 0);
		for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
			assert_int_equal(order_action_check(a, s, ROLE_ADMIN), ORDER_REFUSED_ROLE);
			assert_int_equal(order_action_check(a, s, ROLE_VOLUNTEER), ORDER_REFUSED_ROLE);
		}
	}
}

static void
cancel_by_resident_until_accepted(void **unused)
{
	(void)unused;
	assert_true(order_action_allowed(ORDER_ACTION_CANCEL, ORDER_SUBMITTED, ROLE_RESIDENT));
	assert_true(order_action_allowed(ORDER_ACTION_CANCEL, ORDER_DISPATCHED, ROLE_RESIDENT));
	assert_true(order_action_allowed(ORDER_ACTION_CANCEL, ORDER_CLAIMED, ROLE_RESIDENT));
	assert_int_equal(order_action_check(ORDER_ACTION_CANCEL, ORDER_ACCEPTED, ROLE_RESIDENT), ORDER_REFUSED_STATE);
	assert_int_equal(
	    order_action_check(ORDER_ACTION_CANCEL, ORDER_IN_PROGRESS, ROLE_RESIDENT), ORDER_REFUSED_STATE);
	assert_int_equal(order_action_target(ORDER_ACTION_CANCEL, ORDER_CLAIMED), ORDER_CANCELLED);
}

/* A booking from the service menu may be cancelled by its resident while accepted or waiting; no
 * one else gains anything, and other states stay refused. */
static void
booking_cancel_by_resident_while_accepted_or_waiting(void **unused)
{
	(void)unused;
	assert_int_equal(order_booking_check(ORDER_ACTION_CANCEL, ORDER_ACCEPTED, ROLE_RESIDENT), ORDER_REFUSED_NONE);
	assert_int_equal(order_booking_check(ORDER_ACTION_CANCEL, ORDER_WAITLISTED, ROLE_RESIDENT), ORDER_REFUSED_NONE);
	assert_int_equal(
	    order_booking_check(ORDER_ACTION_CANCEL, ORDER_IN_PROGRESS, ROLE_RESIDENT), ORDER_REFUSED_STATE);
	assert_int_equal(order_booking_check(ORDER_ACTION_CANCEL, ORDER_ACCEPTED, ROLE_TEAM), ORDER_REFUSED_ROLE);
	assert_int_equal(order_booking_check(ORDER_ACTION_START, ORDER_ACCEPTED, ROLE_TEAM), ORDER_REFUSED_NONE);
	assert_int_equal(order_action_check(ORDER_ACTION_PROMOTE, ORDER_WAITLISTED, ROLE_RESIDENT), ORDER_REFUSED_ROLE);
}

static void
return_by_department_from_dispatched_or_claimed_goes_to_submitted(void **unused)
{
	(void)unused;
	assert_int_equal(order_action_target(ORDER_ACTION_RETURN, ORDER_DISPATCHED), ORDER_SUBMITTED);
	assert_int_equal(order_action_target(ORDER_ACTION_RETURN, ORDER_CLAIMED), ORDER_SUBMITTED);
	assert_int_equal(order_action_check(ORDER_ACTION_RETURN, ORDER_ACCEPTED, ROLE_DEPARTMENT), ORDER_REFUSED_STATE);
	assert_int_equal(order_action_check(ORDER_ACTION_RETURN, ORDER_CLAIMED, ROLE_TEAM), ORDER_REFUSED_ROLE);
}

static void
escalate_by_system_in_every_open_state_keeps_state(void **unused)
{
	(void)unused;
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		/* A waiting list has no deadline: a booking waits for a place, not for anyone to act. */
		bool open = !order_state_is_terminal(s) && s != ORDER_WAITLISTED;
		assert_int_equal(order_action_allowed(ORDER_ACTION_ESCALATE, s, ROLE_SYSTEM), open);
		if (open)
			assert_int_equal(order_action_target(ORDER_ACTION_ESCALATE, s), s);
	}
	assert_int_equal(order_action_check(ORDER_ACTION_ESCALATE, ORDER_SUBMITTED, ROLE_ADMIN), ORDER_REFUSED_ROLE);
}

static void
offer_evaluate_escalate_keep_state_and_nothing_else_does(void **unused)
{
	(void)unused;
	for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
		bool want = a == ORDER_ACTION_OFFER || a == ORDER_ACTION_EVALUATE || a == ORDER_ACTION_ESCALATE;
		assert_int_equal(order_action_keeps_state(a), want);
	}
	assert_int_equal(order_action_target(ORDER_ACTION_OFFER, ORDER_CLAIMED), ORDER_CLAIMED);
	assert_int_equal(order_action_target(ORDER_ACTION_EVALUATE, ORDER_COMPLETED), ORDER_COMPLETED);
	assert_int_equal(order_action_target(ORDER_ACTION_EVALUATE, ORDER_CLOSED), ORDER_CLOSED);
}

static void
terminal_states_allow_nothing_but_evaluate_on_closed(void **unused)
{
	(void)unused;
	const enum order_state terminal[] = {ORDER_CLOSED, ORDER_REJECTED, ORDER_CANCELLED, ORDER_MERGED};
	for (int i = 0; i < COUNT_OF(terminal); i++) {
		for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
			for (int r = 0; r < ROLE_COUNT; r++) {
				bool want =
				    terminal[i] == ORDER_CLOSED && a == ORDER_ACTION_EVALUATE && r == ROLE_RESIDENT;
				assert_int_equal(order_action_allowed(a, terminal[i], r), want);
			}
		}
	}
}

static void
terminal_states_are_closed_rejected_cancelled(void **unused)
{
	(void)unused;
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		bool want = s == ORDER_CLOSED || s == ORDER_REJECTED || s == ORDER_CANCELLED || s == ORDER_MERGED;
		assert_int_equal(order_state_is_terminal(s), want);
	}
}

static void
refusal_is_role_when_role_never_takes_action(void **unused)
{
	(void)unused;
	/* A team asking to dispatch gets 403 whatever the state, even the one dispatch starts from. */
	assert_int_equal(order_action_check(ORDER_ACTION_DISPATCH, ORDER_SUBMITTED, ROLE_TEAM), ORDER_REFUSED_ROLE);
	assert_int_equal(order_action_check(ORDER_ACTION_DISPATCH, ORDER_CLOSED, ROLE_TEAM), ORDER_REFUSED_ROLE);
	assert_int_equal(order_action_check(ORDER_ACTION_CONFIRM, ORDER_COMPLETED, ROLE_RESIDENT), ORDER_REFUSED_ROLE);
}

static void
refusal_is_state_when_role_takes_action_elsewhere(void **unused)
{
	(void)unused;
	/* The second team to press accept finds the order accepted: 409, not 403. */
	assert_int_equal(order_action_check(ORDER_ACTION_ACCEPT, ORDER_ACCEPTED, ROLE_TEAM), ORDER_REFUSED_STATE);
	assert_int_equal(
	    order_action_check(ORDER_ACTION_EVALUATE, ORDER_SUBMITTED, ROLE_RESIDENT), ORDER_REFUSED_STATE);
	assert_int_equal(order_action_check(ORDER_ACTION_CONFIRM, ORDER_CLOSED, ROLE_COMMUNITY), ORDER_REFUSED_STATE);
}

static void
reason_needed_for_reject_return_withdraw_only(void **unused)
{
	(void)unused;
	for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
		bool want = a == ORDER_ACTION_REJECT || a == ORDER_ACTION_RETURN || a == ORDER_ACTION_WITHDRAW ||
		    a == ORDER_ACTION_DISPUTE;
		assert_int_equal(order_action_needs_reason(a), want);
	}
}

static void
state_names_round_trip(void **unused)
{
	(void)unused;
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		enum order_state back = ORDER_STATE_COUNT;
		assert_string_equal(order_state_name(s), expected_state_names[s]);
		assert_true(order_state_from_name(expected_state_names[s], &back));
		assert_int_equal(back, s);
	}
}

static void
action_names_round_trip(void **unused)
{
	(void)unused;
	for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
		enum order_action back = ORDER_ACTION_COUNT;
		assert_string_equal(order_action_name(a), expected_action_names[a]);
		assert_true(order_action_from_name(expected_action_names[a], &back));
		assert_int_equal(back, a);
	}
}

static void
role_names_round_trip(void **unused)
{
	(void)unused;
	for (int r = 0; r < ROLE_COUNT; r++) {
		enum user_role back = ROLE_COUNT;
		assert_string_equal(user_role_name(r), expected_role_names[r]);
		assert_true(user_role_from_name(expected_role_names[r], &back));
		assert_int_equal(back, r);
	}
}

/* Names no lookup may accept: absent, empty, unknown, and near misses of real names. */
static const char *const bad_names[] = {
    "",
    "unknown",
    "Submitted",
    "submitted ",
    " submitted",
    "submitte",
    "submittedx",
    "SUBMITTED",
    "in-progress",
    "In_Progress",
    "in progress",
    "Submit",
    "submit ",
    "DISPATCH",
    "escalated",
    "Team",
    "admin\n",
    "resident\t",
    "volunteers",
    "sys",
    "cancel\x01",
    "closed\xe2\x80\x8b",
};

static void
unknown_empty_and_near_miss_names_rejected(void **unused)
{
	(void)unused;
	for (int i = 0; i < COUNT_OF(bad_names); i++) {
		enum order_state s = ORDER_CLOSED;
		enum order_action a = ORDER_ACTION_ESCALATE;
		enum user_role r = ROLE_SYSTEM;
		if (order_state_from_name(bad_names[i], &s) || order_action_from_name(bad_names[i], &a) ||
		    user_role_from_name(bad_names[i], &r))
			fail_msg("accepted bad name \"%s\"", bad_names[i]);
		/* A refused lookup leaves the output alone. */
		assert_int_equal(s, ORDER_CLOSED);
		assert_int_equal(a, ORDER_ACTION_ESCALATE);
		assert_int_equal(r, ROLE_SYSTEM);
	}
}

static void
null_names_rejected(void **unused)
{
	(void)unused;
	enum order_state s;
	enum order_action a;
	enum user_role r;
	assert_false(order_state_from_name(NULL, &s));
	assert_false(order_action_from_name(NULL, &a));
	assert_false(user_role_from_name(NULL, &r));
}

static void
names_of_out_of_range_values_are_unknown(void **unused)
{
	(void)unused;
	assert_string_equal(order_state_name(ORDER_STATE_COUNT), "unknown");
	assert_string_equal(order_state_name((enum order_state) - 1), "unknown");
	assert_string_equal(order_action_name(ORDER_ACTION_COUNT), "unknown");
	assert_string_equal(user_role_name(ROLE_COUNT), "unknown");
}

static void
out_of_range_values_are_refused(void **unused)
{
	(void)unused;
	assert_false(order_action_allowed(ORDER_ACTION_COUNT, ORDER_SUBMITTED, ROLE_COMMUNITY));
	assert_false(order_action_allowed(ORDER_ACTION_DISPATCH, ORDER_STATE_COUNT, ROLE_COMMUNITY));
	assert_false(order_action_allowed(ORDER_ACTION_DISPATCH, ORDER_SUBMITTED, ROLE_COUNT));
	assert_false(order_action_allowed(ORDER_ACTION_DISPATCH, (enum order_state) - 1, ROLE_COMMUNITY));
	assert_int_equal(order_action_check(ORDER_ACTION_COUNT, ORDER_SUBMITTED, ROLE_COMMUNITY), ORDER_REFUSED_ROLE);
	assert_int_equal(order_action_check(ORDER_ACTION_DISPATCH, ORDER_SUBMITTED, ROLE_COUNT), ORDER_REFUSED_ROLE);
	assert_int_equal(order_action_target(ORDER_ACTION_COUNT, ORDER_CLAIMED), ORDER_CLAIMED);
	assert_false(order_action_needs_reason(ORDER_ACTION_COUNT));
	assert_false(order_action_keeps_state(ORDER_ACTION_COUNT));
}

static void
actions_for_department_in_claimed_are_return_and_offer(void **unused)
{
	(void)unused;
	enum order_action out[ORDER_ACTION_COUNT];
	assert_int_equal(order_actions_for(ORDER_CLAIMED, ROLE_DEPARTMENT, out, COUNT_OF(out)), 2);
	assert_int_equal(out[0], ORDER_ACTION_RETURN);
	assert_int_equal(out[1], ORDER_ACTION_OFFER);
}

static void
actions_for_team_in_accepted_are_withdraw_and_start(void **unused)
{
	(void)unused;
	enum order_action out[ORDER_ACTION_COUNT];
	assert_int_equal(order_actions_for(ORDER_ACCEPTED, ROLE_TEAM, out, COUNT_OF(out)), 2);
	assert_int_equal(out[0], ORDER_ACTION_WITHDRAW);
	assert_int_equal(out[1], ORDER_ACTION_START);
}

static void
actions_for_community_in_submitted_are_dispatch_reject_and_merge(void **unused)
{
	(void)unused;
	enum order_action out[ORDER_ACTION_COUNT];
	assert_int_equal(order_actions_for(ORDER_SUBMITTED, ROLE_COMMUNITY, out, COUNT_OF(out)), 3);
	assert_int_equal(out[0], ORDER_ACTION_DISPATCH);
	assert_int_equal(out[1], ORDER_ACTION_REJECT);
	assert_int_equal(out[2], ORDER_ACTION_MERGE);
}

static void
actions_for_resident_in_closed_is_evaluate_only(void **unused)
{
	(void)unused;
	enum order_action out[ORDER_ACTION_COUNT];
	assert_int_equal(order_actions_for(ORDER_CLOSED, ROLE_RESIDENT, out, COUNT_OF(out)), 1);
	assert_int_equal(out[0], ORDER_ACTION_EVALUATE);
	assert_int_equal(order_actions_for(ORDER_REJECTED, ROLE_RESIDENT, out, COUNT_OF(out)), 0);
}

static void
actions_for_stops_at_max(void **unused)
{
	(void)unused;
	enum order_action out[3] = {ORDER_ACTION_COUNT, ORDER_ACTION_COUNT, ORDER_ACTION_COUNT};
	assert_int_equal(order_actions_for(ORDER_CLAIMED, ROLE_DEPARTMENT, out, 1), 1);
	assert_int_equal(out[0], ORDER_ACTION_RETURN);
	assert_int_equal(out[1], ORDER_ACTION_COUNT); /* nothing written past max */
	assert_int_equal(order_actions_for(ORDER_CLAIMED, ROLE_DEPARTMENT, out, 0), 0);
	assert_int_equal(order_actions_for(ORDER_CLAIMED, ROLE_DEPARTMENT, out, -1), 0);
	assert_int_equal(order_actions_for(ORDER_CLAIMED, ROLE_DEPARTMENT, NULL, 3), 0);
	assert_int_equal(out[0], ORDER_ACTION_RETURN);
}

/* For every (state, role): exactly the expected actions, in enum (table) order. */
static void
actions_for_lists_exactly_the_allowed_actions_in_order(void **unused)
{
	(void)unused;
	for (int s = 0; s < ORDER_STATE_COUNT; s++) {
		for (int r = 0; r < ROLE_COUNT; r++) {
			enum order_action out[ORDER_ACTION_COUNT];
			int n = order_actions_for(s, r, out, COUNT_OF(out));
			int i = 0;
			for (int a = 0; a < ORDER_ACTION_COUNT; a++) {
				if (find_allowed(a, s, r) == NULL)
					continue;
				assert_true(i < n);
				assert_int_equal(out[i], a);
				i++;
			}
			assert_int_equal(n, i);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_combination_matches_expected_table),
	    cmocka_unit_test(accept_only_by_team_from_claimed),
	    cmocka_unit_test(submit_is_never_a_transition),
	    cmocka_unit_test(admin_and_volunteer_take_no_action),
	    cmocka_unit_test(cancel_by_resident_until_accepted),
	    cmocka_unit_test(booking_cancel_by_resident_while_accepted_or_waiting),
	    cmocka_unit_test(return_by_department_from_dispatched_or_claimed_goes_to_submitted),
	    cmocka_unit_test(escalate_by_system_in_every_open_state_keeps_state),
	    cmocka_unit_test(offer_evaluate_escalate_keep_state_and_nothing_else_does),
	    cmocka_unit_test(terminal_states_allow_nothing_but_evaluate_on_closed),
	    cmocka_unit_test(terminal_states_are_closed_rejected_cancelled),
	    cmocka_unit_test(refusal_is_role_when_role_never_takes_action),
	    cmocka_unit_test(refusal_is_state_when_role_takes_action_elsewhere),
	    cmocka_unit_test(reason_needed_for_reject_return_withdraw_only),
	    cmocka_unit_test(state_names_round_trip),
	    cmocka_unit_test(action_names_round_trip),
	    cmocka_unit_test(role_names_round_trip),
	    cmocka_unit_test(unknown_empty_and_near_miss_names_rejected),
	    cmocka_unit_test(null_names_rejected),
	    cmocka_unit_test(names_of_out_of_range_values_are_unknown),
	    cmocka_unit_test(out_of_range_values_are_refused),
	    cmocka_unit_test(actions_for_department_in_claimed_are_return_and_offer),
	    cmocka_unit_test(actions_for_team_in_accepted_are_withdraw_and_start),
	    cmocka_unit_test(actions_for_community_in_submitted_are_dispatch_reject_and_merge),
	    cmocka_unit_test(actions_for_resident_in_closed_is_evaluate_only),
	    cmocka_unit_test(actions_for_stops_at_max),
	    cmocka_unit_test(actions_for_lists_exactly_the_allowed_actions_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
