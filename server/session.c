/* session: only a BLAKE2b hash of each token is stored; the user comes with the session row. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "session_cache.h"

/* Who a token belongs to; the user's JSON is what /me returns. */
static struct db_statement session_statement = DB_STATEMENT("auth_session",
    "SELECT u.id, u.role, COALESCE(u.community_id, u.department_id, u.team_id, u.volunteer_id, 0) AS scope_id,"
    "       s.csrf_token,"
    "       json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name,"
    "         'role', u.role, 'community_id', u.community_id, 'department_id', u.department_id,"
    "         'team_id', u.team_id, 'volunteer_id', u.volunteer_id, 'csrf_token', s.csrf_token,"
    "         'expires_at', s.expires_at)::text AS json,"
    "       extract(epoch FROM s.expires_at)::bigint AS expires_epoch, encode(s.token_hash, 'hex') AS session"
    "  FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now() AND NOT u.disabled",
    1);

#define COOKIE_NAME "paidan_session"
#define SECURE_COOKIE_NAME "__Host-paidan_session"

bool
session_cookie_secure(const struct request *r)
{
	return strncmp(r->app->cfg->public_url, "https://", 8) == 0;
}

const char *
session_cookie_name(const struct request *r)
{
	return session_cookie_secure(r) ? SECURE_COOKIE_NAME : COOKIE_NAME;
}

struct session_lookup {
	struct request *r;
	void (*done)(struct request *r, const struct auth_user *user, bool csrf_ok);
	bool via_cookie;
	bool listening; /* session ends were being heard when the look-up was sent */
	uint64_t generation; /* the cache's, then */
};

void
session_token_hash(const char *token, char out[SESSION_TOKEN_HASH_HEX])
{
	secret_hash_hex(token, out);
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
		const char *name = session_cookie_name(r);
		size_t n, name_len = strlen(name);
		while (*cookie == ' ' || *cookie == ';')
			cookie++;
		n = strcspn(cookie, ";");
		if (n > name_len && strncmp(cookie, name, name_len) == 0 && cookie[name_len] == '=') {
			size_t v = n - name_len - 1;
			if (v == 0 || v >= size)
				return NULL;
			memcpy(buf, cookie + name_len + 1, v);
			buf[v] = '\0';
			*via_cookie = true;
			return buf;
		}
		cookie += n;
	}
	return NULL;
}

bool
session_request_token_hash(struct request *r, char hash[SESSION_TOKEN_HASH_HEX], bool *via_cookie)
{
	char token[128];

	if (request_token(r, token, sizeof token, via_cookie) == NULL)
		return false;
	session_token_hash(token, hash);
	return true;
}

static bool
csrf_matches(struct request *r, const char *expected)
{
	const char *csrf = http_header(r, "X-CSRF-Token");

	return csrf != NULL && strlen(csrf) == strlen(expected) && sodium_memcmp(csrf, expected, strlen(expected)) == 0;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The request's user from what the database (or the cache) said of its session. */
static void
session_use(struct session_lookup *lookup, const char *hash, const struct session_cached *found)
{
	struct request *r = lookup->r;
	struct auth_user *user = http_alloc(r, sizeof *user);
	bool csrf_ok = true;

	user->authenticated = true;
	user->id = found->user_id;
	user->role = found->role;
	user->scope_id = found->scope_id;
	user->json = http_strdup(r, found->json);
	user->expires_at = found->expires_at;
	snprintf(user->session, sizeof user->session, "%s", hash);
	user->via_cookie = lookup->via_cookie;
	if (lookup->via_cookie && r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD)
		csrf_ok = csrf_matches(r, found->csrf);
	lookup->done(r, user, csrf_ok);
}

static void
session_done(void *arg, const struct db_reply *reply)
{
	struct session_lookup *lookup = arg;
	struct request *r = lookup->r;
	const PGresult *res = reply->result;
	struct session_cached found;
	enum user_role role;
	const char *hash;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0 || !user_role_from_name(query_cell(res, 0, "role"), &role)) {
		lookup->done(r, NULL, true);
		return;
	}
	found.user_id = query_cell_id(res, 0, "id");
	found.role = role;
	found.scope_id = query_cell_id(res, 0, "scope_id");
	found.expires_at = query_cell_id(res, 0, "expires_epoch");
	found.csrf = query_cell(res, 0, "csrf_token");
	found.json = query_cell(res, 0, "json");
	hash = query_cell(res, 0, "session");
	/* Only while session ends can be heard: an entry is then dropped when its session ends. */
	if (lookup->listening && db_listening(r->app->db))
		session_cache_put(hash, wall_ms(), lookup->generation, &found);
	session_use(lookup, hash, &found);
}

void
session_find(struct request *r, void (*done)(struct request *r, const struct auth_user *user, bool csrf_ok))
{
	struct session_lookup *lookup = http_alloc(r, sizeof *lookup);
	char *hash = http_alloc(r, SESSION_TOKEN_HASH_HEX);
	struct session_cached cached;
	struct query q;

	if (!session_request_token_hash(r, hash, &lookup->via_cookie)) {
		done(r, NULL, true);
		return;
	}
	lookup->r = r;
	lookup->done = done;
	lookup->listening = db_listening(r->app->db);
	lookup->generation = session_cache_generation();
	if (lookup->listening && session_cache_get(hash, wall_ms(), &cached)) {
		session_use(lookup, hash, &cached);
		return;
	}
	query_start(&q, r, &session_statement);
	query_text(&q, 1, hash);
	query_send(&q, session_done, lookup);
}
