-- Registry: what the admin endpoints and `paidan import volunteers` need beyond 002 — uniqueness of
-- people, one lead per team, updated_at, and the JSON shapes of volunteers and teams.

-- The ID-card number comes encrypted by the server (server/id_number.c), with a keyed BLAKE2b hash so
-- that the same number cannot be registered twice although the database cannot read it.
ALTER TABLE volunteers ADD COLUMN id_number_hash bytea;
ALTER TABLE volunteers ADD CONSTRAINT volunteers_id_number_hash_key UNIQUE (id_number_hash);
ALTER TABLE volunteers ADD CONSTRAINT volunteers_id_number_parts CHECK (
    (id_number_enc IS NULL) = (id_number_hash IS NULL) AND (id_number_enc IS NULL) = (id_number_masked IS NULL));

-- One phone per registered volunteer. The registry numbers everyone it registers, so the index covers
-- every volunteer it made; its statements also look at unnumbered rows (made by hand, or by tests that
-- share a phone between helpers), which this index leaves alone.
CREATE UNIQUE INDEX volunteers_phone_numbered ON volunteers (phone) WHERE volunteer_no IS NOT NULL;

-- At most one lead per team. (Not a deferrable constraint, which would let one statement hand the
-- role over in any order: ON CONFLICT without a target refuses tables that have one. The statement
-- that names a new lead demotes the old one first instead: see team_member_add in registry_teams.c.)
CREATE UNIQUE INDEX team_members_one_lead ON team_members (team_id) WHERE role = 'lead';

ALTER TABLE teams ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION paidan_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER volunteers_touch BEFORE UPDATE ON volunteers
    FOR EACH ROW EXECUTE FUNCTION paidan_touch_updated_at();
CREATE TRIGGER teams_touch BEFORE UPDATE ON teams
    FOR EACH ROW EXECUTE FUNCTION paidan_touch_updated_at();

-- Like paidan_check, for "already taken": raises PD409 with the field's name.
CREATE FUNCTION paidan_check_unique(ok boolean, field text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = 'PD409', MESSAGE = field;
    END IF;
    RETURN true;
END
$$;

-- A volunteer as the API shows one; the full phone only when the caller may see it (admins).
CREATE FUNCTION paidan_volunteer_json(v volunteers, p_full_phone boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', v.id, 'volunteer_no', v.volunteer_no, 'name', v.name,
        'phone', CASE WHEN p_full_phone THEN v.phone ELSE paidan_mask_phone(v.phone) END,
        'id_number_masked', v.id_number_masked, 'status', v.status,
        'skills', (SELECT COALESCE(json_agg(json_build_object('code', s.code, 'name', s.name, 'level', vs.level)
                                            ORDER BY s.id), '[]'::json)
                     FROM volunteer_skills vs JOIN skills s ON s.id = vs.skill_id WHERE vs.volunteer_id = v.id),
        'teams', (SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name, 'role', m.role)
                                           ORDER BY t.id), '[]'::json)
                    FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.volunteer_id = v.id),
        'created_at', v.created_at, 'updated_at', v.updated_at)
$$;

CREATE FUNCTION paidan_team_json(t teams) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', t.id, 'name', t.name, 'department_id', t.department_id,
        'department_name', (SELECT d.name FROM departments d WHERE d.id = t.department_id),
        'status', t.status,
        'town_ids', (SELECT COALESCE(json_agg(tt.town_id ORDER BY tt.town_id), '[]'::json)
                       FROM team_towns tt WHERE tt.team_id = t.id),
        'member_count', (SELECT count(*) FROM team_members m WHERE m.team_id = t.id),
        'lead', (SELECT json_build_object('volunteer_id', v.id, 'name', v.name)
                   FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id
                  WHERE m.team_id = t.id AND m.role = 'lead'),
        'created_at', t.created_at, 'updated_at', t.updated_at)
$$;
