/* outbox_expand: events → notification rows. The facts a rule needs (consent, phones of leads,
 * which offices have a robot) are read with the event, the table decides, one statement writes. */
#include "outbox_expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "notify_rules.h"
#include "query.h"
#include "xalloc.h"

#define MAX_OFFERED 50

/* The events a pass reads, LIMIT appended as a constant. The marks are read once per pass as a set
 * (a hashed NOT IN over the marks above the floor; event_id is never NULL): as NOT EXISTS, a plan
 * made while notify_expanded was nearly empty joined each event to a sequential scan of it, kept
 * for the connection's life as the table grew (10-14 ms a pass in tests/bench/notify.sh). */
#define FETCH_SQL(LIMIT)                                                                                                                            \
	"SELECT e.id, e.order_id, e.action, e.from_state, e.to_state, e.actor_role,"                                                                \
	"       o.tracking_code, o.sms_consent, o.contact_phone, o.community_id, COALESCE(o.department_id, 0) AS department_id,"                    \
	"       COALESCE(NULLIF(e.note, ''), o.reason) AS reason, cm.name AS community_name, cat.name AS category_name, d.name AS department_name," \
	"       COALESCE((SELECT t.name FROM users u JOIN teams t ON t.id = u.team_id"                                                              \
	"                  WHERE e.action = 'accept' AND u.id = e.actor_user_id), tm.name) AS team_name,"                                           \
	"       left(o.description, 200) AS description,"                                                                                           \
	"       (SELECT v.phone FROM team_members m JOIN volunteers v ON v.id = m.volunteer_id"                                                     \
	"         WHERE m.team_id = o.team_id AND m.role = 'lead' LIMIT 1) AS lead_phone,"                                                          \
	"       CASE WHEN e.action = 'offer' THEN"                                                                                                  \
	"         (SELECT string_agg(v.phone, ',') FROM order_offers f"                                                                             \
	"            JOIN team_members m ON m.team_id = f.team_id AND m.role = 'lead'"                                                              \
	"            JOIN volunteers v ON v.id = m.volunteer_id"                                                                                    \
	"           WHERE f.order_id = e.order_id AND f.offered_at = e.at)" /* an acceptance withdrawn by the sweep: the teams still offered it */  \
	"       WHEN e.action = 'expire_accept' THEN"                                                                                               \
	"         (SELECT string_agg(v.phone, ',') FROM order_offers f"                                                                             \
	"            JOIN team_members m ON m.team_id = f.team_id AND m.role = 'lead'"                                                              \
	"            JOIN volunteers v ON v.id = m.volunteer_id"                                                                                    \
	"           WHERE f.order_id = e.order_id) END AS offered_phones,"                                                                          \
	"       EXISTS (SELECT 1 FROM robot_webhooks r WHERE r.scope = 'community' AND r.scope_id = o.community_id) AS robot_community,"            \
	"       EXISTS (SELECT 1 FROM robot_webhooks r WHERE r.scope = 'department' AND r.scope_id = o.department_id) AS robot_department,"         \
	"       EXISTS (SELECT 1 FROM robot_webhooks r WHERE r.scope = 'county') AS robot_county"                                                   \
	"  FROM order_events e"                                                                                                                     \
	"  JOIN orders o ON o.id = e.order_id"                                                                                                      \
	"  JOIN communities cm ON cm.id = o.community_id"                                                                                           \
	"  JOIN categories cat ON cat.id = o.category_id"                                                                                           \
	"  LEFT JOIN departments d ON d.id = o.department_id"                                                                                       \
	"  LEFT JOIN teams tm ON tm.id = o.team_id"                                                                                                 \
	" WHERE e.id > GREATEST((SELECT expanded_below FROM notify_state WHERE id = 1), $1::bigint)"                                                \
	"   AND e.id NOT IN (SELECT x.event_id FROM notify_expanded x"                                                                              \
	"                     WHERE x.event_id > GREATEST((SELECT expanded_below FROM notify_state WHERE id = 1), $1::bigint))"                     \
                                                                                                                                                    \
	" ORDER BY e.id LIMIT " LIMIT
static struct db_statement fetch_statement = DB_STATEMENT("outbox_expand_fetch", FETCH_SQL("200"), 1);
static struct db_statement fetch_few_statement = DB_STATEMENT("outbox_expand_fetch_few", FETCH_SQL("50"), 1);
_Static_assert(OUTBOX_EXPAND_BATCH == 200 && OUTBOX_EXPAND_FEW == 50, "the fetch statements' LIMITs");

/* The fetch's columns, each looked up by name once per result (query_column). */
#define EVENT_COLUMNS(X)                                                                                               \
	X(id)                                                                                                          \
	X(order_id)                                                                                                    \
	X(action)                                                                                                      \
	X(from_state)                                                                                                  \
	X(to_state)                                                                                                    \
	X(actor_role)                                                                                                  \
	X(tracking_code)                                                                                               \
	X(sms_consent)                                                                                                 \
	X(contact_phone)                                                                                               \
	X(community_id)                                                                                                \
	X(department_id)                                                                                               \
	X(reason)                                                                                                      \
	X(community_name)                                                                                              \
	X(category_name)                                                                                               \
	X(department_name)                                                                                             \
	X(team_name)                                                                                                   \
	X(description)                                                                                                 \
	X(lead_phone)                                                                                                  \
	X(offered_phones)                                                                                              \
	X(robot_community)                                                                                             \
	X(robot_department)                                                                                            \
	X(robot_county)

