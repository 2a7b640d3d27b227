-- The county's starred volunteers, and the 优秀科技志愿者 nomination lists the county office publishes
-- for a public notice period (公示) before they stand.

-- Verified hours that count, for every volunteer at once (the same rule as paidan_verified_hours).
CREATE VIEW volunteer_verified_hours AS
    SELECT s.volunteer_id, sum(s.hours) AS hours
      FROM service_records s
     WHERE s.status = 'verified'
       AND NOT EXISTS (SELECT 1 FROM service_records x WHERE x.corrects_id = s.id)
     GROUP BY s.volunteer_id;

-- The n-th working day (Monday to Friday) on or after d: a notice of n working days published on d
-- ends at the end of that day (Beijing time). Public holidays are not known here; the office may
-- give a longer period.
CREATE FUNCTION paidan_working_day(d date, n integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT x FROM (SELECT d + i AS x FROM generate_series(0, n * 2 + 7) i) days
     WHERE extract(isodow FROM x) < 6 ORDER BY x OFFSET n - 1 LIMIT 1
$$;

CREATE TABLE nomination_lists (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    notice_from     date NOT NULL,
    notice_until    date NOT NULL CHECK (notice_until >= notice_from),
    contact         text NOT NULL DEFAULT '',
    published_by    bigint NOT NULL REFERENCES users (id),
    published_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE nomination_entries (
    list_id         bigint NOT NULL REFERENCES nomination_lists (id),
    volunteer_id    bigint NOT NULL REFERENCES volunteers (id),
    reason          text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    -- What the notice showed, frozen at publication.
    verified_hours  numeric(9, 2) NOT NULL,
    star_level      smallint NOT NULL,
    position        integer NOT NULL,
    PRIMARY KEY (list_id, volunteer_id)
);

-- A published notice is a public record: never changed.
CREATE TRIGGER nomination_lists_no_update BEFORE UPDATE OR DELETE ON nomination_lists
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
CREATE TRIGGER nomination_entries_no_update BEFORE UPDATE OR DELETE ON nomination_entries
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
