-- Scope as plain predicates (issue 11). paidan_order_visible is still the one rule and answers
-- exactly as before, row for row (same expressions, NULLs included); it is now made of one function
-- per role, so that a statement written for one role can use that role's part alone:
-- the community's and the department's parts are plain column comparisons, which PostgreSQL inlines
-- into the statement and serves from an index, in a generic plan too. The team's and the volunteer's
-- parts look into other tables (offers, members, records): a statement for them reads the same rule
-- as a set of ids instead (paidan_team_order_ids, paidan_volunteer_order_ids: the union of the rule's
-- two terms, each one index scan), since checking the rule row by row costs a query per order.
-- tests/integration/scope_queries.test.mjs checks every role's list and statistics against
-- paidan_order_visible on generated orders.

CREATE FUNCTION paidan_scope_community(o orders, p_scope bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT o.community_id = p_scope
$$;

CREATE FUNCTION paidan_scope_department(o orders, p_scope bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT o.department_id = p_scope
$$;

CREATE FUNCTION paidan_scope_team(o orders, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT o.team_id = p_scope
        OR EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = p_scope)
$$;

CREATE FUNCTION paidan_scope_volunteer(o orders, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = p_scope AND m.team_id = o.team_id)
        OR EXISTS (SELECT 1 FROM service_records s WHERE s.order_id = o.id AND s.volunteer_id = p_scope)
$$;

CREATE OR REPLACE FUNCTION paidan_order_visible(o orders, p_role text, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_role
        WHEN 'admin' THEN true
        WHEN 'community' THEN paidan_scope_community(o, p_scope)
        WHEN 'department' THEN paidan_scope_department(o, p_scope)
        WHEN 'team' THEN paidan_scope_team(o, p_scope)
        WHEN 'volunteer' THEN paidan_scope_volunteer(o, p_scope)
        ELSE false
    END
$$;

-- paidan_scope_team as a set: every order offered to the team or that has it.
CREATE FUNCTION paidan_team_order_ids(p_team bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT f.order_id FROM order_offers f WHERE f.team_id = p_team
    UNION
    SELECT o.id FROM orders o WHERE o.team_id = p_team
$$;

-- paidan_scope_volunteer as a set: every order that has one of their teams or one of their records.
CREATE FUNCTION paidan_volunteer_order_ids(p_volunteer bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
    SELECT o.id FROM team_members m JOIN orders o ON o.team_id = m.team_id WHERE m.volunteer_id = p_volunteer
    UNION
    SELECT s.order_id FROM service_records s WHERE s.volunteer_id = p_volunteer
$$;

-- The list's order (escalated first, then newest) straight from an index, for everyone and per scope.
CREATE INDEX orders_list_all ON orders ((escalated_at IS NOT NULL), id);
CREATE INDEX orders_list_community ON orders (community_id, (escalated_at IS NOT NULL), id);
CREATE INDEX orders_list_department ON orders (department_id, (escalated_at IS NOT NULL), id)
    WHERE department_id IS NOT NULL;
-- A scope's orders in a date range (statistics).
CREATE INDEX orders_community_created ON orders (community_id, created_at);
CREATE INDEX orders_department_created ON orders (department_id, created_at) WHERE department_id IS NOT NULL;

-- Superseded by the list indexes above (same leading column, and the list no longer sorts by id alone).
DROP INDEX orders_community;
DROP INDEX orders_department;
