/* auth: only a BLAKE2b hash of each token is stored; argon2id runs on the offload threads. */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "offload.h"
#include "passwords.h"
#include "throttle.h"
#include "validate.h"
#include "xalloc.h"

#define TOKEN_BYTES 32
#define TOKEN_TEXT sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
#define TOKEN_HASH_HEX 65
#define COOKIE_NAME "paidan_session"

/* Who a token belongs to; the user's JSON is what /me returns. */
static struct db_statement session_statement = DB_STATEMENT("auth_session",
    "SELECT u.id, u.role, COALESCE(u.community_id, u.department_id, u.team_id, u.volunteer_id, 0),"
    "       s.csrf_token,"
    "       json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name,"
    "         'role', u.role, 'community_id', u.community_id, 'department_id', u.department_id,"
    "         'team_id', u.team_id, 'volunteer_id', u.volunteer_id, 'csrf_token', s.csrf_token,"
    "         'expires_at', s.expires_at)::text"
    "  FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now() AND NOT u.disabled",
    1);

static struct db_statement login_lookup_statement = DB_STATEMENT("auth_login_lookup",
    "SELECT u.id, u.password_hash, COALESCE(u.disabled, true),"
    "       " THROTTLE_LOCKED_SQL(
        "x.name") "  FROM (SELECT $1::text AS name) x LEFT JOIN users u ON u.username = x.name",
    1);

static struct db_statement login_success_statement = DB_STATEMENT("auth_login_success",
    "WITH s AS ("
    "  INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)"
    "  VALUES (decode($1, 'hex'), $2, $3, now() + $4::int * interval '1 hour') RETURNING *"
    "), cleared AS (DELETE FROM login_failures WHERE username = $5)"
    "SELECT json_build_object('token', $6::text, 'csrf_token', s.csrf_token, 'expires_at', s.expires_at,"
    "  'user', json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name,"
    "    'role', u.role, 'community_id', u.community_id, 'department_id', u.department_id,"
    "    'team_id', u.team_id, 'volunteer_id', u.volunteer_id))::text"
    "  FROM s JOIN users u ON u.id = s.user_id",
    6);

static struct db_statement logout_statement =
    DB_STATEMENT("auth_logout", "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1);

static struct db_statement create_user_statement = DB_STATEMENT("auth_create_user",
    "INSERT INTO users (username, password_hash, display_name, role, community_id, department_id,"
    "                   team_id, volunteer_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    " RETURNING json_build_object('id', id, 'username', username, 'display_name', display_name,"
    "   'role', role, 'community_id', community_id, 'department_id', department_id,"
    "   'team_id', team_id, 'volunteer_id', volunteer_id, 'created_at', created_at)::text",
    8);

static void
token_hash_hex(const char *token, char out[TOKEN_HASH_HEX])
{
	unsigned char hash[32];

	crypto_generichash(hash, sizeof hash, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, TOKEN_HASH_HEX, hash, sizeof hash);
}

/* The session token from "Authorization: Bearer …" or the cookie; NULL when neither. */
static const char *
request_token(struct request *r, char *buf, size_t size, bool *via_cookie)
{
	const char *auth = http_header(r, "Authorization");
	const char *cookie = http_header(r, "Cookie");

	*via_cookie = false;
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		snprintf(buf, size, "%s", auth + 7);
		return buf[0] && strlen(auth + 7) < size ? buf : NULL;
	}
	while (cookie != NULL && *cookie) {
		size_t n;
		while (*cookie == ' ' || *cookie == ';')
			cookie++;
		n = strcspn(cookie, ";");
		if (strncmp(cookie, COOKIE_NAME "=", sizeof COOKIE_NAME) == 0) {
			size_t v = n - sizeof COOKIE_NAME;
			if (v == 0 || v >= size)
				return NULL;
			memcpy(buf, cookie + sizeof COOKIE_NAME, v);
			buf[v] = '\0';
			*via_cookie = true;
			return buf;
		}
		cookie += n;
	}
	return NULL;
}

static void
reply_unauthenticated(struct request *r)
{
	http_set_header(r, "WWW-Authenticate", "Bearer");
	http_reply_error(r, 401, "unauthenticated", "请先登录 (please log in)", NULL);
}

static void
session_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	unsigned roles = r->auth_roles;
	const PGresult *res = reply->result;
	const char *role_name;
	enum user_role role;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0) {
		reply_unauthenticated(r);
		return;
	}
	role_name = PQgetvalue(res, 0, 1);
	if (!user_role_from_name(role_name, &role)) {
		reply_unauthenticated(r);
		return;
	}
	r->user.authenticated = true;
	r->user.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	r->user.role = role;
	r->user.scope_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	r->user.json = xstrdup(PQgetvalue(res, 0, 4));
	if (r->user.via_cookie && r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD) {
		const char *csrf = http_header(r, "X-CSRF-Token");
		const char *expected = PQgetvalue(res, 0, 3);
		if (csrf == NULL || strlen(csrf) != strlen(expected) ||
		    sodium_memcmp(csrf, expected, strlen(expected)) != 0) {
			http_reply_error(r, 403, "csrf_failed",
			    "页面已过期，请刷新后再试 (missing or wrong X-CSRF-Token; reload the page)", NULL);
			return;
		}
	}
	if (!(roles & ROLE_BIT(role))) {
		http_reply_error(r, 403, "forbidden", "您的账号无权进行此操作 (your role may not do this)", NULL);
		return;
	}
	r->resume(r);
}

