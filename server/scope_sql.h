/* scope_sql: the scope rule (scope.c, paidan_order_visible) as one plain SQL predicate per role over
 * "orders o", for statements written for one role: $1 is the caller's role name, $2 its scope id;
 * each predicate is false for any other role. Plain predicates (no function with a sub-query
 * around them) let PostgreSQL read a scope from an index; tests/integration/scope_queries checks
 * them against paidan_order_visible. Also the states an order ends in, as the tabs and their
 * indexes (sql/097) spell them. */
#ifndef PAIDAN_SCOPE_SQL_H
#define PAIDAN_SCOPE_SQL_H

#define SCOPE_ADMIN "$1::text = 'admin' AND $2::bigint IS NOT NULL"
#define SCOPE_COMMUNITY "$1::text = 'community' AND paidan_scope_community(o, $2::bigint)"
#define SCOPE_DEPARTMENT "$1::text = 'department' AND paidan_scope_department(o, $2::bigint)"
#define SCOPE_TEAM "$1::text = 'team' AND o.id IN (SELECT t.id FROM paidan_team_order_ids($2::bigint) t (id))"
#define SCOPE_VOLUNTEER                                                                                                \
	"$1::text = 'volunteer' AND o.id IN (SELECT v.id FROM paidan_volunteer_order_ids($2::bigint) v (id))"

/* The queue tab of "orders o" for the caller, per role (sql/098: the same rule as paidan_queue_tab,
 * in the part PostgreSQL can inline for that role). */
#define QUEUE_TAB_ADMIN "paidan_queue_tab_of(o, paidan_waiting_on_admin(o))"
#define QUEUE_TAB_COMMUNITY "paidan_queue_tab_of(o, paidan_waiting_on_community(o, $2::bigint))"
#define QUEUE_TAB_DEPARTMENT "paidan_queue_tab_of(o, paidan_waiting_on_department(o, $2::bigint))"
#define QUEUE_TAB_TEAM "paidan_queue_tab_of(o, paidan_waiting_on_team(o, $2::bigint))"
#define QUEUE_TAB_VOLUNTEER "paidan_queue_tab_of(o, false)"

/* Each role's orders in the list's order (escalated first, then newest), for a statement that pages:
 * ROWS(SCOPE, WHERE, AFTER, LIMIT) is a query whose one column "o" is the row of "orders o": the
 * scope's orders that pass WHERE (conditions on "orders o", each starting with AND) and the keyset
 * AFTER(ESC, ID) (given the expressions the index read orders by), at most LIMIT of them, in that
 * order. For most roles that is the SCOPE predicate read from one index. A team's reads the orders
 * it holds (orders_list_team) and those offered to it (order_offers_list, whose "escalated" sql/099
 * keeps equal to the order's) each in that order, and merges them, stopping after a page; an order
 * both held and offered meets itself there and comes once. */
#define SCOPE_ESCALATED "(o.escalated_at IS NOT NULL)"
#define SCOPE_ROWS_ORDERS(SCOPE, WHERE, AFTER, LIMIT)                                                                  \
	"SELECT o FROM orders o WHERE " SCOPE WHERE                                                                    \
	"   AND " AFTER(SCOPE_ESCALATED, "o.id") " ORDER BY " SCOPE_ESCALATED " DESC, o.id DESC LIMIT " LIMIT
#define SCOPE_ROWS_TEAM_HELD(WHERE, AFTER, LIMIT)                                                                      \
	"SELECT " SCOPE_ESCALATED " AS escalated, o.id, o FROM orders o"                                               \
	" WHERE $1::text = 'team' AND o.team_id = $2::bigint" WHERE                                                    \
	"   AND " AFTER(SCOPE_ESCALATED, "o.id") " ORDER BY " SCOPE_ESCALATED " DESC, o.id DESC LIMIT " LIMIT
#define SCOPE_ROWS_TEAM_OFFERED(WHERE, AFTER, LIMIT)                                                                   \
	"SELECT f.escalated, f.order_id, o FROM order_offers f JOIN orders o ON o.id = f.order_id"                     \
	" WHERE $1::text = 'team' AND f.team_id = $2::bigint" WHERE                                                    \
	"   AND " AFTER("f.escalated", "f.order_id") " ORDER BY f.escalated DESC, f.order_id DESC LIMIT " LIMIT
/* Two queries of (escalated, id, o) in the list's order, merged in that order; an order in both
 * comes out of the merge twice in a row, and once here. */
#define SCOPE_ROWS_MERGED(A, B, W, K, N)                                                                               \
	"SELECT DISTINCT ON (u.escalated, u.id) u.o FROM ((" A(W, K, N) ") UNION ALL (" B(                             \
	    W, K, N) ")) u"                                                                                            \
	             " ORDER BY u.escalated DESC, u.id DESC LIMIT " N
#define SCOPE_ROWS_TEAM(SCOPE, WHERE, AFTER, LIMIT)                                                                    \
	SCOPE_ROWS_MERGED(SCOPE_ROWS_TEAM_HELD, SCOPE_ROWS_TEAM_OFFERED, WHERE, AFTER, LIMIT)

/* A table of one statement per role, indexed by enum user_role (order_model.h; DB_STATEMENT is db.h's):
 * SQL(SCOPE, TAB, ROWS) is given each role's scope predicate, queue tab and rows in the list's order
 * (SCOPE_ROWS_*), NAME gets the role's suffix. */
#define SCOPE_STATEMENTS(NAME, SQL, NPARAMS)                                                                           \
	{                                                                                                              \
		[ROLE_ADMIN] =                                                                                         \
		    DB_STATEMENT(NAME "_admin", SQL(SCOPE_ADMIN, QUEUE_TAB_ADMIN, SCOPE_ROWS_ORDERS), NPARAMS),        \
		[ROLE_COMMUNITY] = DB_STATEMENT(                                                                       \
		    NAME "_community", SQL(SCOPE_COMMUNITY, QUEUE_TAB_COMMUNITY, SCOPE_ROWS_ORDERS), NPARAMS),         \
		[ROLE_DEPARTMENT] = DB_STATEMENT(                                                                      \
		    NAME "_department", SQL(SCOPE_DEPARTMENT, QUEUE_TAB_DEPARTMENT, SCOPE_ROWS_ORDERS), NPARAMS),      \
		[ROLE_TEAM] = DB_STATEMENT(NAME "_team", SQL(SCOPE_TEAM, QUEUE_TAB_TEAM, SCOPE_ROWS_TEAM), NPARAMS),   \
		[ROLE_VOLUNTEER] = DB_STATEMENT(                                                                       \
		    NAME "_volunteer", SQL(SCOPE_VOLUNTEER, QUEUE_TAB_VOLUNTEER, SCOPE_ROWS_ORDERS), NPARAMS),         \
	}

/* The 已办结 tab's states, written exactly as the partial indexes of open orders are (sql/097), so
 * that "o.state NOT IN " ORDER_DONE_STATES matches them. */
#define ORDER_DONE_STATES "('closed', 'rejected', 'cancelled', 'merged')"

#endif
