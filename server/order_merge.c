/* order_merge: read both orders and their chain heads, check in C (scope 403, state 409, the target
 * 422), compute both next links, then one statement moves the duplicate to merged and appends an event
 * to each chain. If either head moved in between, the statement raises and nothing is written: the
 * answer is 409 with where the duplicate is now. */
#include "order_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "audit.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "validate.h"
#include "xalloc.h"

static struct db_statement merge_load_statement = DB_STATEMENT("order_merge_load",
    "SELECT d.id, d.state, d.community_id, d.tracking_code, encode(d.last_event_hash, 'hex') AS head,"
    "       d.event_count, i.id AS into_id, i.state AS into_state, i.community_id AS into_community,"
    "       i.tracking_code AS into_code, encode(i.last_event_hash, 'hex') AS into_head,"
    "       i.event_count AS into_count"
    "  FROM orders d LEFT JOIN orders i ON i.id = COALESCE($2::bigint, d.duplicate_of)"
    " WHERE d.id = $1::bigint",
    2);

/* $1 duplicate, $2 its head, $3 its new head, $4 its event's time (µs), $5 note, $6 the order it joins,
 * $7 that one's state, $8 its head, $9 its new head, $10 its event's time, $11 community (scope),
 * $12 actor, $13 hash version. */
static struct db_statement merge_statement = DB_STATEMENT("order_merge",
    "WITH t AS (SELECT timestamptz 'epoch' + $4::bigint * interval '1 microsecond' AS at,"
    "                  timestamptz 'epoch' + $10::bigint * interval '1 microsecond' AS into_at),"
    "orig AS ("
    "  UPDATE orders o SET last_event_hash = decode($9::text, 'hex'), event_count = o.event_count + 1"
    "    FROM t"
    "   WHERE o.id = $6::bigint AND o.state = $7::text AND o.last_event_hash = decode($8::text, 'hex')"
    "     AND o.community_id = $11::bigint"
    "  RETURNING o.id, o.event_count, t.into_at"
    "), dup AS ("
    "  UPDATE orders o SET state = 'merged', merged_into = orig.id, updated_at = t.at, closed_at = t.at,"
    "         due_at = NULL, escalated_at = NULL, reason = NULLIF($5::text, ''),"
    "         last_event_hash = decode($3::text, 'hex'), event_count = o.event_count + 1"
    "    FROM t, orig"
    "   WHERE o.id = $1::bigint AND o.state = 'submitted' AND o.last_event_hash = decode($2::text, 'hex')"
    "     AND o.community_id = $11::bigint"
    "  RETURNING o.*"
    "), ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role,"
    "                            note, at, prev_hash, hash, hash_version, payload)"
    "  SELECT dup.id, dup.event_count, 'merge', 'submitted', 'merged', $12::bigint, 'community', $5::text,"
    "         dup.updated_at, decode($2::text, 'hex'), decode($3::text, 'hex'), $13::smallint,"
    "         'into=' || $6::bigint FROM dup"
    "), ev_into AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role,"
    "                            note, at, prev_hash, hash, hash_version, payload)"
    "  SELECT orig.id, orig.event_count, 'merged_in', $7::text, $7::text, $12::bigint, 'community', '',"
    "         orig.into_at, decode($8::text, 'hex'), decode($9::text, 'hex'), $13::smallint,"
    "         'from=' || $1::bigint FROM orig, dup"
    ")"
    "SELECT (SELECT paidan_order_staff_json(dup::orders, true)::text FROM dup) AS body"
    " WHERE paidan_check(EXISTS (SELECT 1 FROM dup) AND EXISTS (SELECT 1 FROM orig), 'moved')",
    13);

struct merge_state {
	int64_t id;
	int64_t into; /* 0: the order it was flagged a duplicate of */
	const char *note;
	bool retried;
};

static void merge_load(struct request *r);

static void
reply_into(struct request *r, const char *message)
{
	api_reply_field(r, API_ERROR_FIELDS_INVALID, "into", message);
}

static void
merged(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "body", 200);
}

/* Someone moved either order between the read and the write: read again to say where it is. */
static bool
merge_failed(struct request *r, const struct db_reply *reply)
{
	struct merge_state *s = r->state;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "PD422") == 0 &&
	    strcmp(reply->message, "moved") == 0 && !s->retried) {
		s->retried = true;
		merge_load(r);
		return true;
	}
	return false;
}

