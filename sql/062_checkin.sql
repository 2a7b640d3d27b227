-- Check-in at the resident's door: each order gets a secret of its own when its code is first shown
-- (once accepted); the code changing every minute is derived from it (server/checkin_code.c).
-- Whether a start was verified on site is written into the start event's note, so the audit chain
-- covers it.
CREATE TABLE order_checkin_secrets (
    order_id        bigint PRIMARY KEY REFERENCES orders (id),
    secret          bytea NOT NULL CHECK (octet_length(secret) = 32),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER order_checkin_secrets_no_update BEFORE UPDATE OR DELETE ON order_checkin_secrets
    FOR EACH ROW EXECUTE FUNCTION paidan_refuse_change();
