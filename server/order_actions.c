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
#include "order_facts.h"
#include "order_input.h"
#include "order_model.h"
#include "order_statements.h"
#include "outbox.h"
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
	char *values[T_COUNT];
	char tracking_code[TRACKING_CODE_LEN + 1];
	bool html; /* a form posted by a browser without JavaScript: answered with pages */
	struct order_input input;
	char resident_session[65]; /* hash of a 查我的点单 session cookie, or "" */
	struct json_object *body;
	bool retried;
	int lock_retries;
};

static void
action_state_free(void *p)
{
	struct action_state *s = p;

	for (int i = 0; i < T_COUNT; i++)
		free(s->values[i]);
	order_input_free(&s->input);
	json_object_put(s->body);
	free(s);
}

static void
set_text(struct action_state *s, int param, const char *text)
{
	free(s->values[param]);
	s->values[param] = text ? xstrdup(text) : NULL;
}

static void
set_number(struct action_state *s, int param, long long n)
{
	char text[24];

	snprintf(text, sizeof text, "%lld", n);
	set_text(s, param, text);
}

static struct action_state *
action_state_new(struct request *r, enum order_action action)
{
	struct action_state *s = xcalloc(1, sizeof *s);

	s->action = action;
	r->state = s;
	r->state_free = action_state_free;
	set_text(s, T_NOTE, "");
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
	set_text(s, T_NOTE, in->note);
	set_text(s, T_DEPARTMENT, in->department_id);
	set_text(s, T_TEAM_IDS, in->team_ids);
	set_text(s, T_VOLUNTEER_IDS, in->volunteer_ids);
	set_text(s, T_HOURS, in->hours);
	set_text(s, T_OVER_SPAN_REASONS, in->over_span_reasons);
	set_text(s, T_RATING, in->rating);
	if (in->resident_key_hash[0] != '\0')
		set_text(s, T_RESIDENT_KEY_HASH, in->resident_key_hash);
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
	const char *key_hash = PQgetvalue(res, 0, 9);
	struct scope_order order = order_facts_from_row(res, 0, s->role);

	switch (s->role) {
	case ROLE_RESIDENT:
		return strlen(key_hash) == RESIDENT_KEY_HASH_HEX - 1 &&
		    sodium_memcmp(key_hash, s->input.resident_key_hash, RESIDENT_KEY_HASH_HEX - 1) == 0;
	case ROLE_SYSTEM: return true;
	default: return scope_may_act(s->role, s->scope_id, s->action, &order);
	}
}

static void transition_done(void *arg, const struct db_reply *reply);

static void
transition_retry(evutil_socket_t fd, short what, void *arg)
{
	struct request *r = arg;
	struct action_state *s = r->state;

	(void)fd;
	(void)what;
	db_query(r->app->db, &order_transition_statement, (const char *const *)s->values, transition_done, r);
}

static void
transition_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct action_state *s = r->state;
	const char *text;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "55P03") == 0 && s->lock_retries < LOCK_RETRIES) {
		int ms = LOCK_RETRY_MS << s->lock_retries++;
		struct timeval delay = {0, ms * 1000};
		event_base_once(r->app->base, -1, EV_TIMEOUT, transition_retry, r, &delay);
		return;
	}

	if (reply->status == DB_OK) {
		if (PQntuples(reply->result) == 0) {
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
		text = PQgetvalue(reply->result, 0, 0);
		http_reply_json_text(r, 200, text, strlen(text));
		return;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "PD422") == 0) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(&errors, reply->message,
		    strcmp(reply->message, "team_ids") == 0
		        ? "只能派给本部门在册的服务队 (only active teams of this department)"
		        : "只能为接单队伍的队员登记时长 (hours only for members of the accepting team)");
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0 &&
	    strcmp(reply->constraint, "evaluations_pkey") == 0) {
		if (!reply_page_if_html(r, 409, "这一单已经评价过了。"))
			api_error_reply(r, API_ERROR_ALREADY_RATED, NULL);
		return;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23503") == 0 &&
	    strstr(reply->constraint, "department") != NULL) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(&errors, "department_id", "没有这个部门 (no such department)");
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	api_reply_db_error(r, reply);
}

