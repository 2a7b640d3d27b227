/* checkin: the secret is made on first use (the database keeps the first one when two ask at
 * once); codes are computed here from it and the server's clock, never stored. */
#include "checkin.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "checkin_code.h"
#include "db.h"
#include "http.h"
#include "qr_svg.h"
#include "query.h"
#include "resident_proof.h"
#include "tracking_code.h"

/* $1 tracking code or NULL, $2 order id or NULL, $3 a fresh secret (hex), $4 role, $5 scope, $6 the
 * hash of the resident key the resident showed and $7 of their 查我的点单 session (hex; NULL when
 * absent, and for staff). The code is the resident's: the tracking code alone (which may be shared)
 * does not show it. */
static struct db_statement secret_statement = DB_STATEMENT("checkin_secret",
    "WITH o AS ("
    "  SELECT id, state,"
    "         CASE $4::text WHEN 'admin' THEN true"
    "                       WHEN 'community' THEN community_id = $5::bigint"
    "                       WHEN 'resident' THEN paidan_resident_may(orders, $6::text, $7::text)"
    "                       ELSE false END AS allowed"
    "    FROM orders"
    "   WHERE ($1::text IS NOT NULL AND tracking_code = $1::text) OR ($2::bigint IS NOT NULL AND id = $2::bigint)"
    "), ins AS ("
    "  INSERT INTO order_checkin_secrets (order_id, secret)"
    "  SELECT id, decode($3::text, 'hex') FROM o WHERE state = 'accepted' AND allowed"
    "  ON CONFLICT (order_id) DO NOTHING RETURNING secret"
    ")"
    "SELECT o.state, o.allowed,"
    "       encode(COALESCE((SELECT secret FROM ins),"
    "                       (SELECT s.secret FROM order_checkin_secrets s WHERE s.order_id = o.id)), 'hex')"
    "         AS secret_hex"
    "  FROM o",
    7);

/* No key is a missing field (422); a key that is not this order's is 403. */
static void
reply_key(struct request *r, enum api_error e)
{
	struct json_object *fields = json_object_new_object();

	json_object_object_add(fields, "resident_key",
	    json_object_new_string("签到码只给下单的居民看：请从下单后的链接打开，或在“查我的点单”用下单电话登录 (open "
	                           "the link you got when you ordered, or sign in to 查我的点单 with the order's "
	                           "phone); 都不行请找社区 (else your community can show it)"));
	api_error_reply(r, e, fields);
}

static void
code_done(struct request *r, const PGresult *res)
{
	unsigned char secret[CHECKIN_SECRET_BYTES];
	char code[CHECKIN_DIGITS + 1], until[32];
	const char *hex;
	time_t now = time(NULL), end;
	struct json_object *body;
	char *svg;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "allowed")) {
		if (r->user == NULL || r->user->role == ROLE_RESIDENT)
			reply_key(r, API_ERROR_RESIDENT_KEY_WRONG);
		else
			api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		return;
	}
	hex = query_cell(res, 0, "secret_hex");
	if (strcmp(query_cell(res, 0, "state"), "accepted") != 0 || hex == NULL ||
	    sodium_hex2bin(secret, sizeof secret, hex, strlen(hex), NULL, NULL, NULL) != 0) {
		api_error_reply_state(r, API_ERROR_CHECKIN_NOT_NOW, query_cell(res, 0, "state"));
		return;
	}
	checkin_code_at(secret, (int64_t)now, code);
	sodium_memzero(secret, sizeof secret);
	end = now - now % CHECKIN_STEP_SECONDS + CHECKIN_STEP_SECONDS;
	strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", gmtime(&end));
	body = json_object_new_object();
	json_object_object_add(body, "code", json_object_new_string(code));
	json_object_object_add(body, "step_seconds", json_object_new_int(CHECKIN_STEP_SECONDS));
	json_object_object_add(body, "valid_until", json_object_new_string(until));
	svg = qr_svg(code, 40, "签到码二维码");
	json_object_object_add(body, "qr_svg", svg != NULL ? json_object_new_string(svg) : NULL);
	free(svg);
	http_set_header(r, "Cache-Control", "no-store");
	http_reply_json(r, 200, body);
}

/* Runs q ($1 tracking code, $2 order id, $4 role and $5 scope set by the caller) with a fresh secret
 * and the resident's proof. */
static void
code_query(struct query *q, const struct resident_proof *proof)
{
	unsigned char secret[CHECKIN_SECRET_BYTES];
	char hex[CHECKIN_SECRET_BYTES * 2 + 1];

	randombytes_buf(secret, sizeof secret);
	sodium_bin2hex(hex, sizeof hex, secret, sizeof secret);
	sodium_memzero(secret, sizeof secret);
	query_text(q, 3, hex);
	if (proof != NULL) {
		query_text(q, 6, resident_proof_key(proof));
		query_text(q, 7, resident_proof_session(proof));
	}
	query_run(q, code_done, NULL);
}

