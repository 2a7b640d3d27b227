-- Hours ledger corrections and service-record certificates (志愿服务记录证明).

-- A correction is a new verified record that replaces the one it names; it may set hours to 0
-- (the service did not happen). Each record is corrected at most once: corrections chain.
ALTER TABLE service_records DROP CONSTRAINT service_records_hours_check;
ALTER TABLE service_records ADD CONSTRAINT service_records_hours_check
    CHECK (hours >= 0 AND hours <= 24 AND (hours > 0 OR corrects_id IS NOT NULL));
CREATE UNIQUE INDEX service_records_one_correction ON service_records (corrects_id)
    WHERE corrects_id IS NOT NULL;
CREATE INDEX service_records_verified_volunteer ON service_records (volunteer_id, verified_at)
    WHERE status = 'verified';

-- Certificate numbers are gapless per year, unlike sequences: the counter row is updated in the
-- same statement that issues the certificate, so a rollback gives the number back.
CREATE TABLE certificate_counters (
    year    integer PRIMARY KEY,
    last    integer NOT NULL
);

CREATE TABLE certificates (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number          text NOT NULL UNIQUE,
    verify_code     text NOT NULL UNIQUE CHECK (verify_code ~ '^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$'),
    volunteer_id    bigint NOT NULL REFERENCES volunteers (id),
    issued_by       bigint REFERENCES users (id),
    issued_at       timestamptz NOT NULL DEFAULT now(),
    total_hours     numeric(9, 2) NOT NULL CHECK (total_hours >= 0),
    content         jsonb NOT NULL   -- what was certified, frozen at issue time
);
CREATE INDEX certificates_volunteer ON certificates (volunteer_id, issued_at DESC);

CREATE TRIGGER certificates_no_update BEFORE UPDATE OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
CREATE TRIGGER certificates_no_truncate BEFORE TRUNCATE ON certificates
    FOR EACH STATEMENT EXECUTE FUNCTION paidan_refuse_change();

-- Who may read a volunteer's ledger: the volunteer, a team account of a team they belong to, an admin.
CREATE FUNCTION paidan_ledger_visible(p_volunteer_id bigint, p_role text, p_scope bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT CASE p_role
        WHEN 'admin' THEN true
        WHEN 'volunteer' THEN p_scope = p_volunteer_id
        WHEN 'team' THEN EXISTS (SELECT 1 FROM team_members m
                                  WHERE m.team_id = p_scope AND m.volunteer_id = p_volunteer_id)
        ELSE false
    END
$$;

-- A volunteer's verified service as the ledger and certificates show it. A record that a later
-- correction replaces stays visible, marked superseded, and does not count.
CREATE FUNCTION paidan_ledger_json(p_volunteer_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    WITH recs AS (
        SELECT s.*, o.tracking_code, cat.name AS category, c.name AS community, t.name AS town,
               tm.name AS team, u.display_name AS confirmed_by,
               COALESCE(o.completed_at, s.recorded_at) AS served_at,
               EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id) AS superseded
          FROM service_records s
          JOIN orders o ON o.id = s.order_id
          JOIN categories cat ON cat.id = o.category_id
          JOIN communities c ON c.id = o.community_id
          JOIN towns t ON t.id = c.town_id
          JOIN teams tm ON tm.id = s.team_id
          LEFT JOIN users u ON u.id = s.verified_by
         WHERE s.volunteer_id = p_volunteer_id AND s.status = 'verified'
    )
    SELECT jsonb_build_object(
        'volunteer', (SELECT jsonb_build_object('id', v.id, 'name', v.name, 'volunteer_no', v.volunteer_no,
                                                'id_number_masked', v.id_number_masked)
                        FROM volunteers v WHERE v.id = p_volunteer_id),
        'records', COALESCE((SELECT jsonb_agg(jsonb_build_object(
                        'id', r.id, 'order_id', r.order_id, 'tracking_code', r.tracking_code,
                        'category', r.category, 'place', r.community, 'town', r.town,
                        'date', to_char(r.served_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                        'hours', to_char(r.hours, 'FM990.00'), 'team', r.team,
                        'confirmed_by', r.confirmed_by, 'confirmed_at', r.verified_at,
                        'corrects_id', r.corrects_id, 'correction_reason', r.correction_reason,
                        'superseded', r.superseded) ORDER BY r.served_at, r.id) FROM recs r), '[]'::jsonb),
        'totals_by_year', COALESCE((SELECT jsonb_agg(jsonb_build_object('year', y.year,
                        'hours', to_char(y.hours, 'FM999990.00')) ORDER BY y.year)
                      FROM (SELECT extract(year FROM r.served_at AT TIME ZONE 'Asia/Shanghai')::int AS year,
                                   sum(r.hours) AS hours
                              FROM recs r WHERE NOT r.superseded GROUP BY 1) y), '[]'::jsonb),
        'total', (SELECT to_char(COALESCE(sum(r.hours), 0), 'FM999990.00') FROM recs r WHERE NOT r.superseded))
$$;
