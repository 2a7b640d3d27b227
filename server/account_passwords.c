/* account_passwords: argon2id runs on the offload threads (verify the current password and hash the
 * new one in one job); the new hash and the end of every session are one statement. */
#include "account_passwords.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth.h"
#include "auth_user.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "offload.h"
#include "passwords.h"
#include "query.h"
#include "session_cache.h"
#include "throttle.h"
#include "validate.h"
#include "xalloc.h"

#define CHANGE_TRIES "5"

/* Counts the try before the current password is checked, like a login. */
static struct db_statement load_statement = DB_STATEMENT("account_password_load",
    "WITH counted AS ("
    "  INSERT INTO login_attempts AS a (key, attempts, window_start) VALUES ('change:' || $1::text, 1, now())"
    "  ON CONFLICT (key) DO UPDATE SET"
    "    attempts = CASE WHEN a.window_start <= now() - interval '15 minutes' THEN 1 ELSE a.attempts + 1 END,"
    "    window_start = CASE WHEN a.window_start <= now() - interval '15 minutes' THEN now() ELSE a.window_start END"
    "  RETURNING attempts)"
    "SELECT u.password_hash, (SELECT attempts FROM counted) <= " CHANGE_TRIES " AS allowed"
    "  FROM users u WHERE u.id = $1::bigint",
    1);

/* The new hash, the end of every session and the admin chain's event (sql/057) in one statement. */
static struct db_statement store_statement = DB_STATEMENT("account_password_store",
    "WITH u AS (UPDATE users SET password_hash = $2::text WHERE id = $1::bigint RETURNING users AS row),"
    " s AS (DELETE FROM sessions WHERE user_id IN (SELECT (row).id FROM u)),"
    " a AS (DELETE FROM login_attempts WHERE key = 'change:' || $1::text),"
    " ev AS (INSERT INTO admin_events (actor_user_id, actor_role, action, target, payload)"
    "        SELECT $3::bigint, $4::text, $5::text, 'user:' || (row).id, paidan_admin_user_state(row) FROM u)"
    "SELECT count(*) AS changed FROM u",
    5);

struct change {
	char *current; /* NULL for an admin's reset */
	char *next;
	char *stored; /* the current hash, when changing one's own */
	char hash[PASSWORD_HASH_MAX];
	int64_t user_id;
	bool current_ok;
	bool hashed;
};

static void
wipe(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

static void
change_free(void *p)
{
	struct change *c = p;

	wipe(c->current);
	wipe(c->next);
	free(c->stored);
	free(c);
}

static void
store_done(struct request *r, const PGresult *res)
{
	if (query_cell_id(res, 0, "changed") != 1) {
		api_error_reply(r, API_ERROR_NO_SUCH_USER, NULL);
		return;
	}
	/* Every session of the user ended: this process forgets them at once, the others by the notes. */
	session_cache_forget_user(((struct change *)r->state)->user_id);
	http_reply_empty(r, 204);
}

/* On an offload thread; the request is parked until hashed() runs. */
static void
hash_work(void *arg)
{
	struct change *c = ((struct request *)arg)->state;

	c->current_ok = c->current == NULL || (c->stored != NULL && password_verify(c->stored, c->current));
	c->hashed = c->current_ok && password_hash(c->next, c->hash);
}

static void
hashed(void *arg)
{
	struct request *r = arg;
	struct change *c = r->state;
	struct query q;

	throttle_count_password_check();
	if (!c->current_ok) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(fields, "current_password", json_object_new_string("不正确 (wrong)"));
		api_error_reply(r, API_ERROR_WRONG_CURRENT_PASSWORD, fields);
		return;
	}
	if (!c->hashed) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	query_start(&q, r, &store_statement);
	query_id(&q, 1, c->user_id);
	query_text(&q, 2, c->hash);
	query_id(&q, 3, r->user->id);
	query_text(&q, 4, user_role_name(r->user->role));
	query_text(&q, 5, c->current != NULL ? "account.password_change" : "account.password_reset");
	query_run(&q, store_done, NULL);
}

static void
reply_hashing_busy(struct request *r)
{
	http_set_header(r, "Retry-After", "1");
	api_error_reply(r, API_ERROR_BUSY, NULL);
}

static bool
hashing_busy(struct request *r)
{
	if (offload_in_flight(r->app->offload) < r->app->cfg->password_queue_max)
		return false;
	reply_hashing_busy(r);
	return true;
}

static void
load_done(struct request *r, const PGresult *res)
{
	struct change *c = r->state;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_UNAUTHENTICATED, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "allowed")) {
		throttle_reply_limited(
		    r, 900, "尝试次数过多，请 15 分钟后再试 (too many tries; try again in 15 minutes)");
		return;
	}
	if (hashing_busy(r))
		return;
	c->stored = xstrdup(query_cell(res, 0, "password_hash"));
	if (!offload_run(r->app->offload, hash_work, hashed, r))
		reply_hashing_busy(r);
}

/* Reads the passwords of the body into c; false after replying 422. */
static bool
read_passwords(struct request *r, struct change *c, bool with_current)
{
	struct json_object *body, *v;
	struct field_errors errors;
	enum input_kind kind;

	if ((body = http_parse_body(r, false, &kind)) == NULL)
		return false;
	field_errors_init(&errors);
	if (with_current) {
		if (json_object_object_get_ex(body, "current_password", &v) &&
		    json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0)
			c->current = xstrdup(json_object_get_string(v));
		else
			field_errors_add(&errors, "current_password", "必填 (required)");
	}
	if (json_object_object_get_ex(body, "new_password", &v) && json_object_is_type(v, json_type_string) &&
	    strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v) &&
	    json_object_get_string_len(v) >= PASSWORD_MIN_LEN && json_object_get_string_len(v) <= PASSWORD_MAX_LEN)
		c->next = xstrdup(json_object_get_string(v));
	else
		field_errors_add(&errors, "new_password", "8 到 128 个字符 (8 to 128 characters)");
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return false;
	return true;
}

void
account_password_change(struct request *r)
{
	struct change *c = http_state_new(r, sizeof *c, change_free);
	struct query q;

	if (!read_passwords(r, c, true))
		return;
	c->user_id = r->user->id;
	query_start(&q, r, &load_statement);
	query_id(&q, 1, c->user_id);
	query_run(&q, load_done, NULL);
}

void
account_password_reset(struct request *r)
{
	struct change *c = http_state_new(r, sizeof *c, change_free);

	if (!read_passwords(r, c, false) || hashing_busy(r))
		return;
	c->user_id = strtoll(http_path_param(r, "id"), NULL, 10);
	if (!offload_run(r->app->offload, hash_work, hashed, r))
		reply_hashing_busy(r);
}
