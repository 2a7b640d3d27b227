/* order_model: the ordering model (docs/ARCHITECTURE.md) as one table. Every question the rest of the
 * server asks about transitions (may this role do this, from here, and where does it lead) is
 * answered by reading order_rules[]; nothing else encodes the model. */
#include "order_model.h"

#include <stddef.h>
#include <string.h>

#define STATE_BIT(s) (1u << (s))

_Static_assert(ORDER_STATE_COUNT <= 32, "state bitmask must fit in unsigned");
_Static_assert(ROLE_COUNT <= 32, "role bitmask must fit in unsigned");

/* Every state an order can still move out of: escalate applies to all of them. */
#define NON_TERMINAL_STATES                                                                                            \
	(STATE_BIT(ORDER_SUBMITTED) | STATE_BIT(ORDER_DISPATCHED) | STATE_BIT(ORDER_CLAIMED) |                         \
	    STATE_BIT(ORDER_ACCEPTED) | STATE_BIT(ORDER_IN_PROGRESS) | STATE_BIT(ORDER_COMPLETED))

/* The to-state of an action that leaves the order where it is. */
#define SAME_STATE ORDER_STATE_COUNT

struct order_rule {
	unsigned from_states; /* STATE_BITs the action may start from */
	enum order_state to; /* where it leads, or SAME_STATE */
	unsigned roles; /* ROLE_BITs that may take it */
	bool needs_reason; /* the actor must say why */
};

#define COMMUNITY ROLE_BIT(ROLE_COMMUNITY)
#define DEPARTMENT ROLE_BIT(ROLE_DEPARTMENT)
#define TEAM ROLE_BIT(ROLE_TEAM)
#define RESIDENT ROLE_BIT(ROLE_RESIDENT)
#define SYSTEM ROLE_BIT(ROLE_SYSTEM)

/* The model, one row per action: {from states, to state, roles, needs a reason}.
 * Admin and volunteer appear in no row: they only read. */
static const struct order_rule order_rules[] = {
    /* Creating an order is not a transition: orders_submit inserts it in state submitted and
	 * names the first audit event "submit". No from-state, no role. */
    [ORDER_ACTION_SUBMIT] = {0, ORDER_SUBMITTED, 0, false},
    [ORDER_ACTION_DISPATCH] = {STATE_BIT(ORDER_SUBMITTED), ORDER_DISPATCHED, COMMUNITY, false},
    [ORDER_ACTION_REJECT] = {STATE_BIT(ORDER_SUBMITTED), ORDER_REJECTED, COMMUNITY, true},
    [ORDER_ACTION_CLAIM] = {STATE_BIT(ORDER_DISPATCHED), ORDER_CLAIMED, DEPARTMENT, false},
    [ORDER_ACTION_RETURN] = {STATE_BIT(ORDER_DISPATCHED) | STATE_BIT(ORDER_CLAIMED), ORDER_SUBMITTED, DEPARTMENT, true},
    /* Offering to teams (again, or to more of them) keeps the order claimed. */
    [ORDER_ACTION_OFFER] = {STATE_BIT(ORDER_CLAIMED), SAME_STATE, DEPARTMENT, false},
    [ORDER_ACTION_ACCEPT] = {STATE_BIT(ORDER_CLAIMED), ORDER_ACCEPTED, TEAM, false},
    [ORDER_ACTION_WITHDRAW] = {STATE_BIT(ORDER_ACCEPTED), ORDER_CLAIMED, TEAM, true},
    [ORDER_ACTION_START] = {STATE_BIT(ORDER_ACCEPTED), ORDER_IN_PROGRESS, TEAM, false},
    [ORDER_ACTION_COMPLETE] = {STATE_BIT(ORDER_IN_PROGRESS), ORDER_COMPLETED, TEAM, false},
    [ORDER_ACTION_CONFIRM] = {STATE_BIT(ORDER_COMPLETED), ORDER_CLOSED, COMMUNITY, false},
    /* A resident may cancel until a team has accepted. */
    [ORDER_ACTION_CANCEL] = {STATE_BIT(ORDER_SUBMITTED) | STATE_BIT(ORDER_DISPATCHED) | STATE_BIT(ORDER_CLAIMED) |
            STATE_BIT(ORDER_WAITLISTED),
        ORDER_CANCELLED, RESIDENT, false},
    /* 评单: once the work is done, before or after the community confirms. */
    [ORDER_ACTION_EVALUATE] = {STATE_BIT(ORDER_COMPLETED) | STATE_BIT(ORDER_CLOSED), SAME_STATE, RESIDENT, false},
    /* The deadline sweep marks an overdue order; the order stays where it is. */
    [ORDER_ACTION_ESCALATE] = {NON_TERMINAL_STATES, SAME_STATE, SYSTEM, false},
    /* Stale work released by the sweep (server/stale_work.c): a claim never offered goes back to the
	 * community's queue; an acceptance never started goes back to the department's other offers. */
    [ORDER_ACTION_EXPIRE_CLAIM] = {STATE_BIT(ORDER_CLAIMED), ORDER_SUBMITTED, SYSTEM, false},
    [ORDER_ACTION_EXPIRE_ACCEPT] = {STATE_BIT(ORDER_ACCEPTED), ORDER_CLAIMED, SYSTEM, false},
    /* Hours questioned at confirmation: back to the team, which corrects and completes again. */
    [ORDER_ACTION_DISPUTE] = {STATE_BIT(ORDER_COMPLETED), ORDER_IN_PROGRESS, COMMUNITY, true},
    /* A duplicate, before it is dispatched, joins an earlier order of the community; the earlier one
	 * gets a "merged_in" event (not an action: nothing is asked of anyone). */
    [ORDER_ACTION_MERGE] = {STATE_BIT(ORDER_SUBMITTED), ORDER_MERGED, COMMUNITY, false},
    /* A booking on the service menu's waiting list gets the place a cancellation freed, in the
	 * cancellation's statement (menu_cancel.c). */
    [ORDER_ACTION_PROMOTE] = {STATE_BIT(ORDER_WAITLISTED), ORDER_ACCEPTED, SYSTEM, false},
};
_Static_assert(
    sizeof order_rules / sizeof order_rules[0] == ORDER_ACTION_COUNT, "order_rules must have one row per order_action");

