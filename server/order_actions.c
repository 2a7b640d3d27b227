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
#include "audit.h"
#include "auth_user.h"
#include "db.h"
#include "form_pages.h"
#include "http.h"
#include "order_facts.h"
#include "order_model.h"
#include "resident_key.h"
#include "track.h"
#include "tracking_code.h"
#include "validate.h"
#include "xalloc.h"

#define MAX_LIST 50

static struct db_statement load_statement = DB_STATEMENT("order_action_load",
    "SELECT o.id, o.state, o.community_id, o.department_id, o.team_id, o.tracking_code,"
    "       encode(o.last_event_hash, 'hex'), o.event_count,"
    "       EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $3::bigint) AS offered,"
    "       encode(o.resident_key_hash, 'hex'), paidan_audit_hours_text(o.id, false)"
    "  FROM orders o"
    " WHERE ($1::bigint IS NOT NULL AND o.id = $1::bigint) OR ($2::text IS NOT NULL AND o.tracking_code = $2::text)",
    3);

enum {
	T_ID,
	T_FROM,
	T_TO,
	T_ACTION,
	T_PREV_HASH,
	T_HASH,
	T_SEQ,
	T_AT_US,
	T_ACTOR_ID,
	T_ACTOR_ROLE,
	T_NOTE,
	T_SCOPE,
	T_DEPARTMENT,
	T_TEAM_IDS,
	T_VOLUNTEER_IDS,
	T_HOURS,
	T_RATING,
	T_RESIDENT_KEY_HASH,
	T_PAYLOAD,
	T_VERSION,
	T_COUNT
};

