-- Live updates without a notification in the commit (issue 11): pg_notify() at commit takes a
-- database-wide lock held through the commit's disk flush, so every write waited for every other.
-- Instead, each audit event notes the scope of its order as the event's own transaction left it
-- (the same columns the announcement carried), in a plain table; every serving process reads what
-- is new by event id (server/events.c), a few times a second while it has streams open.
DROP TRIGGER order_events_announce ON order_events;
DROP FUNCTION paidan_announce_event();

-- Kept for minutes, not forever (server/events.c prunes it): the audit log is the record.
-- No foreign key: the row is written with its event, and an extra check per event buys nothing.
CREATE TABLE order_event_scopes (
    event_id        bigint PRIMARY KEY,
    community_id    bigint NOT NULL,
    department_id   bigint,
    team_id         bigint,
    offered         bigint[] NOT NULL,
    noted_at        timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION paidan_note_event_scope() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_event_scopes (event_id, community_id, department_id, team_id, offered)
    SELECT NEW.id, o.community_id, o.department_id, o.team_id,
           ARRAY(SELECT f.team_id FROM order_offers f WHERE f.order_id = NEW.order_id ORDER BY f.team_id LIMIT 200)
      FROM orders o WHERE o.id = NEW.order_id;
    RETURN NULL;
END
$$;

-- AFTER, so that it sees what the rest of the event's statement did to the order (as the
-- announcement did).
CREATE TRIGGER order_events_note_scope AFTER INSERT ON order_events
    FOR EACH ROW EXECUTE FUNCTION paidan_note_event_scope();
