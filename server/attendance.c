/* attendance: 签到 / 签退. Each one is a row of order_attendance and an event of the order's audit
 * chain, written together by one statement guarded by the chain head read before (like a
 * correction); the chain's payload names the volunteer, the time and the coarse place, so `paidan
 * audit verify` finds a row changed, added or deleted outside it. */
#include "attendance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "audit.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "phone_time.h"
#include "query.h"
#include "validate.h"

/* $1 order, $2 volunteer. Who may sign is decided in C from team_id and member. */
static struct db_statement load_statement = DB_STATEMENT("attendance_load",
    "SELECT o.state, o.tracking_code, encode(o.last_event_hash, 'hex') AS head, o.event_count, o.team_id,"
    "       (extract(epoch FROM o.accepted_at) * 1000)::bigint AS accepted_ms,"
    "       EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = o.team_id AND m.volunteer_id = $2::bigint) AS member,"
    "       (SELECT a.kind FROM order_attendance a WHERE a.order_id = o.id AND a.volunteer_id = $2::bigint"
    "         ORDER BY a.event_seq DESC LIMIT 1) AS last_kind,"
    "       (SELECT (extract(epoch FROM a.at) * 1000)::bigint FROM order_attendance a"
    "         WHERE a.order_id = o.id AND a.volunteer_id = $2::bigint ORDER BY a.event_seq DESC LIMIT 1) AS last_ms"
    "  FROM orders o WHERE o.id = $1::bigint",
    2);

/* $1 order, $2 volunteer, $3 kind, $4 at (ms), $5 lat, $6 lng, $7 user, $8 role, $9 state, $10 prev,
 * $11 hash, $12 event time (µs), $13 version, $14 payload, $15 action, $16 note. */
static struct db_statement sign_statement = DB_STATEMENT("attendance_sign",
    "WITH t AS (SELECT timestamptz 'epoch' + $12::bigint * interval '1 microsecond' AS at),"
    "upd AS ("
    "  UPDATE orders o SET last_event_hash = decode($11::text, 'hex'), event_count = o.event_count + 1"
    "   WHERE o.id = $1::bigint AND o.last_event_hash = decode($10::text, 'hex') AND o.state = $9::text"
    "  RETURNING o.id, o.event_count"
    "), att AS ("
    "  INSERT INTO order_attendance (order_id, volunteer_id, kind, at, lat, lng, recorded_by, recorded_at, event_seq)"
    "  SELECT upd.id, $2::bigint, $3::text, timestamptz 'epoch' + $4::bigint * interval '1 millisecond',"
    "         $5::numeric, $6::numeric, $7::bigint, t.at, upd.event_count FROM upd, t"
    "  RETURNING id"
    "), ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role, note,"
    "                            at, prev_hash, hash, hash_version, payload)"
    "  SELECT upd.id, upd.event_count, $15::text, $9::text, $9::text, $7::bigint, $8::text, $16::text, t.at,"
    "         decode($10::text, 'hex'), decode($11::text, 'hex'), $13::smallint, $14::text FROM upd, t"
    ")"
    "SELECT (SELECT count(*) FROM att) AS written",
    16);

/* Read after the write: a statement does not see the rows its own CTEs insert. */
static struct db_statement after_statement =
    DB_STATEMENT("attendance_after", "SELECT paidan_attendance_json($1::bigint)::text AS attendance", 1);

static struct db_statement list_statement = DB_STATEMENT("attendance_list",
    "SELECT paidan_order_visible(o, $2::text, $3::bigint) AS visible, paidan_attendance_json(o.id)::text AS attendance"
    "  FROM orders o WHERE o.id = $1::bigint",
    3);

struct sign {
	int64_t order_id, volunteer_id, taken_ms, sent_ms, now_ms;
	bool in; /* 签到, else 签退 */
	char lat[16], lng[16]; /* "" when no place was given */
};

