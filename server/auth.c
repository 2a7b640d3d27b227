/* auth: log in (argon2id on the offload threads), log out, who am I. */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "client_address.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "offload.h"
#include "passwords.h"
#include "query.h"
#include "session.h"
#include "session_cache.h"
#include "throttle.h"
#include "validate.h"
#include "xalloc.h"

#define TOKEN_BYTES 32
#define TOKEN_TEXT sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)

static struct db_statement login_success_statement = DB_STATEMENT("auth_login_success",
    "WITH s AS ("
    "  INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, device)"
    "  SELECT decode($1, 'hex'), u.id, $3, now() + CASE WHEN d.device THEN $9::int * interval '1 day'"
    "                                                ELSE $4::int * interval '1 hour' END, d.device"
    "    FROM users u, LATERAL (SELECT $8::boolean AND u.role IN ('team', 'volunteer') AS device) d"
    "   WHERE u.id = $2::bigint RETURNING *"
    "), " THROTTLE_LOGIN_SUCCESS_CTE("$5::text",
        "$7::text") " "
                    "SELECT json_build_object('token', $6::text, 'csrf_token', s.csrf_token, 'expires_at', s.expires_at,"
                    "  'device', s.device,"
                    "  'user', json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name,"
                    "    'role', u.role, 'community_id', u.community_id, 'department_id', u.department_id,"
                    "    'team_id', u.team_id, 'volunteer_id', u.volunteer_id))::text AS session"
                    "  FROM s JOIN users u ON u.id = s.user_id",
    9);

static struct db_statement logout_statement =
    DB_STATEMENT("auth_logout", "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1);

/* ---- log in ---- */

struct login_state {
	char *username;
	char *password;
	char *stored_hash; /* NULL when there is no such user: verified against a dummy */
	int64_t user_id;
	char address[CLIENT_ADDRESS_MAX];
	bool disabled;
	bool verified;
	bool remember; /* "remember this phone": a device session for team and volunteer accounts */
};

static void
login_state_free(void *p)
{
	struct login_state *s = p;

	if (s->password != NULL) {
		sodium_memzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->username);
	free(s->stored_hash);
	free(s);
}

/* The hashing threads' queue is full (bounded, so a login flood cannot grow it without limit). */
static void
auth_reply_hashing_busy(struct request *r)
{
	http_set_header(r, "Retry-After", "1");
	api_error_reply(r, API_ERROR_BUSY, NULL);
}

/* Runs on an offload thread; the request is parked until login_verified, so reading its state is safe.
 * An unknown user costs as much time as a known one. */
static void
login_verify_work(void *arg)
{
	struct login_state *s = ((struct request *)arg)->state;
	char dummy[PASSWORD_HASH_MAX];

	if (s->stored_hash != NULL) {
		s->verified = password_verify(s->stored_hash, s->password);
		return;
	}
	password_hash("not-a-password", dummy);
	s->verified = false;
}

static void
reply_wrong_password(struct request *r)
{
	api_error_reply(r, API_ERROR_WRONG_PASSWORD, NULL);
}

/* The password-hash queue is full: say so at once rather than queue without bound. */
static bool
reply_if_hashing_busy(struct request *r)
{
	if (offload_in_flight(r->app->offload) < r->app->cfg->password_queue_max)
		return false;
	http_set_header(r, "Retry-After", "1");
	api_error_reply(r, API_ERROR_TOO_MANY_LOGINS, NULL);
	return true;
}

static void
login_created(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "session", 201);
}

