-- Live-update streams end with their session (server/events.c): a deleted session (log out, password
-- changed or reset, swept) and a disabled account are announced on the events channel.
CREATE FUNCTION paidan_announce_session_end() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('paidan_events', json_build_object('session_ended', encode(OLD.token_hash, 'hex'))::text);
    ELSIF NEW.disabled IS TRUE AND OLD.disabled IS NOT TRUE THEN
        PERFORM pg_notify('paidan_events', json_build_object('user_disabled', NEW.id)::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER sessions_announce_end AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION paidan_announce_session_end();
CREATE TRIGGER users_announce_disabled AFTER UPDATE OF disabled ON users
    FOR EACH ROW EXECUTE FUNCTION paidan_announce_session_end();
