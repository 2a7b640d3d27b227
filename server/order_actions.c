/* order_actions: POST /api/v1/orders/{id}/{action} and the resident's /api/v1/track/{code}/{action}.
 *
 * Every action goes the same way: check the role against the model (403), validate
 * the body (422), read the order (404), check scope (403) and state (409) in C,
 * then one guarded statement moves the order and appends its audit event. The
 * statement's guard includes the chain head read before, so if anyone moved the
 * order in between it changes nothing and the answer is 409 with the new state. */
#include "order_actions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "attendance.h"
#include "audit.h"
#include "auth_user.h"
#include "checkin.h"
#include "db.h"
#include "form_pages.h"
#include "http.h"
#include "menu_cancel.h"
#include "order_facts.h"
#include "order_input.h"
#include "order_model.h"
#include "order_statements.h"
#include "outbox.h"
#include "query.h"
#include "resident_key.h"
#include "resident_login.h"
#include "track.h"
#include "tracking_code.h"
#include "validate.h"
#include "xalloc.h"

/* A transition that finds the order locked tries again a few times, 10, 20, 40, 80 ms later,
 * holding no connection meanwhile: a concurrent transition commits in that time (and the answer is
 * then 409 with the new state), while a lock held longer gets 503 busy with Retry-After. */
#define LOCK_RETRIES 4
#define LOCK_RETRY_MS 10

struct action_state {
	enum order_action action;
	enum user_role role;
	/* The role the model is asked about: the resident's when a community worker cancels or rates
	 * on a resident's behalf (a resident who lost their key asks their community). */
	enum user_role model_role;
	int64_t actor_id;
	int64_t scope_id;
	int64_t order_id; /* from the path, then from the row read */
	char tracking_code[TRACKING_CODE_LEN + 1];
	bool html; /* a form posted by a browser without JavaScript: answered with pages */
	struct order_input input;
	char resident_session[65]; /* hash of a 查我的点单 session cookie, or "" */
	struct json_object *body;
	bool retried;
	int lock_retries;
	/* The transition, once the order is read (sent again when the row was locked). */
	struct order_transition transition;
	struct audit_link link;
	char checkin_note[256]; /* start: how the team's arrival was verified */
	char *payload;
};

static void
action_state_free(void *p)
{
	struct action_state *s = p;

	order_input_free(&s->input);
	json_object_put(s->body);
	free(s->payload);
	free(s);
}

static struct action_state *
action_state_new(struct request *r, enum order_action action)
{
	struct action_state *s = http_state_new(r, sizeof *s, action_state_free);

	s->action = action;
	return s;
}

/* A browser without JavaScript gets a page saying what went wrong, linking back to its order;
 * true when it did (the request is answered). */
static bool
reply_page_if_html(struct request *r, int status, const char *message)
{
	struct action_state *s = r->state;
	char *link, *page;

	if (!s->html)
		return false;
	link = track_page_link(s->tracking_code, s->input.resident_key);
	page = form_page_message("没有办成", message, link);
	http_reply_html(r, status, page, strlen(page));
	free(page);
	free(link);
	return true;
}

/* Fills the statement's action-specific parameters; false after replying 422. */
static bool
validate_body(struct request *r, struct action_state *s)
{
	struct field_errors errors;
	struct order_input *in = &s->input;

	field_errors_init(&errors);
	/* A 查我的点单 session of the order's phone stands in for the resident key (checked on load). */
	bool key_needed = s->role == ROLE_RESIDENT &&
	    !(s->resident_session[0] != '\0' && !json_object_object_get_ex(s->body, "resident_key", NULL));

	if (!order_input_read(in, s->action, key_needed, s->body, &errors)) {
		if (!reply_page_if_html(r, 422, "请检查填写内容，例如评价的星数 (check what you filled in)"))
			api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return false;
	}
	field_errors_free(&errors);
	return true;
}

/* ---- reading, checking, writing ---- */

static void reply_conflict(struct request *r, const char *state);
static bool on_behalf_of_resident(const struct action_state *s);
static void load_send(struct request *r);

/* Whether this actor's scope covers the loaded order (row 0 of load_statement). */
static bool
in_scope(const struct action_state *s, const PGresult *res)
{
	const char *key_hash = query_cell(res, 0, "resident_key_hash");
	struct scope_order order = order_facts_from_row(res, 0, s->role);

	switch (s->role) {
	case ROLE_RESIDENT:
		return key_hash != NULL && strlen(key_hash) == RESIDENT_KEY_HASH_HEX - 1 &&
		    sodium_memcmp(key_hash, s->input.resident_key_hash, RESIDENT_KEY_HASH_HEX - 1) == 0;
	case ROLE_SYSTEM: return true;
	default: return scope_may_act(s->role, s->scope_id, s->action, &order);
	}
}

static void transition_send(struct request *r);

static void
transition_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	transition_send(arg);
}