static bool
link_for(const char *code, const char *action, const char *state_from, const char *state_to, int64_t actor,
    const char *note, const char *payload, const char *head, const char *count, struct audit_link *link)
{
	struct audit_event event = {
	    .tracking_code = code,
	    .action = action,
	    .from_state = state_from,
	    .to_state = state_to,
	    .actor_user_id = actor,
	    .actor_role = "community",
	    .note = note,
	    .payload = payload,
	};

	return audit_next(&event, head, atoi(count), link);
}

static void
loaded(struct request *r, const PGresult *res)
{
	struct merge_state *s = r->state;
	const char *state, *into_state;
	char payload[32], into_payload[32];
	struct audit_link dup_link, into_link;
	struct query q;

	if (!query_row_in_community(r, res))
		return;
	state = query_cell(res, 0, "state");
	if (s->retried || strcmp(state, "submitted") != 0) {
		api_error_reply_state(r, API_ERROR_STATE_CONFLICT, state);
		return;
	}
	if (query_cell_null(res, 0, "into_id")) {
		reply_into(r,
		    s->into
		        ? "没有这一单 (no such order)"
		        : "这一单没有标为可能重复，请指明合并到哪一单 (not flagged as a duplicate: name the order)");
		return;
	}
	into_state = query_cell(res, 0, "into_state");
	if (query_cell_id(res, 0, "into_id") == s->id) {
		reply_into(r, "不能合并到自己 (not into itself)");
		return;
	}
	if (query_cell_id(res, 0, "into_community") != r->user->scope_id) {
		reply_into(r, "只能合并到本社区的工单 (only into an order of your community)");
		return;
	}
	if (strcmp(into_state, "merged") == 0 || strcmp(into_state, "rejected") == 0 ||
	    strcmp(into_state, "cancelled") == 0) {
		reply_into(r, "那一单已合并、不予受理或已取消 (that order was merged, turned down or cancelled)");
		return;
	}
	snprintf(payload, sizeof payload, "into=%s", query_cell(res, 0, "into_id"));
	snprintf(into_payload, sizeof into_payload, "from=%lld", (long long)s->id);
	if (!link_for(query_cell(res, 0, "tracking_code"), "merge", "submitted", "merged", r->user->id, s->note,
	        payload, query_cell(res, 0, "head"), query_cell(res, 0, "event_count"), &dup_link) ||
	    !link_for(query_cell(res, 0, "into_code"), "merged_in", into_state, into_state, r->user->id, "",
	        into_payload, query_cell(res, 0, "into_head"), query_cell(res, 0, "into_count"), &into_link)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	query_start(&q, r, &merge_statement);
	query_id(&q, 1, s->id);
	query_text(&q, 2, dup_link.prev_hex);
	query_text(&q, 3, dup_link.hash_hex);
	query_text(&q, 4, dup_link.at_us);
	query_text(&q, 5, s->note);
	query_text(&q, 6, query_cell(res, 0, "into_id"));
	query_text(&q, 7, into_state);
	query_text(&q, 8, into_link.prev_hex);
	query_text(&q, 9, into_link.hash_hex);
	query_text(&q, 10, into_link.at_us);
	query_id(&q, 11, r->user->scope_id);
	query_id(&q, 12, r->user->id);
	query_text(&q, 13, dup_link.version);
	query_run(&q, merged, merge_failed);
}

static void
merge_load(struct request *r)
{
	struct merge_state *s = r->state;
	struct query q;

	query_start(&q, r, &merge_load_statement);
	query_id(&q, 1, s->id);
	if (s->into)
		query_id(&q, 2, s->into);
	query_run(&q, loaded, NULL);
}

void
order_merge_post(struct request *r)
{
	struct merge_state *s = http_alloc(r, sizeof *s);
	struct field_errors errors;
	struct json_object *body, *v;
	enum input_kind kind;
	const char *text = "";
	size_t len = 0;
	size_t body_len;

	memset(s, 0, sizeof *s);
	r->state = s;
	s->id = strtoll(http_path_param(r, "id"), NULL, 10);
	http_body(r, &body_len);
	body = body_len ? http_parse_body(r, false, &kind) : json_object_new_object();
	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (json_object_object_get_ex(body, "into", &v) && !json_object_is_type(v, json_type_null))
		validate_id(&errors, body, "into", INPUT_JSON, &s->into);
	if (validate_text(&errors, body, "note", 0, 500, TEXT_MULTI_LINE, &text, &len))
		s->note = http_strndup(r, text, len);
	else
		s->note = "";
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	merge_load(r);
}
