-- 签到 / 签退: each volunteer signs in and out at the order's place in the team app. The time is the
-- phone's, corrected by its clock's measured error (server/phone_time.c), so a sign-in made without
-- signal counts when it is sent later. The place is kept only when the volunteer agreed to share it,
-- and only to 0.01° (about a kilometre). Each row is an event of the order's audit chain (its
-- event_seq); rows are never changed.
CREATE TABLE order_attendance (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        bigint NOT NULL REFERENCES orders (id),
    volunteer_id    bigint NOT NULL REFERENCES volunteers (id),
    kind            text NOT NULL CHECK (kind IN ('in', 'out')),
    at              timestamptz NOT NULL,
    lat             numeric(5, 2) CHECK (lat BETWEEN -90 AND 90),
    lng             numeric(5, 2) CHECK (lng BETWEEN -180 AND 180),
    recorded_by     bigint NOT NULL REFERENCES users (id),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    event_seq       integer NOT NULL,
    CHECK ((lat IS NULL) = (lng IS NULL)),
    UNIQUE (order_id, event_seq)
);
CREATE INDEX order_attendance_volunteer ON order_attendance (order_id, volunteer_id, event_seq);
CREATE TRIGGER order_attendance_no_update BEFORE UPDATE OR DELETE ON order_attendance
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
CREATE TRIGGER order_attendance_no_truncate BEFORE TRUNCATE ON order_attendance
    FOR EACH STATEMENT EXECUTE FUNCTION paidan_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON order_attendance FROM paidan_app;

-- A completion's hours beyond a volunteer's signed span (plus the tolerance) carry the team's reason.
ALTER TABLE service_records ADD COLUMN over_span_reason text CHECK (char_length(over_span_reason) BETWEEN 1 AND 200);

-- What the chain's payload says of a row (server/attendance.c:attendance_payload writes the same).
CREATE FUNCTION paidan_attendance_payload(a order_attendance) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'kind=' || a.kind || ';volunteer=' || a.volunteer_id
        || ';at=' || (extract(epoch FROM a.at) * 1000)::bigint
        || ';loc=' || COALESCE(to_char(a.lat, 'FM990.00') || ',' || to_char(a.lng, 'FM9990.00'), 'none')
$$;

-- Each volunteer's signed span on an order: the minutes from each sign-in to the sign-out after it
-- (in the order they were recorded), and whether they are signed in now.
CREATE FUNCTION paidan_attendance_spans(p_order_id bigint)
RETURNS TABLE (volunteer_id bigint, minutes numeric, signed_in boolean)
LANGUAGE sql STABLE AS $$
    WITH a AS (
        SELECT x.volunteer_id, x.kind, x.at,
               lead(x.kind) OVER w AS next_kind, lead(x.at) OVER w AS next_at,
               row_number() OVER (PARTITION BY x.volunteer_id ORDER BY x.event_seq DESC) AS from_last
          FROM order_attendance x WHERE x.order_id = p_order_id
        WINDOW w AS (PARTITION BY x.volunteer_id ORDER BY x.event_seq)
    )
    SELECT a.volunteer_id,
           round(COALESCE(sum(GREATEST(extract(epoch FROM a.next_at - a.at), 0) / 60)
                          FILTER (WHERE a.kind = 'in' AND a.next_kind = 'out'), 0), 1),
           bool_or(a.from_last = 1 AND a.kind = 'in')
      FROM a GROUP BY a.volunteer_id
$$;

-- The hours a volunteer may claim beyond their signed span without a reason.
CREATE FUNCTION paidan_span_tolerance_minutes() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 30 $$;

-- The order's attendance as the team app and the console show it: per volunteer who signed or was
-- given hours, the sign-ins and sign-outs, the signed span, the hours claimed and the reason given
-- for hours beyond the span.
CREATE FUNCTION paidan_attendance_json(p_order_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    WITH who AS (
        SELECT a.volunteer_id FROM order_attendance a WHERE a.order_id = p_order_id
        UNION
        SELECT s.volunteer_id FROM service_records s WHERE s.order_id = p_order_id AND s.corrects_id IS NULL
    )
    SELECT json_build_object(
        'tolerance_minutes', paidan_span_tolerance_minutes(),
        'items', COALESCE(json_agg(json_build_object(
            'volunteer_id', w.volunteer_id, 'name', v.name,
            'signed_in', COALESCE(sp.signed_in, false),
            'span_minutes', COALESCE(sp.minutes, 0),
            'span_hours', to_char(round(COALESCE(sp.minutes, 0) / 60, 2), 'FM990.00'),
            'hours_claimed', (SELECT to_char(s.hours, 'FM990.00') FROM service_records s
                               WHERE s.order_id = p_order_id AND s.volunteer_id = w.volunteer_id AND s.corrects_id IS NULL),
            'over_span_reason', (SELECT s.over_span_reason FROM service_records s
                                  WHERE s.order_id = p_order_id AND s.volunteer_id = w.volunteer_id AND s.corrects_id IS NULL),
            'records', (SELECT json_agg(json_build_object('kind', a.kind, 'at', a.at,
                                'location', CASE WHEN a.lat IS NULL THEN NULL
                                                 ELSE json_build_object('lat', a.lat, 'lng', a.lng) END)
                                ORDER BY a.event_seq)
                          FROM order_attendance a WHERE a.order_id = p_order_id AND a.volunteer_id = w.volunteer_id))
            ORDER BY v.name, w.volunteer_id), '[]'::json))
      FROM who w JOIN volunteers v ON v.id = w.volunteer_id
      LEFT JOIN paidan_attendance_spans(p_order_id) sp ON sp.volunteer_id = w.volunteer_id
$$;
