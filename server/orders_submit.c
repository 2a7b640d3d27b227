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
#include "menu_book.h"
#include "outbox.h"
#include "query.h"
#include "resident_key.h"
#include "submit_input.h"
#include "submit_statements.h"
#include "throttle.h"
#include "tracking_code.h"
#include "validate.h"
#include "xalloc.h"

#define SUBMIT_ATTEMPTS 3

static const char *const order_sources[] = {"web", "phone", "visit", "hotline"};

struct submit_state {
	/* What was submitted: the same for every attempt. */
	char *idempotency_key; /* NULL without one */
	char request_hash[65];
	int64_t community_id;
	int64_t category_id;
	char *description;
	char *name;
	char phone[16];
	char *address;
	char *preferred_time;
	bool consent;
	const char *source; /* web, phone, visit, hotline (sql/070_order_source.sql) */
	int64_t entered_by; /* the staff account that entered it (代点单), else 0 */
	const char *actor_role; /* the submit event's actor: resident, or the entering worker's role */
	/* What each attempt draws afresh. */
	char tracking_code[TRACKING_CODE_LEN + 1];
	char resident_key[RESIDENT_KEY_LEN + 1];
	char resident_key_hash[RESIDENT_KEY_HASH_HEX];
	char resident_key_sealed[RESIDENT_KEY_SEALED_HEX]; /* "" without an idempotency key */
	char salt[33];
	char digest[AUDIT_HASH_HEX];
	char payload[224];
	struct audit_link link;
	int attempts;
	bool html;
	int64_t service_id; /* a booking from the service menu (menu_book.c), else 0 */
	char hash_waiting[AUDIT_HASH_HEX]; /* a booking's submit event had it joined the waiting list */
};

static void submit_send(struct request *r);

static void
submit_state_free(void *p)
{
	struct submit_state *s = p;

	free(s->idempotency_key);
	free(s->description);
	free(s->name);
	free(s->address);
	free(s->preferred_time);
	sodium_memzero(s->resident_key, sizeof s->resident_key);
	free(s);
}

static void
hash_text(crypto_generichash_state *st, const char *text)
{
	crypto_generichash_update(st, (const unsigned char *)text, strlen(text) + 1);
}

/* The request's content, for "same key, same body": form and JSON of the same values hash alike. */
static void
request_hash(struct submit_state *s)
{
	unsigned char hash[32];
	char community[24], category[24];
	crypto_generichash_state st;

	snprintf(community, sizeof community, "%lld", (long long)s->community_id);
	snprintf(category, sizeof category, "%lld", (long long)s->category_id);
	crypto_generichash_init(&st, NULL, 0, sizeof hash);
	hash_text(&st, community);
	hash_text(&st, category);
	hash_text(&st, s->description);
	hash_text(&st, s->name);
	hash_text(&st, s->phone);
	hash_text(&st, s->address);
	hash_text(&st, s->preferred_time);
	if (s->consent)
		crypto_generichash_update(&st, (const unsigned char *)"sms_consent", 12);
	hash_text(&st, s->source);
	if (s->service_id != 0) {
		char service[24];
		snprintf(service, sizeof service, "%lld", (long long)s->service_id);
		hash_text(&st, service);
	}
	crypto_generichash_final(&st, hash, sizeof hash);
	sodium_bin2hex(s->request_hash, sizeof s->request_hash, hash, sizeof hash);
}

