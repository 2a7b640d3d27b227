/* resident_login: each step is one statement; the code goes out by SMS straight through the channel
 * (not the outbox: it is useless after five minutes, and must not sit in a table in clear). */
#include "resident_login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "channels.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "notify_rules.h"
#include "notify_schedule.h"
#include "query.h"
#include "session.h"
#include "validate.h"
#include "xalloc.h"

#define COOKIE_NAME "paidan_resident"
#define CODE_MAX_PER_DAY "5"

static struct db_statement code_statement = DB_STATEMENT("resident_code",
    "INSERT INTO phone_codes AS p (phone, code_hash, salt, expires_at, wrong_tries, sent_at, day_start, sent_today)"
    "VALUES ($1, sha256(decode($3, 'hex') || convert_to($2, 'UTF8')), decode($3, 'hex'),"
    "        now() + interval '5 minutes', 0, now(), to_timestamp($4::bigint), 1)"
    "ON CONFLICT (phone) DO UPDATE SET code_hash = EXCLUDED.code_hash, salt = EXCLUDED.salt,"
    "       expires_at = EXCLUDED.expires_at, wrong_tries = 0, sent_at = now(),"
    "       sent_today = CASE WHEN p.day_start = EXCLUDED.day_start THEN p.sent_today + 1 ELSE 1 END,"
    "       day_start = EXCLUDED.day_start"
    " WHERE p.sent_at < now() - interval '1 minute'"
    "   AND (p.day_start <> EXCLUDED.day_start OR p.sent_today < " CODE_MAX_PER_DAY ")"
    "RETURNING EXISTS (SELECT 1 FROM orders o WHERE o.contact_phone = $1) AS has_orders",
    4);

static struct db_statement verify_statement = DB_STATEMENT("resident_verify",
    "WITH v AS ("
    "  SELECT phone, code_hash = sha256(salt || convert_to($2, 'UTF8')) AS ok FROM phone_codes"
    "   WHERE phone = $1 AND expires_at > now() AND wrong_tries < 5 FOR UPDATE"
    "), upd AS ("
    "  UPDATE phone_codes p SET wrong_tries = CASE WHEN v.ok THEN 5 ELSE p.wrong_tries + 1 END"
    "    FROM v WHERE p.phone = v.phone RETURNING v.ok, p.wrong_tries"
    "), s AS ("
    "  INSERT INTO resident_sessions (token_hash, phone, expires_at)"
    "  SELECT decode($3, 'hex'), $1, now() + $4::int * interval '1 hour' FROM upd WHERE upd.ok"
    "  RETURNING expires_at"
    ")"
    "SELECT upd.ok, upd.wrong_tries, (SELECT expires_at FROM s) AS expires_at FROM upd",
    4);

static struct db_statement orders_statement = DB_STATEMENT("resident_orders",
    "SELECT CASE WHEN s.phone IS NULL THEN NULL ELSE json_build_object('phone', paidan_mask_phone(s.phone),"
    "  'items', COALESCE((SELECT json_agg(json_build_object('tracking_code', o.tracking_code, 'state', o.state,"
    "      'category_name', c.name, 'community_name', cm.name,"
    "      'team_name', (SELECT t.name FROM teams t WHERE t.id = o.team_id),"
    "      'created_at', o.created_at, 'updated_at', o.updated_at) ORDER BY o.id DESC)"
    "    FROM (SELECT * FROM orders WHERE contact_phone = s.phone ORDER BY id DESC LIMIT 100) o"
    "    JOIN categories c ON c.id = o.category_id JOIN communities cm ON cm.id = o.community_id), '[]'))::text END"
    "         AS orders"
    "  FROM (SELECT (SELECT phone FROM resident_sessions WHERE token_hash = decode($1, 'hex') AND expires_at > now())"
    "        AS phone) s",
    1);

struct login_state {
	char phone[16];
	char code[8];
	char token_hex[65];
};

static void
login_state_free(void *p)
{
	struct login_state *s = p;

	sodium_memzero(s->code, sizeof s->code);
	free(s);
}

