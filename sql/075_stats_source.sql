-- Statistics by channel (issue 14): the kept facts (sql/022_stats_facts.sql) also say how each order
-- came in (orders.source) and whether a worker entered it (代点单), so the summary's orders_by_source
-- and entered_by_staff read them like the rest. A new state (merged) needed nothing there.

ALTER TABLE order_stat_facts ADD COLUMN source text NOT NULL DEFAULT 'web';
ALTER TABLE order_stat_facts ADD COLUMN entered boolean NOT NULL DEFAULT false;

CREATE OR REPLACE VIEW order_stat_facts_now AS
SELECT o.id AS order_id,
       (o.created_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
       o.community_id, o.department_id, o.state, o.due_at,
       o.escalated_at IS NOT NULL
           OR EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.action = 'escalate') AS escalated,
       (SELECT e.rating FROM evaluations e WHERE e.order_id = o.id) AS rating,
       CASE WHEN o.dispatched_at - o.created_at >= interval '0' THEN paidan_span_us(o.dispatched_at - o.created_at) END AS dispatch_us,
       CASE WHEN o.claimed_at - o.dispatched_at >= interval '0' THEN paidan_span_us(o.claimed_at - o.dispatched_at) END AS claim_us,
       CASE WHEN o.accepted_at - o.claimed_at >= interval '0' THEN paidan_span_us(o.accepted_at - o.claimed_at) END AS accept_us,
       CASE WHEN o.started_at - o.accepted_at >= interval '0' THEN paidan_span_us(o.started_at - o.accepted_at) END AS start_us,
       CASE WHEN o.completed_at - o.started_at >= interval '0' THEN paidan_span_us(o.completed_at - o.started_at) END AS complete_us,
       CASE WHEN o.closed_at - o.completed_at >= interval '0' THEN paidan_span_us(o.closed_at - o.completed_at) END AS confirm_us,
       o.source, o.entered_by IS NOT NULL AS entered
  FROM orders o;

CREATE OR REPLACE FUNCTION paidan_stats_refresh(p_order bigint, p_hours boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_stat_facts SELECT * FROM order_stat_facts_now v WHERE v.order_id = p_order
    ON CONFLICT (order_id) DO UPDATE
       SET (day, community_id, department_id, state, due_at, escalated, rating, dispatch_us, claim_us,
            accept_us, start_us, complete_us, confirm_us, source, entered)
         = (EXCLUDED.day, EXCLUDED.community_id, EXCLUDED.department_id, EXCLUDED.state, EXCLUDED.due_at,
            EXCLUDED.escalated, EXCLUDED.rating, EXCLUDED.dispatch_us, EXCLUDED.claim_us,
            EXCLUDED.accept_us, EXCLUDED.start_us, EXCLUDED.complete_us, EXCLUDED.confirm_us,
            EXCLUDED.source, EXCLUDED.entered)
     WHERE (order_stat_facts.*) IS DISTINCT FROM (EXCLUDED.*);
    IF p_hours THEN
        DELETE FROM order_hour_facts WHERE order_id = p_order;
        INSERT INTO order_hour_facts SELECT * FROM order_hour_facts_now v WHERE v.order_id = p_order;
    END IF;
END
$$;

SELECT paidan_stats_rebuild();
