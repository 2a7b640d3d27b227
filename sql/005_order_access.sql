-- Who may see an order, whose eyes get the full phone number, and a way for one statement to refuse.

-- Raises PD422 with the offending field's name: lets a single guarded statement
-- reject bad input (a team outside the department, hours for a non-member) atomically.
CREATE FUNCTION paidan_check(ok boolean, field text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'PD422', MESSAGE = field;
    END IF;
    RETURN true;
END
$$;

-- Scope of reads (DESIGN.md §4): community → its orders; department → dispatched to it;
-- team → offered to it or accepted by it; volunteer → their team's or their own records; admin → all.
CREATE FUNCTION paidan_order_visible(o orders, p_role text, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_role
        WHEN 'admin' THEN true
        WHEN 'community' THEN o.community_id = p_scope
        WHEN 'department' THEN o.department_id = p_scope
        WHEN 'team' THEN o.team_id = p_scope
            OR EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = p_scope)
        WHEN 'volunteer' THEN
            EXISTS (SELECT 1 FROM team_members m WHERE m.volunteer_id = p_scope AND m.team_id = o.team_id)
            OR EXISTS (SELECT 1 FROM service_records s WHERE s.order_id = o.id AND s.volunteer_id = p_scope)
        ELSE false
    END
$$;

-- The full phone number: the order's community, and the team once it has accepted.
CREATE FUNCTION paidan_phone_visible(o orders, p_role text, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT (p_role = 'community' AND o.community_id = p_scope)
        OR (p_role = 'team' AND o.team_id IS NOT NULL AND o.team_id = p_scope)
$$;

-- The timeline as people read it: who acted is named by account, or by role for residents and the system.
CREATE FUNCTION paidan_order_events_json(p_order_id bigint, p_with_names boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(json_agg(json_build_object(
               'seq', e.seq, 'action', e.action, 'from', e.from_state, 'to', e.to_state,
               'actor', CASE WHEN p_with_names AND u.display_name IS NOT NULL THEN u.display_name
                             ELSE e.actor_role END,
               'actor_role', e.actor_role, 'note', e.note, 'at', e.at) ORDER BY e.seq), '[]'::json)
      FROM order_events e LEFT JOIN users u ON u.id = e.actor_user_id
     WHERE e.order_id = p_order_id
$$;
