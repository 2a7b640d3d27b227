-- Bench accounts: :count accounts like the account :like (its role, scope and password), named
-- :prefix-1 … :prefix-:count, so that many phones or desks can each log in as their own account
-- (one account holds at most 16 live-update streams). Accounts after the first :keep belong to the
-- county's other teams (a team account) or communities (a community's) in turn: a province's phones
-- and desks are spread over its teams and communities, and each sees its own orders. Written
-- straight into a throwaway bench database, outside the admin chain: `paidan audit verify` would
-- rightly flag them there.
--   psql URL -v like=demo-team -v prefix=bench-team -v count=1250 -v keep=4 -f tests/bench/accounts.sql
WITH other_teams AS (
    SELECT t.id, row_number() OVER (ORDER BY t.id) - 1 AS n, count(*) OVER () AS total
      FROM teams t, users u WHERE u.username = :'like' AND t.id IS DISTINCT FROM u.team_id
), other_communities AS (
    SELECT c.id, row_number() OVER (ORDER BY c.id) - 1 AS n, count(*) OVER () AS total
      FROM communities c, users u WHERE u.username = :'like' AND c.id IS DISTINCT FROM u.community_id
)
INSERT INTO users (username, password_hash, display_name, role, community_id, department_id, team_id)
SELECT :'prefix' || '-' || i, u.password_hash, '压测' || i, u.role,
       CASE WHEN u.role = 'community' AND i > :keep
            THEN COALESCE((SELECT o.id FROM other_communities o WHERE o.n = (i - :keep - 1) % o.total), u.community_id)
            ELSE u.community_id END,
       u.department_id,
       CASE WHEN u.role = 'team' AND i > :keep
            THEN COALESCE((SELECT o.id FROM other_teams o WHERE o.n = (i - :keep - 1) % o.total), u.team_id)
            ELSE u.team_id END
  FROM users u, generate_series(1, :count) i
 WHERE u.username = :'like' AND u.role <> 'volunteer'
ON CONFLICT (username) DO NOTHING;