static void
sign_free(void *p)
{
	free(p);
}

static void
reply_attendance(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "attendance", 200);
}

static void
reply_created(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "attendance", 201);
}

static void
sign_done(struct request *r, const PGresult *res)
{
	struct sign *s = r->state;
	struct query q;

	if (strcmp(query_cell(res, 0, "written"), "1") != 0) {
		/* The order moved, or someone else's event came first: the client reads it again. */
		api_error_reply(r, API_ERROR_STATE_CONFLICT, NULL);
		return;
	}
	query_start(&q, r, &after_statement);
	query_id(&q, 1, s->order_id);
	query_run(&q, reply_created, NULL);
}

/* A sequence refusal with its own words. */
static void
refuse(struct request *r, const char *field, const char *message)
{
	struct json_object *fields = json_object_new_object();

	json_object_object_add(fields, field, json_object_new_string(message));
	api_error_reply_message(r, API_ERROR_ATTENDANCE_REFUSED, message, fields);
}

static void
load_done(struct request *r, const PGresult *res)
{
	struct sign *s = r->state;
	const char *state, *last_kind;
	int64_t at_ms = 0;
	char payload[160], vol[24], at_text[24], user[24];
	struct audit_event event = {0};
	struct audit_link link;
	struct query q;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	/* A team account signs its own members in; a volunteer signs themself in, on their team's order. */
	if (query_cell_id(res, 0, "team_id") == 0 ||
	    (r->user->role == ROLE_TEAM && query_cell_id(res, 0, "team_id") != r->user->scope_id) ||
	    !query_cell_bool(res, 0, "member")) {
		api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		return;
	}
	state = query_cell(res, 0, "state");
	if (strcmp(state, "accepted") != 0 && strcmp(state, "in_progress") != 0) {
		api_error_reply_state(r, API_ERROR_STATE_CONFLICT, state);
		return;
	}
	switch (phone_time_to_server(s->taken_ms, s->sent_ms, s->now_ms, &at_ms)) {
	case PHONE_TIME_OK: break;
	case PHONE_TIME_MALFORMED: refuse(r, "taken_at", "时间不对 (taken_at must be before sent_at)"); return;
	case PHONE_TIME_CLOCK_OFF:
		refuse(r, "sent_at", "手机时间与服务器相差太多，请校准手机时间 (the phone's clock is too far off)");
		return;
	case PHONE_TIME_TOO_OLD: refuse(r, "taken_at", "记录太久才提交 (recorded too long before it was sent)"); return;
	}
	if (at_ms > s->now_ms)
		at_ms = s->now_ms; /* a few milliseconds of rounding: never in the future */
	if (at_ms < query_cell_id(res, 0, "accepted_ms")) {
		refuse(r, "taken_at", "签到时间早于接单时间 (before the order was accepted)");
		return;
	}
	last_kind = query_cell(res, 0, "last_kind");
	if (s->in && last_kind != NULL && strcmp(last_kind, "in") == 0) {
		refuse(r, "kind", "这名队员已经签到，请先签退 (already signed in)");
		return;
	}
	if (!s->in && (last_kind == NULL || strcmp(last_kind, "in") != 0)) {
		refuse(r, "kind", "这名队员还没有签到 (not signed in)");
		return;
	}
	if (!s->in && at_ms < query_cell_id(res, 0, "last_ms")) {
		refuse(r, "taken_at", "签退时间早于签到时间 (signed out before signing in)");
		return;
	}
	snprintf(vol, sizeof vol, "%lld", (long long)s->volunteer_id);
	snprintf(at_text, sizeof at_text, "%lld", (long long)at_ms);
	snprintf(user, sizeof user, "%lld", (long long)r->user->id);
	attendance_payload(s->in, s->volunteer_id, at_ms, s->lat, s->lng, payload, sizeof payload);
	event.tracking_code = query_cell(res, 0, "tracking_code");
	event.action = s->in ? "sign_in" : "sign_out";
	event.from_state = state;
	event.to_state = state;
	event.actor_user_id = r->user->id;
	event.actor_role = user_role_name(r->user->role);
	event.note = s->in ? "签到" : "签退";
	event.payload = payload;
	if (!audit_next(&event, query_cell(res, 0, "head"), atoi(query_cell(res, 0, "event_count")), &link)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	query_start(&q, r, &sign_statement);
	query_id(&q, 1, s->order_id);
	query_text(&q, 2, vol);
	query_text(&q, 3, s->in ? "in" : "out");
	query_text(&q, 4, at_text);
	query_text(&q, 5, s->lat[0] ? s->lat : NULL);
	query_text(&q, 6, s->lng[0] ? s->lng : NULL);
	query_text(&q, 7, user);
	query_text(&q, 8, event.actor_role);
	query_text(&q, 9, state);
	query_text(&q, 10, link.prev_hex);
	query_text(&q, 11, link.hash_hex);
	query_text(&q, 12, link.at_us);
	query_text(&q, 13, link.version);
	query_text(&q, 14, payload);
	query_text(&q, 15, event.action);
	query_text(&q, 16, event.note);
	query_run(&q, sign_done, NULL);
}

void
attendance_payload(
    bool in, int64_t volunteer_id, int64_t at_ms, const char *lat, const char *lng, char *out, size_t size)
{
	if (lat != NULL && lat[0] != '\0' && lng != NULL && lng[0] != '\0')
		snprintf(out, size, "kind=%s;volunteer=%lld;at=%lld;loc=%s,%s", in ? "in" : "out",
		    (long long)volunteer_id, (long long)at_ms, lat, lng);
	else
		snprintf(out, size, "kind=%s;volunteer=%lld;at=%lld;loc=none", in ? "in" : "out",
		    (long long)volunteer_id, (long long)at_ms);
}

bool
attendance_coarse(double degrees, double limit, char out[16])
{
	if (!isfinite(degrees) || degrees < -limit || degrees > limit)
		return false;
	snprintf(out, 16, "%.2f", degrees);
	if (strcmp(out, "-0.00") == 0)
		snprintf(out, 16, "0.00");
	return true;
}

/* The minutes of volunteer in spans ("id:minutes,…"), or -1 when it has none. */
static double
span_of(const char *spans, long long volunteer)
{
	for (const char *p = spans; p != NULL && *p != '\0';) {
		char *end;
		long long id = strtoll(p, &end, 10);
		double minutes;
		if (*end != ':')
			return -1;
		minutes = strtod(end + 1, &end);
		if (id == volunteer)
			return minutes;
		p = *end == ',' ? end + 1 : NULL;
	}
	return -1;
}

void
attendance_check_claims(const char *hours_record, const char *spans, int tolerance_minutes, const char *reasons_json,
    struct field_errors *errors)
{
	struct json_object *reasons;

	if (hours_record == NULL || spans == NULL || spans[0] == '\0')
		return; /* nobody signed in on this order: nothing to hold the hours against */
	reasons = reasons_json != NULL ? json_tokener_parse(reasons_json) : NULL;
	for (const char *p = hours_record; p != NULL && *p != '\0';) {
		char *end, key[24], field[40], message[256];
		long long id = strtoll(p, &end, 10);
		int hundredths;
		double span;
		struct json_object *why;

		if (*end != ':')
			break;
		hundredths = (int)strtol(end + 1, &end, 10) * 100;
		if (*end == '.')
			hundredths += (int)strtol(end + 1, &end, 10);
		p = *end == ',' ? end + 1 : NULL;
		span = span_of(spans, id);
		if (span < 0)
			span = 0;
		snprintf(key, sizeof key, "%lld", id);
		if (hundredths * 60.0 / 100 <= span + tolerance_minutes ||
		    (reasons != NULL && json_object_object_get_ex(reasons, key, &why)))
			continue;
		snprintf(field, sizeof field, "reason.%lld", id);
		snprintf(message, sizeof message,
		    "填报 %d.%02d 小时，超出签到时段 %.2f 小时（宽限 %d 分钟），请说明原因 (hours beyond the signed span "
		    "need a reason)",
		    hundredths / 100, hundredths % 100, span / 60, tolerance_minutes);
		field_errors_add(errors, field, message);
	}
	json_object_put(reasons);
}

/* A time in milliseconds since the epoch: a JSON integer. */
static bool
read_ms(struct field_errors *errors, struct json_object *body, const char *field, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(body, field, &v) || !json_object_is_type(v, json_type_int) ||
	    (*out = json_object_get_int64(v)) <= 0) {
		field_errors_add(
		    errors, field, "应为手机记录的毫秒时间 (milliseconds since 1970, by the phone's clock)");
		return false;
	}
	return true;
}

