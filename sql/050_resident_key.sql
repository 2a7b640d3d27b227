-- The resident's own key, and a work-order number (工单号) for everyone else.
--
-- The tracking code lets a resident look at their order; acting on it (cancel, 评单) needs the
-- resident key returned once by the submit. Only a BLAKE2b hash of the key is stored. Orders made
-- before this migration have no key: their residents ask the community, which acts on their behalf.
-- Staff, teams, volunteers and exports name an order by its work-order number, which is no secret.

ALTER TABLE orders ADD COLUMN resident_key_hash bytea CHECK (length(resident_key_hash) = 32);
ALTER TABLE orders ADD COLUMN work_no text GENERATED ALWAYS AS ('PD' || lpad(id::text, 8, '0')) STORED;
CREATE UNIQUE INDEX orders_work_no ON orders (work_no);
CREATE INDEX orders_phone_open ON orders (contact_phone)
    WHERE state IN ('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress');

-- A replayed submit (same Idempotency-Key) must hand the resident their key again: it is kept
-- sealed under a key derived from the Idempotency-Key, which only the submitter knows, and goes
-- when the idempotency key does (48 hours).
ALTER TABLE idempotency_keys ADD COLUMN resident_key_sealed bytea;

-- How an order looks to staff, teams and volunteers: the work-order number, never the tracking code.
-- A new name, not a new body for paidan_order_json: the previous release keeps serving while this
-- one migrates (tests/ops/upgrade-drill.sh) and reads the tracking code of a new order from that
-- function. paidan_order_json stays as v0.1.0 wrote it until the release after this one drops it.
CREATE FUNCTION paidan_order_staff_json(o orders, show_phone boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', o.id, 'work_no', o.work_no, 'state', o.state,
        'community_id', o.community_id, 'category_id', o.category_id,
        'department_id', o.department_id, 'team_id', o.team_id,
        'description', o.description, 'contact_name', o.contact_name,
        'contact_phone', CASE WHEN show_phone THEN o.contact_phone ELSE paidan_mask_phone(o.contact_phone) END,
        'address', o.address, 'preferred_time', o.preferred_time,
        'reason', o.reason, 'summary', o.summary,
        'created_at', o.created_at, 'updated_at', o.updated_at, 'due_at', o.due_at,
        'overdue', o.due_at IS NOT NULL AND o.due_at < now(),
        'escalated', o.escalated_at IS NOT NULL)
$$;

-- What the resident who submitted sees right after submitting: their own tracking code too (the
-- caller adds the resident key: it is never stored).
CREATE FUNCTION paidan_order_submitted_json(o orders) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT paidan_order_staff_json(o, false)::jsonb || jsonb_build_object('tracking_code', o.tracking_code)
$$;

-- The timeline as a stranger holding the tracking code may see it: who acted by role, and only the
-- notes meant for the resident (why it was rejected, why it was cancelled). Staff notes, offers to
-- teams and completion summaries stay inside.
CREATE FUNCTION paidan_order_events_public_json(p_order_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(json_agg(json_build_object(
               'seq', e.seq, 'action', e.action, 'from', e.from_state, 'to', e.to_state,
               'actor', e.actor_role, 'actor_role', e.actor_role,
               'note', CASE WHEN e.action IN ('reject', 'cancel') THEN e.note ELSE '' END,
               'at', e.at) ORDER BY e.seq), '[]'::json)
      FROM order_events e
     WHERE e.order_id = p_order_id
$$;

-- The ledger names orders by work-order number: a volunteer's record must not carry residents'
-- tracking codes (other teams' orders among them).
CREATE OR REPLACE FUNCTION paidan_ledger_json(p_volunteer_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH recs AS (
        SELECT s.*, o.work_no, cat.name AS category, c.name AS community, t.name AS town,
               tm.name AS team, u.display_name AS confirmed_by,
               COALESCE(o.completed_at, s.recorded_at) AS served_at,
               EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id) AS superseded
          FROM service_records s
          JOIN orders o ON o.id = s.order_id
          JOIN categories cat ON cat.id = o.category_id
          JOIN communities c ON c.id = o.community_id
          JOIN towns t ON t.id = c.town_id
          JOIN teams tm ON tm.id = s.team_id
          LEFT JOIN users u ON u.id = s.verified_by
         WHERE s.volunteer_id = p_volunteer_id AND s.status = 'verified'
    )
    SELECT jsonb_build_object(
        'volunteer', (SELECT jsonb_build_object('id', v.id, 'name', v.name, 'volunteer_no', v.volunteer_no,
                                                'id_number_masked', v.id_number_masked)
                        FROM volunteers v WHERE v.id = p_volunteer_id),
        'records', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                        'id', r.id, 'order_id', r.order_id, 'work_no', r.work_no,
                        'category', r.category, 'place', r.community, 'town', r.town,
                        'date', to_char(r.served_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                        'hours', to_char(r.hours, 'FM990.00'), 'team', r.team, 'team_id', r.team_id,
                        'confirmed_by', r.confirmed_by, 'confirmed_at', r.verified_at,
                        'corrects_id', r.corrects_id, 'correction_reason', r.correction_reason,
                        'superseded', r.superseded) ORDER BY r.served_at, r.id) FROM recs r), '[]'::jsonb),
        'totals_by_year', COALESCE((SELECT jsonb_agg(jsonb_build_object('year', y.year,
                        'hours', to_char(y.hours, 'FM999990.00')) ORDER BY y.year)
                      FROM (SELECT extract(year FROM r.served_at AT TIME ZONE 'Asia/Shanghai')::int AS year,
                                   sum(r.hours) AS hours
                              FROM recs r WHERE NOT r.superseded GROUP BY 1) y), '[]'::jsonb),
        'total', (SELECT to_char(COALESCE(sum(r.hours), 0), 'FM999990.00') FROM recs r WHERE NOT r.superseded))
$$;
