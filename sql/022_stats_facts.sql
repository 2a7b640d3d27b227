-- Statistics that do not rescan history (issue 11): what each order adds to the summary
-- (server/stats.c) is kept in two narrow tables, maintained by triggers as orders change, so the
-- summary reads these (a few dozen bytes an order, through an index per scope) instead of joining
-- orders, audit events, evaluations and service records over the whole range.
--
-- One rule, one place: the views order_stat_facts_now and order_hour_facts_now say what an order
-- adds, from the tables as they are; the triggers copy the view's rows for the orders a statement
-- touched, and paidan_stats_rebuild() copies them all (after a bulk load with triggers off, or a
-- repair by hand). tests/integration/z_scope_queries.test.mjs checks on generated orders, changed
-- with triggers on, that the kept rows equal the views' and that the summary equals the old query
-- over orders, row for row.
--
-- A new dimension (an order's source, say) is a column in order_stat_facts and its view, the
-- column in the orders trigger's UPDATE OF list, and a filter or group in the summary; a new state
-- needs nothing here (states are values, counted per state by the summary).

CREATE TABLE order_stat_facts (
    order_id        bigint PRIMARY KEY,
    day             date NOT NULL,          -- created, in Beijing time (the summary's from/to)
    community_id    bigint NOT NULL,
    department_id   bigint,
    state           text NOT NULL,
    due_at          timestamptz,
    escalated       boolean NOT NULL,       -- at any time: flagged now or an escalate event
    rating          smallint,               -- the resident's evaluation, if any
    -- Time spent in each stage in microseconds (integers sort several times faster than intervals);
    -- NULL when the stage is not done or the span is negative.
    dispatch_us     bigint,
    claim_us        bigint,
    accept_us       bigint,
    start_us        bigint,
    complete_us     bigint,
    confirm_us      bigint
) WITH (fillfactor = 80);  -- room on the page, so that a transition's update stays on it (HOT)
CREATE INDEX order_stat_facts_day ON order_stat_facts (day);
CREATE INDEX order_stat_facts_community ON order_stat_facts (community_id, day);
CREATE INDEX order_stat_facts_department ON order_stat_facts (department_id, day) WHERE department_id IS NOT NULL;

-- Verified hours that count (paidan_record_counts), per order, team and month of completion.
CREATE TABLE order_hour_facts (
    order_id        bigint NOT NULL,
    team_id         bigint NOT NULL,
    month           text NOT NULL,          -- YYYY-MM in Beijing time
    day             date NOT NULL,          -- the order's, as in order_stat_facts
    community_id    bigint NOT NULL,
    department_id   bigint,
    hours           numeric NOT NULL,
    PRIMARY KEY (order_id, team_id, month)
);
CREATE INDEX order_hour_facts_day ON order_hour_facts (day);
CREATE INDEX order_hour_facts_community ON order_hour_facts (community_id, day);
CREATE INDEX order_hour_facts_department ON order_hour_facts (department_id, day) WHERE department_id IS NOT NULL;

-- A span between two timestamps in microseconds, and back: as the interval that subtracting the two
-- timestamps gives (whole days, then the time of day), so that the summary's interpolation between
-- two spans is exactly percentile_cont's over the intervals.
CREATE FUNCTION paidan_span_us(p interval) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (extract(epoch FROM p) * 1000000)::bigint $$;
CREATE FUNCTION paidan_span_interval(p_us bigint) RETURNS interval
LANGUAGE sql IMMUTABLE AS $$
    SELECT (p_us / 86400000000) * interval '1 day' + (p_us % 86400000000) * interval '1 microsecond'
$$;

CREATE VIEW order_stat_facts_now AS
SELECT o.id AS order_id,
       (o.created_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
       o.community_id, o.department_id, o.state, o.due_at,
       o.escalated_at IS NOT NULL
           OR EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.action = 'escalate') AS escalated,
       (SELECT e.rating FROM evaluations e WHERE e.order_id = o.id) AS rating,
       CASE WHEN o.dispatched_at - o.created_at >= interval '0' THEN paidan_span_us(o.dispatched_at - o.created_at) END AS dispatch_us,
       CASE WHEN o.claimed_at - o.dispatched_at >= interval '0' THEN paidan_span_us(o.claimed_at - o.dispatched_at) END AS claim_us,
       CASE WHEN o.accepted_at - o.claimed_at >= interval '0' THEN paidan_span_us(o.accepted_at - o.claimed_at) END AS accept_us,
       CASE WHEN o.started_at - o.accepted_at >= interval '0' THEN paidan_span_us(o.started_at - o.accepted_at) END AS start_us,
       CASE WHEN o.completed_at - o.started_at >= interval '0' THEN paidan_span_us(o.completed_at - o.started_at) END AS complete_us,
       CASE WHEN o.closed_at - o.completed_at >= interval '0' THEN paidan_span_us(o.closed_at - o.completed_at) END AS confirm_us
  FROM orders o;

CREATE VIEW order_hour_facts_now AS
SELECT s.order_id, s.team_id,
       to_char(COALESCE(o.completed_at, s.recorded_at) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month,
       (o.created_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
       o.community_id, o.department_id, sum(s.hours) AS hours
  FROM service_records s JOIN orders o ON o.id = s.order_id
 WHERE paidan_record_counts(s)
 GROUP BY s.order_id, s.team_id, 3, 4, o.community_id, o.department_id;

-- Copies one order's rows from the views (a row that did not change is not written).
CREATE FUNCTION paidan_stats_refresh(p_order bigint, p_hours boolean) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO order_stat_facts SELECT * FROM order_stat_facts_now v WHERE v.order_id = p_order
    ON CONFLICT (order_id) DO UPDATE
       SET (day, community_id, department_id, state, due_at, escalated, rating, dispatch_us, claim_us,
            accept_us, start_us, complete_us, confirm_us)
         = (EXCLUDED.day, EXCLUDED.community_id, EXCLUDED.department_id, EXCLUDED.state, EXCLUDED.due_at,
            EXCLUDED.escalated, EXCLUDED.rating, EXCLUDED.dispatch_us, EXCLUDED.claim_us,
            EXCLUDED.accept_us, EXCLUDED.start_us, EXCLUDED.complete_us, EXCLUDED.confirm_us)
     WHERE (order_stat_facts.*) IS DISTINCT FROM (EXCLUDED.*);
    IF p_hours THEN
        DELETE FROM order_hour_facts WHERE order_id = p_order;
        INSERT INTO order_hour_facts SELECT * FROM order_hour_facts_now v WHERE v.order_id = p_order;
    END IF;
END
$$;

CREATE FUNCTION paidan_stats_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM order_stat_facts;
    DELETE FROM order_hour_facts;
    INSERT INTO order_stat_facts SELECT * FROM order_stat_facts_now;
    INSERT INTO order_hour_facts SELECT * FROM order_hour_facts_now;
END
$$;

CREATE FUNCTION paidan_stats_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'orders' AND TG_OP = 'DELETE' THEN
        DELETE FROM order_stat_facts WHERE order_id = OLD.id;
        DELETE FROM order_hour_facts WHERE order_id = OLD.id;
    ELSIF TG_TABLE_NAME = 'orders' THEN
        -- Hours carry the order's day, scope and completion month; most transitions change none.
        PERFORM paidan_stats_refresh(NEW.id, TG_OP = 'UPDATE' AND (
            (OLD.created_at, OLD.community_id, OLD.department_id, OLD.completed_at)
            IS DISTINCT FROM (NEW.created_at, NEW.community_id, NEW.department_id, NEW.completed_at)));
    ELSIF TG_TABLE_NAME = 'service_records' THEN
        PERFORM paidan_stats_refresh(COALESCE(NEW.order_id, OLD.order_id), true);
        IF TG_OP = 'UPDATE' AND OLD.order_id <> NEW.order_id THEN
            PERFORM paidan_stats_refresh(OLD.order_id, true);
        END IF;
    ELSE -- order_events (escalate), evaluations
        PERFORM paidan_stats_refresh(COALESCE(NEW.order_id, OLD.order_id), false);
        IF TG_OP = 'UPDATE' AND OLD.order_id <> NEW.order_id THEN
            PERFORM paidan_stats_refresh(OLD.order_id, false);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- AFTER: the row triggers of a statement run when it is done, so they see everything the
-- statement did (a transition updates the order, appends its event and records hours at once).
CREATE TRIGGER orders_stats AFTER INSERT OR UPDATE OF created_at, community_id, department_id, state, due_at,
    escalated_at, dispatched_at, claimed_at, accepted_at, started_at, completed_at, closed_at ON orders
    FOR EACH ROW EXECUTE FUNCTION paidan_stats_track();
CREATE TRIGGER orders_stats_delete AFTER DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION paidan_stats_track();
CREATE TRIGGER order_events_stats AFTER INSERT ON order_events
    FOR EACH ROW WHEN (NEW.action = 'escalate') EXECUTE FUNCTION paidan_stats_track();
CREATE TRIGGER evaluations_stats AFTER INSERT OR UPDATE OR DELETE ON evaluations
    FOR EACH ROW EXECUTE FUNCTION paidan_stats_track();
CREATE TRIGGER service_records_stats AFTER INSERT OR UPDATE OR DELETE ON service_records
    FOR EACH ROW EXECUTE FUNCTION paidan_stats_track();

-- Orders that exist already.
SELECT paidan_stats_rebuild();
