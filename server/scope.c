/* scope: community → its orders; department → dispatched to it; team → offered to it or accepted by
 * it; volunteer → their team's orders and the ones they served; admin → everything, acting on none. */
#include "scope.h"

bool
scope_may_see(enum user_role role, int64_t scope_id, const struct scope_order *o)
{
	switch (role) {
	case ROLE_ADMIN: return true;
	case ROLE_COMMUNITY: return o->community_id == scope_id;
	case ROLE_DEPARTMENT: return o->department_id != 0 && o->department_id == scope_id;
	case ROLE_TEAM: return (o->team_id != 0 && o->team_id == scope_id) || o->offered_to_caller;
	case ROLE_VOLUNTEER: return (o->team_id != 0 && o->caller_in_team) || o->caller_has_record;
	default: return false;
	}
}

bool
scope_may_act(enum user_role role, int64_t scope_id, enum order_action action, const struct scope_order *o)
{
	switch (role) {
	case ROLE_COMMUNITY: return o->community_id == scope_id;
	case ROLE_DEPARTMENT: return o->department_id != 0 && o->department_id == scope_id;
	case ROLE_TEAM:
		/* Any offered team may accept; after that only the team that holds it acts. */
		if (action == ORDER_ACTION_ACCEPT)
			return o->offered_to_caller;
		return o->team_id != 0 && o->team_id == scope_id;
	default: return false;
	}
}

bool
scope_may_publish(enum user_role role, int64_t scope_id, int64_t team_id, int64_t team_department)
{
	switch (role) {
	case ROLE_TEAM: return team_id != 0 && team_id == scope_id;
	case ROLE_DEPARTMENT: return team_department != 0 && team_department == scope_id;
	default: return false;
	}
}