static struct db_statement transition_statement = DB_STATEMENT("order_transition",
    "WITH t AS (SELECT timestamptz 'epoch' + $8::bigint * interval '1 microsecond' AS at),"
    "upd AS ("
    "  UPDATE orders o SET"
    "    state = $3::text,"
    "    updated_at = t.at,"
    "    due_at = CASE WHEN $3::text = o.state THEN o.due_at"
    "                  ELSE t.at + paidan_stage_hours(o.category_id, $3::text) * interval '1 hour' END,"
    "    escalated_at = CASE WHEN $4::text = 'escalate' THEN t.at WHEN $3::text <> o.state THEN NULL"
    "                        ELSE o.escalated_at END,"
    "    department_id = CASE $4::text WHEN 'dispatch' THEN $13::bigint WHEN 'return' THEN NULL"
    "                                  ELSE o.department_id END,"
    "    team_id = CASE $4::text WHEN 'accept' THEN $12::bigint WHEN 'withdraw' THEN NULL ELSE o.team_id END,"
    "    reason = CASE WHEN $4::text IN ('reject', 'return', 'withdraw', 'cancel') THEN NULLIF($11::text, '')"
    "                  WHEN $4::text = 'dispatch' THEN NULL ELSE o.reason END,"
    "    summary = CASE WHEN $4::text = 'complete' THEN $11::text ELSE o.summary END,"
    "    dispatched_at = CASE WHEN $4::text = 'dispatch' THEN t.at ELSE o.dispatched_at END,"
    "    claimed_at = CASE WHEN $4::text = 'claim' THEN t.at ELSE o.claimed_at END,"
    "    accepted_at = CASE WHEN $4::text = 'accept' THEN t.at ELSE o.accepted_at END,"
    "    started_at = CASE WHEN $4::text = 'start' THEN t.at ELSE o.started_at END,"
    "    completed_at = CASE WHEN $4::text = 'complete' THEN t.at ELSE o.completed_at END,"
    "    closed_at = CASE WHEN $4::text IN ('confirm', 'reject', 'cancel') THEN t.at ELSE o.closed_at END,"
    "    last_event_hash = decode($6::text, 'hex'),"
    "    event_count = o.event_count + 1"
    "  FROM t"
    "  WHERE o.id = $1::bigint AND o.state = $2::text AND o.last_event_hash = decode($5::text, 'hex')"
    "    AND o.event_count + 1 = $7::int"
    "    AND CASE $10::text"
    "      WHEN 'community' THEN o.community_id = $12::bigint"
    "      WHEN 'department' THEN o.department_id = $12::bigint"
    "      WHEN 'team' THEN CASE WHEN $4::text = 'accept'"
    "          THEN EXISTS (SELECT 1 FROM order_offers f WHERE f.order_id = o.id AND f.team_id = $12::bigint)"
    "          ELSE o.team_id = $12::bigint END"
    "      WHEN 'resident' THEN o.resident_key_hash = decode($18::text, 'hex')"
    "      WHEN 'system' THEN true"
    "      ELSE false END"
    "  RETURNING o.*"
    "), ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role,"
    "                            note, at, prev_hash, hash, hash_version, payload)"
    "  SELECT id, $7::int, $4::text, $2::text, $3::text, $9::bigint, $10::text, $11::text, updated_at,"
    "         decode($5::text, 'hex'), decode($6::text, 'hex'), $20::smallint, $19::text FROM upd"
    "), offer_teams AS ("
    "  SELECT tm.id FROM upd JOIN teams tm ON tm.id = ANY ($14::bigint[])"
    "   AND tm.department_id = upd.department_id AND tm.status = 'active'"
    "  WHERE $4::text = 'offer'"
    "), offers AS ("
    "  INSERT INTO order_offers (order_id, team_id, offered_by, offered_at)"
    "  SELECT upd.id, ot.id, $9::bigint, upd.updated_at FROM upd, offer_teams ot"
    "  ON CONFLICT DO NOTHING"
    "), offers_cleared AS ("
    "  DELETE FROM order_offers f USING upd WHERE $4::text = 'return' AND f.order_id = upd.id"
    "), hours_in AS ("
    "  SELECT h.volunteer_id, h.hours"
    "    FROM upd CROSS JOIN LATERAL unnest($15::bigint[], $16::numeric[]) AS h (volunteer_id, hours)"
    "    JOIN team_members m ON m.team_id = upd.team_id AND m.volunteer_id = h.volunteer_id"
    "   WHERE $4::text = 'complete'"
    "), records AS ("
    "  INSERT INTO service_records (order_id, volunteer_id, team_id, hours, recorded_by, recorded_at)"
    "  SELECT upd.id, hi.volunteer_id, upd.team_id, hi.hours, $9::bigint, upd.updated_at FROM upd, hours_in hi"
    "), verified AS ("
    "  UPDATE service_records sr SET status = 'verified', verified_by = $9::bigint, verified_at = upd.updated_at"
    "    FROM upd WHERE $4::text = 'confirm' AND sr.order_id = upd.id AND sr.status = 'pending'"
    "), rated AS ("
    "  INSERT INTO evaluations (order_id, rating, comment, created_at)"
    "  SELECT upd.id, $17::smallint, $11::text, upd.updated_at FROM upd WHERE $4::text = 'evaluate'"
    ")"
    "SELECT paidan_order_json(upd::orders, paidan_phone_visible(upd::orders, $10::text, $12::bigint))::text"
    "  FROM upd"
    " WHERE paidan_check($4::text <> 'offer'"
    "                    OR (SELECT count(*) FROM offer_teams) = cardinality($14::bigint[]), 'team_ids')"
    "   AND paidan_check($4::text <> 'complete'"
    "                    OR (SELECT count(*) FROM hours_in) = cardinality($15::bigint[]), 'hours')",
    T_COUNT);

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
	char resident_key_hash[RESIDENT_KEY_HASH_HEX];
	bool html; /* a form posted by a browser without JavaScript: answered with pages */
	char resident_key[RESIDENT_KEY_LEN + 1];
	struct json_object *body;
	bool retried;
};

