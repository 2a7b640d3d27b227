-- One place where accounts are made: POST /api/v1/users, `paidan user add` and `paidan demo` all
-- call this. With replace, an existing username gets the new password and name and is enabled
-- again (the demo's idempotent load); without it a taken username fails with 23505.
CREATE FUNCTION paidan_user_create(p_username text, p_password_hash text, p_display_name text, p_role text,
                                   p_community_id bigint, p_department_id bigint, p_team_id bigint,
                                   p_volunteer_id bigint, p_replace boolean DEFAULT false)
RETURNS users LANGUAGE plpgsql AS $$
DECLARE
    created users;
BEGIN
    IF p_replace THEN
        INSERT INTO users (username, password_hash, display_name, role, community_id, department_id,
                           team_id, volunteer_id)
        VALUES (p_username, p_password_hash, p_display_name, p_role, p_community_id, p_department_id,
                p_team_id, p_volunteer_id)
        ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash,
                                             display_name = EXCLUDED.display_name, disabled = false
        RETURNING * INTO created;
    ELSE
        INSERT INTO users (username, password_hash, display_name, role, community_id, department_id,
                           team_id, volunteer_id)
        VALUES (p_username, p_password_hash, p_display_name, p_role, p_community_id, p_department_id,
                p_team_id, p_volunteer_id)
        RETURNING * INTO created;
    END IF;
    RETURN created;
END
$$;
