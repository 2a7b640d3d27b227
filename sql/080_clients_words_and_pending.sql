-- Issue 15 (the clients as people use them), server side.

-- One word per thing (docs/GLOSSARY.md): a rejected order is 未受理 for everyone, in the exports too.
CREATE OR REPLACE FUNCTION paidan_state_label(p_state text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_state
        WHEN 'submitted'   THEN '待派单'
        WHEN 'dispatched'  THEN '待领单'
        WHEN 'claimed'     THEN '待接单'
        WHEN 'accepted'    THEN '已接单'
        WHEN 'in_progress' THEN '服务中'
        WHEN 'completed'   THEN '待确认'
        WHEN 'closed'      THEN '已办结'
        WHEN 'rejected'    THEN '未受理'
        WHEN 'cancelled'   THEN '已取消'
        ELSE p_state
    END
$$;

-- Hours waiting for the community's confirmation: recorded at 完成服务, not yet verified. They are
-- shown apart from the ledger's verified records and never count in its totals or on a certificate
-- (paidan_ledger_json stays verified-only). With p_team_id, only those served in that team.
CREATE FUNCTION paidan_ledger_pending_json(p_volunteer_id bigint, p_team_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH recs AS (
        SELECT s.id, s.order_id, o.work_no, cat.name AS category, c.name AS place, tm.name AS team, s.team_id,
               s.hours, COALESCE(o.completed_at, s.recorded_at) AS served_at
          FROM service_records s
          JOIN orders o ON o.id = s.order_id
          JOIN categories cat ON cat.id = o.category_id
          JOIN communities c ON c.id = o.community_id
          JOIN teams tm ON tm.id = s.team_id
         WHERE s.volunteer_id = p_volunteer_id AND s.status = 'pending'
           AND (p_team_id IS NULL OR s.team_id = p_team_id)
    )
    SELECT jsonb_build_object(
        'pending', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                        'id', r.id, 'order_id', r.order_id, 'work_no', r.work_no, 'category', r.category,
                        'place', r.place, 'team', r.team, 'team_id', r.team_id,
                        'date', to_char(r.served_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                        'hours', to_char(r.hours, 'FM990.00')) ORDER BY r.served_at, r.id) FROM recs r), '[]'::jsonb),
        'pending_total', (SELECT to_char(COALESCE(sum(r.hours), 0), 'FM999990.00') FROM recs r))
$$;
