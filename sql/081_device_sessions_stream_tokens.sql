-- Issue 15: a volunteer's or team lead's own phone stays signed in (a device session, longer than a
-- desk's; it ends like any session: log out, password changed or reset, account disabled), and a
-- resident's status page gets live updates with a short-lived stream token it obtains with the
-- resident key by POST, so the key never appears in a URL.

ALTER TABLE sessions ADD COLUMN device boolean NOT NULL DEFAULT false;

CREATE TABLE resident_stream_tokens (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX resident_stream_tokens_expires ON resident_stream_tokens (expires_at);

-- The server's role (sql/053 covers later tables through default privileges; said here too).
GRANT SELECT, INSERT, DELETE ON resident_stream_tokens TO paidan_app;