QUERY_COLUMNS(event_columns, EVENT_COLUMNS)

static struct db_statement insert_statement = DB_STATEMENT("outbox_expand_insert",
    "WITH items AS ("
    "  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r (event_id bigint, order_id bigint, rule text,"
    "         channel text, recipient text, template text, params jsonb, text text, urgent boolean)"
    "), n AS ("
    "  INSERT INTO notifications (event_id, order_id, rule, channel, recipient, template, params, text, urgent)"
    "  SELECT event_id, order_id, rule, channel, recipient, template, params, text, urgent FROM items"
    "  ON CONFLICT (event_id, recipient, channel) DO NOTHING RETURNING 1"
    "), x AS ("
    "  INSERT INTO notify_expanded (event_id) SELECT unnest($2::bigint[]) ON CONFLICT DO NOTHING RETURNING 1"
    "), erased AS ("
    /* An order's personal data erased (erasure.c): what its notifications said goes too, and the
       resident's number (one per event, so 'erased' stays unique per event). */
    "  UPDATE notifications SET text = '（已删除）', params = '[]',"
    "         recipient = CASE WHEN rule LIKE 'resident\\_%' THEN 'erased' ELSE recipient END"
    "   WHERE order_id IN (SELECT order_id FROM order_events WHERE id = ANY ($2::bigint[]) AND action = 'erase')"
    "     AND state IN ('sent', 'failed')"
    ")"
    "SELECT (SELECT count(*) FROM n), (SELECT count(*) FROM x)",
    2);

static struct db_statement advance_statement = DB_STATEMENT("outbox_expand_advance",
    "WITH b AS (SELECT expanded_below AS v FROM notify_state WHERE id = 1 FOR UPDATE),"
    " first_open AS (SELECT min(e.id) AS id FROM order_events e, b WHERE e.id > b.v"
    "                   AND NOT EXISTS (SELECT 1 FROM notify_expanded x WHERE x.event_id = e.id)),"
    " settled AS (SELECT id FROM order_events WHERE at < now() - $1::bigint * interval '1 millisecond'"
    "              ORDER BY at DESC LIMIT 1),"
    " nb AS (SELECT LEAST(COALESCE((SELECT id FROM first_open) - 1, 9223372036854775807),"
    "                     COALESCE((SELECT id FROM settled), 0)) AS v),"
    " upd AS (UPDATE notify_state s SET expanded_below = nb.v FROM nb, b"
    "          WHERE s.id = 1 AND nb.v > b.v RETURNING s.expanded_below)"
    "DELETE FROM notify_expanded WHERE event_id <= (SELECT expanded_below FROM upd)",
    1);

struct expand_pass {
	struct app *app;
	struct db_pool *db;
	void (*done)(void *arg, int events, int64_t last_id, bool ok);
	int64_t last_id;
	void *arg;
	int events;
	struct json_object *items;
	int64_t event_id, order_id; /* of the event being expanded */
};

static void
emit(void *arg, const struct notify_item *item)
{
	struct expand_pass *p = arg;
	struct json_object *o = json_object_new_object(), *params = json_object_new_array();

	json_object_object_add(o, "event_id", json_object_new_int64(p->event_id));
	json_object_object_add(o, "order_id", json_object_new_int64(p->order_id));
	json_object_object_add(o, "rule", json_object_new_string(item->rule));
	json_object_object_add(o, "channel", json_object_new_string(item->channel));
	json_object_object_add(o, "recipient", json_object_new_string(item->recipient));
	json_object_object_add(o, "template", json_object_new_string(item->template_name));
	for (int i = 0; i < item->nparams; i++)
		json_object_array_add(params, json_object_new_string(item->params[i]));
	json_object_object_add(o, "params", params);
	json_object_object_add(o, "text", json_object_new_string(item->text));
	json_object_object_add(o, "urgent", json_object_new_boolean(item->urgent));
	json_object_array_add(p->items, o);
}