static const char *const order_state_names[] = {
    [ORDER_SUBMITTED] = "submitted",
    [ORDER_DISPATCHED] = "dispatched",
    [ORDER_CLAIMED] = "claimed",
    [ORDER_ACCEPTED] = "accepted",
    [ORDER_IN_PROGRESS] = "in_progress",
    [ORDER_COMPLETED] = "completed",
    [ORDER_CLOSED] = "closed",
    [ORDER_REJECTED] = "rejected",
    [ORDER_CANCELLED] = "cancelled",
    [ORDER_MERGED] = "merged",
    [ORDER_WAITLISTED] = "waitlisted",
};
_Static_assert(sizeof order_state_names / sizeof order_state_names[0] == ORDER_STATE_COUNT,
    "order_state_names must name every order_state");

static const char *const order_action_names[] = {
    [ORDER_ACTION_SUBMIT] = "submit",
    [ORDER_ACTION_DISPATCH] = "dispatch",
    [ORDER_ACTION_REJECT] = "reject",
    [ORDER_ACTION_CLAIM] = "claim",
    [ORDER_ACTION_RETURN] = "return",
    [ORDER_ACTION_OFFER] = "offer",
    [ORDER_ACTION_ACCEPT] = "accept",
    [ORDER_ACTION_WITHDRAW] = "withdraw",
    [ORDER_ACTION_START] = "start",
    [ORDER_ACTION_COMPLETE] = "complete",
    [ORDER_ACTION_CONFIRM] = "confirm",
    [ORDER_ACTION_CANCEL] = "cancel",
    [ORDER_ACTION_EVALUATE] = "evaluate",
    [ORDER_ACTION_ESCALATE] = "escalate",
    [ORDER_ACTION_EXPIRE_CLAIM] = "expire_claim",
    [ORDER_ACTION_EXPIRE_ACCEPT] = "expire_accept",
    [ORDER_ACTION_DISPUTE] = "dispute",
    [ORDER_ACTION_MERGE] = "merge",
    [ORDER_ACTION_PROMOTE] = "promote",
};
_Static_assert(sizeof order_action_names / sizeof order_action_names[0] == ORDER_ACTION_COUNT,
    "order_action_names must name every order_action");

