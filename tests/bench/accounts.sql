-- Bench accounts: :count accounts like the account :like (its role, scope and password), named
-- :prefix-1 … :prefix-:count, so that many phones or desks can each log in as their own account
-- (one account holds at most 16 live-update streams). Team accounts after the first :keep belong to
-- the county's other teams in turn (a province's phones are spread over its teams, and each sees
-- its own team's orders); other roles keep the scope of :like. Written straight into a throwaway
-- bench database, outside the admin chain: `paidan audit verify` would rightly flag them there.
--   psql URL -v like=demo-team -v prefix=bench-team -v count=1250 -v keep=4 -f tests/bench/accounts.sql
WITH other_teams AS (
    SELECT t.id, row_number() OVER (ORDER BY t.id) - 1 AS n, count(*) OVER () AS total
      FROM teams t, users u WHERE u.username = :'like' AND t.id IS DISTINCT FROM u.team_id
)
INSERT INTO users (username, password_hash, display_name, role, community_id, department_id, team_id)
SELECT :'prefix' || '-' || i, u.password_hash, '压测' || i, u.role, u.community_id, u.department_id,
       CASE WHEN u.role = 'team' AND i > :keep
            THEN COALESCE((SELECT o.id FROM other_teams o WHERE o.n = (i - :keep - 1) % o.total), u.team_id)
            ELSE u.team_id END
  FROM users u, generate_series(1, :count) i
 WHERE u.username = :'like' AND u.role <> 'volunteer'
ON CONFLICT (username) DO NOTHING;
