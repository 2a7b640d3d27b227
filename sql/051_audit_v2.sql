-- Audit chain, hash format v2 (server/audit.c): each event also hashes its payload, the canonical text
-- of what it recorded beyond the state change. Events written before keep version 1 and verify as
-- they were written.
--
--   submit    community=N;category=N;personal=<salted digest of description, name, phone, address, time>
--   dispatch  department=N        accept   team=N
--   complete  hours=<volunteer>:<hours>,…  (ascending volunteer id; the summary is the note)
--   confirm   verified=<volunteer>:<hours>,…
--   evaluate  rating=N            (the comment is the note)
--   correct   record=<id>;volunteer=N;hours=H;replaces=<id>   (the reason is the note)
--   erase     personal data removed (the digest stays)
--
-- The personal fields enter the chain only through their digest, keyed with a per-order random salt:
-- erasing the fields and the salt leaves the chain verifiable and the digest says nothing.

ALTER TABLE order_events ADD COLUMN hash_version smallint NOT NULL DEFAULT 1 CHECK (hash_version IN (1, 2));
ALTER TABLE order_events ADD COLUMN payload text;
ALTER TABLE order_events ADD CONSTRAINT order_events_payload_v2 CHECK ((hash_version = 2) = (payload IS NOT NULL));

ALTER TABLE orders ADD COLUMN personal_salt bytea CHECK (length(personal_salt) = 16);
ALTER TABLE orders ADD COLUMN personal_digest bytea CHECK (length(personal_digest) = 32);
ALTER TABLE orders ADD COLUMN personal_erased_at timestamptz;

-- A correction is an event of its order's chain: which record it made.
ALTER TABLE service_records ADD COLUMN event_seq integer;

-- What the chain's payloads should say, from the tables as they are now (paidan audit verify compares).
CREATE FUNCTION paidan_audit_hours_text(p_order_id bigint, p_verified boolean) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(string_agg(s.volunteer_id || ':' || to_char(s.hours, 'FM990.00'), ',' ORDER BY s.volunteer_id), '')
      FROM service_records s
     WHERE s.order_id = p_order_id AND s.corrects_id IS NULL AND (NOT p_verified OR s.status = 'verified')
$$;