/* A fresh tracking code, resident key and first audit event (a retry needs new ones). */
static void
prepare_attempt(struct submit_state *s)
{
	unsigned char salt[16];
	const char *personal[5] = {s->description, s->name, s->phone, s->address, s->preferred_time};
	struct audit_event event = {0};

	tracking_code_generate(s->tracking_code);
	resident_key_generate(s->resident_key);
	resident_key_hash_hex(s->resident_key, s->resident_key_hash);
	s->resident_key_sealed[0] = '\0';
	if (s->idempotency_key != NULL)
		resident_key_seal(s->resident_key, s->idempotency_key, s->resident_key_sealed);
	randombytes_buf(salt, sizeof salt);
	sodium_bin2hex(s->salt, sizeof s->salt, salt, sizeof salt);
	audit_personal_digest(salt, personal, s->digest);
	if (s->service_id != 0) {
		char community[24], category[24], service[24];
		snprintf(community, sizeof community, "%lld", (long long)s->community_id);
		snprintf(category, sizeof category, "%lld", (long long)s->category_id);
		snprintf(service, sizeof service, "%lld", (long long)s->service_id);
		menu_book_payload(s->payload, sizeof s->payload, community, category, s->digest, service);
	} else if (s->entered_by != 0)
		snprintf(s->payload, sizeof s->payload,
		    "community=%lld;category=%lld;personal=%s;source=%s;entered_by=%lld", (long long)s->community_id,
		    (long long)s->category_id, s->digest, s->source, (long long)s->entered_by);
	else
		snprintf(s->payload, sizeof s->payload, "community=%lld;category=%lld;personal=%s",
		    (long long)s->community_id, (long long)s->category_id, s->digest);

	event.tracking_code = s->tracking_code;
	event.action = "submit";
	event.to_state = "submitted";
	event.actor_user_id = s->entered_by;
	event.actor_role = s->actor_role;
	event.note = "";
	event.payload = s->payload;
	if (s->service_id != 0) /* the statement keeps the hash of what happened: a place, or the waiting list */
		event.to_state = "accepted";
	audit_next(&event, NULL, 0, &s->link);
	if (s->service_id != 0)
		menu_book_waiting_hash(&event, s->hash_waiting);
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
replay_done(struct request *r, const PGresult *res)
{
	struct submit_state *s = r->state;

	if (PQntuples(res) == 0) {
		/* The request holding the key rolled back: this one may make the order. */
		if (++s->attempts < SUBMIT_ATTEMPTS) {
			submit_send(r);
			return;
		}
		http_set_header(r, "Retry-After", "1");
		api_error_reply(r, API_ERROR_BUSY, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "same_request")) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(fields, "Idempotency-Key",
		    json_object_new_string("这个键已用于另一份内容 (this key was used for a different request)"));
		api_error_reply(r, API_ERROR_IDEMPOTENCY_KEY_REUSED, fields);
		return;
	}
	http_set_header(r, "Idempotent-Replayed", "true");
	{
		char key[RESIDENT_KEY_LEN + 1];
		const char *sealed = query_cell(res, 0, "sealed_key");
		bool have_key = sealed != NULL && resident_key_open(sealed, s->idempotency_key, key);
		reply_order(r, 200, query_cell(res, 0, "submitted"), have_key ? key : NULL);
	}
}

static void
submit_done(struct request *r, const PGresult *res)
{
	struct submit_state *s = r->state;

	if (PQntuples(res) == 0) { /* a booking of a service that closed in between */
		api_error_reply(r, API_ERROR_SERVICE_CLOSED, NULL);
		return;
	}
	outbox_wake(r->app->outbox);
	reply_order(r, 201, query_cell(res, 0, "submitted"), s->resident_key);
}

/* A used idempotency key replays its order; a tracking code drawn twice draws again; a community or
 * category that does not exist names its field. */
static bool
submit_failed(struct request *r, const struct db_reply *reply)
{
	struct submit_state *s = r->state;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "PD422") == 0 &&
	    strcmp(reply->message, "service") == 0) {
		api_error_reply(r, API_ERROR_SERVICE_CLOSED, NULL);
		return true;
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0) {
		if (strcmp(reply->constraint, "idempotency_keys_pkey") == 0) {
			struct query q;
			query_start(&q, r, &submit_replay_statement);
			query_text(&q, 1, s->idempotency_key);
			query_text(&q, 2, s->request_hash);
			query_run(&q, replay_done, NULL);
			return true;
		}
		if (strcmp(reply->constraint, "orders_tracking_code_key") == 0 && ++s->attempts < SUBMIT_ATTEMPTS) {
			submit_send(r);
			return true;
		}
	}
	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23503") == 0) {
		struct field_errors errors;
		field_errors_init(&errors);
		field_errors_add(&errors, strstr(reply->constraint, "category") ? "category_id" : "community_id",
		    "不存在，请重新选择 (does not exist; choose again)");
		reply_errors(r, &errors, s->html);
		field_errors_free(&errors);
		return true;
	}
	return false;
}

