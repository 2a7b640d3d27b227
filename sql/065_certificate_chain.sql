-- The certificates' chain (issue 13; issue 9 asked for it): every ask for a certificate — the one
-- that made a new number and each one answered with an existing certificate — is a link, in one
-- chain for the whole county: SHA-256 over the previous link and the link's text, which names the
-- certificate (number, verify code, volunteer, total, the digest of what it certified, the seal),
-- who asked and when. `paidan audit verify` walks it and finds a certificate or an ask changed,
-- added or deleted outside it. One row holds the head; asks wait for each other on it (they are rare).
CREATE TABLE certificate_chain (
    id              smallint PRIMARY KEY CHECK (id = 1),
    seq             bigint NOT NULL,
    hash            bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO certificate_chain (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
REVOKE DELETE, TRUNCATE, INSERT ON certificate_chain FROM paidan_app;

ALTER TABLE certificate_requests ADD COLUMN chain_seq bigint UNIQUE;
ALTER TABLE certificate_requests ADD COLUMN chain_hash bytea CHECK (length(chain_hash) = 32);

-- The text of a link (the hash is sha256(previous hash || convert_to(text, 'UTF8'))).
CREATE FUNCTION paidan_certificate_link_text(p_seq bigint, p_certificate_id bigint, p_number text,
    p_verify_code text, p_volunteer_id bigint, p_total numeric, p_content jsonb, p_seal_id bigint,
    p_requested_by bigint, p_issued_new boolean, p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT concat_ws('|', 'v1', p_seq, p_certificate_id, p_number, p_verify_code, p_volunteer_id,
                     to_char(p_total, 'FM9999990.00'), encode(sha256(convert_to(p_content::text, 'UTF8')), 'hex'),
                     COALESCE(p_seal_id::text, '-'), p_requested_by, CASE WHEN p_issued_new THEN 'new' ELSE 'again' END,
                     (extract(epoch FROM p_at) * 1000000)::bigint)
$$;
