-- A queue of what is mine now, and call-backs (issue 14, rule 6).
--
-- paidan_waiting_on says whether an order waits for this user's role now: a community's to dispatch,
-- or to confirm; a department's to claim, or claimed and not yet offered (once it has offered to
-- teams it waits for them, not for the department); a team's offered to it and claimed, or accepted
-- or in progress by it. The console's tabs (待我处理, 逾期, 进行中, 已办结) are the list's `tab` filter
-- and GET /api/v1/queue/counts.
--
-- 回访: a community calls back residents of orders closed in the last 7 days; each call's outcome is
-- one row (the latest counts), made by POST /api/v1/orders/{id}/callback.

CREATE FUNCTION paidan_waiting_on(o orders, p_role text, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_role
        WHEN 'community' THEN o.community_id = p_scope AND o.state IN ('submitted', 'completed')
        WHEN 'department' THEN o.department_id = p_scope AND (o.state = 'dispatched' OR (o.state = 'claimed'
            AND NOT EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id)))
        WHEN 'team' THEN (o.state = 'claimed'
                AND EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = p_scope))
            OR (o.team_id = p_scope AND o.state IN ('accepted', 'in_progress'))
        WHEN 'admin' THEN o.escalated_at IS NOT NULL
        ELSE false
    END
$$;

-- Which tab an order belongs on for this user: mine, overdue (open and late, not mine), open, done.
CREATE FUNCTION paidan_queue_tab(o orders, p_role text, p_scope bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN o.state IN ('closed', 'rejected', 'cancelled', 'merged') THEN 'done'
        WHEN paidan_waiting_on(o, p_role, p_scope) THEN 'mine'
        WHEN o.due_at < now() THEN 'overdue'
        ELSE 'open'
    END
$$;

CREATE TABLE callbacks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id),
    outcome     text NOT NULL CHECK (outcome IN ('satisfied', 'unsatisfied', 'unreachable')),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    called_by   bigint NOT NULL REFERENCES users (id),
    called_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callbacks_order ON callbacks (order_id, id DESC);
CREATE INDEX orders_closed_at ON orders (community_id, closed_at) WHERE state = 'closed';

GRANT SELECT, INSERT ON callbacks TO paidan_app;
