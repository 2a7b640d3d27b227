-- 查我的点单: a resident proves a phone number with a 6-digit SMS code and gets a session limited to
-- that phone's orders. The code is kept only as sha256(salt || code); at most one code a minute and
-- five a day per phone; a code lives five minutes and five wrong tries void it.
CREATE TABLE phone_codes (
    phone       text PRIMARY KEY CHECK (phone ~ '^1[3-9][0-9]{9}$'),
    code_hash   bytea NOT NULL,
    salt        bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    wrong_tries integer NOT NULL DEFAULT 0,
    sent_at     timestamptz NOT NULL,
    day_start   timestamptz NOT NULL,          -- the Beijing day sent_today counts
    sent_today  integer NOT NULL DEFAULT 1
);

CREATE TABLE resident_sessions (
    token_hash  bytea PRIMARY KEY,
    phone       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX resident_sessions_expires ON resident_sessions (expires_at);
CREATE INDEX orders_contact_phone ON orders (contact_phone, id DESC);

-- The server's role (sql/053_app_role.sql) may read and write these rows (see 030).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'paidan_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON phone_codes, resident_sessions TO paidan_app;
    END IF;
END
$$;
