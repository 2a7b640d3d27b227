-- Volunteer import from the console (issue 15): the register's two writes become SQL functions, so that
-- POST /api/v1/volunteers, POST /api/v1/teams/{id}/members and the import (the console's and
-- `paidan import volunteers`) run the very same writes; the import registers a whole file in one
-- statement (all or nothing, as the command always did); a retried upload with the same
-- Idempotency-Key answers the first upload's report instead of importing twice.

-- Registers one volunteer and gives them a volunteer number. Refuses an unknown skill code (PD422
-- "skills"), a phone already registered (PD409 "phone"); an ID number already registered fails on
-- volunteers_id_number_hash_key (23505).
CREATE FUNCTION paidan_volunteer_register(p_name text, p_phone text, p_status text, p_id_given boolean,
    p_id_enc bytea, p_id_hash bytea, p_id_masked text, p_skills_given boolean, p_codes text[],
    p_levels smallint[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    PERFORM paidan_check(NOT p_skills_given OR (SELECT count(*) FROM unnest(p_codes) AS c (code)
                                                 JOIN skills s ON s.code = c.code) = cardinality(p_codes), 'skills');
    PERFORM paidan_check_unique(NOT EXISTS (SELECT 1 FROM volunteers x WHERE x.phone = p_phone), 'phone');
    v_id := nextval(pg_get_serial_sequence('volunteers', 'id'));
    INSERT INTO volunteers (id, volunteer_no, name, phone, status, id_number_enc, id_number_hash, id_number_masked)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, 'V' || lpad(v_id::text, greatest(6, length(v_id::text)), '0'), p_name, p_phone,
            COALESCE(p_status, 'active'), CASE WHEN p_id_given THEN p_id_enc END,
            CASE WHEN p_id_given THEN p_id_hash END, CASE WHEN p_id_given THEN p_id_masked END);
    INSERT INTO volunteer_skills (volunteer_id, skill_id, level)
    SELECT v_id, s.id, w.level FROM unnest(p_codes, p_levels) AS w (code, level) JOIN skills s ON s.code = w.code;
    RETURN v_id;
END
$$;

-- Puts volunteer p_volunteer on team p_team as p_role ('lead' or 'member'), or gives a member that
-- role; a new lead demotes the team's previous lead first (team_members_one_lead is checked row by
-- row). The membership written, or no row when nothing changed (the lead asked to become a member).
CREATE FUNCTION paidan_team_member_put(p_team bigint, p_volunteer bigint, p_role text)
RETURNS TABLE (member_volunteer_id bigint, member_role text, member_joined_at timestamptz)
LANGUAGE plpgsql AS $$
BEGIN
    IF p_role = 'lead' THEN
        UPDATE team_members m SET role = 'member'
         WHERE m.team_id = p_team AND m.role = 'lead' AND m.volunteer_id <> p_volunteer;
    END IF;
    RETURN QUERY
    INSERT INTO team_members AS t (team_id, volunteer_id, role) VALUES (p_team, p_volunteer, p_role)
    ON CONFLICT (team_id, volunteer_id) DO UPDATE SET role = EXCLUDED.role
     WHERE t.role <> 'lead' OR EXCLUDED.role = 'lead'
    RETURNING t.volunteer_id, t.role, t.joined_at;
END
$$;

-- What one upload imported, by its Idempotency-Key: the same key and body answer the stored report.
-- Kept (a few rows a year); the body is known only by its hash, the report holds volunteer numbers.
CREATE TABLE volunteer_imports (
    idempotency_key text PRIMARY KEY,
    body_hash       bytea NOT NULL,
    imported        jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Imports p_rows (a JSON array of {line, name, phone, status, id_given, id_enc, id_hash, id_masked,
-- skills_given, skill_codes, skill_levels, team_id, role}, the register's parameters as text) in line
-- order, all or nothing: {"replayed": false, "volunteers": [{line, id, volunteer_no}]}. With a key
-- already used for the same body hash nothing is written and the first import is answered with
-- "replayed": true; with another body, PD409 "Idempotency-Key". A concurrent upload with the same key
-- waits for the first on the key's primary key, then answers the stored report.
CREATE FUNCTION paidan_volunteers_import(p_rows jsonb, p_key text, p_body_hash bytea) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_id bigint;
    v_lines int[] := '{}';
    v_ids bigint[] := '{}'; -- appended in place (expanded arrays): a jsonb appended to would be copied each line
    v_done jsonb;
    v_stored volunteer_imports;
BEGIN
    IF p_key IS NOT NULL THEN
        INSERT INTO volunteer_imports (idempotency_key, body_hash, imported) VALUES (p_key, p_body_hash, '[]')
        ON CONFLICT (idempotency_key) DO NOTHING;
        IF NOT FOUND THEN
            SELECT * INTO v_stored FROM volunteer_imports WHERE idempotency_key = p_key;
            PERFORM paidan_check_unique(v_stored.body_hash = p_body_hash, 'Idempotency-Key');
            RETURN jsonb_build_object('replayed', true, 'volunteers', v_stored.imported);
        END IF;
    END IF;
    FOR r IN SELECT * FROM jsonb_to_recordset(p_rows) AS x (line int, name text, phone text, status text,
                 id_given boolean, id_enc text, id_hash text, id_masked text, skills_given boolean,
                 skill_codes text, skill_levels text, team_id bigint, role text)
             ORDER BY x.line
    LOOP
        v_id := paidan_volunteer_register(r.name, r.phone, r.status, r.id_given, r.id_enc::bytea,
                                          r.id_hash::bytea, r.id_masked, r.skills_given,
                                          r.skill_codes::text[], r.skill_levels::smallint[]);
        IF r.team_id IS NOT NULL THEN
            PERFORM paidan_check(EXISTS (SELECT 1 FROM teams WHERE id = r.team_id), 'team');
            PERFORM paidan_team_member_put(r.team_id, v_id, r.role);
        END IF;
        v_lines := array_append(v_lines, r.line);
        v_ids := array_append(v_ids, v_id);
    END LOOP;
    SELECT COALESCE(jsonb_agg(jsonb_build_object('line', u.line, 'id', u.id, 'volunteer_no', v.volunteer_no)
                              ORDER BY u.line), '[]'::jsonb)
      INTO v_done
      FROM unnest(v_lines, v_ids) AS u (line, id) JOIN volunteers v ON v.id = u.id;
    IF p_key IS NOT NULL THEN
        UPDATE volunteer_imports SET imported = v_done WHERE idempotency_key = p_key;
    END IF;
    RETURN jsonb_build_object('replayed', false, 'volunteers', v_done);
END
$$;
