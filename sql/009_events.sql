-- Live updates: every audit event is announced on channel paidan_events, with what the servers
-- need to decide who may see it. NOTIFY is delivered at commit, in commit order, to every
-- listening process — so a change made through one process reaches clients of all of them.
CREATE INDEX order_events_at ON order_events (at);

CREATE FUNCTION paidan_announce_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    o orders;
BEGIN
    SELECT * INTO o FROM orders WHERE id = NEW.order_id;
    PERFORM pg_notify('paidan_events', json_build_object(
        'event_id', NEW.id, 'order_id', NEW.order_id, 'action', NEW.action,
        'from', NEW.from_state, 'state', NEW.to_state, 'at', NEW.at,
        'community_id', o.community_id, 'department_id', o.department_id, 'team_id', o.team_id,
        'offered', (SELECT COALESCE(json_agg(f.team_id ORDER BY f.team_id), '[]'::json)
                      FROM (SELECT team_id FROM order_offers WHERE order_id = NEW.order_id LIMIT 200) f)
    )::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER order_events_announce AFTER INSERT ON order_events
    FOR EACH ROW EXECUTE FUNCTION paidan_announce_event();
