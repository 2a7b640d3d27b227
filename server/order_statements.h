/* order_statements: the two statements of an order action, and the parameters of the transition. */
#ifndef PAIDAN_ORDER_STATEMENTS_H
#define PAIDAN_ORDER_STATEMENTS_H

#include "db.h"

/* $1 order id or $2 tracking code, $3 the acting team (for its offer). Columns: id, state,
 * community_id, department_id, team_id, tracking_code, last event hash (hex), event_count,
 * offered, resident key hash (hex), the recorded hours as the chain writes them, whether a
 * 查我的点单 session ($4) holds the order's phone, the check-in secret (hex; NULL before the
 * resident's code was first shown), accepted_at (ms), the check-in codes refused so far, the signed
 * spans ("volunteer:minutes,…"; "" when nobody signed in), the minutes a claim may pass its span by
 * without a reason. */
extern struct db_statement order_load_statement;

/* The transition's parameters, in order ($1 = T_ID); text, NULL when unused. The row it returns is
 * the order as staff see it; no row when the guard (state, chain head, scope) did not hold. */
enum {
	T_ID,
	T_FROM,
	T_TO,
	T_ACTION,
	T_PREV_HASH,
	T_HASH,
	T_SEQ,
	T_AT_US,
	T_ACTOR_ID,
	T_ACTOR_ROLE,
	T_NOTE,
	T_SCOPE,
	T_DEPARTMENT,
	T_TEAM_IDS,
	T_VOLUNTEER_IDS,
	T_HOURS,
	T_RATING,
	T_RESIDENT_KEY_HASH,
	T_PAYLOAD,
	T_VERSION,
	T_OVER_SPAN_REASONS, /* complete: {"<volunteer id>": reason} */
	T_COUNT
};

extern struct db_statement order_transition_statement;

#endif
