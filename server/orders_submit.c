/* orders_submit: 点单 — validate, then one statement writes the order, its first audit event and
 * the idempotency key together. A repeated key replays the stored order; a changed body under the
 * same key is refused. */
#include "orders_submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "audit.h"
#include "auth.h"
#include "auth_user.h"
#include "client_address.h"
#include "db.h"
#include "form_pages.h"
#include "http.h"
#include "log.h"
#include "outbox.h"
#include "resident_key.h"
#include "throttle.h"
#include "tracking_code.h"
#include "validate.h"
#include "xalloc.h"

#define SUBMIT_ATTEMPTS 3

static struct db_statement submit_statement = DB_STATEMENT("orders_submit",
    "WITH new_order AS ("
    "  SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id"
    "), key AS ("
    "  INSERT INTO idempotency_keys (key, request_hash, order_id, resident_key_sealed)"
    "  SELECT $1::text, decode($2, 'hex'), id, decode($15, 'hex') FROM new_order WHERE $1::text IS NOT NULL"
    "), inserted AS ("
    "  INSERT INTO orders (id, tracking_code, community_id, category_id, description, contact_name,"
    "                      contact_phone, address, preferred_time, created_at, updated_at, due_at,"
    "                      last_event_hash, resident_key_hash, personal_salt, personal_digest,"
    "                      sms_consent, source, entered_by)"
    "  SELECT n.id, $3, $4, $5, $6, $7, $8, $9, $10, t.at, t.at,"
    "         t.at + paidan_stage_hours($5, 'submitted') * interval '1 hour', decode($12, 'hex'),"
    "         decode($14, 'hex'), decode($16, 'hex'), decode($17, 'hex'), $20::boolean, $21::text, $22::bigint"
    "    FROM new_order n,"
    "         (SELECT timestamptz 'epoch' + $11::bigint * interval '1 microsecond' AS at) t"
    "  RETURNING *"
    "), event AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role, note,"
    "                            at, prev_hash, hash, hash_version, payload)"
    "  SELECT id, 1, 'submit', NULL, 'submitted', $22::bigint, $23::text, '', created_at, decode($13, 'hex'),"
    "         last_event_hash, $19::smallint, $18 FROM inserted"
    ")"
    "SELECT paidan_order_submitted_json(inserted::orders)::text FROM inserted",
    23);

static struct db_statement replay_statement = DB_STATEMENT("orders_submit_replay",
    "SELECT k.request_hash = decode($2, 'hex'), paidan_order_submitted_json(o)::text,"
    "       encode(k.resident_key_sealed, 'hex')"
    "  FROM idempotency_keys k JOIN orders o ON o.id = k.order_id"
    " WHERE k.key = $1",
    2);

enum submit_param {
	P_KEY,
	P_REQUEST_HASH,
	P_TRACKING_CODE,
	P_COMMUNITY,
	P_CATEGORY,
	P_DESCRIPTION,
	P_NAME,
	P_PHONE,
	P_ADDRESS,
	P_PREFERRED_TIME,
	P_AT_US,
	P_HASH,
	P_PREV_HASH,
	P_RESIDENT_KEY_HASH,
	P_RESIDENT_KEY_SEALED,
	P_SALT,
	P_DIGEST,
	P_PAYLOAD,
	P_VERSION,
	P_CONSENT,
	P_SOURCE, /* web, phone, visit, hotline (sql/070_order_source.sql) */
	P_ENTERED_BY, /* the staff account that entered it (代点单), else NULL */
	P_ACTOR_ROLE, /* the submit event's actor: resident, or the entering worker's role */
	P_COUNT
};

static const char *const order_sources[] = {"web", "phone", "visit", "hotline"};

struct submit_state {
	char *values[P_COUNT];
	int attempts;
	bool html;
	char resident_key[RESIDENT_KEY_LEN + 1];
};

static void submit_send(struct request *r);

static void
submit_state_free(void *p)
{
	struct submit_state *s = p;

	for (int i = 0; i < P_COUNT; i++)
		free(s->values[i]);
	sodium_memzero(s->resident_key, sizeof s->resident_key);
	free(s);
}

static void
set_value(struct submit_state *s, enum submit_param p, const char *text, size_t len)
{
	free(s->values[p]);
	s->values[p] = xstrndup(text, len);
}

static void
set_id(struct submit_state *s, enum submit_param p, int64_t id)
{
	char text[24];

	snprintf(text, sizeof text, "%lld", (long long)id);
	set_value(s, p, text, strlen(text));
}

