/* track: the code is the capability to look, so nothing here identifies the resident. */
#include "track.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "db.h"
#include "form_pages.h"
#include "http.h"
#include "order_model.h"
#include "query.h"
#include "resident_key.h"
#include "tracking_code.h"
#include "xalloc.h"

static struct db_statement track_statement = DB_STATEMENT("track_get",
    "SELECT jsonb_build_object("
    "    'tracking_code', o.tracking_code, 'state', o.state,"
    "    'community_name', (SELECT c.name FROM communities c WHERE c.id = o.community_id),"
    "    'category_name', (SELECT c.name FROM categories c WHERE c.id = o.category_id),"
    "    'department_name', (SELECT d.name FROM departments d WHERE d.id = o.department_id),"
    "    'team_name', (SELECT t.name FROM teams t WHERE t.id = o.team_id),"
    "    'reason', CASE WHEN o.state IN ('rejected', 'cancelled') THEN o.reason END,"
    "    'created_at', o.created_at, 'updated_at', o.updated_at,"
    "    'due_at', o.due_at, 'overdue', o.due_at IS NOT NULL AND o.due_at < now(),"
    "    'events', paidan_order_events_public_json(o.id),"
    "    'evaluation', (SELECT json_build_object('rating', e.rating, 'comment', e.comment,"
    "                    'created_at', e.created_at) FROM evaluations e WHERE e.order_id = o.id),"
    /* a booking from the service menu: what was booked, and the place in the waiting list */
    "    'service', (SELECT json_build_object('id', s.id, 'title', s.title, 'place', s.place,"
    "                  'starts_at', s.starts_at, 'weekday', s.weekday,"
    "                  'time_of_day', to_char(s.time_of_day, 'HH24:MI'), 'ends_on', s.ends_on)"
    "                  FROM services s WHERE s.id = o.service_id),"
    "    'waiting_position', CASE WHEN o.state = 'waitlisted' THEN (SELECT count(*) FROM orders x"
    "        WHERE x.service_id = o.service_id AND x.state = 'waitlisted' AND x.id <= o.id) END)::text AS view,"
    "  o.state, EXISTS (SELECT 1 FROM evaluations e WHERE e.order_id = o.id) AS rated,"
    "  o.service_id IS NOT NULL AS booking"
    "  FROM orders o WHERE o.tracking_code = $1",
    1);

struct track_state {
	char code[TRACKING_CODE_LEN + 1];
	char key[RESIDENT_KEY_LEN + 1];
};

/* The view with "actions": what the resident may do now. NULL when the row is not an order. */
static struct json_object *
track_view(const PGresult *res)
{
	enum order_action actions[ORDER_ACTION_COUNT];
	enum order_state state;
	struct json_object *view, *list;
	int n;

	if (PQntuples(res) == 0 || !order_state_from_name(query_cell(res, 0, "state"), &state))
		return NULL;
	view = json_tokener_parse(query_cell(res, 0, "view"));
	if (view == NULL)
		return NULL;
	list = json_object_new_array();
	n = order_actions_for(state, ROLE_RESIDENT, actions, ORDER_ACTION_COUNT);
	if (query_cell_bool(res, 0, "booking") && state == ORDER_ACCEPTED &&
	    order_booking_check(ORDER_ACTION_CANCEL, state, ROLE_RESIDENT) == ORDER_REFUSED_NONE)
		actions[n++] = ORDER_ACTION_CANCEL; /* a booked place may be given back (menu_cancel.c) */
	for (int i = 0; i < n; i++) {
		if (actions[i] == ORDER_ACTION_EVALUATE && query_cell_bool(res, 0, "rated"))
			continue;
		json_object_array_add(list, json_object_new_string(order_action_name(actions[i])));
	}
	json_object_object_add(view, "actions", list);
	return view;
}

static void
track_json_done(struct request *r, const PGresult *res)
{
	struct json_object *view = track_view(res);

	if (view == NULL) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	http_reply_json(r, 200, view);
}

static void
reply_page_not_found(struct request *r)
{
	char *page = form_page_message("查不到这一单", "查询码不对，请核对。", "/form");

	http_reply_html(r, 404, page, strlen(page));
	free(page);
}

/* r->state is the track_state of track_page. */
static void
track_page_done(struct request *r, const PGresult *res)
{
	struct track_state *s = r->state;
	struct json_object *view = track_view(res);
	char *page;

	if (view == NULL) {
		reply_page_not_found(r);
		return;
	}
	page = form_page_track(view, s->code, s->key);
	json_object_put(view);
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

/* The statement for one tracking code; its rows go to done. */
static void
track_query(struct request *r, const char *code, query_rows done)
{
	struct query q;

	query_start(&q, r, &track_statement);
	query_text(&q, 1, code);
	query_run(&q, done, NULL);
}

void
track_reply(struct request *r, const char *code)
{
	track_query(r, code, track_json_done);
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

void
track_page(struct request *r)
{
	struct track_state *s = http_state_new(r, sizeof *s, NULL);
	const char *key = http_query_param(r, "key");

	if (key != NULL && resident_key_valid(key, strlen(key)))
		snprintf(s->key, sizeof s->key, "%s", key);
	if (!tracking_code_normalize(route_param(&r->match, "code"), s->code)) {
		reply_page_not_found(r);
		return;
	}
	track_query(r, s->code, track_page_done);
}

char *
track_page_link(const char *code, const char *key)
{
	size_t n = strlen("/form/track/") + strlen(code) + strlen("?key=") + (key ? strlen(key) : 0) + 1;
	char *out = xmalloc(n);

	if (key != NULL && key[0] != '\0')
		snprintf(out, n, "/form/track/%s?key=%s", code, key);
	else
		snprintf(out, n, "/form/track/%s", code);
	return out;
}
