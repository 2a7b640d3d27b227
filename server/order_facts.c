/* order_facts: reads the columns by name, so a statement may put them anywhere. */
#include "order_facts.h"

#include "query.h"

struct scope_order
order_facts_from_row(const PGresult *res, int row, enum user_role role)
{
	struct scope_order order = {
	    .community_id = query_cell_id(res, row, "community_id"),
	    .department_id = query_cell_id(res, row, "department_id"),
	    .team_id = query_cell_id(res, row, "team_id"),
	    .offered_to_caller = role == ROLE_TEAM && query_cell_bool(res, row, "offered"),
	};

	return order;
}