static const char *const user_role_names[] = {
    [ROLE_ADMIN] = "admin",
    [ROLE_COMMUNITY] = "community",
    [ROLE_DEPARTMENT] = "department",
    [ROLE_TEAM] = "team",
    [ROLE_VOLUNTEER] = "volunteer",
    [ROLE_RESIDENT] = "resident",
    [ROLE_SYSTEM] = "system",
};
_Static_assert(
    sizeof user_role_names / sizeof user_role_names[0] == ROLE_COUNT, "user_role_names must name every user_role");

/* Index of name in names[0..count), or -1. */
static int
name_index(const char *const *names, int count, const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < count; i++) {
		if (strcmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

/* Callers pass enums, but an enum can hold any int: every lookup checks its range first. */
static bool
state_valid(enum order_state s)
{
	return (int)s >= 0 && (int)s < ORDER_STATE_COUNT;
}

static bool
action_valid(enum order_action a)
{
	return (int)a >= 0 && (int)a < ORDER_ACTION_COUNT;
}

static bool
role_valid(enum user_role r)
{
	return (int)r >= 0 && (int)r < ROLE_COUNT;
}

const char *
order_state_name(enum order_state s)
{
	return state_valid(s) ? order_state_names[s] : "unknown";
}

bool
order_state_from_name(const char *name, enum order_state *out)
{
	int i = name_index(order_state_names, ORDER_STATE_COUNT, name);
	if (i < 0)
		return false;
	*out = (enum order_state)i;
	return true;
}

const char *
order_action_name(enum order_action a)
{
	return action_valid(a) ? order_action_names[a] : "unknown";
}

bool
order_action_from_name(const char *name, enum order_action *out)
{
	int i = name_index(order_action_names, ORDER_ACTION_COUNT, name);
	if (i < 0)
		return false;
	*out = (enum order_action)i;
	return true;
}

const char *
user_role_name(enum user_role r)
{
	return role_valid(r) ? user_role_names[r] : "unknown";
}

bool
user_role_from_name(const char *name, enum user_role *out)
{
	int i = name_index(user_role_names, ROLE_COUNT, name);
	if (i < 0)
		return false;
	*out = (enum user_role)i;
	return true;
}

enum order_refusal
order_action_check(enum order_action a, enum order_state from, enum user_role role)
{
	if (!action_valid(a) || !role_valid(role))
		return ORDER_REFUSED_ROLE;
	const struct order_rule *rule = &order_rules[a];
	if ((rule->roles & ROLE_BIT(role)) == 0)
		return ORDER_REFUSED_ROLE;
	if (!state_valid(from) || (rule->from_states & STATE_BIT(from)) == 0)
		return ORDER_REFUSED_STATE;
	return ORDER_REFUSED_NONE;
}

enum order_refusal
order_booking_check(enum order_action a, enum order_state from, enum user_role role)
{
	if (a == ORDER_ACTION_CANCEL && from == ORDER_ACCEPTED && role == ROLE_RESIDENT)
		return ORDER_REFUSED_NONE;
	return order_action_check(a, from, role);
}

bool
order_action_allowed(enum order_action a, enum order_state from, enum user_role role)
{
	return order_action_check(a, from, role) == ORDER_REFUSED_NONE;
}

enum order_state
order_action_target(enum order_action a, enum order_state from)
{
	if (!action_valid(a) || !state_valid(from))
		return from;
	const struct order_rule *rule = &order_rules[a];
	if (rule->to == SAME_STATE || (rule->from_states & STATE_BIT(from)) == 0)
		return from;
	return rule->to;
}

int
order_actions_for(enum order_state s, enum user_role role, enum order_action *out, int max)
{
	int n = 0;
	if (out == NULL)
		return 0;
	for (int a = 0; a < ORDER_ACTION_COUNT && n < max; a++) {
		if (order_action_allowed((enum order_action)a, s, role))
			out[n++] = (enum order_action)a;
	}
	return n;
}

bool
order_state_is_terminal(enum order_state s)
{
	return s == ORDER_CLOSED || s == ORDER_REJECTED || s == ORDER_CANCELLED || s == ORDER_MERGED;
}

bool
order_action_needs_reason(enum order_action a)
{
	return action_valid(a) && order_rules[a].needs_reason;
}

bool
order_action_keeps_state(enum order_action a)
{
	return action_valid(a) && order_rules[a].to == SAME_STATE;
}