/* Reads row i into ev; phones points at storage for the offered leads' numbers. */
static bool
read_event(const PGresult *res, int i, const struct event_columns *c, const char *public_url, struct notify_event *ev,
    char *phones_buf, const char **phones)
{
	const char *offered = query_at(res, i, c->offered_phones);

	memset(ev, 0, sizeof *ev);
	if (!order_action_from_name(query_at_text(res, i, c->action), &ev->action) ||
	    !order_state_from_name(query_at_text(res, i, c->to_state), &ev->to) ||
	    !user_role_from_name(query_at_text(res, i, c->actor_role), &ev->actor_role))
		return false;
	if (!order_state_from_name(query_at(res, i, c->from_state), &ev->from))
		ev->from = ev->to;
	ev->event_id = query_at_id(res, i, c->id);
	ev->order_id = query_at_id(res, i, c->order_id);
	ev->tracking_code = query_at_text(res, i, c->tracking_code);
	ev->sms_consent = query_at_bool(res, i, c->sms_consent);
	ev->resident_phone = query_at_text(res, i, c->contact_phone);
	ev->community_id = query_at_id(res, i, c->community_id);
	ev->department_id = query_at_id(res, i, c->department_id);
	ev->reason = query_at(res, i, c->reason);
	ev->community_name = query_at(res, i, c->community_name);
	ev->category_name = query_at(res, i, c->category_name);
	ev->department_name = query_at(res, i, c->department_name);
	ev->team_name = query_at(res, i, c->team_name);
	ev->description = query_at(res, i, c->description);
	ev->team_lead_phone = query_at(res, i, c->lead_phone);
	ev->has_robot[ROBOT_COMMUNITY] = query_at_bool(res, i, c->robot_community);
	ev->has_robot[ROBOT_DEPARTMENT] = query_at_bool(res, i, c->robot_department);
	ev->has_robot[ROBOT_COUNTY] = query_at_bool(res, i, c->robot_county);
	ev->public_url = public_url;
	if (offered != NULL) {
		char *save = NULL, *tok;
		snprintf(phones_buf, MAX_OFFERED * 24, "%s", offered);
		for (tok = strtok_r(phones_buf, ",", &save); tok != NULL && ev->offered_count < MAX_OFFERED;
		     tok = strtok_r(NULL, ",", &save))
			phones[ev->offered_count++] = tok;
		ev->offered_lead_phones = phones;
	}
	return true;
}

static void
insert_done(void *arg, const struct db_reply *reply)
{
	struct expand_pass *p = arg;

	if (reply->status != DB_OK)
		log_warn(
		    "notifications not written; will retry", "reason", reply->message, "sqlstate", reply->sqlstate);
	p->done(p->arg, reply->status == DB_OK ? p->events : 0, p->last_id, reply->status == DB_OK);
	free(p);
}

static void
fetch_done(void *arg, const struct db_reply *reply)
{
	struct expand_pass *p = arg;
	const PGresult *res = reply->result;
	struct event_columns c;
	struct query q;
	char *ids, *phones_buf;
	struct json_object *items;
	size_t used = 0, cap;
	int n;

	if (reply->status != DB_OK || PQntuples(res) == 0) {
		if (reply->status != DB_OK)
			log_warn("reading events to notify failed", "reason", reply->message);
		p->done(p->arg, 0, 0, reply->status == DB_OK);
		free(p);
		return;
	}
	n = PQntuples(res);
	event_columns_find(res, &c);
	cap = (size_t)n * 22 + 3;
	ids = xmalloc(cap);
	phones_buf = xmalloc(MAX_OFFERED * 24);
	ids[used++] = '{';
	p->items = json_object_new_array();
	for (int i = 0; i < n; i++) {
		struct notify_event ev;
		const char *phones[MAX_OFFERED];

		used += (size_t)snprintf(ids + used, cap - used, "%s%s", i ? "," : "", query_at_text(res, i, c.id));
		if (!read_event(res, i, &c, p->app->cfg->public_url, &ev, phones_buf, phones))
			continue;
		p->event_id = ev.event_id;
		p->order_id = ev.order_id;
		notify_rules_expand(&ev, emit, p);
	}
	snprintf(ids + used, cap - used, "}");
	p->events = n;
	p->last_id = query_at_id(res, n - 1, c.id); /* ordered by id */
	items = p->items; /* p may be gone once query_send returns */
	query_start_pool(&q, p->db, &insert_statement);
	query_text(&q, 1, json_object_to_json_string_ext(items, JSON_C_TO_STRING_PLAIN));
	query_text(&q, 2, ids);
	query_send(&q, insert_done, p);
	json_object_put(items);
	free(ids);
	free(phones_buf);
}

void
outbox_expand_run(struct app *app, struct db_pool *db, int64_t floor, bool few,
    void (*done)(void *arg, int events, int64_t last_id, bool ok), void *arg)
{
	struct expand_pass *p = xcalloc(1, sizeof *p);
	struct query q;

	p->app = app;
	p->db = db;
	p->done = done;
	p->arg = arg;
	query_start_pool(&q, db, few ? &fetch_few_statement : &fetch_statement);
	query_id(&q, 1, floor);
	query_send(&q, fetch_done, p);
}

static void
advance_done(void *arg, const struct db_reply *reply)
{
	(void)arg;
	if (reply->status == DB_SQL_ERROR)
		log_warn("notification watermark not moved", "reason", reply->message);
}

void
outbox_expand_advance(struct db_pool *db, long lag_ms)
{
	struct query q;

	query_start_pool(&q, db, &advance_statement);
	query_int(&q, 1, lag_ms);
	query_send(&q, advance_done, NULL);
}