static void
action_state_free(void *p)
{
	struct action_state *s = p;

	for (int i = 0; i < T_COUNT; i++)
		free(s->values[i]);
	sodium_memzero(s->resident_key, sizeof s->resident_key);
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

/* ---- body validation, per action ---- */

static void
validate_reason(struct action_state *s, struct field_errors *errors, const char *field, size_t min)
{
	const char *text;
	size_t len;

	if (validate_text(errors, s->body, field, min, 500, TEXT_MULTI_LINE, &text, &len)) {
		char *copy = xstrndup(text, len);
		set_text(s, T_NOTE, copy);
		free(copy);
	}
}

/* A JSON array of distinct positive ids, 1..MAX_LIST long, as a PostgreSQL array literal. */
static void
validate_id_list(struct action_state *s, struct field_errors *errors, const char *field, int param)
{
	struct json_object *list;
	char text[MAX_LIST * 18 + 4];
	size_t used = 0;
	int64_t ids[MAX_LIST];
	size_t n;

	if (!json_object_object_get_ex(s->body, field, &list) || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > MAX_LIST) {
		field_errors_add(errors, field, "应为 1 到 50 个编号的列表 (a list of 1 to 50 ids)");
		return;
	}
	text[used++] = '{';
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		int64_t id = json_object_is_type(item, json_type_int) ? json_object_get_int64(item) : 0;
		if (id < 1 || id > ((int64_t)1 << 53)) {
			field_errors_add(errors, field, "每一项都应为正整数编号 (each item must be a positive id)");
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (ids[j] == id) {
				field_errors_add(errors, field, "编号不能重复 (ids must not repeat)");
				return;
			}
		ids[i] = id;
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%lld", i ? "," : "", (long long)id);
	}
	text[used++] = '}';
	text[used] = '\0';
	set_text(s, param, text);
}

/* "volunteer:hours,…" in ascending volunteer id: the chain's record of a completion. */
static void
set_hours_payload(struct action_state *s, int64_t *ids, int *hundredths, size_t n)
{
	char text[MAX_LIST * 40 + 4], decimal[16];
	size_t used = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			int64_t id = ids[j];
			int h = hundredths[j];
			ids[j] = ids[j - 1];
			hundredths[j] = hundredths[j - 1];
			ids[j - 1] = id;
			hundredths[j - 1] = h;
		}
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		format_hours(hundredths[i], decimal);
		used += (size_t)snprintf(
		    text + used, sizeof text - used, "%s%lld:%s", i ? "," : "", (long long)ids[i], decimal);
	}
	set_text(s, T_PAYLOAD, text);
}

static void
validate_completion(struct action_state *s, struct field_errors *errors)
{
	struct json_object *list;
	char volunteers[MAX_LIST * 18 + 4], hours[MAX_LIST * 8 + 4];
	size_t vu = 0, hu = 0, n;
	int64_t seen[MAX_LIST];
	int seen_hours[MAX_LIST];
	const char *text;
	size_t len;

	if (validate_text(errors, s->body, "summary", 1, 2000, TEXT_MULTI_LINE, &text, &len)) {
		char *copy = xstrndup(text, len);
		set_text(s, T_NOTE, copy);
		free(copy);
	}
	if (!json_object_object_get_ex(s->body, "hours", &list) || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > MAX_LIST) {
		field_errors_add(errors, "hours", "请为 1 到 50 名队员填写服务时长 (hours for 1 to 50 volunteers)");
		return;
	}
	volunteers[vu++] = '{';
	hours[hu++] = '{';
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i), *h;
		char field[32], decimal[16];
		int64_t volunteer_id;
		int hundredths;

		snprintf(field, sizeof field, "hours[%zu]", i);
		if (!json_object_is_type(item, json_type_object)) {
			field_errors_add(errors, field, "应为 {volunteer_id, hours} (must be {volunteer_id, hours})");
			return;
		}
		if (!validate_id(errors, item, "volunteer_id", INPUT_JSON, &volunteer_id)) {
			field_errors_add(
			    errors, field, "volunteer_id 应为正整数编号 (volunteer_id must be a positive id)");
			return;
		}
		if (!json_object_object_get_ex(item, "hours", &h) || !validate_hours(errors, h, field, &hundredths)) {
			field_errors_add(errors, field, "请填写时长 (hours required)");
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (seen[j] == volunteer_id) {
				field_errors_add(errors, field, "同一名队员只能登记一次 (one entry per volunteer)");
				return;
			}
		seen[i] = volunteer_id;
		seen_hours[i] = hundredths;
		format_hours(hundredths, decimal);
		vu += (size_t)snprintf(
		    volunteers + vu, sizeof volunteers - vu, "%s%lld", i ? "," : "", (long long)volunteer_id);
		hu += (size_t)snprintf(hours + hu, sizeof hours - hu, "%s%s", i ? "," : "", decimal);
	}
	/* validate_id above wrote into errors under "volunteer_id" only when it failed, and we returned then. */
	volunteers[vu++] = '}';
	volunteers[vu] = '\0';
	hours[hu++] = '}';
	hours[hu] = '\0';
	set_text(s, T_VOLUNTEER_IDS, volunteers);
	set_text(s, T_HOURS, hours);
	set_hours_payload(s, seen, seen_hours, n);
}