/* The request's content, for "same key, same body": form and JSON of the same values hash alike. */
static void
request_hash(struct submit_state *s)
{
	unsigned char hash[32];
	char hex[65];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof hash);
	for (int p = P_COMMUNITY; p <= P_PREFERRED_TIME; p++) {
		const char *v = s->values[p];
		crypto_generichash_update(&st, (const unsigned char *)v, strlen(v) + 1);
	}
	if (strcmp(s->values[P_CONSENT], "true") == 0)
		crypto_generichash_update(&st, (const unsigned char *)"sms_consent", 12);
	crypto_generichash_update(&st, (const unsigned char *)s->values[P_SOURCE], strlen(s->values[P_SOURCE]) + 1);
	crypto_generichash_final(&st, hash, sizeof hash);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	set_value(s, P_REQUEST_HASH, hex, strlen(hex));
}

/* A fresh tracking code, resident key and first audit event (a retry needs new ones). */
static void
prepare_attempt(struct submit_state *s)
{
	char code[TRACKING_CODE_LEN + 1], hex[RESIDENT_KEY_SEALED_HEX], digest[AUDIT_HASH_HEX], payload[224];
	unsigned char salt[16];
	const char *personal[5] = {s->values[P_DESCRIPTION], s->values[P_NAME], s->values[P_PHONE],
	    s->values[P_ADDRESS], s->values[P_PREFERRED_TIME]};
	struct audit_event event = {0};
	struct audit_link link;

	tracking_code_generate(code);
	set_value(s, P_TRACKING_CODE, code, strlen(code));
	resident_key_generate(s->resident_key);
	resident_key_hash_hex(s->resident_key, hex);
	set_value(s, P_RESIDENT_KEY_HASH, hex, strlen(hex));
	if (s->values[P_KEY] != NULL) {
		resident_key_seal(s->resident_key, s->values[P_KEY], hex);
		set_value(s, P_RESIDENT_KEY_SEALED, hex, strlen(hex));
	}
	randombytes_buf(salt, sizeof salt);
	sodium_bin2hex(hex, sizeof hex, salt, sizeof salt);
	set_value(s, P_SALT, hex, strlen(hex));
	audit_personal_digest(salt, personal, digest);
	set_value(s, P_DIGEST, digest, strlen(digest));
	if (s->values[P_ENTERED_BY] != NULL)
		snprintf(payload, sizeof payload, "community=%s;category=%s;personal=%s;source=%s;entered_by=%s",
		    s->values[P_COMMUNITY], s->values[P_CATEGORY], digest, s->values[P_SOURCE],
		    s->values[P_ENTERED_BY]);
	else
		snprintf(payload, sizeof payload, "community=%s;category=%s;personal=%s", s->values[P_COMMUNITY],
		    s->values[P_CATEGORY], digest);
	set_value(s, P_PAYLOAD, payload, strlen(payload));

	event.tracking_code = code;
	event.action = "submit";
	event.to_state = "submitted";
	event.actor_user_id = s->values[P_ENTERED_BY] != NULL ? atoll(s->values[P_ENTERED_BY]) : 0;
	event.actor_role = s->values[P_ACTOR_ROLE];
	event.note = "";
	event.payload = s->values[P_PAYLOAD];
	audit_next(&event, NULL, 0, &link);
	set_value(s, P_AT_US, link.at_us, strlen(link.at_us));
	set_value(s, P_HASH, link.hash_hex, strlen(link.hash_hex));
	set_value(s, P_PREV_HASH, link.prev_hex, strlen(link.prev_hex));
	set_value(s, P_VERSION, link.version, strlen(link.version));
}

