-- Statistics that do not rescan history (issue 11, item 2): what the kept facts
-- (sql/022_stats_facts.sql, sql/075_stats_source.sql) add up to, kept per day or month and per scope,
-- so that the summary (server/stats.c) over three years sums a few thousand rows instead of reading a
-- million facts.
--
-- One rule, one place: the rollups are sums of the facts and nothing else. Triggers on the fact
-- tables add each change as a delta (the old row subtracted, the new one added), so whatever writes
-- the facts (paidan_stats_refresh, the orders' triggers) keeps the rollups too;
-- paidan_stats_rollups_rebuild() computes them from the facts (one statement a table: the backfill below, and
-- paidan_stats_rebuild after a bulk load). tests/integration/stats_rollups.test.mjs checks both, and
-- that the summary equals the query over the facts, figure for figure.
--
-- Every rollup row is kept three times, once per kind of scope the summary filters by: kind 0 all
-- (scope_id 0, the admin's), 1 a community (scope_id its id), 2 a department (only orders that
-- have one). A team's summary reads the facts (a team's orders are few).
--
-- Concurrent writers: each change is one INSERT … ON CONFLICT DO UPDATE of deltas, its keys in
-- order (so two statements lock shared rows in the same order). Every submit adds one to today's
-- (state submitted, source) row: that row is spread over 8 shards (the backend's pid modulo 8; the
-- reader sums them), so a submit waits on another's row lock only when both connections share a shard.
-- A change that adds nothing (a due time, say) writes no rollup row.

-- Orders per created day, scope, state and source: counts, escalations, ratings, staff entries and
-- how many orders have each stage's span.
CREATE TABLE stats_day_counts (
    kind        smallint NOT NULL,
    scope_id    bigint NOT NULL,
    day         date NOT NULL,
    state       text NOT NULL,
    source      text NOT NULL,
    shard       smallint NOT NULL,
    n           bigint NOT NULL,
    escalated   bigint NOT NULL,
    rated       bigint NOT NULL,
    rating_sum  bigint NOT NULL,
    entered     bigint NOT NULL,
    dispatch    bigint NOT NULL,
    claim       bigint NOT NULL,
    accept      bigint NOT NULL,
    start       bigint NOT NULL,
    complete    bigint NOT NULL,
    confirm     bigint NOT NULL,
    PRIMARY KEY (kind, scope_id, day, state, source, shard)
);

