-- The statistics summary as server/stats.c computed it before the rollups (sql/024_stats_rollups.sql):
-- straight from the kept facts (sql/022_stats_facts.sql, sql/075_stats_source.sql), the statement of
-- commit 1e48724 with the three roles' scope predicates joined by OR. Only
-- tests/integration/stats_rollups.test.mjs creates and calls it, as the reference that the summary
-- from rollups must equal byte for byte.
CREATE OR REPLACE FUNCTION stats_summary_from_facts(text, text, text, bigint, text[]) RETURNS text
LANGUAGE sql STABLE AS $reference$
    WITH by_state AS MATERIALIZED (
    SELECT f.state, count(*) AS n, count(*) FILTER (WHERE f.due_at < now()) AS overdue,
    count(*) FILTER (WHERE f.escalated) AS escalated, count(f.rating) AS rated,
    round(avg(f.rating), 2) AS average, count(f.dispatch_us) AS dispatch, count(f.claim_us) AS claim,
    count(f.accept_us) AS accept, count(f.start_us) AS start, count(f.complete_us) AS complete,
    count(f.confirm_us) AS confirm
    FROM order_stat_facts f WHERE f.day BETWEEN $1::date AND $2::date AND (($3::text = 'admin' AND $4::bigint IS NOT NULL) OR ($3::text = 'community' AND f.community_id = $4::bigint) OR ($3::text = 'department' AND f.department_id = $4::bigint)) GROUP BY f.state), by_source AS MATERIALIZED (
    SELECT f.source, count(*) AS n, count(*) FILTER (WHERE f.entered) AS entered
    FROM order_stat_facts f WHERE f.day BETWEEN $1::date AND $2::date AND (($3::text = 'admin' AND $4::bigint IS NOT NULL) OR ($3::text = 'community' AND f.community_id = $4::bigint) OR ($3::text = 'department' AND f.department_id = $4::bigint)) GROUP BY f.source), stage_rows AS MATERIALIZED (
    SELECT st.stage, st.ord, st.n, q.i, floor(q.q * (st.n - 1)) AS lo, ceil(q.q * (st.n - 1)) AS hi,
    q.q * (st.n - 1) - floor(q.q * (st.n - 1)) AS proportion
    FROM (SELECT sum(dispatch) AS dispatch, sum(claim) AS claim, sum(accept) AS accept, sum(start) AS start,
    sum(complete) AS complete, sum(confirm) AS confirm FROM by_state) c
    CROSS JOIN LATERAL (VALUES ('dispatch', 1, COALESCE(c.dispatch, 0)::float8),
    ('claim', 2, COALESCE(c.claim, 0)::float8), ('accept', 3, COALESCE(c.accept, 0)::float8),
    ('start', 4, COALESCE(c.start, 0)::float8), ('complete', 5, COALESCE(c.complete, 0)::float8),
    ('confirm', 6, COALESCE(c.confirm, 0)::float8)) AS st (stage, ord, n)
    CROSS JOIN (VALUES (1, 0.5::float8), (2, 0.9::float8)) AS q (i, q)), picks AS MATERIALIZED (
    SELECT percentile_disc((SELECT array_agg(v.x ORDER BY r.i, v.k) FROM stage_rows r
    CROSS JOIN LATERAL (VALUES (1, (r.lo + 0.5) / r.n), (2, (r.hi + 0.5) / r.n)) v (k, x)
    WHERE r.stage = 'dispatch' AND r.n > 0)) WITHIN GROUP (ORDER BY f.dispatch_us) AS dispatch, percentile_disc((SELECT array_agg(v.x ORDER BY r.i, v.k) FROM stage_rows r
    CROSS JOIN LATERAL (VALUES (1, (r.lo + 0.5) / r.n), (2, (r.hi + 0.5) / r.n)) v (k, x)
    WHERE r.stage = 'claim' AND r.n > 0)) WITHIN GROUP (ORDER BY f.claim_us) AS claim, percentile_disc((SELECT array_agg(v.x ORDER BY r.i, v.k) FROM stage_rows r
    CROSS JOIN LATERAL (VALUES (1, (r.lo + 0.5) / r.n), (2, (r.hi + 0.5) / r.n)) v (k, x)
    WHERE r.stage = 'accept' AND r.n > 0)) WITHIN GROUP (ORDER BY f.accept_us) AS accept, percentile_disc((SELECT array_agg(v.x ORDER BY r.i, v.k) FROM stage_rows r
    CROSS JOIN LATERAL (VALUES (1, (r.lo + 0.5) / r.n), (2, (r.hi + 0.5) / r.n)) v (k, x)
    WHERE r.stage = 'start' AND r.n > 0)) WITHIN GROUP (ORDER BY f.start_us) AS start, percentile_disc((SELECT array_agg(v.x ORDER BY r.i, v.k) FROM stage_rows r
    CROSS JOIN LATERAL (VALUES (1, (r.lo + 0.5) / r.n), (2, (r.hi + 0.5) / r.n)) v (k, x)
    WHERE r.stage = 'complete' AND r.n > 0)) WITHIN GROUP (ORDER BY f.complete_us) AS complete, percentile_disc((SELECT array_agg(v.x ORDER BY r.i, v.k) FROM stage_rows r
    CROSS JOIN LATERAL (VALUES (1, (r.lo + 0.5) / r.n), (2, (r.hi + 0.5) / r.n)) v (k, x)
    WHERE r.stage = 'confirm' AND r.n > 0)) WITHIN GROUP (ORDER BY f.confirm_us) AS confirm FROM order_stat_facts f WHERE f.day BETWEEN $1::date AND $2::date AND (($3::text = 'admin' AND $4::bigint IS NOT NULL) OR ($3::text = 'community' AND f.community_id = $4::bigint) OR ($3::text = 'department' AND f.department_id = $4::bigint))), stages AS (
    SELECT r.stage, r.ord, r.n, r.i,
    CASE WHEN r.n = 0 THEN NULL WHEN r.hi = r.lo THEN paidan_span_interval(p.v[2 * r.i - 1])
    ELSE paidan_span_interval(p.v[2 * r.i - 1]) + (paidan_span_interval(p.v[2 * r.i])
    - paidan_span_interval(p.v[2 * r.i - 1])) * r.proportion END AS value
    FROM stage_rows r JOIN (SELECT x.stage, x.v FROM picks CROSS JOIN LATERAL (VALUES
    ('dispatch', picks.dispatch), ('claim', picks.claim), ('accept', picks.accept),
    ('start', picks.start), ('complete', picks.complete), ('confirm', picks.confirm)) x (stage, v)) p
    ON p.stage = r.stage), counted AS MATERIALIZED (
    SELECT f.team_id, f.community_id, f.department_id, f.month, f.hours
    FROM order_hour_facts f WHERE f.day BETWEEN $1::date AND $2::date AND (($3::text = 'admin' AND $4::bigint IS NOT NULL) OR ($3::text = 'community' AND f.community_id = $4::bigint) OR ($3::text = 'department' AND f.department_id = $4::bigint)))SELECT json_build_object(
    'from', $1::text, 'to', $2::text,
    'orders_by_state', (SELECT json_object_agg(n.state, COALESCE(c.n, 0) ORDER BY n.ord)
    FROM unnest($5::text[]) WITH ORDINALITY AS n (state, ord)
    LEFT JOIN by_state c ON c.state = n.state),
    'orders_total', (SELECT COALESCE(sum(n), 0)::bigint FROM by_state),
    'orders_by_source', (SELECT json_object_agg(n.source, COALESCE(c.n, 0) ORDER BY n.ord)
    FROM unnest(ARRAY['web', 'phone', 'visit', 'hotline', 'menu']) WITH ORDINALITY AS n (source, ord)
    LEFT JOIN by_source c ON c.source = n.source),
    'entered_by_staff', (SELECT COALESCE(sum(entered), 0)::bigint FROM by_source),
    'overdue_open', (SELECT COALESCE(sum(overdue), 0)::bigint FROM by_state
    WHERE state NOT IN ('closed', 'rejected', 'cancelled', 'merged')),
    'escalated', (SELECT COALESCE(sum(escalated), 0)::bigint FROM by_state),
    'stage_hours', (SELECT json_object_agg(stage, json_build_object(
    'median', round(extract(epoch FROM median)::numeric / 3600, 1),
    'p90', round(extract(epoch FROM p90)::numeric / 3600, 1),
    'n', n) ORDER BY ord)
    FROM (SELECT stage, ord, max(n)::bigint AS n, max(value) FILTER (WHERE i = 1) AS median,
    max(value) FILTER (WHERE i = 2) AS p90 FROM stages GROUP BY stage, ord) x),
    'hours', json_build_object(
    'total', (SELECT COALESCE(sum(hours), 0)::numeric(14, 2)::text FROM counted),
    'by_team', (SELECT COALESCE(json_agg(json_build_object('team_id', t.id, 'name', t.name,
    'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)
    FROM (SELECT team_id, sum(hours) AS hours FROM counted GROUP BY team_id) x
    JOIN teams t ON t.id = x.team_id),
    'by_town', (SELECT COALESCE(json_agg(json_build_object('town_id', t.id, 'name', t.name,
    'hours', x.hours::numeric(14, 2)::text) ORDER BY x.hours DESC, t.id), '[]'::json)
    FROM (SELECT cm.town_id, sum(c.hours) AS hours FROM counted c
    JOIN communities cm ON cm.id = c.community_id GROUP BY cm.town_id) x
    JOIN towns t ON t.id = x.town_id),
    'by_department', (SELECT COALESCE(json_agg(json_build_object('department_id', x.department_id,
    'name', d.name, 'hours', x.hours::numeric(14, 2)::text)
    ORDER BY x.hours DESC, x.department_id), '[]'::json)
    FROM (SELECT department_id, sum(hours) AS hours FROM counted GROUP BY department_id) x
    LEFT JOIN departments d ON d.id = x.department_id),
    'by_month', (SELECT COALESCE(json_agg(json_build_object('month', x.month,
    'hours', x.hours::numeric(14, 2)::text) ORDER BY x.month), '[]'::json)
    FROM (SELECT month, sum(hours) AS hours FROM counted GROUP BY month) x)),
    'satisfaction', (SELECT json_build_object('average', c.average, 'rated', COALESCE(c.rated, 0),
    'rated_share', CASE WHEN c.n > 0 THEN round(c.rated::numeric / c.n, 4) END,
    'closed', COALESCE(c.n, 0))
    FROM (SELECT 1) one LEFT JOIN by_state c ON c.state = 'closed'))::text AS summary
$reference$;
