-- Logins that hold under bursts (server/login_guard.c). Every attempt is counted before its password
-- is checked, in one statement, under three keys:
--   pair:<username>|<address>   a few per window: one address guessing one account;
--   addr:<address>              many per window: one address guessing many accounts (a village or an
--                               office behind one carrier-NAT address shares it, so it is generous);
--   user:<username>             many per window, from everywhere: a distributed guess.
-- An address from which the username has logged in before is "known" for it: its attempts count only
-- under the pair key, so neither a stranger elsewhere nor one person in the same village can lock the
-- real user out of the place they usually log in from. A success clears its pair key.

CREATE TABLE login_attempts (
    key             text PRIMARY KEY,
    attempts        integer NOT NULL,
    window_start    timestamptz NOT NULL
);

CREATE TABLE login_known_addresses (
    username        text NOT NULL,
    address         text NOT NULL,
    last_success    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (username, address)
);
CREATE INDEX login_known_addresses_last ON login_known_addresses (last_success);

-- The old per-username failure counter is replaced.
DROP TABLE login_failures;

-- Orders per client address per hour (anonymous 点单), counted the same way.
CREATE TABLE submit_attempts (
    address         text PRIMARY KEY,
    attempts        integer NOT NULL,
    window_start    timestamptz NOT NULL
);