-- Stage spans per created month, scope, stage (1 dispatch … 6 confirm) and cell: the spans that the
-- summary prints as the same number of hours (round(hours, 1): cell k holds [k·0.1 h − 0.05 h,
-- k·0.1 h + 0.05 h), paidan_stats_cell), kept twice: per cell of ten (an hour wide; the summary finds
-- the one where a percentile's rank falls) and per cell, keyed by stage and cell first (then it reads
-- only that hour's ten cells). A percentile whose neighbouring ranks fall in one cell is that cell's
-- number; otherwise the summary reads the two spans from the facts (an index per stage).
CREATE TABLE stats_month_spans_coarse (
    kind        smallint NOT NULL,
    scope_id    bigint NOT NULL,
    month       date NOT NULL,          -- the first day of the created day's month
    stage       smallint NOT NULL,
    coarse      integer NOT NULL,       -- cell / 10
    n           bigint NOT NULL,
    PRIMARY KEY (kind, scope_id, month, stage, coarse)
);
CREATE TABLE stats_month_spans (
    kind        smallint NOT NULL,
    scope_id    bigint NOT NULL,
    stage       smallint NOT NULL,
    cell        integer NOT NULL,
    month       date NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (kind, scope_id, stage, cell, month)
);

-- Verified hours that count, per created month and scope, summed along each of the summary's
-- groupings: dim 1 team (key team id), 2 community (key community id; the town is looked up when
-- read), 3 department (key department id, 0 for none), 4 month of completion (key yyyymm). n counts
-- the facts, so a group whose facts are gone is left out as the query over the facts leaves it out.
CREATE TABLE stats_month_hours (
    kind        smallint NOT NULL,
    scope_id    bigint NOT NULL,
    month       date NOT NULL,
    dim         smallint NOT NULL,
    key         bigint NOT NULL,
    n           bigint NOT NULL,
    hours       numeric NOT NULL,
    PRIMARY KEY (kind, scope_id, month, dim, key)
);

-- The cell of a span in microseconds (spans are never negative in the facts).
CREATE FUNCTION paidan_stats_cell(p_us bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ((p_us + 180000000) / 360000000)::integer $$;

CREATE FUNCTION paidan_stats_month(p_day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date_trunc('month', p_day::timestamp)::date $$;

-- 'YYYY-MM' as yyyymm, and back.
CREATE FUNCTION paidan_stats_month_key(p_month text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (substr(p_month, 1, 4) || substr(p_month, 6, 2))::bigint $$;
CREATE FUNCTION paidan_stats_month_text(p_key bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (p_key / 100)::text || '-' || lpad((p_key % 100)::text, 2, '0') $$;

-- What the rollups should hold, from the facts (shard 0), one statement a table; the fact triggers
-- are off meanwhile (paidan.stats_bulk, this transaction only). PL/pgSQL, so that its statements are
-- read when it runs: on a new database this file runs before sql/075_stats_source.sql adds the
-- facts' source column, and 075's paidan_stats_rebuild() fills the rollups.
CREATE FUNCTION paidan_stats_rollups_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM stats_day_counts;
    DELETE FROM stats_month_spans;
    DELETE FROM stats_month_spans_coarse;
    DELETE FROM stats_month_hours;
    INSERT INTO stats_day_counts
    SELECT k.kind, k.scope_id, f.day, f.state, f.source, 0, count(*), count(*) FILTER (WHERE f.escalated),
           count(f.rating), COALESCE(sum(f.rating), 0), count(*) FILTER (WHERE f.entered), count(f.dispatch_us),
           count(f.claim_us), count(f.accept_us), count(f.start_us), count(f.complete_us), count(f.confirm_us)
      FROM order_stat_facts f
     CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint), (1::smallint, f.community_id),
           (2::smallint, f.department_id)) AS k (kind, scope_id)
     WHERE k.scope_id IS NOT NULL
     GROUP BY k.kind, k.scope_id, f.day, f.state, f.source;
    INSERT INTO stats_month_spans
    SELECT k.kind, k.scope_id, s.stage, paidan_stats_cell(s.us), paidan_stats_month(f.day), count(*)
      FROM order_stat_facts f
     CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint), (1::smallint, f.community_id),
           (2::smallint, f.department_id)) AS k (kind, scope_id)
     CROSS JOIN LATERAL (VALUES (1::smallint, f.dispatch_us), (2::smallint, f.claim_us), (3::smallint, f.accept_us),
           (4::smallint, f.start_us), (5::smallint, f.complete_us), (6::smallint, f.confirm_us)) AS s (stage, us)
     WHERE k.scope_id IS NOT NULL AND s.us IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO stats_month_spans_coarse
    SELECT kind, scope_id, month, stage, cell / 10, sum(n) FROM stats_month_spans GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO stats_month_hours
    SELECT k.kind, k.scope_id, paidan_stats_month(f.day), d.dim, d.key, count(*), sum(f.hours)
      FROM order_hour_facts f
     CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint), (1::smallint, f.community_id),
           (2::smallint, f.department_id)) AS k (kind, scope_id)
     CROSS JOIN LATERAL (VALUES (1::smallint, f.team_id), (2::smallint, f.community_id),
           (3::smallint, COALESCE(f.department_id, 0)), (4::smallint, paidan_stats_month_key(f.month))) AS d (dim, key)
     WHERE k.scope_id IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5;
END
$$;