void
auth_require(struct request *r, unsigned roles, void (*next)(struct request *r))
{
	char token[128], hash[TOKEN_HASH_HEX];
	const char *values[1] = {hash};

	if (request_token(r, token, sizeof token, &r->user.via_cookie) == NULL) {
		reply_unauthenticated(r);
		return;
	}
	token_hash_hex(token, hash);
	r->resume = next;
	r->auth_roles = roles;
	db_query(r->app->db, &session_statement, values, session_done, r);
}

/* ---- log in ---- */

struct login_state {
	char *username;
	char *password;
	char *stored_hash; /* NULL when there is no such user: verified against a dummy */
	char *user_id;
	bool disabled;
	bool verified;
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
	free(s->user_id);
	free(s);
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
reply_locked(struct request *r)
{
	throttle_reply_locked(
	    r, "密码错误次数过多，请 15 分钟后再试 (too many failed logins; try again in 15 minutes)");
}

static void
reply_wrong_password(struct request *r)
{
	http_reply_error(r, 401, "invalid_credentials", "用户名或密码不正确 (wrong username or password)", NULL);
}

static void
login_verified(void *arg)
{
	struct request *r = arg;
	struct login_state *s = r->state;

	if (!s->verified || s->disabled) {
		throttle_failure(r, s->username, reply_locked, reply_wrong_password);
		return;
	}
	{
		unsigned char raw[TOKEN_BYTES], csrf_raw[24];
		char token[TOKEN_TEXT], csrf[TOKEN_TEXT], hash[TOKEN_HASH_HEX], hours[16], cookie[256];
		const char *values[6] = {hash, s->user_id, csrf, hours, s->username, token};

		randombytes_buf(raw, sizeof raw);
		randombytes_buf(csrf_raw, sizeof csrf_raw);
		sodium_bin2base64(token, sizeof token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_bin2base64(
		    csrf, sizeof csrf, csrf_raw, sizeof csrf_raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		token_hash_hex(token, hash);
		snprintf(hours, sizeof hours, "%ld", r->app->cfg->session_hours);
		snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld",
		    token, r->app->cfg->session_hours * 3600);
		http_set_header(r, "Set-Cookie", cookie);
		db_query(r->app->db, &login_success_statement, values, http_db_reply_created, r);
	}
}

static void
login_lookup_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct login_state *s = r->state;
	const PGresult *res = reply->result;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		reply_locked(r);
		return;
	}
	if (!PQgetisnull(res, 0, 0)) {
		s->user_id = xstrdup(PQgetvalue(res, 0, 0));
		s->stored_hash = xstrdup(PQgetvalue(res, 0, 1));
	}
	s->disabled = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	offload_run(r->app->offload, login_verify_work, login_verified, r);
}

void
auth_login(struct request *r)
{
	struct login_state *s;
	struct field_errors errors;
	struct json_object *body;
	enum input_kind kind;
	const char *username, *password;
	size_t ulen, plen;
	const char *values[1];

	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	field_errors_init(&errors);
	validate_text(&errors, body, "username", 1, 64, TEXT_SINGLE_LINE, &username, &ulen);
	validate_text(&errors, body, "password", 1, PASSWORD_MAX_LEN, TEXT_SINGLE_LINE, &password, &plen);
	if (field_errors_any(&errors)) {
		json_object_put(body);
		http_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	field_errors_free(&errors);
	s = xcalloc(1, sizeof *s);
	s->username = xstrndup(username, ulen);
	/* The password is taken untrimmed: spaces may be part of it. */
	json_object *pw;
	json_object_object_get_ex(body, "password", &pw);
	s->password = xstrdup(json_object_get_string(pw));
	json_object_put(body);
	r->state = s;
	r->state_free = login_state_free;
	values[0] = s->username;
	db_query(r->app->db, &login_lookup_statement, values, login_lookup_done, r);
}

/* ---- log out, me ---- */

static void
logout_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	http_set_header(r, "Set-Cookie", COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	http_reply_empty(r, 204);
}

static void
logout_authenticated(struct request *r)
{
	char token[128], hash[TOKEN_HASH_HEX];
	const char *values[1] = {hash};
	bool via_cookie;

	request_token(r, token, sizeof token, &via_cookie);
	token_hash_hex(token, hash);
	db_query(r->app->db, &logout_statement, values, logout_done, r);
}

void
auth_logout(struct request *r)
{
	auth_require(r, ROLES_ANY_USER, logout_authenticated);
}

static void
me_authenticated(struct request *r)
{
	http_reply_json_text(r, 200, r->user.json, strlen(r->user.json));
}

void
auth_me(struct request *r)
{
	auth_require(r, ROLES_ANY_USER, me_authenticated);
}

/* ---- create users (admin) ---- */

struct new_user {
	char *values[8];
	char *password;
	char hash[PASSWORD_HASH_MAX];
	bool hashed;
};

static void
new_user_free(void *p)
{
	struct new_user *u = p;

	for (int i = 0; i < 8; i++)
		free(u->values[i]);
	if (u->password != NULL) {
		sodium_memzero(u->password, strlen(u->password));
		free(u->password);
	}
	free(u);
}

static void
new_user_hash_work(void *arg)
{
	struct new_user *u = ((struct request *)arg)->state;

	u->hashed = password_hash(u->password, u->hash);
}

static void
create_user_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(fields, "username", json_object_new_string("已被占用 (already taken)"));
		http_reply_error(r, 409, "conflict", "用户名已存在 (the username is taken)", fields);
		return;
	}
	http_reply_first_cell(r, reply, 201);
}

