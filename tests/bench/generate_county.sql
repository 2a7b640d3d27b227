-- A large generated county on top of the demo one, for benchmarks: 1,000 teams, 50,000 volunteers
-- with 2–4 skills each, 50 members per team, 60 towns' worth of service areas, and orders.
-- Deterministic (setseed), so runs compare.
SELECT setseed(0.42);

INSERT INTO teams (name, department_id)
SELECT format('生成服务队%s', g), d.id
  FROM generate_series(1, 1000) g
  JOIN LATERAL (SELECT id FROM departments ORDER BY id OFFSET (g % (SELECT count(*) FROM departments)) LIMIT 1) d ON true
ON CONFLICT (name) DO NOTHING;

INSERT INTO team_towns (team_id, town_id)
SELECT t.id, tw.id FROM teams t JOIN towns tw ON (t.id + tw.id) % 3 = 0
 WHERE t.name LIKE '生成服务队%'
ON CONFLICT DO NOTHING;

INSERT INTO volunteers (volunteer_no, name, phone)
SELECT format('GEN-%s', g), format('生成志愿者%s', g), format('137%s', lpad(g::text, 8, '0'))
  FROM generate_series(1, 50000) g
ON CONFLICT (volunteer_no) DO NOTHING;

INSERT INTO volunteer_skills (volunteer_id, skill_id, level)
SELECT v.id, s.id, 1 + (v.id + s.id) % 5
  FROM volunteers v JOIN skills s ON (v.id * 7 + s.id * 13) % 6 = 0
 WHERE v.volunteer_no LIKE 'GEN-%'
ON CONFLICT DO NOTHING;

INSERT INTO team_members (team_id, volunteer_id, role)
SELECT t.id, v.id, CASE WHEN (v.n - 1) % 50 = 0 THEN 'lead' ELSE 'member' END
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM volunteers WHERE volunteer_no LIKE 'GEN-%') v
  JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM teams WHERE name LIKE '生成服务队%') t
    ON t.n = (v.n - 1) / 50 + 1
ON CONFLICT DO NOTHING;

ANALYZE;