void
checkin_track_code(struct request *r)
{
	char code[TRACKING_CODE_LEN + 1];
	struct resident_proof *proof = http_alloc(r, sizeof *proof);
	struct query q;

	if (!tracking_code_normalize(route_param(&r->match, "code"), code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (!resident_proof_read(r, proof)) {
		reply_key(r, API_ERROR_FIELDS_INVALID);
		return;
	}
	query_start(&q, r, &secret_statement);
	query_text(&q, 1, code);
	query_text(&q, 4, "resident");
	code_query(&q, proof);
}

void
checkin_console_code(struct request *r)
{
	struct query q;

	query_start(&q, r, &secret_statement);
	query_text(&q, 2, http_path_param(r, "id"));
	query_text(&q, 4, user_role_name(r->user->role));
	query_id(&q, 5, r->user->scope_id);
	code_query(&q, NULL);
}

/* A time in milliseconds: a JSON integer, or an RFC 3339 string is not taken (phones send numbers). */
static int64_t
read_ms(struct json_object *obj, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

const char *
checkin_start_note(struct json_object *body, const char *secret_hex, int64_t accepted_ms, long failures, int64_t now_ms,
    char *note, size_t note_size)
{
	struct json_object *claim_obj, *code_obj;
	unsigned char secret[CHECKIN_SECRET_BYTES];
	struct checkin_claim claim = {0};
	enum checkin_result result;
	int64_t taken_ms = 0;
	time_t taken_s;
	char when[32];

	if (body == NULL || !json_object_object_get_ex(body, "checkin", &claim_obj) ||
	    json_object_is_type(claim_obj, json_type_null)) {
		snprintf(note, note_size, "到场核验：未核验（开始服务时没有签到码）");
		return NULL;
	}
	if (!json_object_is_type(claim_obj, json_type_object) ||
	    !json_object_object_get_ex(claim_obj, "code", &code_obj) ||
	    !json_object_is_type(code_obj, json_type_string))
		return checkin_result_message(CHECKIN_MALFORMED);
	if (failures >= CHECKIN_MAX_FAILURES)
		return "这一单的签到码已输错多次，不再核验；可以不带签到码开始服务（记为未核验） (too many wrong codes: start "
		       "without one, unverified)";
	claim.code = json_object_get_string(code_obj);
	claim.taken_at_ms = read_ms(claim_obj, "taken_at");
	claim.sent_at_ms = read_ms(claim_obj, "sent_at");
	if (secret_hex == NULL ||
	    sodium_hex2bin(secret, sizeof secret, secret_hex, strlen(secret_hex), NULL, NULL, NULL) != 0)
		return checkin_result_message(CHECKIN_WRONG); /* no code was ever shown for this order */
	result = checkin_code_verify(secret, &claim, now_ms, accepted_ms, &taken_ms);
	sodium_memzero(secret, sizeof secret);
	if (result != CHECKIN_VERIFIED)
		return checkin_result_message(result);
	taken_s = (time_t)(taken_ms / 1000);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&taken_s));
	snprintf(note, note_size, "到场核验：已核验（签到码获取于 %s，手机时钟偏差 %+" PRId64 " 秒）", when,
	    (now_ms - claim.sent_at_ms) / 1000);
	return NULL;
}

static struct db_statement failure_statement = DB_STATEMENT("checkin_failure",
    "INSERT INTO order_checkin_failures (order_id, actor_user_id) VALUES ($1::bigint, $2::bigint)", 2);

struct refusal {
	struct request *r;
	const char *message;
};

static void
failure_done(void *arg, const struct db_reply *reply)
{
	struct refusal *f = arg;
	struct json_object *fields;

	if (reply->status != DB_OK) {
		api_reply_db_error(f->r, reply);
		return;
	}
	fields = json_object_new_object();
	json_object_object_add(fields, "checkin", json_object_new_string(f->message));
	api_error_reply_message(f->r, API_ERROR_CHECKIN_REFUSED, f->message, fields);
}

void
checkin_refuse(struct request *r, const char *order_id, int64_t user_id, const char *message)
{
	struct refusal *f = http_alloc(r, sizeof *f);
	struct query q;

	f->r = r;
	f->message = message;
	query_start(&q, r, &failure_statement);
	query_text(&q, 1, order_id);
	if (user_id > 0)
		query_id(&q, 2, user_id);
	query_send(&q, failure_done, f);
}
