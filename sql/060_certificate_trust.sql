-- Certificates people trust: one number per set of verified records, who asked recorded, the
-- issuing organisation's seal; star levels (星级) from verified hours.

-- The seal image an admin uploads (PNG or JPEG, checked by content). The newest one is current;
-- each certificate keeps the one it was issued with. Seals are never changed, only superseded.
CREATE TABLE certificate_seals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_type    text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    image           bytea NOT NULL CHECK (octet_length(image) BETWEEN 8 AND 524288),
    sha256          text NOT NULL,
    uploaded_by     bigint NOT NULL REFERENCES users (id),
    uploaded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER certificate_seals_no_update BEFORE UPDATE OR DELETE ON certificate_seals
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();

-- records_key: a digest of the verified records the certificate covers (id and hours of each). The
-- same set gives the same certificate; a new verified record (new hours, or a correction) a new one.
-- Certificates issued before this migration have none and are left as they are.
ALTER TABLE certificates ADD COLUMN records_key text;
ALTER TABLE certificates ADD COLUMN seal_id bigint REFERENCES certificate_seals (id);
CREATE UNIQUE INDEX certificates_records_key ON certificates (volunteer_id, records_key)
    WHERE records_key IS NOT NULL;

-- Every ask, also the ones answered with an existing certificate: who asked, when, whether it made
-- a new number. Append-only like the audit log.
CREATE TABLE certificate_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    certificate_id  bigint NOT NULL REFERENCES certificates (id),
    requested_by    bigint NOT NULL REFERENCES users (id),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    issued_new      boolean NOT NULL
);
CREATE INDEX certificate_requests_certificate ON certificate_requests (certificate_id, id);
CREATE TRIGGER certificate_requests_no_update BEFORE UPDATE OR DELETE ON certificate_requests
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
CREATE TRIGGER certificate_requests_no_truncate BEFORE TRUNCATE ON certificate_requests
    FOR EACH STATEMENT EXECUTE FUNCTION paidan_refuse_change();

CREATE FUNCTION paidan_records_key(p_volunteer_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(COALESCE(string_agg(s.id::text || ':' || s.hours::text, ',' ORDER BY s.id), ''),
                                    'UTF8')), 'hex')
      FROM service_records s
     WHERE s.volunteer_id = p_volunteer_id AND s.status = 'verified'
$$;

-- Verified hours that count: verified records no correction replaced. The one definition shared by
-- star levels, the county list and certificates (paidan_ledger_json's total agrees with it).
CREATE FUNCTION paidan_verified_hours(p_volunteer_id bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(sum(s.hours), 0)
      FROM service_records s
     WHERE s.volunteer_id = p_volunteer_id AND s.status = 'verified'
       AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id)
$$;

-- 星级: 一星 100 h, 二星 300 h, 三星 600 h, 四星 1,000 h, 五星 1,500 h; 0 below 100 h.
CREATE FUNCTION paidan_star_level(p_hours numeric) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_hours >= 1500 THEN 5 WHEN p_hours >= 1000 THEN 4 WHEN p_hours >= 600 THEN 3
                WHEN p_hours >= 300 THEN 2 WHEN p_hours >= 100 THEN 1 ELSE 0 END::smallint
$$;

-- The registry's volunteer shows verified hours and star level.
CREATE OR REPLACE FUNCTION paidan_volunteer_json(v volunteers, p_full_phone boolean) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', v.id, 'volunteer_no', v.volunteer_no, 'name', v.name,
        'phone', CASE WHEN p_full_phone THEN v.phone ELSE paidan_mask_phone(v.phone) END,
        'id_number_masked', v.id_number_masked, 'status', v.status,
        'skills', (SELECT COALESCE(json_agg(json_build_object('code', s.code, 'name', s.name, 'level', vs.level)
                                            ORDER BY s.id), '[]'::json)
                     FROM volunteer_skills vs JOIN skills s ON s.id = vs.skill_id WHERE vs.volunteer_id = v.id),
        'teams', (SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name, 'role', m.role)
                                           ORDER BY t.id), '[]'::json)
                    FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.volunteer_id = v.id),
        'verified_hours', to_char(h.hours, 'FM999990.00'),
        'star_level', paidan_star_level(h.hours),
        'created_at', v.created_at, 'updated_at', v.updated_at)
      FROM (SELECT paidan_verified_hours(v.id) AS hours) h
$$;
