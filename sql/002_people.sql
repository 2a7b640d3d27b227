-- People: volunteers, their teams, and the accounts that log in.

CREATE TABLE volunteers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    volunteer_no    text UNIQUE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    phone           text NOT NULL CHECK (phone ~ '^[0-9+-]{5,20}$'),
    -- The ID-card number is kept only encrypted (libsodium secretbox) plus a masked copy for display.
    id_number_enc   bytea,
    id_number_masked text,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volunteers_phone ON volunteers (phone);

CREATE TABLE volunteer_skills (
    volunteer_id bigint NOT NULL REFERENCES volunteers (id),
    skill_id     bigint NOT NULL REFERENCES skills (id),
    level        smallint NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (volunteer_id, skill_id)
);
CREATE INDEX volunteer_skills_skill ON volunteer_skills (skill_id);

CREATE TABLE teams (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    department_id   bigint NOT NULL REFERENCES departments (id),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teams_department ON teams (department_id);

CREATE TABLE team_towns (
    team_id bigint NOT NULL REFERENCES teams (id),
    town_id bigint NOT NULL REFERENCES towns (id),
    PRIMARY KEY (team_id, town_id)
);
CREATE INDEX team_towns_town ON team_towns (town_id);

CREATE TABLE team_members (
    team_id      bigint NOT NULL REFERENCES teams (id),
    volunteer_id bigint NOT NULL REFERENCES volunteers (id),
    role         text NOT NULL DEFAULT 'member' CHECK (role IN ('lead', 'member')),
    joined_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX team_members_volunteer ON team_members (volunteer_id);

-- One account per person; the scope column that matches the role must be set, the others not.
CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.-]{3,64}$'),
    password_hash   text NOT NULL,
    display_name    text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role            text NOT NULL CHECK (role IN ('admin', 'community', 'department', 'team', 'volunteer')),
    community_id    bigint REFERENCES communities (id),
    department_id   bigint REFERENCES departments (id),
    team_id         bigint REFERENCES teams (id),
    volunteer_id    bigint REFERENCES volunteers (id),
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'community')  = (community_id IS NOT NULL)),
    CHECK ((role = 'department') = (department_id IS NOT NULL)),
    CHECK ((role = 'team')       = (team_id IS NOT NULL)),
    CHECK ((role = 'volunteer')  = (volunteer_id IS NOT NULL))
);

-- Only a hash of the session token is stored (BLAKE2b), never the token.
CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed logins per username, so guessing is slowed down across processes.
CREATE TABLE login_failures (
    username        text PRIMARY KEY,
    failures        integer NOT NULL DEFAULT 0,
    window_start    timestamptz NOT NULL DEFAULT now(),
    locked_until    timestamptz
);
