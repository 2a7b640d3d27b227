-- Changing an account's role (issue 9): PATCH /api/v1/users/{id} {role, community_id | department_id |
-- team_id | volunteer_id}. One function, so that the rule holds under any interleaving: under the admin
-- chain's advisory lock (taken first, so admin actions are serialised and each statement below reads
-- what the previous holder committed) it refuses to demote the last active admin (PD409 "role"),
-- changes role and scope together (the users table's CHECKs tie a role to its one scope column; a
-- scope that does not exist fails on its foreign key), ends every session of the account (their live
-- streams with them, sql/055; the session cache drops the user on the user_changed announcement,
-- sql/023), and appends the admin chain's 'account.role' event with the account's whole state, so
-- `paidan audit verify` can tell a role changed here from one changed behind the chain's back.
-- Nothing changes, and nothing is appended, when the account already has that role and scope.
-- Returns the account, or no row when there is no such account.
CREATE FUNCTION paidan_user_set_role(p_id bigint, p_role text, p_community_id bigint, p_department_id bigint,
                                     p_team_id bigint, p_volunteer_id bigint, p_actor_user_id bigint)
RETURNS SETOF users LANGUAGE plpgsql AS $$
DECLARE
    cur users;
    changed users;
BEGIN
    PERFORM pg_advisory_xact_lock(7061696461); -- the admin chain's lock (sql/057)
    SELECT * INTO cur FROM users WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF (cur.role, cur.community_id, cur.department_id, cur.team_id, cur.volunteer_id)
       IS NOT DISTINCT FROM (p_role, p_community_id, p_department_id, p_team_id, p_volunteer_id) THEN
        RETURN NEXT cur;
        RETURN;
    END IF;
    IF cur.role = 'admin' AND p_role <> 'admin' AND NOT cur.disabled THEN
        PERFORM paidan_check_unique(EXISTS (SELECT 1 FROM users a WHERE a.role = 'admin' AND NOT a.disabled
                                                                    AND a.id <> p_id), 'role');
    END IF;
    UPDATE users SET role = p_role, community_id = p_community_id, department_id = p_department_id,
                     team_id = p_team_id, volunteer_id = p_volunteer_id
     WHERE id = p_id RETURNING * INTO changed;
    DELETE FROM sessions WHERE user_id = p_id;
    INSERT INTO admin_events (actor_user_id, actor_role, action, target, payload)
    VALUES (p_actor_user_id, 'admin', 'account.role', 'user:' || p_id, paidan_admin_user_state(changed));
    RETURN NEXT changed;
END
$$;

-- Disabling an account (PATCH {disabled}) under the same lock and rule: two admins disabling each
-- other at the same moment would otherwise leave no active admin (each statement saw the other still
-- active). Ends the account's sessions when disabling; appends 'account.disable' or 'account.enable';
-- setting what is already set changes nothing and appends nothing. Returns the account, or no row.
CREATE FUNCTION paidan_user_set_disabled(p_id bigint, p_disabled boolean, p_actor_user_id bigint)
RETURNS SETOF users LANGUAGE plpgsql AS $$
DECLARE
    cur users;
    changed users;
BEGIN
    PERFORM pg_advisory_xact_lock(7061696461); -- the admin chain's lock (sql/057)
    SELECT * INTO cur FROM users WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF cur.disabled = p_disabled THEN
        RETURN NEXT cur;
        RETURN;
    END IF;
    IF p_disabled AND cur.role = 'admin' THEN
        PERFORM paidan_check_unique(EXISTS (SELECT 1 FROM users a WHERE a.role = 'admin' AND NOT a.disabled
                                                                    AND a.id <> p_id), 'disabled');
    END IF;
    UPDATE users SET disabled = p_disabled WHERE id = p_id RETURNING * INTO changed;
    IF p_disabled THEN
        DELETE FROM sessions WHERE user_id = p_id;
    END IF;
    INSERT INTO admin_events (actor_user_id, actor_role, action, target, payload)
    VALUES (p_actor_user_id, 'admin', CASE WHEN p_disabled THEN 'account.disable' ELSE 'account.enable' END,
            'user:' || p_id, paidan_admin_user_state(changed));
    RETURN NEXT changed;
END
$$;