CREATE OR REPLACE FUNCTION paidan_stats_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('paidan.stats_bulk', 'on', true);
    DELETE FROM order_stat_facts;
    DELETE FROM order_hour_facts;
    INSERT INTO order_stat_facts SELECT * FROM order_stat_facts_now;
    INSERT INTO order_hour_facts SELECT * FROM order_hour_facts_now;
    PERFORM paidan_stats_rollups_rebuild();
    PERFORM set_config('paidan.stats_bulk', '', true);
END
$$;

-- A fact row's change as deltas: OLD subtracted, NEW added, summed per key; keys whose deltas are
-- all zero are not written.
CREATE FUNCTION paidan_stats_roll_facts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_shard smallint := pg_backend_pid() % 8;
    v_kind smallint;
    v_scope bigint;
    v_month date;
    v_stage smallint;
    v_cell integer;
    v_n bigint;
BEGIN
    INSERT INTO stats_day_counts AS c
    SELECT kind, scope_id, day, state, source, v_shard, n, escalated, rated, rating_sum, entered, dispatch, claim,
           accept, start, complete, confirm
      FROM (SELECT k.kind, k.scope_id, d.day, d.state, d.source, sum(d.sign) AS n,
                   sum(d.sign * d.escalated::int) AS escalated, sum(d.sign * (d.rating IS NOT NULL)::int) AS rated,
                   sum(d.sign * COALESCE(d.rating, 0)) AS rating_sum, sum(d.sign * d.entered::int) AS entered,
                   sum(d.sign * (d.dispatch_us IS NOT NULL)::int) AS dispatch,
                   sum(d.sign * (d.claim_us IS NOT NULL)::int) AS claim,
                   sum(d.sign * (d.accept_us IS NOT NULL)::int) AS accept,
                   sum(d.sign * (d.start_us IS NOT NULL)::int) AS start,
                   sum(d.sign * (d.complete_us IS NOT NULL)::int) AS complete,
                   sum(d.sign * (d.confirm_us IS NOT NULL)::int) AS confirm
              FROM (SELECT -1 AS sign, OLD.* WHERE TG_OP <> 'INSERT' UNION ALL SELECT 1, NEW.* WHERE TG_OP <> 'DELETE') d
             CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint), (1::smallint, d.community_id),
                   (2::smallint, d.department_id)) AS k (kind, scope_id)
             WHERE k.scope_id IS NOT NULL
             GROUP BY k.kind, k.scope_id, d.day, d.state, d.source) x
     WHERE (n, escalated, rated, rating_sum, entered, dispatch, claim, accept, start, complete, confirm)
           <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
     ORDER BY kind, scope_id, day, state, source
    ON CONFLICT (kind, scope_id, day, state, source, shard) DO UPDATE
       SET n = c.n + EXCLUDED.n, escalated = c.escalated + EXCLUDED.escalated, rated = c.rated + EXCLUDED.rated,
           rating_sum = c.rating_sum + EXCLUDED.rating_sum, entered = c.entered + EXCLUDED.entered,
           dispatch = c.dispatch + EXCLUDED.dispatch, claim = c.claim + EXCLUDED.claim,
           accept = c.accept + EXCLUDED.accept, start = c.start + EXCLUDED.start,
           complete = c.complete + EXCLUDED.complete, confirm = c.confirm + EXCLUDED.confirm;

    FOR v_kind, v_scope, v_month, v_stage, v_cell, v_n IN
        SELECT k.kind, k.scope_id, paidan_stats_month(d.day), s.stage, paidan_stats_cell(s.us), sum(d.sign)
          FROM (SELECT -1 AS sign, OLD.* WHERE TG_OP <> 'INSERT' UNION ALL SELECT 1, NEW.* WHERE TG_OP <> 'DELETE') d
         CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint), (1::smallint, d.community_id),
               (2::smallint, d.department_id)) AS k (kind, scope_id)
         CROSS JOIN LATERAL (VALUES (1::smallint, d.dispatch_us), (2::smallint, d.claim_us), (3::smallint, d.accept_us),
               (4::smallint, d.start_us), (5::smallint, d.complete_us), (6::smallint, d.confirm_us)) AS s (stage, us)
         WHERE k.scope_id IS NOT NULL AND s.us IS NOT NULL
         GROUP BY 1, 2, 3, 4, 5
        HAVING sum(d.sign) <> 0
         ORDER BY 1, 2, 3, 4, 5
    LOOP
        INSERT INTO stats_month_spans_coarse AS c VALUES (v_kind, v_scope, v_month, v_stage, v_cell / 10, v_n)
        ON CONFLICT (kind, scope_id, month, stage, coarse) DO UPDATE SET n = c.n + EXCLUDED.n;
        INSERT INTO stats_month_spans AS c VALUES (v_kind, v_scope, v_stage, v_cell, v_month, v_n)
        ON CONFLICT (kind, scope_id, stage, cell, month) DO UPDATE SET n = c.n + EXCLUDED.n;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE FUNCTION paidan_stats_roll_hours() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_month_hours AS c
    SELECT k.kind, k.scope_id, paidan_stats_month(d.day), x.dim, x.key, sum(d.sign), sum(d.sign * d.hours)
      FROM (SELECT -1 AS sign, OLD.* WHERE TG_OP <> 'INSERT' UNION ALL SELECT 1, NEW.* WHERE TG_OP <> 'DELETE') d
     CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint), (1::smallint, d.community_id),
           (2::smallint, d.department_id)) AS k (kind, scope_id)
     CROSS JOIN LATERAL (VALUES (1::smallint, d.team_id), (2::smallint, d.community_id),
           (3::smallint, COALESCE(d.department_id, 0)), (4::smallint, paidan_stats_month_key(d.month))) AS x (dim, key)
     WHERE k.scope_id IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5
    HAVING (sum(d.sign), sum(d.sign * d.hours)) IS DISTINCT FROM (0::bigint, 0::numeric)
     ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (kind, scope_id, month, dim, key) DO UPDATE SET n = c.n + EXCLUDED.n, hours = c.hours + EXCLUDED.hours;
    RETURN NULL;
