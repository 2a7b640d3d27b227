-- The session cache (server/session_cache.c) keeps who a session belongs to for a few seconds in
-- each process; besides ended sessions and disabled accounts (sql/055), a change of what a request
-- learns from the user row — role, scope, name — is announced on the same channel, so every
-- process looks the user up again at once (and their live streams end and reconnect).
CREATE FUNCTION paidan_announce_user_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('paidan_events', json_build_object('user_changed', NEW.id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_announce_changed AFTER UPDATE OF role, community_id, department_id, team_id, volunteer_id,
    username, display_name ON users
    FOR EACH ROW
    WHEN ((OLD.role, OLD.community_id, OLD.department_id, OLD.team_id, OLD.volunteer_id, OLD.username, OLD.display_name)
          IS DISTINCT FROM
          (NEW.role, NEW.community_id, NEW.department_id, NEW.team_id, NEW.volunteer_id, NEW.username, NEW.display_name))
    EXECUTE FUNCTION paidan_announce_user_changed();