static void
submit_send(struct request *r)
{
	struct submit_state *s = r->state;
	struct query q;

	prepare_attempt(s);
	query_start(&q, r, s->service_id != 0 ? &menu_book_statement : &submit_statement);
	query_text(&q, 1, s->idempotency_key);
	query_text(&q, 2, s->request_hash);
	query_text(&q, 3, s->tracking_code);
	query_id(&q, 4, s->community_id);
	query_id(&q, 5, s->category_id);
	query_text(&q, 6, s->description);
	query_text(&q, 7, s->name);
	query_text(&q, 8, s->phone);
	query_text(&q, 9, s->address);
	query_text(&q, 10, s->preferred_time);
	query_text(&q, 11, s->link.at_us);
	query_text(&q, 12, s->link.hash_hex);
	query_text(&q, 13, s->link.prev_hex);
	query_text(&q, 14, s->resident_key_hash);
	query_text(&q, 15, s->idempotency_key != NULL ? s->resident_key_sealed : NULL);
	query_text(&q, 16, s->salt);
	query_text(&q, 17, s->digest);
	query_text(&q, 18, s->payload);
	query_text(&q, 19, s->link.version);
	query_bool(&q, 20, s->consent);
	query_text(&q, 21, s->source);
	if (s->entered_by != 0)
		query_id(&q, 22, s->entered_by);
	query_text(&q, 23, s->actor_role);
	if (s->service_id != 0) {
		query_id(&q, 24, s->service_id);
		query_text(&q, 25, s->hash_waiting);
	}
	query_run(&q, submit_done, submit_failed);
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
	throttle_submit_attempt(r, anonymous ? address : NULL, s->phone, s->idempotency_key, submit_allowed);
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
	s->source = "web";
	for (size_t i = 0; known && i < sizeof order_sources / sizeof order_sources[0]; i++)
		if (strcmp(name, order_sources[i]) == 0)
			s->source = order_sources[i];
	s->actor_role = "resident";
	if (!user->authenticated)
		return true;
	s->entered_by = user->id;
	s->actor_role = user_role_name(user->role);
	if (user->role == ROLE_COMMUNITY && s->community_id != 0 && s->community_id != user->scope_id) {
		api_error_reply(r, API_ERROR_ENTER_OWN_COMMUNITY_ONLY, NULL);
		return false;
	}
	return true;
}

/* The booked service's category is the booking's own. */
static void
service_rows(struct request *r, const PGresult *res)
{
	struct submit_state *s = r->state;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_SERVICE, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "open")) {
		api_error_reply(r, API_ERROR_SERVICE_CLOSED, NULL);
		return;
	}
	s->category_id = query_cell_id(res, 0, "category_id");
	request_hash(s);
	submit_signed_in_or_not(r);
}

static void submit_start(struct request *r, struct submit_state *s);

void
orders_submit(struct request *r)
{
	submit_start(r, http_state_new(r, sizeof(struct submit_state), submit_state_free));
}

void
orders_submit_booking(struct request *r)
{
	struct submit_state *s = http_state_new(r, sizeof *s, submit_state_free);

	if (!parse_id(http_path_param(r, "id"), &s->service_id)) {
		api_error_reply(r, API_ERROR_NO_SUCH_SERVICE, NULL);
		return;
	}
	submit_start(r, s);
}

static void
submit_start(struct request *r, struct submit_state *s)
{
	struct field_errors errors;
	enum input_kind kind;
	struct json_object *body;
	const char *text, *key = http_header(r, "Idempotency-Key");
	size_t len;

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
	if (!validate_id(&errors, body, "community_id", kind, &s->community_id))
		s->community_id = 0; /* read_source compares a valid one only */
	if (s->service_id == 0) /* a booking's kind of help is its service's */
		validate_id(&errors, body, "category_id", kind, &s->category_id);
	if (validate_text(&errors, body, "description", 1, 2000, TEXT_MULTI_LINE, &text, &len))
		s->description = xstrndup(text, len);
	if (validate_text(&errors, body, "contact_name", 1, 50, TEXT_SINGLE_LINE, &text, &len))
		s->name = xstrndup(text, len);
	if (validate_text(&errors, body, "contact_phone", 1, 30, TEXT_SINGLE_LINE, &text, &len)) {
		if (!phone_normalize(text, len, s->phone))
			field_errors_add(&errors, "contact_phone",
			    "请填写正确的手机号（11 位）或带区号的座机号 (a mobile or landline number with area code)");
	}
	if (validate_text(&errors, body, "address", 0, 200, TEXT_SINGLE_LINE, &text, &len))
		s->address = xstrndup(text, len);
	if (validate_text(&errors, body, "preferred_time", 0, 100, TEXT_SINGLE_LINE, &text, &len))
		s->preferred_time = xstrndup(text, len);
	s->consent = submit_consent_read(&errors, body, kind);
	if (s->service_id != 0) { /* a resident's own booking, whoever's browser it comes from */
		s->source = "menu";
		s->actor_role = "resident";
	} else if (!read_source(r, s, body, &errors)) {
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
		s->idempotency_key = xstrdup(key);
	if (s->service_id != 0) {
		struct query q;
		query_start(&q, r, &menu_book_service_statement);
		query_id(&q, 1, s->service_id);
		query_run(&q, service_rows, NULL);
		return;
	}
	request_hash(s);
	submit_signed_in_or_not(r); /* dispatch set r->user: a signed-in worker, or anonymous */
}
