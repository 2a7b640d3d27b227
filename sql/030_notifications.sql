-- Notifications: a transactional outbox read from the audit log.
--
-- The event that causes a notification is its order_events row, committed with the state change or
-- not at all. The server's sender (server/outbox.c) reads events it has not yet expanded, turns each
-- into notification rows by the table in server/notify_rules.c, and delivers them. Nothing here runs
-- on the commit path.

-- The resident's consent to be told by SMS, ticked on the form.
ALTER TABLE orders ADD COLUMN sms_consent boolean NOT NULL DEFAULT false;

-- Events up to expanded_below are all expanded; above it, notify_expanded marks those that are.
CREATE TABLE notify_state (
    id              integer PRIMARY KEY CHECK (id = 1),
    expanded_below  bigint NOT NULL
);
-- What happened before notifications existed is not told.
INSERT INTO notify_state (id, expanded_below) SELECT 1, COALESCE(max(id), 0) FROM order_events;

CREATE TABLE notify_expanded (
    event_id    bigint PRIMARY KEY REFERENCES order_events (id),
    at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        bigint NOT NULL REFERENCES order_events (id),
    order_id        bigint NOT NULL REFERENCES orders (id),
    rule            text NOT NULL CHECK (rule ~ '^[a-z_]{1,40}$'),
    channel         text NOT NULL CHECK (channel IN ('sms', 'robot')),
    -- sms: the mobile number; robot: 'community:ID', 'department:ID' or 'county:0'
    recipient       text NOT NULL CHECK (length(recipient) BETWEEN 1 AND 40),
    template        text NOT NULL CHECK (template ~ '^[a-z_]{1,40}$'),
    params          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(params) = 'array'),
    text            text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    urgent          boolean NOT NULL DEFAULT false,          -- escalations: sent at night too
    idempotency_key text NOT NULL UNIQUE DEFAULT 'pd-' || replace(gen_random_uuid()::text, '-', ''),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,                             -- while sending: then it may be retried
    deadline_at     timestamptz NOT NULL DEFAULT now() + interval '1 day',
    last_error      text,
    provider        text,                                    -- who took it: none, webhook, tencent, wecom, dingtalk
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    UNIQUE (event_id, recipient, channel),
    CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
    CHECK ((state = 'sending') = (lease_until IS NOT NULL))
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_leased ON notifications (lease_until) WHERE state = 'sending';
CREATE INDEX notifications_order ON notifications (order_id, id);
CREATE INDEX notifications_failed ON notifications (id DESC) WHERE state = 'failed';
CREATE INDEX notifications_sms_sent ON notifications (recipient, sent_at) WHERE channel = 'sms' AND state = 'sent';

-- Group robots: one webhook per community, department, or the county office (scope_id 0).
CREATE TABLE robot_webhooks (
    scope       text NOT NULL CHECK (scope IN ('community', 'department', 'county')),
    scope_id    bigint NOT NULL CHECK (scope_id >= 0),
    kind        text NOT NULL CHECK (kind IN ('wecom', 'dingtalk')),
    url         text NOT NULL CHECK (url ~ '^https://\S+$' AND length(url) <= 500),
    secret      text NOT NULL DEFAULT '' CHECK (length(secret) <= 200),
    updated_by  bigint REFERENCES users (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, scope_id),
    CHECK ((scope = 'county') = (scope_id = 0))
);

-- How the API shows a robot: the URL's query values (企业微信's key, 钉钉's access_token) and the
-- secret masked to their first characters.
CREATE FUNCTION paidan_mask_secret(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN s = '' THEN '' WHEN length(s) >= 10 THEN left(s, 4) || '****' ELSE '****' END
$$;

CREATE FUNCTION paidan_robot_json(r robot_webhooks) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'scope', r.scope, 'scope_id', r.scope_id, 'kind', r.kind,
        'scope_name', CASE r.scope WHEN 'community' THEN (SELECT name FROM communities WHERE id = r.scope_id)
                                   WHEN 'department' THEN (SELECT name FROM departments WHERE id = r.scope_id)
                                   ELSE '县级' END,
        'url', regexp_replace(r.url, '([?&][^=&]+=)([^&]{0,4})[^&]*', '\1\2****', 'g'),
        'secret', paidan_mask_secret(r.secret), 'has_secret', r.secret <> '',
        'updated_at', r.updated_at)
$$;

CREATE FUNCTION paidan_notification_json(n notifications) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', n.id, 'order_id', n.order_id, 'event_id', n.event_id, 'rule', n.rule, 'channel', n.channel,
        'recipient', CASE WHEN n.channel = 'sms' THEN paidan_mask_phone(n.recipient) ELSE n.recipient END,
        'template', n.template, 'text', n.text, 'urgent', n.urgent, 'state', n.state,
        'attempts', n.attempts, 'last_error', n.last_error, 'provider', n.provider,
        'created_at', n.created_at, 'next_attempt_at', n.next_attempt_at, 'sent_at', n.sent_at)
$$;

-- The server's role (sql/053_app_role.sql) may read and write these rows. On a new database 053
-- grants every table after this file; on one where 053 ran first, its default privileges cover them
-- when the same owner migrates; this says it outright either way.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'paidan_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON notify_state, notify_expanded, notifications, robot_webhooks
            TO paidan_app;
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %s TO paidan_app',
                       pg_get_serial_sequence('notifications', 'id'));
    END IF;
END
$$;