/* Reads and checks {phone}: a mainland mobile. Replies 4xx itself and returns false otherwise. */
static bool
read_phone(struct request *r, struct json_object *body, struct field_errors *errors, char phone[16])
{
	const char *text;
	size_t len;

	(void)r;
	if (!validate_text(errors, body, "phone", 1, 30, TEXT_SINGLE_LINE, &text, &len))
		return false;
	if (!phone_normalize(text, len, phone) || !notify_phone_is_mobile(phone)) {
		field_errors_add(
		    errors, "phone", "请填写点单时留的 11 位手机号 (the 11-digit mobile number given with the order)");
		return false;
	}
	return true;
}

static void
reply_sent(struct request *r)
{
	static const char body[] = "{\"sent\":true,\"expires_in\":300}";

	http_reply_json_text(r, 202, body, sizeof body - 1);
}

static void
code_sms_done(void *arg, enum channel_outcome outcome, const char *provider, const char *error)
{
	struct request *r = arg;

	(void)provider;
	(void)error;
	if (outcome != CHANNEL_SENT) {
		http_set_header(r, "Retry-After", "60");
		api_error_reply(r, API_ERROR_SMS_UNAVAILABLE, NULL);
		return;
	}
	reply_sent(r);
}

static void
code_done(struct request *r, const PGresult *res)
{
	struct login_state *s = r->state;
	const char *params[1] = {s->code};
	struct notify_message m = {0};
	unsigned char key_bytes[16];
	char key[40], *text;

	if (PQntuples(res) == 0) {
		http_set_header(r, "Retry-After", "60");
		api_error_reply(r, API_ERROR_PHONE_CODE_TOO_OFTEN, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "has_orders")) {
		/* No orders under this phone: say the same, send nothing. */
		reply_sent(r);
		return;
	}
	randombytes_buf(key_bytes, sizeof key_bytes);
	memcpy(key, "pc-", 3);
	sodium_bin2hex(key + 3, sizeof key - 3, key_bytes, sizeof key_bytes);
	text = notify_render_sms("login_code", params, 1);
	m.channel = "sms";
	m.recipient = s->phone;
	m.template_name = "login_code";
	m.params_json = NULL;
	m.text = text;
	m.key = key;
	m.secret_text = true;
	{
		/* The provider gets the code as the template's one parameter. */
		char params_json[32];
		snprintf(params_json, sizeof params_json, "[\"%s\"]", s->code);
		m.params_json = params_json;
		channels_send(r->app->channels, &m, code_sms_done, r);
		sodium_memzero(params_json, sizeof params_json);
	}
	sodium_memzero(text, strlen(text));
	free(text);
}

void
resident_codes_create(struct request *r)
{
	struct login_state *s = http_state_new(r, sizeof *s, login_state_free);
	struct field_errors errors;
	enum input_kind kind;
	struct json_object *body = http_parse_body(r, false, &kind);
	unsigned char salt[16];
	char salt_hex[33];
	struct query q;

	if (body == NULL)
		return;
	field_errors_init(&errors);
	read_phone(r, body, &errors, s->phone);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	snprintf(s->code, sizeof s->code, "%06u", (unsigned)randombytes_uniform(1000000));
	randombytes_buf(salt, sizeof salt);
	sodium_bin2hex(salt_hex, sizeof salt_hex, salt, sizeof salt);
	query_start(&q, r, &code_statement);
	query_text(&q, 1, s->phone);
	query_text(&q, 2, s->code);
	query_text(&q, 3, salt_hex);
	query_int(&q, 4, notify_beijing_day_start((int64_t)time(NULL)));
	query_run(&q, code_done, NULL);
}