static void
validate_rating(struct action_state *s, struct field_errors *errors)
{
	struct json_object *v;
	int64_t rating = 0;
	const char *text;
	size_t len;
	char note[600];

	if (json_object_object_get_ex(s->body, "rating", &v) && json_object_is_type(v, json_type_int))
		rating = json_object_get_int64(v);
	else if (json_object_object_get_ex(s->body, "rating", &v) && json_object_is_type(v, json_type_string))
		rating = strtol(json_object_get_string(v), NULL, 10) * (strlen(json_object_get_string(v)) == 1);
	if (rating < 1 || rating > 5) {
		field_errors_add(errors, "rating", "请选择 1 到 5 颗星 (1 to 5 stars)");
		return;
	}
	set_number(s, T_RATING, rating);
	if (validate_text(errors, s->body, "comment", 0, 500, TEXT_MULTI_LINE, &text, &len)) {
		snprintf(note, sizeof note, "%.*s", (int)len, text);
		set_text(s, T_NOTE, note);
	}
}

static void
validate_resident_key(struct action_state *s, struct field_errors *errors)
{
	const char *text;
	size_t len;

	if (s->role != ROLE_RESIDENT)
		return;
	if (!validate_text(errors, s->body, "resident_key", 1, 64, TEXT_SINGLE_LINE, &text, &len))
		return;
	if (!resident_key_valid(text, len)) {
		field_errors_add(errors, "resident_key", "办理密钥不对，请用点单后得到的链接 (not a resident key)");
		return;
	}
	memcpy(s->resident_key, text, len);
	s->resident_key[len] = '\0';
	resident_key_hash_hex(s->resident_key, s->resident_key_hash);
	set_text(s, T_RESIDENT_KEY_HASH, s->resident_key_hash);
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
	link = track_page_link(s->tracking_code, s->resident_key);
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
	int64_t department_id;

	field_errors_init(&errors);
	switch (s->action) {
	case ORDER_ACTION_DISPATCH:
		if (validate_id(&errors, s->body, "department_id", INPUT_JSON, &department_id))
			set_number(s, T_DEPARTMENT, department_id);
		validate_reason(s, &errors, "note", 0);
		break;
	case ORDER_ACTION_REJECT:
	case ORDER_ACTION_RETURN:
	case ORDER_ACTION_WITHDRAW: validate_reason(s, &errors, "reason", 1); break;
	case ORDER_ACTION_OFFER:
		validate_id_list(s, &errors, "team_ids", T_TEAM_IDS);
		if (s->values[T_TEAM_IDS] != NULL) {
			char note[MAX_LIST * 18 + 16];
			snprintf(note, sizeof note, "team_ids=%s", s->values[T_TEAM_IDS]);
			set_text(s, T_NOTE, note);
		}
		break;
	case ORDER_ACTION_COMPLETE: validate_completion(s, &errors); break;
	case ORDER_ACTION_CANCEL:
		validate_resident_key(s, &errors);
		validate_reason(s, &errors, "reason", 0);
		break;
	case ORDER_ACTION_EVALUATE:
		validate_resident_key(s, &errors);
		validate_rating(s, &errors);
		break;
	default: break;
	}
	if (field_errors_any(&errors)) {
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
		    sodium_memcmp(key_hash, s->resident_key_hash, RESIDENT_KEY_HASH_HEX - 1) == 0;
	case ROLE_SYSTEM: return true;
	default: return scope_may_act(s->role, s->scope_id, s->action, &order);
	}
}

