-- Generated orders for the route benchmark (tests/bench/routes.sh): :orders orders spread over the
-- last three years, in every state, with their audit events, offers, service records and ratings,
-- on top of the demo county and tests/bench/generate_county.sql. Deterministic (setseed).
-- Loaded with triggers off (session_replication_role): the rows are consistent by construction,
-- and the live-update announcement has no one to tell; the statistics' rows are rebuilt at the end.
-- :code_base (optional, 100000000 by default) numbers the tracking codes and :mark (optional, 生成居民)
-- is the contact name every later step finds the new orders by, so that a second load into the same
-- database (two test files in one suite) makes orders of its own.
\if :{?code_base}
\else
\set code_base 100000000
\endif
\if :{?mark}
\else
\set mark 生成居民
\endif
SET session_replication_role = replica;
SELECT setseed(0.17);

CREATE TEMP TABLE g_comm AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS i, id FROM communities;
CREATE TEMP TABLE g_cat AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS i, id FROM categories;
-- Teams that have members (so hours can be recorded), with their department.
CREATE TEMP TABLE g_team AS
SELECT (row_number() OVER (ORDER BY t.id) - 1)::int AS i, t.id, t.department_id,
       (SELECT min(m.volunteer_id) FROM team_members m WHERE m.team_id = t.id) AS volunteer_id
  FROM teams t WHERE EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id);
CREATE TEMP TABLE g_dep AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS i, id FROM departments;

-- A unique tracking code for n: its base-31 digits in the code alphabet.
CREATE FUNCTION pg_temp.gen_code(n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', ((n / (31::bigint ^ k)::bigint) % 31)::int + 1, 1), ''
                      ORDER BY k)
      FROM generate_series(0, 9) k
$$;

CREATE TEMP TABLE g_orders AS
SELECT g, r_state, r_comm, r_cat, r_team, r_dep, r_esc, r_rate,
       now() - (r_age * interval '1095 days') AS created_at,
       CASE WHEN r_state < 0.60 THEN 'closed' WHEN r_state < 0.65 THEN 'cancelled'
            WHEN r_state < 0.70 THEN 'rejected' WHEN r_state < 0.75 THEN 'completed'
            WHEN r_state < 0.80 THEN 'in_progress' WHEN r_state < 0.85 THEN 'accepted'
            WHEN r_state < 0.90 THEN 'claimed' WHEN r_state < 0.95 THEN 'dispatched'
            ELSE 'submitted' END AS state
  FROM (SELECT g, random() AS r_state, random() AS r_comm, random() AS r_cat, random() AS r_team,
               random() AS r_dep, random() AS r_esc, random() AS r_rate, random() AS r_age
          FROM generate_series(1, :orders) g) x;

INSERT INTO orders (tracking_code, community_id, category_id, department_id, team_id, state, description,
                    contact_name, contact_phone, address, preferred_time, created_at, updated_at, dispatched_at, claimed_at,
                    accepted_at, started_at, completed_at, closed_at, due_at, escalated_at, reason, summary,
                    last_event_hash, event_count)
SELECT pg_temp.gen_code(g.g + :code_base),
       c.id, cat.id,
       CASE WHEN g.state IN ('submitted', 'rejected') OR (g.state = 'cancelled' AND g.r_dep < 0.5) THEN NULL
            WHEN g.state IN ('dispatched', 'claimed', 'cancelled') THEN d.id
            ELSE t.department_id END,
       CASE WHEN g.state IN ('accepted', 'in_progress', 'completed', 'closed') THEN t.id END,
       g.state,
       format('生成的需求 %s：家里的电脑连不上网，想请志愿者上门看看', g.g), :'mark', '139' || lpad((g.g % 100000000)::text, 8, '0'),
       '生成地址', '',
       g.created_at, g.created_at + interval '5 days',
       CASE WHEN g.state NOT IN ('submitted', 'rejected') AND NOT (g.state = 'cancelled' AND g.r_dep < 0.5)
            THEN g.created_at + g.r_team * interval '20 hours' END,
       CASE WHEN g.state IN ('claimed', 'accepted', 'in_progress', 'completed', 'closed')
            THEN g.created_at + interval '22 hours' + g.r_esc * interval '10 hours' END,
       CASE WHEN g.state IN ('accepted', 'in_progress', 'completed', 'closed')
            THEN g.created_at + interval '40 hours' + g.r_rate * interval '30 hours' END,
       CASE WHEN g.state IN ('in_progress', 'completed', 'closed')
            THEN g.created_at + interval '80 hours' + g.r_dep * interval '30 hours' END,
       CASE WHEN g.state IN ('completed', 'closed')
            THEN g.created_at + interval '120 hours' + g.r_comm * interval '40 hours' END,
       CASE WHEN g.state = 'closed' THEN g.created_at + interval '170 hours' + g.r_cat * interval '20 hours' END,
       CASE WHEN g.state IN ('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed')
            THEN g.created_at + interval '48 hours' END,
       CASE WHEN g.state IN ('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed')
                 AND g.r_esc < 0.3 THEN g.created_at + interval '49 hours' END,
       CASE WHEN g.state IN ('rejected', 'cancelled') THEN '生成的原因' END,
       CASE WHEN g.state IN ('completed', 'closed') THEN '已上门处理' END,
       decode(repeat('ab', 32), 'hex'),
       CASE WHEN g.state IN ('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress', 'completed')
                 AND g.r_esc < 0.3 THEN 2 ELSE 1 END
  FROM g_orders g
  JOIN g_comm c ON c.i = (g.r_comm * (SELECT count(*) FROM g_comm))::int % (SELECT count(*) FROM g_comm)
  JOIN g_cat cat ON cat.i = (g.r_cat * (SELECT count(*) FROM g_cat))::int % (SELECT count(*) FROM g_cat)
  JOIN g_team t ON t.i = (g.r_team * (SELECT count(*) FROM g_team))::int % (SELECT count(*) FROM g_team)
  JOIN g_dep d ON d.i = (g.r_dep * (SELECT count(*) FROM g_dep))::int % (SELECT count(*) FROM g_dep)
 ORDER BY g.created_at;