static void
verify_done(struct request *r, const PGresult *res)
{
	struct login_state *s = r->state;
	struct field_errors errors;
	char cookie[256], masked[16], left[160];
	int tries;

	field_errors_init(&errors);
	if (PQntuples(res) == 0) {
		field_errors_add(&errors, "code",
		    "验证码已失效，请重新获取 (the code has expired or was voided; ask for a new one)");
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	if (!query_cell_bool(res, 0, "ok")) {
		tries = 5 - query_cell_int(res, 0, "wrong_tries");
		if (tries > 0)
			snprintf(left, sizeof left, "验证码不对，还可以再试 %d 次 (wrong code; %d tries left)", tries,
			    tries);
		else
			snprintf(left, sizeof left,
			    "验证码错误次数太多，已作废，请重新获取 (too many wrong tries: the code is void)");
		field_errors_add(&errors, "code", left);
		api_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	field_errors_free(&errors);
	snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld", s->token_hex,
	    r->app->cfg->resident_session_hours * 3600);
	http_set_header(r, "Set-Cookie", cookie);
	phone_mask(s->phone, masked);
	{
		struct json_object *out = json_object_new_object();
		json_object_object_add(out, "phone", json_object_new_string(masked));
		json_object_object_add(
		    out, "expires_at", json_object_new_string(query_cell_text(res, 0, "expires_at")));
		http_reply_json(r, 201, out);
	}
}

void
resident_sessions_create(struct request *r)
{
	struct login_state *s = http_state_new(r, sizeof *s, login_state_free);
	struct field_errors errors;
	enum input_kind kind;
	struct json_object *body = http_parse_body(r, false, &kind);
	unsigned char token[32];
	char hash_hex[65];
	const char *text;
	size_t len;
	struct query q;

	if (body == NULL)
		return;
	field_errors_init(&errors);
	read_phone(r, body, &errors, s->phone);
	if (validate_text(&errors, body, "code", 1, 12, TEXT_SINGLE_LINE, &text, &len)) {
		if (len == 6 && strspn(text, "0123456789") == 6)
			memcpy(s->code, text, 7);
		else
			field_errors_add(&errors, "code", "请填写短信里的 6 位数字 (the 6 digits from the SMS)");
	}
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	randombytes_buf(token, sizeof token);
	sodium_bin2hex(s->token_hex, sizeof s->token_hex, token, sizeof token);
	session_token_hash(s->token_hex, hash_hex);
	query_start(&q, r, &verify_statement);
	query_text(&q, 1, s->phone);
	query_text(&q, 2, s->code);
	query_text(&q, 3, hash_hex);
	query_int(&q, 4, r->app->cfg->resident_session_hours);
	query_run(&q, verify_done, NULL);
}

static void
orders_done(struct request *r, const PGresult *res)
{
	if (query_cell_null(res, 0, "orders")) {
		static const char none[] = "{\"phone\":null,\"items\":[]}";
		http_reply_json_text(r, 200, none, sizeof none - 1);
		return;
	}
	query_reply_cell(r, res, "orders", 200);
}

bool
resident_session_hash(struct request *r, char out[65])
{
	const char *cookie = http_header(r, "Cookie");
	char token[65] = "";

	while (cookie != NULL && *cookie) {
		size_t n;
		while (*cookie == ' ' || *cookie == ';')
			cookie++;
		n = strcspn(cookie, ";");
		if (strncmp(cookie, COOKIE_NAME "=", sizeof COOKIE_NAME) == 0 && n - sizeof COOKIE_NAME == 64) {
			memcpy(token, cookie + sizeof COOKIE_NAME, 64);
			token[64] = '\0';
		}
		cookie += n;
	}
	if (token[0] == '\0')
		return false;
	session_token_hash(token, out);
	return true;
}

void
resident_orders(struct request *r)
{
	char hash_hex[65];
	struct query q;

	if (!resident_session_hash(r, hash_hex)) {
		/* A public route: no session is an empty answer, not a 401. */
		static const char none[] = "{\"phone\":null,\"items\":[]}";
		http_reply_json_text(r, 200, none, sizeof none - 1);
		return;
	}
	query_start(&q, r, &orders_statement);
	query_text(&q, 1, hash_hex);
	query_run(&q, orders_done, NULL);
}