static void
create_user_hashed(void *arg)
{
	struct request *r = arg;
	struct new_user *u = r->state;

	if (!u->hashed) {
		http_reply_error(r, 500, "internal_error", "服务器内部错误 (internal error)", NULL);
		return;
	}
	u->values[1] = xstrdup(u->hash);
	db_query(r->app->db, &create_user_statement, (const char *const *)u->values, create_user_done, r);
}

static bool
username_valid(const char *s, size_t len)
{
	if (len < 3 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		        s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

static void
create_user_authenticated(struct request *r)
{
	static const char *scope_fields[4] = {"community_id", "department_id", "team_id", "volunteer_id"};
	static const enum user_role scope_roles[4] = {ROLE_COMMUNITY, ROLE_DEPARTMENT, ROLE_TEAM, ROLE_VOLUNTEER};
	struct field_errors errors;
	struct json_object *body, *pw;
	enum input_kind kind;
	const char *text;
	size_t len;
	enum user_role role = ROLE_ADMIN;
	bool role_ok = false;
	struct new_user *u;

	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	u = xcalloc(1, sizeof *u);
	r->state = u;
	r->state_free = new_user_free;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "username", 1, 64, TEXT_SINGLE_LINE, &text, &len)) {
		if (username_valid(text, len))
			u->values[0] = xstrndup(text, len);
		else
			field_errors_add(
			    &errors, "username", "3 到 64 个字母、数字或 _ . - (3 to 64 letters, digits, _ . -)");
	}
	if (validate_text(&errors, body, "display_name", 1, 100, TEXT_SINGLE_LINE, &text, &len))
		u->values[2] = xstrndup(text, len);
	if (validate_text(&errors, body, "role", 1, 20, TEXT_SINGLE_LINE, &text, &len)) {
		char name[21];
		snprintf(name, sizeof name, "%.*s", (int)len, text);
		role_ok = user_role_from_name(name, &role) && role <= ROLE_VOLUNTEER;
		if (role_ok)
			u->values[3] = xstrdup(name);
		else
			field_errors_add(&errors, "role", "应为 admin、community、department、team 或 volunteer");
	}
	if (!json_object_object_get_ex(body, "password", &pw) || !json_object_is_type(pw, json_type_string)) {
		field_errors_add(&errors, "password", "必填 (required)");
	} else {
		const char *p = json_object_get_string(pw);
		size_t plen = (size_t)json_object_get_string_len(pw);
		if (strlen(p) != plen || plen < PASSWORD_MIN_LEN || plen > PASSWORD_MAX_LEN)
			field_errors_add(&errors, "password", "8 到 128 个字符 (8 to 128 characters)");
		else
			u->password = xstrdup(p);
	}
	for (int i = 0; i < 4; i++) {
		bool needed = role_ok && role == scope_roles[i];
		bool present = json_object_object_get_ex(body, scope_fields[i], NULL);
		int64_t id;
		char idtext[24];
		if (needed && validate_id(&errors, body, scope_fields[i], INPUT_JSON, &id)) {
			snprintf(idtext, sizeof idtext, "%lld", (long long)id);
			u->values[4 + i] = xstrdup(idtext);
		} else if (!needed && present && role_ok) {
			struct json_object *v;
			json_object_object_get_ex(body, scope_fields[i], &v);
			if (!json_object_is_type(v, json_type_null))
				field_errors_add(
				    &errors, scope_fields[i], "此角色不需要这一项 (not used with this role)");
		}
	}
	json_object_put(body);
	if (field_errors_any(&errors)) {
		http_reply_field_errors(r, &errors);
		field_errors_free(&errors);
		return;
	}
	field_errors_free(&errors);
	offload_run(r->app->offload, new_user_hash_work, create_user_hashed, r);
}

void
auth_create_user(struct request *r)
{
	auth_require(r, ROLE_BIT(ROLE_ADMIN), create_user_authenticated);
}