-- The audit chain's first link for every order; a second (escalate) where the sweep escalated it.
INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_role, note, at, prev_hash, hash)
SELECT o.id, 1, 'submit', NULL, 'submitted', 'resident', '', o.created_at, decode(repeat('00', 32), 'hex'),
       decode(repeat('ab', 32), 'hex')
  FROM orders o WHERE o.contact_name = :'mark';
INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_role, note, at, prev_hash, hash)
SELECT o.id, 2, 'escalate', o.state, o.state, 'system', '', o.escalated_at, decode(repeat('ab', 32), 'hex'),
       decode(repeat('ab', 32), 'hex')
  FROM orders o WHERE o.contact_name = :'mark' AND o.escalated_at IS NOT NULL;

-- Claimed orders are offered to their department's first teams; later ones to the team that has them.
-- Each offer carries its order's "escalated" (the trigger that sets it is off here: sql/099).
INSERT INTO order_offers (order_id, team_id, offered_at, escalated)
SELECT o.id, o.team_id, o.claimed_at, o.escalated_at IS NOT NULL FROM orders o
 WHERE o.contact_name = :'mark' AND o.team_id IS NOT NULL;
INSERT INTO order_offers (order_id, team_id, offered_at, escalated)
SELECT o.id, t.id, o.claimed_at, o.escalated_at IS NOT NULL
  FROM orders o
  JOIN LATERAL (SELECT id FROM teams WHERE department_id = o.department_id ORDER BY id LIMIT 2) t ON true
 WHERE o.contact_name = :'mark' AND o.state = 'claimed' AND o.id % 2 = 0
ON CONFLICT DO NOTHING;

-- One member's hours per finished order: verified once closed; a few corrected.
INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, recorded_at, verified_at)
SELECT o.id, t.volunteer_id, o.team_id, 1 + (o.id % 12) * 0.25,
       CASE WHEN o.state = 'closed' THEN 'verified' ELSE 'pending' END, o.completed_at,
       CASE WHEN o.state = 'closed' THEN o.closed_at END
  FROM orders o JOIN g_team t ON t.id = o.team_id
 WHERE o.contact_name = :'mark' AND o.state IN ('completed', 'closed');
INSERT INTO service_records (order_id, volunteer_id, team_id, hours, status, recorded_at, verified_at,
                             corrects_id, correction_reason)
SELECT s.order_id, s.volunteer_id, s.team_id, s.hours + 0.5, 'verified', s.verified_at + interval '1 day',
       s.verified_at + interval '1 day', s.id, '生成的更正'
  FROM service_records s JOIN orders o ON o.id = s.order_id
 WHERE o.contact_name = :'mark' AND s.status = 'verified' AND s.id % 50 = 0;

INSERT INTO evaluations (order_id, rating, comment, created_at)
SELECT o.id, 1 + (o.id % 5), '', o.closed_at FROM orders o
 WHERE o.contact_name = :'mark' AND o.state = 'closed' AND o.id % 3 <> 0;

SET session_replication_role = origin;
-- The statistics' kept rows (sql/022_stats_facts.sql), which the triggers switched off above did not write.
SELECT paidan_stats_rebuild();
-- The generated history is not news: nobody is told about it (sql/030_notifications.sql). Without
-- this the server's notification expander walks every generated event during the measurements
-- (2.2 s a statement at 1M orders, found in the 1M run).
UPDATE notify_state SET expanded_below = (SELECT COALESCE(max(id), 0) FROM order_events) WHERE id = 1;
VACUUM ANALYZE;
