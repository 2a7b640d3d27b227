/* scope: the one rule of which orders a caller may see and act on (DESIGN §4), in C.
 *
 * SQL has the same rule for reads (paidan_order_visible, sql/) so lists filter in the database;
 * tests/unit/test_scope_sql.c checks the two agree on every kind of order. The transition's own
 * guard in SQL stays: it is what decides races. Residents and the sweep are not in scope terms:
 * the resident proves the order is theirs, the sweep acts on any order. Pure. */
#ifndef PAIDAN_SCOPE_H
#define PAIDAN_SCOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "order_model.h"

/* What the rule needs to know of one order, as one caller sees it. Ids are 0 when unset. */
struct scope_order {
	int64_t community_id;
	int64_t department_id;
	int64_t team_id;
	bool offered_to_caller; /* the caller is a team with an offer on the order */
	bool caller_in_team; /* the caller is a volunteer, member of the order's team */
	bool caller_has_record; /* the caller is a volunteer with a service record on the order */
};

/* May a caller of role, with scope_id (its community, department, team or volunteer), see the order? */
bool scope_may_see(enum user_role role, int64_t scope_id, const struct scope_order *order);

/* May that caller take action on the order as far as scope goes? (Whether the role may take the
 * action at all, and from which state, is order_model's question.) */
bool scope_may_act(enum user_role role, int64_t scope_id, enum order_action action, const struct scope_order *order);

/* May that caller publish or withdraw a service-menu entry of this team (team_department its
 * department)? The team's own account, or its department. */
bool scope_may_publish(enum user_role role, int64_t scope_id, int64_t team_id, int64_t team_department);

#endif