static void
login_verified(void *arg)
{
	struct request *r = arg;
	struct login_state *s = r->state;
	unsigned char raw[TOKEN_BYTES], csrf_raw[24];
	char token[TOKEN_TEXT], csrf[TOKEN_TEXT], hash[SESSION_TOKEN_HASH_HEX], cookie[256];
	/* The cookie may outlive a desk's session (the statement decides who gets a device session);
	 * the server, not the cookie, decides whether a session still holds. */
	long max_age = s->remember ? r->app->cfg->device_session_days * 86400 : r->app->cfg->session_hours * 3600;
	struct query q;

	throttle_count_password_check();
	if (!s->verified || s->disabled) {
		reply_wrong_password(r);
		return;
	}
	randombytes_buf(raw, sizeof raw);
	randombytes_buf(csrf_raw, sizeof csrf_raw);
	sodium_bin2base64(token, sizeof token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(csrf, sizeof csrf, csrf_raw, sizeof csrf_raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	session_token_hash(token, hash);
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
	    session_cookie_name(r), token, max_age, session_cookie_secure(r) ? "; Secure" : "");
	http_set_header(r, "Set-Cookie", cookie);
	query_start(&q, r, &login_success_statement);
	query_text(&q, 1, hash);
	query_id(&q, 2, s->user_id);
	query_text(&q, 3, csrf);
	query_int(&q, 4, r->app->cfg->session_hours);
	query_text(&q, 5, s->username);
	query_text(&q, 6, token);
	query_text(&q, 7, s->address);
	query_bool(&q, 8, s->remember);
	query_int(&q, 9, r->app->cfg->device_session_days);
	query_run(&q, login_created, NULL);
}

static void
login_lookup_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct login_state *s = r->state;
	const PGresult *res = reply->result;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (!query_cell_bool(res, 0, "allowed")) {
		throttle_reply_limited(r, strtol(query_cell(res, 0, "wait"), NULL, 10),
		    "登录尝试次数过多，请稍后再试 (too many login attempts; try again later)");
		return;
	}
	if (reply_if_hashing_busy(r))
		return;
	if (!query_cell_null(res, 0, "user_id")) {
		s->user_id = query_cell_id(res, 0, "user_id");
		s->stored_hash = xstrdup(query_cell(res, 0, "password_hash"));
	}
	s->disabled = query_cell_bool(res, 0, "disabled");
	if (!offload_run(r->app->offload, login_verify_work, login_verified, r))
		auth_reply_hashing_busy(r);
}

void
auth_login(struct request *r)
{
	struct login_state *s;
	struct field_errors errors;
	struct json_object *body, *remember = NULL;
	enum input_kind kind;
	const char *username, *password;
	size_t ulen, plen;

	if (reply_if_hashing_busy(r))
		return;
	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	field_errors_init(&errors);
	validate_text(&errors, body, "username", 1, 64, TEXT_SINGLE_LINE, &username, &ulen);
	validate_text(&errors, body, "password", 1, PASSWORD_MAX_LEN, TEXT_SINGLE_LINE, &password, &plen);
	if (json_object_object_get_ex(body, "remember_device", &remember) &&
	    !json_object_is_type(remember, json_type_null) && !json_object_is_type(remember, json_type_boolean))
		field_errors_add(&errors, "remember_device", "应为 true 或 false (true or false)");
	if (api_reply_if_field_errors(r, &errors)) {
		json_object_put(body);
		return;
	}
	s = http_state_new(r, sizeof *s, login_state_free);
	s->username = xstrndup(username, ulen);
	/* The password is taken untrimmed: spaces may be part of it. */
	json_object *pw;
	json_object_object_get_ex(body, "password", &pw);
	s->password = xstrdup(json_object_get_string(pw));
	s->remember =
	    remember != NULL && json_object_is_type(remember, json_type_boolean) && json_object_get_boolean(remember);
	json_object_put(body);
	client_address(r, s->address);
	throttle_login_attempt(r, s->username, s->address, login_lookup_done);
}

/* ---- log out, me ---- */

static void
logout_done(struct request *r, const PGresult *res)
{
	(void)res;
	session_cache_forget_session(r->user->session); /* this process at once; the others by the note */
	{
		char cookie[128];
		snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		    session_cookie_name(r), session_cookie_secure(r) ? "; Secure" : "");
		http_set_header(r, "Set-Cookie", cookie);
	}
	http_reply_empty(r, 204);
}

void
auth_logout(struct request *r)
{
	char hash[SESSION_TOKEN_HASH_HEX];
	bool via_cookie;
	struct query q;

	session_request_token_hash(r, hash, &via_cookie); /* dispatch found the session, so there is one */
	query_start(&q, r, &logout_statement);
	query_text(&q, 1, hash);
	query_run(&q, logout_done, NULL);
}

void
auth_me(struct request *r)
{
	http_reply_json_text(r, 200, r->user->json, strlen(r->user->json));
}
