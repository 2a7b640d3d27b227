/* order_facts: the scope facts of one order (scope.h) from a statement row that names its columns
 * community_id, department_id, team_id and offered (whether the caller's team has an offer). */
#ifndef PAIDAN_ORDER_FACTS_H
#define PAIDAN_ORDER_FACTS_H

#include <libpq-fe.h>

#include "scope.h"

/* The facts of row for a caller of role (only a team can have an offer). */
struct scope_order order_facts_from_row(const PGresult *res, int row, enum user_role role);

#endif