static void
transition_done(struct request *r, const PGresult *res)
{
	struct action_state *s = r->state;

	if (PQntuples(res) == 0) {
		/* Someone moved the order between our read and our write: read again to say where it is. */
		s->retried = true;
		load_send(r);
		return;
	}
	outbox_wake(r->app->outbox);
	/* The resident sees the masked tracking view, never the staff view of the order. */
	if (s->role == ROLE_RESIDENT && s->html) {
		char *location = track_page_link(s->tracking_code, s->input.resident_key);
		http_set_header(r, "Location", location);
		free(location);
		http_reply_empty(r, 303);
		return;
	}
	if (s->role == ROLE_RESIDENT) {
		track_reply(r, s->tracking_code);
		return;
	}
	query_reply_cell(r, res, "order", 200);
}

/* A locked row is tried again later; the statement's own refusals name their field. */
static bool
transition_failed(struct request *r, const struct db_reply *reply)
{
	struct action_state *s = r->state;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "55P03") == 0 && s->lock_retries < LOCK_RETRIES) {
		int ms = LOCK_RETRY_MS << s->lock_retries++;
		struct timeval delay = {0, ms * 1000};
		event_base_once(r->app->base, -1, EV_TIMEOUT, transition_retry, r, &delay);
		return true;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "PD422") == 0) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, reply->message,
		    strcmp(reply->message, "team_ids") == 0
		        ? "只能派给本部门在册的服务队 (only active teams of this department)"
		        : "只能为接单队伍的队员登记时长 (hours only for members of the accepting team)");
		return true;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0 &&
	    strcmp(reply->constraint, "evaluations_pkey") == 0) {
		if (!reply_page_if_html(r, 409, "这一单已经评价过了。"))
			api_error_reply(r, API_ERROR_ALREADY_RATED, NULL);
		return true;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23503") == 0 &&
	    strstr(reply->constraint, "department") != NULL) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, "department_id", "没有这个部门 (no such department)");
		return true;
	}
	return false;
}

static void
transition_send(struct request *r)
{
	struct action_state *s = r->state;
	struct query q;

	order_transition_query(&q, r, &s->transition);
	query_run(&q, transition_done, transition_failed);
}

static void
reply_conflict(struct request *r, const char *state)
{
	if (!reply_page_if_html(r, 409, "这一单的状态已经变了，现在不能这样办理。"))
		api_error_reply_state(r, API_ERROR_STATE_CONFLICT, state);
}

static void
reply_wrong_key(struct request *r)
{
	struct json_object *fields;

	if (reply_page_if_html(r, 403, "这个链接不能办理这一单。丢失了链接，请找您的社区代办。"))
		return;
	fields = json_object_new_object();
	json_object_object_add(fields, "resident_key",
	    json_object_new_string(
	        "与这一单不符；丢失了请找社区代办 (does not match; your community can act for you)"));
	api_error_reply(r, API_ERROR_RESIDENT_KEY_WRONG, fields);
}

