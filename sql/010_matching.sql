-- Team suggestions for an order, as one function so that the server and the benchmark run the
-- very same SQL (tests/bench/matching.sh compares the HTTP endpoint with pgbench calling this).
-- Candidates are the active teams of the order's department (all active teams before dispatch).
-- Weights: skills held / needed count most (can they do it?), then the town (can they get there?),
-- then past ratings; current load pushes a busy team down.
CREATE FUNCTION paidan_suggest_teams(p_order_id bigint)
RETURNS TABLE (order_found bigint, department_id bigint, suggestions text)
LANGUAGE sql STABLE AS $$
WITH o AS (
    SELECT o.id, o.category_id, o.department_id, c.town_id, t.name AS town_name
      FROM orders o JOIN communities c ON c.id = o.community_id JOIN towns t ON t.id = c.town_id
     WHERE o.id = p_order_id
), req AS (
    SELECT cs.skill_id FROM category_skills cs, o WHERE cs.category_id = o.category_id
), cand AS (
    SELECT tm.id, tm.name FROM teams tm, o
     WHERE tm.status = 'active' AND (o.department_id IS NULL OR tm.department_id = o.department_id)
), held AS (
    SELECT m.team_id, count(DISTINCT vs.skill_id) AS n
      FROM cand
      JOIN team_members m ON m.team_id = cand.id
      JOIN volunteers v ON v.id = m.volunteer_id AND v.status = 'active'
      JOIN volunteer_skills vs ON vs.volunteer_id = m.volunteer_id AND vs.skill_id IN (SELECT skill_id FROM req)
     GROUP BY m.team_id
), load AS (
    SELECT x.team_id, count(*) AS n FROM orders x
     WHERE x.team_id IN (SELECT id FROM cand) AND x.state IN ('accepted', 'in_progress')
     GROUP BY x.team_id
), rating AS (
    SELECT x.team_id, avg(e.rating) AS avg, count(*) AS n
      FROM orders x JOIN evaluations e ON e.order_id = x.id
     WHERE x.team_id IN (SELECT id FROM cand)
     GROUP BY x.team_id
), scored AS (
    SELECT cand.id, cand.name,
           COALESCE(held.n, 0) AS held,
           (SELECT count(*) FROM req) AS needed,
           CASE WHEN (SELECT count(*) FROM req) = 0 THEN 1.0
                ELSE COALESCE(held.n, 0)::numeric / (SELECT count(*) FROM req) END AS skill_share,
           EXISTS (SELECT 1 FROM team_towns tt, o WHERE tt.team_id = cand.id AND tt.town_id = o.town_id) AS serves_town,
           COALESCE(load.n, 0) AS open_orders,
           rating.avg AS rating,
           COALESCE(rating.n, 0) AS rated,
           EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = p_order_id AND f.team_id = cand.id) AS offered
      FROM cand
      LEFT JOIN held ON held.team_id = cand.id
      LEFT JOIN load ON load.team_id = cand.id
      LEFT JOIN rating ON rating.team_id = cand.id
)
SELECT (SELECT count(*) FROM o),
       (SELECT department_id FROM o),
       json_build_object(
           'order_id', p_order_id,
           'required_skills', (SELECT COALESCE(json_agg(json_build_object('code', s.code, 'name', s.name) ORDER BY s.id), '[]'::json)
                                 FROM skills s WHERE s.id IN (SELECT skill_id FROM req)),
           'items', COALESCE((SELECT json_agg(x ORDER BY x.score DESC, x.team_id) FROM (
               SELECT s.id AS team_id, s.name,
                      round(0.55 * s.skill_share + 0.25 * s.serves_town::int
                            + 0.20 * COALESCE(s.rating / 5, 0.6) - 0.05 * least(s.open_orders, 4), 3) AS score,
                      round(s.skill_share, 2) AS skill_share, s.serves_town, s.open_orders,
                      round(s.rating, 2) AS rating, s.rated AS rated_count, s.offered,
                      json_build_array(
                          CASE WHEN s.needed = 0 THEN '这类服务不需要特定技能'
                               WHEN s.held = s.needed THEN format('队员具备全部所需技能（%s/%s）', s.held, s.needed)
                               WHEN s.held = 0 THEN format('队员不具备所需技能（0/%s）', s.needed)
                               ELSE format('队员具备部分所需技能（%s/%s）', s.held, s.needed) END,
                          CASE WHEN s.serves_town THEN format('服务%s', (SELECT town_name FROM o))
                               ELSE format('不在%s服务', (SELECT town_name FROM o)) END,
                          CASE WHEN s.open_orders = 0 THEN '目前没有在办的单'
                               ELSE format('目前有 %s 单在办', s.open_orders) END,
                          CASE WHEN s.rated = 0 THEN '还没有评价'
                               ELSE format('居民评分 %s 分（%s 次评价）', round(s.rating, 1), s.rated) END
                      ) AS reasons
                 FROM scored s
                ORDER BY score DESC, s.id
                LIMIT 50) x), '[]'::json))::text
$$;
