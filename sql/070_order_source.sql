-- 代点单: how an order came in, and who entered it.
--
-- Residents who phone, walk in or call the hotline get their order entered by a community worker
-- from the console; the order records the channel (`source`) and the worker (`entered_by`). The
-- submit event of such an order names the worker as its actor, and its v2 payload adds
-- ";source=S;entered_by=N" after the personal digest (tools/audit_verify.c expects it exactly when
-- entered_by is set), so the channel cannot be changed afterwards without `paidan audit verify`
-- naming the order.

ALTER TABLE orders ADD COLUMN source text NOT NULL DEFAULT 'web'
    CHECK (source IN ('web', 'phone', 'visit', 'hotline'));
ALTER TABLE orders ADD COLUMN entered_by bigint REFERENCES users (id);
ALTER TABLE orders ADD CONSTRAINT orders_source_entered CHECK (source = 'web' OR entered_by IS NOT NULL);

-- The channel as people read it in a spreadsheet and on the console.
CREATE FUNCTION paidan_source_label(p_source text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_source
        WHEN 'web'     THEN '网上点单'
        WHEN 'phone'   THEN '电话'
        WHEN 'visit'   THEN '上门'
        WHEN 'hotline' THEN '热线'
        ELSE p_source
    END
$$;

-- How an order looks to staff, teams and volunteers (sql/050_resident_key.sql), with its channel.
CREATE OR REPLACE FUNCTION paidan_order_staff_json(o orders, show_phone boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', o.id, 'work_no', o.work_no, 'state', o.state,
        'community_id', o.community_id, 'category_id', o.category_id,
        'department_id', o.department_id, 'team_id', o.team_id,
        'description', o.description, 'contact_name', o.contact_name,
        'contact_phone', CASE WHEN show_phone THEN o.contact_phone ELSE paidan_mask_phone(o.contact_phone) END,
        'address', o.address, 'preferred_time', o.preferred_time,
        'reason', o.reason, 'summary', o.summary,
        'source', o.source, 'entered_by', o.entered_by,
        'created_at', o.created_at, 'updated_at', o.updated_at, 'due_at', o.due_at,
        'overdue', o.due_at IS NOT NULL AND o.due_at < now(),
        'escalated', o.escalated_at IS NOT NULL)
$$;

GRANT SELECT, INSERT, UPDATE ON orders TO paidan_app;
