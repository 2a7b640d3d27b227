-- Reference data: where people live, who serves, what can be asked for.

CREATE TABLE towns (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 50),
    sort_order  integer NOT NULL DEFAULT 0
);

CREATE TABLE communities (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    town_id     bigint NOT NULL REFERENCES towns (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    sort_order  integer NOT NULL DEFAULT 0,
    UNIQUE (town_id, name)
);

CREATE TABLE departments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    sort_order  integer NOT NULL DEFAULT 0
);

CREATE TABLE skills (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100)
);

-- Deadlines are hours per stage; the county defaults are the column defaults.
CREATE TABLE categories (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name            text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    department_id   bigint NOT NULL REFERENCES departments (id),
    dispatch_hours  integer NOT NULL DEFAULT 24  CHECK (dispatch_hours > 0),
    claim_hours     integer NOT NULL DEFAULT 24  CHECK (claim_hours > 0),
    accept_hours    integer NOT NULL DEFAULT 48  CHECK (accept_hours > 0),
    start_hours     integer NOT NULL DEFAULT 72  CHECK (start_hours > 0),
    complete_hours  integer NOT NULL DEFAULT 168 CHECK (complete_hours > 0),
    confirm_hours   integer NOT NULL DEFAULT 72  CHECK (confirm_hours > 0),
    sort_order      integer NOT NULL DEFAULT 0
);

CREATE TABLE category_skills (
    category_id bigint NOT NULL REFERENCES categories (id),
    skill_id    bigint NOT NULL REFERENCES skills (id),
    PRIMARY KEY (category_id, skill_id)
);
CREATE INDEX category_skills_skill ON category_skills (skill_id);