static void
reply_conflict(struct request *r, const char *state)
{
	struct json_object *body = api_error_body(API_ERROR_STATE_CONFLICT, NULL);
	struct json_object *error;

	if (reply_page_if_html(r, 409, "这一单的状态已经变了，现在不能这样办理。")) {
		json_object_put(body);
		return;
	}
	json_object_object_get_ex(body, "error", &error);
	json_object_object_add(error, "state", json_object_new_string(state));
	http_reply_json(r, api_error_row(API_ERROR_STATE_CONFLICT)->status, body);
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
load_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct action_state *s = r->state;
	const PGresult *res = reply->result;
	enum order_state from;
	struct audit_event event = {0};
	struct audit_link link;
	char *payload;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (s->role == ROLE_RESIDENT && s->input.resident_key_hash[0] == '\0' &&
	    strcmp(PQgetvalue(res, 0, 11), "t") == 0) {
		snprintf(s->input.resident_key_hash, sizeof s->input.resident_key_hash, "%s", PQgetvalue(res, 0, 9));
		set_text(s, T_RESIDENT_KEY_HASH, s->input.resident_key_hash);
	}
	if (!in_scope(s, res)) {
		if (s->role == ROLE_RESIDENT) {
			reply_wrong_key(r);
		} else {
			api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		}
		return;
	}
	if (!order_state_from_name(PQgetvalue(res, 0, 1), &from)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	if (s->retried || order_action_check(s->action, from, s->model_role) != ORDER_REFUSED_NONE) {
		reply_conflict(r, order_state_name(from));
		return;
	}

	if (s->action == ORDER_ACTION_START) { /* verified on site with the resident's check-in code, or not */
		char note[256];
		struct timespec ts;
		const char *refused;

		clock_gettime(CLOCK_REALTIME, &ts);
		refused = checkin_start_note(s->body, db_value(res, 0, 12), strtoll(PQgetvalue(res, 0, 13), NULL, 10),
		    strtol(PQgetvalue(res, 0, 14), NULL, 10), (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, note,
		    sizeof note);
		if (refused != NULL) {
			checkin_refuse(r, PQgetvalue(res, 0, 0), s->actor_id, refused);
			return;
		}
		set_text(s, T_NOTE, note);
	}
	if (s->action == ORDER_ACTION_COMPLETE) { /* hours beyond a volunteer's signed span need a reason */
		struct field_errors errors;
		field_errors_init(&errors);
		attendance_check_claims(s->input.hours_record, PQgetvalue(res, 0, 15), atoi(PQgetvalue(res, 0, 16)),
		    s->input.over_span_reasons, &errors);
		if (api_reply_if_field_errors(r, &errors))
			return;
	}
	set_text(s, T_ID, PQgetvalue(res, 0, 0));
	set_text(s, T_FROM, order_state_name(from));
	set_text(s, T_TO, order_state_name(order_action_target(s->action, from)));
	set_text(s, T_ACTION, order_action_name(s->action));
	set_text(s, T_ACTOR_ROLE, user_role_name(s->role));
	if (s->actor_id > 0)
		set_number(s, T_ACTOR_ID, s->actor_id);
	if (s->role == ROLE_COMMUNITY || s->role == ROLE_DEPARTMENT || s->role == ROLE_TEAM)
		set_number(s, T_SCOPE, s->scope_id);
	payload = order_input_payload(
	    &s->input, s->action, (long long)s->scope_id, PQgetvalue(res, 0, 10), on_behalf_of_resident(s));
	set_text(s, T_PAYLOAD, payload);
	free(payload);

	event.tracking_code = PQgetvalue(res, 0, 5);
	event.action = s->values[T_ACTION];
	event.from_state = s->values[T_FROM];
	event.to_state = s->values[T_TO];
	event.actor_user_id = s->actor_id;
	event.actor_role = s->values[T_ACTOR_ROLE];
	event.note = s->values[T_NOTE];
	event.payload = s->values[T_PAYLOAD];
	if (!audit_next(&event, PQgetvalue(res, 0, 6), atoi(PQgetvalue(res, 0, 7)), &link)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	set_text(s, T_PREV_HASH, link.prev_hex);
	set_text(s, T_HASH, link.hash_hex);
	set_text(s, T_SEQ, link.seq);
	set_text(s, T_AT_US, link.at_us);
	set_text(s, T_VERSION, link.version);
	db_query(r->app->db, &order_transition_statement, (const char *const *)s->values, transition_done, r);
}

static void
load_send(struct request *r)
{
	struct action_state *s = r->state;
	char id_text[24], scope_text[24];
	const char *values[4] = {NULL, NULL, NULL, NULL};

	if (s->role == ROLE_RESIDENT) {
		values[1] = s->tracking_code;
		values[3] = s->resident_session[0] != '\0' ? s->resident_session : NULL;
	} else {
		snprintf(id_text, sizeof id_text, "%s", s->values[T_ID]);
		values[0] = id_text;
	}
	if (s->role == ROLE_TEAM) {
		snprintf(scope_text, sizeof scope_text, "%lld", (long long)s->scope_id);
		values[2] = scope_text;
	}
	db_query(r->app->db, &order_load_statement, values, load_done, r);
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
	set_text(s, T_ID, http_path_param(r, "id"));
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