static bool
read_location(struct field_errors *errors, struct json_object *body, struct sign *s)
{
	struct json_object *loc, *lat, *lng;

	if (!json_object_object_get_ex(body, "location", &loc) || json_object_is_type(loc, json_type_null))
		return true;
	if (!json_object_is_type(loc, json_type_object) || !json_object_object_get_ex(loc, "lat", &lat) ||
	    !json_object_object_get_ex(loc, "lng", &lng) ||
	    !(json_object_is_type(lat, json_type_double) || json_object_is_type(lat, json_type_int)) ||
	    !(json_object_is_type(lng, json_type_double) || json_object_is_type(lng, json_type_int)) ||
	    !attendance_coarse(json_object_get_double(lat), 90, s->lat) ||
	    !attendance_coarse(json_object_get_double(lng), 180, s->lng)) {
		field_errors_add(errors, "location", "应为 {lat, lng} 经纬度 (must be {lat, lng} in degrees)");
		return false;
	}
	return true;
}

void
attendance_sign(struct request *r)
{
	struct field_errors errors;
	struct json_object *body, *kind;
	enum input_kind input;
	struct sign *s;
	struct timespec ts;
	struct query q;

	body = http_parse_body(r, false, &input);
	if (body == NULL)
		return;
	s = http_state_new(r, sizeof *s, sign_free);
	parse_id(http_path_param(r, "id"), &s->order_id);
	field_errors_init(&errors);
	if (!json_object_object_get_ex(body, "kind", &kind) || !json_object_is_type(kind, json_type_string) ||
	    (strcmp(json_object_get_string(kind), "in") != 0 && strcmp(json_object_get_string(kind), "out") != 0))
		field_errors_add(&errors, "kind", "应为 \"in\"（签到）或 \"out\"（签退） (must be \"in\" or \"out\")");
	else
		s->in = strcmp(json_object_get_string(kind), "in") == 0;
	if (r->user->role == ROLE_VOLUNTEER) {
		s->volunteer_id = r->user->scope_id; /* a volunteer signs only themself */
	} else {
		validate_id(&errors, body, "volunteer_id", input, &s->volunteer_id);
	}
	read_ms(&errors, body, "taken_at", &s->taken_ms);
	read_ms(&errors, body, "sent_at", &s->sent_ms);
	read_location(&errors, body, s);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	query_start(&q, r, &load_statement);
	query_id(&q, 1, s->order_id);
	query_id(&q, 2, s->volunteer_id);
	query_run(&q, load_done, NULL);
}

static void
list_done(struct request *r, const PGresult *res)
{
	if (!query_row_visible(r, res, API_ERROR_NO_SUCH_ORDER, API_ERROR_ORDER_OUT_OF_SCOPE))
		return;
	reply_attendance(r, res);
}

void
attendance_list(struct request *r)
{
	struct query q;

	query_start_scoped(&q, r, &list_statement);
	query_run(&q, list_done, NULL);
}
