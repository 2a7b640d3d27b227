-- The console's tabs (待我处理, 逾期, 进行中: orders still open; 已办结: done) and their counts. At a
-- county's size almost every order is done, and the tabs read every order of a scope to find the
-- few open ones (1M generated orders: a community's 进行中 tab ran into the 10 s statement limit,
-- the admin's counts too). These partial indexes hold only open orders, in each role's list order
-- (escalated first, then newest); done orders are counted from (scope, state) without the table.
-- The state list is written exactly as the statements write it (server/scope_sql.h), so that
-- PostgreSQL sees the statements' "state NOT IN (…)" imply the indexes'.
CREATE INDEX orders_open_all ON orders ((escalated_at IS NOT NULL), id)
    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged');
CREATE INDEX orders_open_community ON orders (community_id, (escalated_at IS NOT NULL), id)
    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged');
CREATE INDEX orders_open_department ON orders (department_id, (escalated_at IS NOT NULL), id)
    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged') AND department_id IS NOT NULL;
CREATE INDEX orders_community_state ON orders (community_id, state);
CREATE INDEX orders_department_state ON orders (department_id, state) WHERE department_id IS NOT NULL;
