/* matching: one statement ranks the candidate teams; the weights are here so they can be argued
 * with. Skills count most (can they do it?), then the town (can they get there?), then rating,
 * and current load pushes a busy team down. */
#include "matching.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth.h"
#include "db.h"
#include "http.h"

static struct db_statement suggest_statement = DB_STATEMENT("matching_suggest",
    "WITH o AS ("
    "  SELECT o.id, o.category_id, o.department_id, c.town_id, t.name AS town_name"
    "    FROM orders o JOIN communities c ON c.id = o.community_id JOIN towns t ON t.id = c.town_id"
    "   WHERE o.id = $1::bigint"
    "), req AS ("
    "  SELECT cs.skill_id FROM category_skills cs, o WHERE cs.category_id = o.category_id"
    "), cand AS ("
    "  SELECT tm.id, tm.name FROM teams tm, o"
    "   WHERE tm.status = 'active' AND (o.department_id IS NULL OR tm.department_id = o.department_id)"
    "), held AS ("
    "  SELECT m.team_id, count(DISTINCT vs.skill_id) AS n"
    "    FROM cand JOIN team_members m ON m.team_id = cand.id"
    "    JOIN volunteers v ON v.id = m.volunteer_id AND v.status = 'active'"
    "    JOIN volunteer_skills vs ON vs.volunteer_id = m.volunteer_id AND vs.skill_id IN (SELECT skill_id FROM req)"
    "   GROUP BY m.team_id"
    "), load AS ("
    "  SELECT x.team_id, count(*) AS n FROM orders x"
    "   WHERE x.team_id IN (SELECT id FROM cand) AND x.state IN ('accepted', 'in_progress')"
    "   GROUP BY x.team_id"
    "), rating AS ("
    "  SELECT x.team_id, avg(e.rating) AS avg, count(*) AS n"
    "    FROM orders x JOIN evaluations e ON e.order_id = x.id"
    "   WHERE x.team_id IN (SELECT id FROM cand) GROUP BY x.team_id"
    "), scored AS ("
    "  SELECT cand.id, cand.name,"
    "         COALESCE(held.n, 0) AS held, (SELECT count(*) FROM req) AS needed,"
    "         CASE WHEN (SELECT count(*) FROM req) = 0 THEN 1.0"
    "              ELSE COALESCE(held.n, 0)::numeric / (SELECT count(*) FROM req) END AS skill_share,"
    "         EXISTS (SELECT 1 FROM team_towns tt, o WHERE tt.team_id = cand.id AND tt.town_id = o.town_id)"
    "           AS serves_town,"
    "         COALESCE(load.n, 0) AS open_orders, rating.avg AS rating, COALESCE(rating.n, 0) AS rated,"
    "         EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = $1::bigint AND f.team_id = cand.id)"
    "           AS offered"
    "    FROM cand LEFT JOIN held ON held.team_id = cand.id LEFT JOIN load ON load.team_id = cand.id"
    "    LEFT JOIN rating ON rating.team_id = cand.id"
    ")"
    "SELECT (SELECT count(*) FROM o),"
    "       (SELECT department_id FROM o),"
    "       json_build_object('order_id', $1::bigint,"
    "         'required_skills', (SELECT COALESCE(json_agg(json_build_object('code', s.code, 'name', s.name)"
    "                              ORDER BY s.id), '[]'::json) FROM skills s WHERE s.id IN (SELECT skill_id FROM req)),"
    "         'items', COALESCE((SELECT json_agg(x ORDER BY x.score DESC, x.team_id) FROM ("
    "           SELECT s.id AS team_id, s.name,"
    "                  round(0.55 * s.skill_share + 0.25 * s.serves_town::int"
    "                        + 0.20 * COALESCE(s.rating / 5, 0.6) - 0.05 * least(s.open_orders, 4), 3) AS score,"
    "                  round(s.skill_share, 2) AS skill_share, s.serves_town, s.open_orders,"
    "                  round(s.rating, 2) AS rating, s.rated AS rated_count, s.offered,"
    "                  json_build_array("
    "                    CASE WHEN s.needed = 0 THEN '这类服务不需要特定技能'"
    "                         WHEN s.held = s.needed THEN format('队员具备全部所需技能（%s/%s）', s.held, s.needed)"
    "                         WHEN s.held = 0 THEN format('队员不具备所需技能（0/%s）', s.needed)"
    "                         ELSE format('队员具备部分所需技能（%s/%s）', s.held, s.needed) END,"
    "                    CASE WHEN s.serves_town THEN format('服务%s', (SELECT town_name FROM o))"
    "                         ELSE format('不在%s服务', (SELECT town_name FROM o)) END,"
    "                    CASE WHEN s.open_orders = 0 THEN '目前没有在办的单'"
    "                         ELSE format('目前有 %s 单在办', s.open_orders) END,"
    "                    CASE WHEN s.rated = 0 THEN '还没有评价'"
    "                         ELSE format('居民评分 %s 分（%s 次评价）', round(s.rating, 1), s.rated) END"
    "                  ) AS reasons"
    "             FROM scored s ORDER BY score DESC, s.id LIMIT 50) x), '[]'::json))::text",
    1);

static void
suggest_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;
	const char *text;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		http_reply_error(r, 404, "not_found", "没有这一单 (no such order)", NULL);
		return;
	}
	if (r->user.role == ROLE_DEPARTMENT &&
	    (PQgetisnull(res, 0, 1) || strtoll(PQgetvalue(res, 0, 1), NULL, 10) != r->user.scope_id)) {
		http_reply_error(r, 403, "forbidden", "这一单不归您处理 (this order is not in your scope)", NULL);
		return;
	}
	text = PQgetvalue(res, 0, 2);
	http_reply_json_text(r, 200, text, strlen(text));
}

static void
suggest_authenticated(struct request *r)
{
	char id[24];
	const char *values[1] = {id};
	int64_t order_id;

	if (!http_path_id(r, "id", &order_id))
		return;
	snprintf(id, sizeof id, "%lld", (long long)order_id);
	db_query(r->app->db, &suggest_statement, values, suggest_done, r);
}

void
matching_suggest(struct request *r)
{
	int64_t id;

	if (!http_path_id(r, "id", &id))
		return;
	auth_require(r, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_DEPARTMENT), suggest_authenticated);
}