/* The order as its resident sees it, with their key added: the key is shown here and nowhere else. */
static void
reply_order(struct request *r, int status, const char *order_json, const char *resident_key)
{
	struct submit_state *s = r->state;
	struct json_object *order = json_tokener_parse(order_json);
	const char *text;

	if (order == NULL) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	if (resident_key != NULL)
		json_object_object_add(order, "resident_key", json_object_new_string(resident_key));
	if (s->html) {
		char *page = form_page_submitted(order);
		http_reply_html(r, status, page, strlen(page));
		free(page);
		json_object_put(order);
		return;
	}
	text = json_object_to_json_string_ext(order, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	http_reply_json_text(r, status, text, strlen(text));
	json_object_put(order);
}

static void
reply_errors(struct request *r, struct field_errors *errors, bool html)
{
	if (html) {
		char *page = form_page_errors(errors->fields);
		http_reply_html(r, 422, page, strlen(page));
		free(page);
		return;
	}
	api_reply_field_errors(r, errors);
}

static void
replay_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct submit_state *s = r->state;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(reply->result) == 0) {
		/* The request holding the key rolled back: this one may make the order. */
		if (++s->attempts < SUBMIT_ATTEMPTS) {
			submit_send(r);
			return;
		}
		http_set_header(r, "Retry-After", "1");
		api_error_reply(r, API_ERROR_BUSY, NULL);
		return;
	}
	if (strcmp(PQgetvalue(reply->result, 0, 0), "t") != 0) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(fields, "Idempotency-Key",
		    json_object_new_string("这个键已用于另一份内容 (this key was used for a different request)"));
		api_error_reply(r, API_ERROR_IDEMPOTENCY_KEY_REUSED, fields);
		return;
	}
	http_set_header(r, "Idempotent-Replayed", "true");
	{
		char key[RESIDENT_KEY_LEN + 1];
		bool have_key = !PQgetisnull(reply->result, 0, 2) &&
		    resident_key_open(PQgetvalue(reply->result, 0, 2), s->values[P_KEY], key);
		reply_order(r, 200, PQgetvalue(reply->result, 0, 1), have_key ? key : NULL);
	}
}

static void
submit_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct submit_state *s = r->state;

	if (reply->status == DB_OK) {
		outbox_wake(r->app->outbox);
		reply_order(r, 201, PQgetvalue(reply->result, 0, 0), s->resident_key);
		return;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0) {
		if (strcmp(reply->constraint, "idempotency_keys_pkey") == 0) {
			const char *values[2] = {s->values[P_KEY], s->values[P_REQUEST_HASH]};
			db_query(r->app->db, &replay_statement, values, replay_done, r);
			return;
		}
		if (strcmp(reply->constraint, "orders_tracking_code_key") == 0 && ++s->attempts < SUBMIT_ATTEMPTS) {
			submit_send(r);
			return;
		}
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23503") == 0) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(&errors, strstr(reply->constraint, "category") ? "category_id" : "community_id",
		    "不存在，请重新选择 (does not exist; choose again)");
		reply_errors(r, &errors, s->html);
		field_errors_free(&errors);
		return;
	}
	api_reply_db_error(r, reply);
}

static void
submit_send(struct request *r)
{
	struct submit_state *s = r->state;

	prepare_attempt(s);
	db_query(r->app->db, &submit_statement, (const char *const *)s->values, submit_done, r);
}

static void
submit_allowed(struct request *r)
{
	submit_send(r);
}

/* Anonymous orders count per client address; a signed-in worker entering orders for residents does
 * not. Open orders per phone count for everyone. */
static void
submit_signed_in_or_not(struct request *r)
{
	struct submit_state *s = r->state;
	char address[CLIENT_ADDRESS_MAX];
	bool anonymous = !r->user->authenticated;

	if (anonymous)
		client_address(r, address);
	throttle_submit_attempt(r, anonymous ? address : NULL, s->values[P_PHONE], s->values[P_KEY], submit_allowed);
}

/* 代点单: a signed-in worker says how the order came in (default phone) and is recorded as its
 * enterer; a community worker enters orders for their own community only. An anonymous submit is
 * always "web" and may not claim another channel. False after replying 403. */
static bool
read_source(struct request *r, struct submit_state *s, struct json_object *body, struct field_errors *errors)
{
	const struct auth_user *user = r->user;
	struct json_object *v;
	const char *name = user->authenticated ? "phone" : "web";
	bool known = true;

	if (json_object_object_get_ex(body, "source", &v)) {
		name = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
		known = false;
		for (size_t i = 0; i < sizeof order_sources / sizeof order_sources[0]; i++)
			known = known || strcmp(name, order_sources[i]) == 0;
		if (!known)
			field_errors_add(
			    errors, "source", "应为 web、phone、visit 或 hotline (web, phone, visit or hotline)");
		else if (!user->authenticated && strcmp(name, "web") != 0)
			field_errors_add(errors, "source",
			    "只有社区工作人员代点单时才能选择来源 (only staff entering an order choose its channel)");
	}
	set_value(s, P_SOURCE, known ? name : "web", strlen(known ? name : "web"));
	set_value(s, P_ACTOR_ROLE, "resident", strlen("resident"));
	if (!user->authenticated)
		return true;
	set_id(s, P_ENTERED_BY, user->id);
	set_value(s, P_ACTOR_ROLE, user_role_name(user->role), strlen(user_role_name(user->role)));
	if (user->role == ROLE_COMMUNITY && s->values[P_COMMUNITY] != NULL &&
	    atoll(s->values[P_COMMUNITY]) != user->scope_id) {
		api_error_reply(r, API_ERROR_ENTER_OWN_COMMUNITY_ONLY, NULL);
		return false;
	}
	return true;
}