END
$$;

CREATE TRIGGER order_stat_facts_roll AFTER INSERT OR UPDATE OR DELETE ON order_stat_facts
    FOR EACH ROW WHEN (current_setting('paidan.stats_bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION paidan_stats_roll_facts();
CREATE TRIGGER order_hour_facts_roll AFTER INSERT OR UPDATE OR DELETE ON order_hour_facts
    FOR EACH ROW WHEN (current_setting('paidan.stats_bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION paidan_stats_roll_hours();

-- The summary's reads of the facts that remain: open orders past due (a count that moves with the
-- clock), the days at the ends of a range that do not fill a month, and a percentile's two spans
-- when its neighbouring ranks fall in different cells.
CREATE INDEX order_stat_facts_open ON order_stat_facts (day, due_at)
    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged');
CREATE INDEX order_stat_facts_open_community ON order_stat_facts (community_id, day, due_at)
    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged');
CREATE INDEX order_stat_facts_open_department ON order_stat_facts (department_id, day, due_at)
    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged') AND department_id IS NOT NULL;
CREATE INDEX order_stat_facts_dispatch ON order_stat_facts (dispatch_us) WHERE dispatch_us IS NOT NULL;
CREATE INDEX order_stat_facts_claim ON order_stat_facts (claim_us) WHERE claim_us IS NOT NULL;
CREATE INDEX order_stat_facts_accept ON order_stat_facts (accept_us) WHERE accept_us IS NOT NULL;
CREATE INDEX order_stat_facts_start ON order_stat_facts (start_us) WHERE start_us IS NOT NULL;
CREATE INDEX order_stat_facts_complete ON order_stat_facts (complete_us) WHERE complete_us IS NOT NULL;
CREATE INDEX order_stat_facts_confirm ON order_stat_facts (confirm_us) WHERE confirm_us IS NOT NULL;

-- The facts that exist already (on a new database 075 does it, once the facts have their source).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'order_stat_facts'::regclass AND attname = 'source'
                  AND NOT attisdropped) THEN
        PERFORM paidan_stats_rollups_rebuild();
    END IF;
END
$$;
