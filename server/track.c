/* track: the code is the capability, so nothing here identifies the resident beyond a masked hint. */
#include "track.h"

#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "db.h"
#include "http.h"
#include "order_model.h"
#include "tracking_code.h"
#include "xalloc.h"

static struct db_statement track_statement = DB_STATEMENT("track_get",
    "SELECT jsonb_build_object("
    "    'tracking_code', o.tracking_code, 'state', o.state, 'description', o.description,"
    "    'contact_name', left(o.contact_name, 1) || '*', 'contact_phone', paidan_mask_phone(o.contact_phone),"
    "    'community_name', (SELECT c.name FROM communities c WHERE c.id = o.community_id),"
    "    'category_name', (SELECT c.name FROM categories c WHERE c.id = o.category_id),"
    "    'department_name', (SELECT d.name FROM departments d WHERE d.id = o.department_id),"
    "    'team_name', (SELECT t.name FROM teams t WHERE t.id = o.team_id),"
    "    'reason', o.reason, 'summary', o.summary, 'created_at', o.created_at, 'updated_at', o.updated_at,"
    "    'due_at', o.due_at, 'overdue', o.due_at IS NOT NULL AND o.due_at < now(),"
    "    'events', paidan_order_events_json(o.id, false),"
    "    'evaluation', (SELECT json_build_object('rating', e.rating, 'comment', e.comment,"
    "                    'created_at', e.created_at) FROM evaluations e WHERE e.order_id = o.id))::text,"
    "  o.state, EXISTS (SELECT 1 FROM evaluations e WHERE e.order_id = o.id)"
    "  FROM orders o WHERE o.tracking_code = $1",
    1);

static void
track_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const PGresult *res = reply->result;
	enum order_action actions[ORDER_ACTION_COUNT];
	enum order_state state;
	struct json_object *body, *list;
	int n;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0 || !order_state_from_name(PQgetvalue(res, 0, 1), &state)) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	body = json_tokener_parse(PQgetvalue(res, 0, 0));
	if (body == NULL || !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	n = order_actions_for(state, ROLE_RESIDENT, actions, ORDER_ACTION_COUNT);
	list = json_object_new_array();
	for (int i = 0; i < n; i++)
		if (!(actions[i] == ORDER_ACTION_EVALUATE && strcmp(PQgetvalue(res, 0, 2), "t") == 0))
			json_object_array_add(list, json_object_new_string(order_action_name(actions[i])));
	json_object_object_add(body, "actions", list);
	http_reply_json(r, 200, body);
}

void
track_reply(struct request *r, const char *code)
{
	const char *values[1] = {code};

	db_query(r->app->db, &track_statement, values, track_done, r);
}

void
track_get(struct request *r)
{
	char code[TRACKING_CODE_LEN + 1];

	if (!tracking_code_normalize(route_param(&r->match, "code"), code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	track_reply(r, code);
}
