/* order_model: the ordering model (docs/ARCHITECTURE.md, "The ordering model") as one table — which role may take which action
 * from which state, and where it leads. Pure: no I/O, no allocation; every name returned is static. */
#ifndef PAIDAN_ORDER_MODEL_H
#define PAIDAN_ORDER_MODEL_H

#include <stdbool.h>

enum order_state {
	ORDER_SUBMITTED,
	ORDER_DISPATCHED,
	ORDER_CLAIMED,
	ORDER_ACCEPTED,
	ORDER_IN_PROGRESS,
	ORDER_COMPLETED,
	ORDER_CLOSED,
	ORDER_REJECTED,
	ORDER_CANCELLED,
	ORDER_MERGED, /* a duplicate merged into an earlier order (order_merge.c): terminal */
	ORDER_WAITLISTED, /* a booking from the service menu waiting for a place (menu_book.c) */
	ORDER_STATE_COUNT
};

enum order_action {
	ORDER_ACTION_SUBMIT, /* names the first audit event only; never a transition */
	ORDER_ACTION_DISPATCH,
	ORDER_ACTION_REJECT,
	ORDER_ACTION_CLAIM,
	ORDER_ACTION_RETURN,
	ORDER_ACTION_OFFER,
	ORDER_ACTION_ACCEPT,
	ORDER_ACTION_WITHDRAW,
	ORDER_ACTION_START,
	ORDER_ACTION_COMPLETE,
	ORDER_ACTION_CONFIRM,
	ORDER_ACTION_CANCEL,
	ORDER_ACTION_EVALUATE,
	ORDER_ACTION_ESCALATE,
	ORDER_ACTION_EXPIRE_CLAIM, /* the sweep: claimed, never offered past its offer deadline → submitted */
	ORDER_ACTION_EXPIRE_ACCEPT, /* the sweep: accepted, not started past its deadline → claimed */
	ORDER_ACTION_DISPUTE, /* the community sends a completed order back: hours questioned */
	ORDER_ACTION_MERGE, /* the community merges a duplicate into an earlier order (order_merge.c) */
	ORDER_ACTION_PROMOTE, /* a booking's place came free: waitlisted → accepted (menu_cancel.c) */
	ORDER_ACTION_COUNT
};

enum user_role {
	ROLE_ADMIN,
	ROLE_COMMUNITY,
	ROLE_DEPARTMENT,
	ROLE_TEAM,
	ROLE_VOLUNTEER,
	ROLE_RESIDENT,
	ROLE_SYSTEM,
	ROLE_COUNT
};

/* Roles as bits of a mask (route tables, the model's rules). */
#define ROLE_BIT(role) (1u << (role))
#define ROLES_STAFF (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_COMMUNITY) | ROLE_BIT(ROLE_DEPARTMENT))
#define ROLES_ANY_USER (ROLES_STAFF | ROLE_BIT(ROLE_TEAM) | ROLE_BIT(ROLE_VOLUNTEER))

/* Why order_action_check refused; the HTTP layer maps ROLE to 403 and STATE to 409. */
enum order_refusal {
	ORDER_REFUSED_NONE, /* allowed */
	ORDER_REFUSED_ROLE, /* the role may not take this action from any state */
	ORDER_REFUSED_STATE, /* the role may take this action, but not from this state */
};

/* The state's wire name ("submitted", "in_progress", …); "unknown" for a value outside the enum. */
const char *order_state_name(enum order_state s);
/* Sets *out to the state named exactly name (case and spaces matter); false for NULL or no match. */
bool order_state_from_name(const char *name, enum order_state *out);
/* The action's wire name ("dispatch", "claim", …); "unknown" for a value outside the enum. */
const char *order_action_name(enum order_action a);
/* Sets *out to the action named exactly name; false for NULL or no match. */
bool order_action_from_name(const char *name, enum order_action *out);
/* The role's wire name ("admin", "team", …); "unknown" for a value outside the enum. */
const char *user_role_name(enum user_role r);
/* Sets *out to the role named exactly name; false for NULL or no match. */
bool user_role_from_name(const char *name, enum user_role *out);

/* True when role may take action a on an order in state from. Always false for submit. */
bool order_action_allowed(enum order_action a, enum order_state from, enum user_role role);
/* The state an allowed action leads to (the same state for offer, evaluate, escalate). Only
 * meaningful when allowed for some role; otherwise (and for submit) returns from unchanged. */
enum order_state order_action_target(enum order_action a, enum order_state from);
/* Fills out[] with the actions role may take in state s, in table order; returns how many (<= max;
 * 0 when max <= 0 or out is NULL). */
int order_actions_for(enum order_state s, enum user_role role, enum order_action *out, int max);
/* True for the states nothing moves an order out of: closed, rejected, cancelled, merged. */
bool order_state_is_terminal(enum order_state s);
/* Why role may not take action a from state from, or ORDER_REFUSED_NONE when it may. */
enum order_refusal order_action_check(enum order_action a, enum order_state from, enum user_role role);
/* The same for a booking from the service menu: its resident may also cancel it once accepted
 * (the place goes to the first on the waiting list). */
enum order_refusal order_booking_check(enum order_action a, enum order_state from, enum user_role role);
/* True for the actions that must carry a reason the resident or team sees: reject, return, withdraw,
 * dispute. */
bool order_action_needs_reason(enum order_action a);
/* True when action a leaves the order in the state it was in (offer, evaluate, escalate). */
bool order_action_keeps_state(enum order_action a);

#endif
