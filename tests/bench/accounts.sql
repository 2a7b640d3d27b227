-- Bench accounts: :count copies of the account :like (its role, scope and password), named
-- :prefix-1 … :prefix-:count, so that many phones or desks can each log in as their own account
-- (one account holds at most 16 live-update streams). Written straight into a throwaway bench
-- database, outside the admin chain: `paidan audit verify` would rightly flag them there.
--   psql URL -v like=demo-team -v prefix=bench-team -v count=125 -f tests/bench/accounts.sql
INSERT INTO users (username, password_hash, display_name, role, community_id, department_id, team_id)
SELECT :'prefix' || '-' || i, u.password_hash, '压测' || i, u.role, u.community_id, u.department_id, u.team_id
  FROM users u, generate_series(1, :count) i
 WHERE u.username = :'like' AND u.role <> 'volunteer'
ON CONFLICT (username) DO NOTHING;