static void
transition_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct action_state *s = r->state;
	const char *text;

	if (reply->status == DB_OK) {
		if (PQntuples(reply->result) == 0) {
			/* Someone moved the order between our read and our write: read again to say where it is. */
			s->retried = true;
			load_send(r);
			return;
		}
		/* The resident sees the masked tracking view, never the staff view of the order. */
		if (s->role == ROLE_RESIDENT && s->html) {
			char *location = track_page_link(s->tracking_code, s->resident_key);
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

/* What the event records beyond its state change (hash format v2; see sql/051_audit_v2.sql).
 * pending_hours: the order's recorded hours as the load read them, which confirm verifies. */
static void
set_payload(struct action_state *s, const char *pending_hours)
{
	char text[MAX_LIST * 40 + 64];
	bool on_behalf =
	    s->role == ROLE_COMMUNITY && (s->action == ORDER_ACTION_CANCEL || s->action == ORDER_ACTION_EVALUATE);

	text[0] = '\0';
	switch (s->action) {
	case ORDER_ACTION_DISPATCH: snprintf(text, sizeof text, "department=%s", s->values[T_DEPARTMENT]); break;
	case ORDER_ACTION_ACCEPT: snprintf(text, sizeof text, "team=%lld", (long long)s->scope_id); break;
	case ORDER_ACTION_COMPLETE: snprintf(text, sizeof text, "hours=%s", s->values[T_PAYLOAD]); break;
	case ORDER_ACTION_CONFIRM: snprintf(text, sizeof text, "verified=%s", pending_hours); break;
	case ORDER_ACTION_EVALUATE: snprintf(text, sizeof text, "rating=%s", s->values[T_RATING]); break;
	default: break;
	}
	if (on_behalf)
		snprintf(
		    text + strlen(text), sizeof text - strlen(text), "%son_behalf_of=resident", text[0] ? ";" : "");
	set_text(s, T_PAYLOAD, text);
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

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
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

	set_text(s, T_ID, PQgetvalue(res, 0, 0));
	set_text(s, T_FROM, order_state_name(from));
	set_text(s, T_TO, order_state_name(order_action_target(s->action, from)));
	set_text(s, T_ACTION, order_action_name(s->action));
	set_text(s, T_ACTOR_ROLE, user_role_name(s->role));
	if (s->actor_id > 0)
		set_number(s, T_ACTOR_ID, s->actor_id);
	if (s->role == ROLE_COMMUNITY || s->role == ROLE_DEPARTMENT || s->role == ROLE_TEAM)
		set_number(s, T_SCOPE, s->scope_id);
	set_payload(s, PQgetvalue(res, 0, 10));

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
	db_query(r->app->db, &transition_statement, (const char *const *)s->values, transition_done, r);
}

static void
load_send(struct request *r)
{
	struct action_state *s = r->state;
	char id_text[24], scope_text[24];
	const char *values[3] = {NULL, NULL, NULL};

	if (s->role == ROLE_RESIDENT) {
		values[1] = s->tracking_code;
	} else {
		snprintf(id_text, sizeof id_text, "%s", s->values[T_ID]);
		values[0] = id_text;
	}
	if (s->role == ROLE_TEAM) {
		snprintf(scope_text, sizeof scope_text, "%lld", (long long)s->scope_id);
		values[2] = scope_text;
	}
	db_query(r->app->db, &load_statement, values, load_done, r);
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
	if (!tracking_code_normalize(route_param(&r->match, "code"), s->tracking_code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	if (!read_body(r, s) || !validate_body(r, s))
		return;
	load_send(r);
}