static void
load_done(struct request *r, const PGresult *res)
{
	struct action_state *s = r->state;
	struct order_transition *t = &s->transition;
	struct order_input *in = &s->input;
	enum order_state from;
	struct audit_event event = {0};

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (s->role == ROLE_RESIDENT && in->resident_key_hash[0] == '\0' && query_cell_bool(res, 0, "phone_session"))
		snprintf(
		    in->resident_key_hash, sizeof in->resident_key_hash, "%s", query_cell(res, 0, "resident_key_hash"));
	if (!in_scope(s, res)) {
		if (s->role == ROLE_RESIDENT) {
			reply_wrong_key(r);
		} else {
			api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		}
		return;
	}
	if (!order_state_from_name(query_cell(res, 0, "state"), &from)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	bool booking = query_cell_bool(res, 0, "booking");
	if (s->retried ||
	    (booking ? order_booking_check(s->action, from, s->model_role)
	             : order_action_check(s->action, from, s->model_role)) != ORDER_REFUSED_NONE) {
		reply_conflict(r, order_state_name(from));
		return;
	}

	*t = (struct order_transition){
	    .order_id = query_cell_id(res, 0, "id"),
	    .from = order_state_name(from),
	    /* A booking's cancel leads where any cancel does, also from accepted (order_booking_check). */
	    .to = order_state_name(
	        booking && s->action == ORDER_ACTION_CANCEL ? ORDER_CANCELLED : order_action_target(s->action, from)),
	    .action = order_action_name(s->action),
	    .link = &s->link,
	    .actor_id = s->actor_id,
	    .actor_role = user_role_name(s->role),
	    .note = in->note,
	    .department_id = in->department_id,
	    .team_ids = in->team_ids,
	    .volunteer_ids = in->volunteer_ids,
	    .hours = in->hours,
	    .over_span_reasons = in->over_span_reasons,
	    .rating = in->rating,
	    .resident_key_hash = in->resident_key_hash[0] != '\0' ? in->resident_key_hash : NULL,
	};
	s->order_id = t->order_id;
	if (s->action == ORDER_ACTION_START) { /* verified on site with the resident's check-in code, or not */
		struct timespec ts;
		const char *refused;

		clock_gettime(CLOCK_REALTIME, &ts);
		refused = checkin_start_note(s->body, query_cell(res, 0, "checkin_secret"),
		    query_cell_id(res, 0, "accepted_ms"), strtol(query_cell(res, 0, "checkin_failures"), NULL, 10),
		    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, s->checkin_note, sizeof s->checkin_note);
		if (refused != NULL) {
			checkin_refuse(r, query_cell(res, 0, "id"), s->actor_id, refused);
			return;
		}
		t->note = s->checkin_note;
	}
	if (s->action == ORDER_ACTION_COMPLETE) { /* hours beyond a volunteer's signed span need a reason */
		struct field_errors errors;
		field_errors_init(&errors);
		attendance_check_claims(in->hours_record, query_cell(res, 0, "spans"),
		    atoi(query_cell(res, 0, "span_tolerance")), in->over_span_reasons, &errors);
		if (api_reply_if_field_errors(r, &errors))
			return;
	}
	if (s->role == ROLE_COMMUNITY || s->role == ROLE_DEPARTMENT || s->role == ROLE_TEAM)
		t->scope_id = s->scope_id;
	free(s->payload);
	s->payload = order_input_payload(
	    in, s->action, (long long)s->scope_id, query_cell(res, 0, "hours_text"), on_behalf_of_resident(s));
	t->payload = s->payload;

	event.tracking_code = query_cell(res, 0, "tracking_code");
	event.action = t->action;
	event.from_state = t->from;
	event.to_state = t->to;
	event.actor_user_id = s->actor_id;
	event.actor_role = t->actor_role;
	event.note = t->note;
	event.payload = t->payload;
	if (!audit_next(&event, query_cell(res, 0, "head"), atoi(query_cell(res, 0, "event_count")), &s->link)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	if (booking && s->action == ORDER_ACTION_CANCEL) { /* its place goes to the first waiting */
		menu_cancel_booking(r, t, transition_done);
		return;
	}
	transition_send(r);
}

static void
load_send(struct request *r)
{
	struct action_state *s = r->state;
	struct query q;
	bool resident = s->role == ROLE_RESIDENT;

	order_load_query(&q, r, resident ? 0 : s->order_id, resident ? s->tracking_code : NULL,
	    s->role == ROLE_TEAM ? s->scope_id : 0,
	    resident && s->resident_session[0] != '\0' ? s->resident_session : NULL);
	query_run(&q, load_done, NULL);
}

/* Reads the body as an object; an empty body is an empty object (claim, accept, start, confirm). */
static bool
read_body(struct request *r, struct action_state *s)
{
	enum input_kind kind;
	size_t len;

	http_body(r, &len);
	if (len == 0) {
		s->body = json_object_new_object();
		return true;
	}
	s->body = http_parse_body(r, s->role == ROLE_RESIDENT, &kind);
	s->html = s->body != NULL && kind == INPUT_FORM && http_wants_html(r);
	return s->body != NULL;
}

static bool
on_behalf_of_resident(const struct action_state *s)
{
	return s->role == ROLE_COMMUNITY && (s->action == ORDER_ACTION_CANCEL || s->action == ORDER_ACTION_EVALUATE);
}

/* The actions a path may name; the system's are not reachable here. A community worker may cancel
 * or rate on a resident's behalf (the event's payload says so). */
static bool
action_from_path(const char *name, enum order_action *out)
{
	return order_action_from_name(name, out) && *out != ORDER_ACTION_SUBMIT && *out != ORDER_ACTION_ESCALATE;
}

void
order_action_post(struct request *r)
{
	enum order_action action;
	struct action_state *s;

	if (!action_from_path(route_param(&r->match, "action"), &action)) {
		api_error_reply(r, API_ERROR_NO_SUCH_ACTION, NULL);
		return;
	}
	s = action_state_new(r, action);
	s->order_id = strtoll(http_path_param(r, "id"), NULL, 10);
	s->role = r->user->role;
	s->actor_id = r->user->id;
	s->scope_id = r->user->scope_id;
	s->model_role = on_behalf_of_resident(s) ? ROLE_RESIDENT : s->role;
	if (order_action_check(s->action, ORDER_SUBMITTED, s->model_role) == ORDER_REFUSED_ROLE) {
		api_error_reply(r, API_ERROR_ACTION_FORBIDDEN_FOR_ROLE, NULL);
		return;
	}
	if (!read_body(r, s) || !validate_body(r, s))
		return;
	load_send(r);
}

void
order_action_track(struct request *r)
{
	const char *name = route_param(&r->match, "action");
	struct action_state *s;
	enum order_action action;

	if (strcmp(name, "cancel") == 0)
		action = ORDER_ACTION_CANCEL;
	else if (strcmp(name, "evaluation") == 0)
		action = ORDER_ACTION_EVALUATE;
	else {
		api_error_reply(r, API_ERROR_NO_SUCH_ACTION, NULL);
		return;
	}
	s = action_state_new(r, action);
	s->role = ROLE_RESIDENT;
	s->model_role = ROLE_RESIDENT;
	if (!resident_session_hash(r, s->resident_session))
		s->resident_session[0] = '\0';
	if (!tracking_code_normalize(route_param(&r->match, "code"), s->tracking_code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	if (!read_body(r, s) || !validate_body(r, s))
		return;
	load_send(r);
}
