-- The admin chain: one hash chain of what administrators (and the command line) change outside the
-- orders' own chains: accounts made, disabled or enabled, their roles and scopes, passwords changed or
-- reset, hours corrections, the server's settings. Each change appends its event in the same
-- statement as the change itself, so neither happens without the other.
--
-- The link (seq, prev_hash, hash, at) is computed here, by the trigger below, not by the caller: the
-- chain is one for the whole county, so appends are serialised by a transaction-scoped advisory lock
-- (the database decides the order; no caller retries on a lost race), and a caller cannot choose a
-- link. The hash is SHA-256 (PostgreSQL has it built in; `paidan audit verify` recomputes it with
-- libsodium) over length-prefixed fields, like the orders' chains:
--
--   sha256(field('paidan-admin-v1') || prev_hash || field(seq) || field(at in µs since the epoch)
--          || field(actor user id, 0 for none) || field(actor_role) || field(action) || field(target)
--          || field(payload))          where field(t) = 4-byte big-endian byte length || UTF-8 bytes
--
-- Payloads: for an account (target 'user:<id>') the whole state after the change
-- (paidan_admin_user_state: username, role, scope, disabled, a SHA-256 of the password hash);
-- for a correction (target 'service_record:<id>') the order chain's correction payload; for the
-- settings (target 'settings') the settings that decide who may do what.

CREATE TABLE admin_events (
    seq           bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor_user_id bigint,
    actor_role    text NOT NULL,
    action        text NOT NULL,
    target        text NOT NULL,
    payload       text NOT NULL,
    prev_hash     bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash          bytea NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX admin_events_target ON admin_events (target, seq);

CREATE FUNCTION paidan_admin_field(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT int4send(octet_length(convert_to(COALESCE(t, ''), 'UTF8'))) || convert_to(COALESCE(t, ''), 'UTF8')
$$;

CREATE FUNCTION paidan_admin_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash bytea;
BEGIN
    -- One writer at a time; held to the end of the transaction. Read after the lock (a new snapshot
    -- per statement under READ COMMITTED), so the previous writer's event is seen.
    PERFORM pg_advisory_xact_lock(7061696461); -- 'paidan' as a number: the admin chain's lock
    SELECT seq, hash INTO last_seq, last_hash FROM admin_events ORDER BY seq DESC LIMIT 1;
    NEW.seq := COALESCE(last_seq, 0) + 1;
    NEW.prev_hash := COALESCE(last_hash, decode(repeat('00', 32), 'hex'));
    NEW.at := clock_timestamp();
    NEW.hash := sha256(paidan_admin_field('paidan-admin-v1') || NEW.prev_hash
                       || paidan_admin_field(NEW.seq::text)
                       || paidan_admin_field(((extract(epoch FROM NEW.at) * 1000000)::bigint)::text)
                       || paidan_admin_field(COALESCE(NEW.actor_user_id, 0)::text)
                       || paidan_admin_field(NEW.actor_role) || paidan_admin_field(NEW.action)
                       || paidan_admin_field(NEW.target) || paidan_admin_field(NEW.payload));
    RETURN NEW;
END
$$;

CREATE TRIGGER admin_events_link BEFORE INSERT ON admin_events
    FOR EACH ROW EXECUTE FUNCTION paidan_admin_link();
CREATE TRIGGER admin_events_no_update BEFORE UPDATE OR DELETE ON admin_events
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
CREATE TRIGGER admin_events_no_truncate BEFORE TRUNCATE ON admin_events
    FOR EACH STATEMENT EXECUTE FUNCTION paidan_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON admin_events FROM paidan_app;

-- What the chain holds of an account: everything that decides what it may do.
CREATE FUNCTION paidan_admin_user_state(u users) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT 'username=' || u.username || ';role=' || u.role
           || ';community=' || COALESCE(u.community_id::text, '') || ';department=' || COALESCE(u.department_id::text, '')
           || ';team=' || COALESCE(u.team_id::text, '') || ';volunteer=' || COALESCE(u.volunteer_id::text, '')
           || ';disabled=' || u.disabled::text
           || ';password=' || encode(sha256(convert_to(u.password_hash, 'UTF8')), 'hex')
$$;

-- Accounts made (POST /api/v1/users, `paidan user add`, `paidan demo`) append their event here, the
-- one place accounts are made. The actor: the admin's account, or none for the command line.
DROP FUNCTION paidan_user_create(text, text, text, text, bigint, bigint, bigint, bigint, boolean);
CREATE FUNCTION paidan_user_create(p_username text, p_password_hash text, p_display_name text, p_role text,
                                   p_community_id bigint, p_department_id bigint, p_team_id bigint,
                                   p_volunteer_id bigint, p_replace boolean DEFAULT false,
                                   p_actor_user_id bigint DEFAULT NULL, p_actor_role text DEFAULT 'command line')
RETURNS users LANGUAGE plpgsql AS $$
DECLARE
    created users;
    was_new boolean;
BEGIN
    IF p_replace THEN
        was_new := NOT EXISTS (SELECT 1 FROM users WHERE username = p_username);
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
        was_new := true;
    END IF;
    INSERT INTO admin_events (actor_user_id, actor_role, action, target, payload)
    VALUES (p_actor_user_id, p_actor_role, CASE WHEN was_new THEN 'account.create' ELSE 'account.replace' END,
            'user:' || created.id, paidan_admin_user_state(created));
    RETURN created;
END
$$;

-- What was there before this migration starts the chain, as it is now.
INSERT INTO admin_events (actor_role, action, target, payload)
SELECT 'migration', 'account.baseline', 'user:' || u.id, paidan_admin_user_state(u) FROM users u ORDER BY u.id;
INSERT INTO admin_events (actor_user_id, actor_role, action, target, payload)
SELECT s.recorded_by, 'migration', 'hours.baseline', 'service_record:' || s.id,
       'record=' || s.id || ';volunteer=' || s.volunteer_id || ';hours=' || to_char(s.hours, 'FM990.00')
       || ';replaces=' || s.corrects_id
  FROM service_records s WHERE s.corrects_id IS NOT NULL ORDER BY s.id;