/* sms_consent: the resident ticked "短信通知我" — a JSON boolean, or a form checkbox (on/1/true). */
static void
validate_consent(struct field_errors *errors, struct json_object *body, enum input_kind kind, struct submit_state *s)
{
	struct json_object *v;
	bool consent = false;

	if (json_object_object_get_ex(body, "sms_consent", &v) && !json_object_is_type(v, json_type_null)) {
		if (kind == INPUT_FORM && json_object_is_type(v, json_type_string)) {
			const char *t = json_object_get_string(v);
			consent = strcmp(t, "on") == 0 || strcmp(t, "1") == 0 || strcmp(t, "true") == 0;
			if (!consent && t[0] != '\0' && strcmp(t, "0") != 0 && strcmp(t, "false") != 0)
				field_errors_add(errors, "sms_consent", "只能是勾选或不勾选 (a checkbox: on or off)");
		} else if (json_object_is_type(v, json_type_boolean)) {
			consent = json_object_get_boolean(v);
		} else {
			field_errors_add(errors, "sms_consent", "应为 true 或 false (must be true or false)");
		}
	}
	set_value(s, P_CONSENT, consent ? "true" : "false", consent ? 4 : 5);
}

void
orders_submit(struct request *r)
{
	struct submit_state *s = xcalloc(1, sizeof *s);
	struct field_errors errors;
	enum input_kind kind;
	struct json_object *body;
	const char *text, *key = http_header(r, "Idempotency-Key");
	size_t len;
	int64_t community_id = 0, category_id = 0;
	char phone[16];

	r->state = s;
	r->state_free = submit_state_free;
	if (key != NULL && !idempotency_key_valid(key)) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(fields, "Idempotency-Key",
		    json_object_new_string("1 到 255 个可见 ASCII 字符 (1 to 255 visible ASCII characters)"));
		api_error_reply(r, API_ERROR_IDEMPOTENCY_KEY_INVALID, fields);
		return;
	}
	body = http_parse_body(r, true, &kind);
	if (body == NULL)
		return;
	s->html = kind == INPUT_FORM && http_wants_html(r);

	field_errors_init(&errors);
	if (validate_id(&errors, body, "community_id", kind, &community_id))
		set_id(s, P_COMMUNITY, community_id);
	if (validate_id(&errors, body, "category_id", kind, &category_id))
		set_id(s, P_CATEGORY, category_id);
	if (validate_text(&errors, body, "description", 1, 2000, TEXT_MULTI_LINE, &text, &len))
		set_value(s, P_DESCRIPTION, text, len);
	if (validate_text(&errors, body, "contact_name", 1, 50, TEXT_SINGLE_LINE, &text, &len))
		set_value(s, P_NAME, text, len);
	if (validate_text(&errors, body, "contact_phone", 1, 30, TEXT_SINGLE_LINE, &text, &len)) {
		if (phone_normalize(text, len, phone))
			set_value(s, P_PHONE, phone, strlen(phone));
		else
			field_errors_add(&errors, "contact_phone",
			    "请填写正确的手机号（11 位）或带区号的座机号 (a mobile or landline number with area code)");
	}
	if (validate_text(&errors, body, "address", 0, 200, TEXT_SINGLE_LINE, &text, &len))
		set_value(s, P_ADDRESS, text, len);
	if (validate_text(&errors, body, "preferred_time", 0, 100, TEXT_SINGLE_LINE, &text, &len))
		set_value(s, P_PREFERRED_TIME, text, len);
	validate_consent(&errors, body, kind, s);
	if (!read_source(r, s, body, &errors)) {
		json_object_put(body);
		field_errors_free(&errors);
		return;
	}
	json_object_put(body);
	if (field_errors_any(&errors)) {
		reply_errors(r, &errors, s->html);
		field_errors_free(&errors);
		return;
	}
	field_errors_free(&errors);
	if (key != NULL)
		set_value(s, P_KEY, key, strlen(key));
	request_hash(s);
	submit_signed_in_or_not(r); /* dispatch set r->user: a signed-in worker, or anonymous */
}
