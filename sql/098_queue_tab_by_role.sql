-- The queue tab rule (sql/074) in one part per role, as the scope rule is (sql/020): a role's list
-- and counts statements call their role's part, which PostgreSQL inlines where it has no sub-query
-- (admin, community, volunteer), instead of calling paidan_queue_tab once per order (16 µs an
-- order: 5 s for the admin's counts over 310,000 open orders of a generated 1M). paidan_waiting_on
-- and paidan_queue_tab stay, made of these parts, so every other caller keeps the same answers.
CREATE FUNCTION paidan_queue_tab_of(o orders, p_mine boolean) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN o.state IN ('closed', 'rejected', 'cancelled', 'merged') THEN 'done'
        WHEN p_mine THEN 'mine'
        WHEN o.due_at < now() THEN 'overdue'
        ELSE 'open'
    END
$$;

CREATE FUNCTION paidan_waiting_on_community(o orders, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT o.community_id = p_scope AND o.state IN ('submitted', 'completed')
$$;

CREATE FUNCTION paidan_waiting_on_department(o orders, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT o.department_id = p_scope AND (o.state = 'dispatched' OR (o.state = 'claimed'
        AND NOT EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id)))
$$;

CREATE FUNCTION paidan_waiting_on_team(o orders, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (o.state = 'claimed'
            AND EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = p_scope))
        OR (o.team_id = p_scope AND o.state IN ('accepted', 'in_progress'))
$$;

CREATE FUNCTION paidan_waiting_on_admin(o orders) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT o.escalated_at IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION paidan_waiting_on(o orders, p_role text, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_role
        WHEN 'community' THEN paidan_waiting_on_community(o, p_scope)
        WHEN 'department' THEN paidan_waiting_on_department(o, p_scope)
        WHEN 'team' THEN paidan_waiting_on_team(o, p_scope)
        WHEN 'admin' THEN paidan_waiting_on_admin(o)
        ELSE false
    END
$$;

CREATE OR REPLACE FUNCTION paidan_queue_tab(o orders, p_role text, p_scope bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT paidan_queue_tab_of(o, paidan_waiting_on(o, p_role, p_scope))
$$;
