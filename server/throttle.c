/* throttle: one upsert per key per attempt. ON CONFLICT DO UPDATE takes the row lock, so parallel
 * attempts on a key are numbered 1, 2, 3 … one after another, and exactly the first `max` of a
 * window are allowed, however many arrive at once. */
#include "throttle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_reply.h"
#include "app.h"
#include "config.h"
#include "http.h"
#include "query.h"
#include "xalloc.h"

/* $1 username, $2 address, $3 max per pair, $4 max per address, $5 max per user, $6 window minutes.
 * The pair is counted first; only an attempt the pair allows counts under the address and the user,
 * so one address guessing one account adds at most $3 to the account's count from everywhere. */
static struct db_statement login_attempt_statement = DB_STATEMENT("throttle_login_attempt",
    "WITH w AS (SELECT $6::int * interval '1 minute' AS len),"
    " known AS (SELECT EXISTS (SELECT 1 FROM login_known_addresses k"
    "                           WHERE k.username = $1::text AND k.address = $2::text) AS yes),"
    " pair AS ("
    "   INSERT INTO login_attempts AS a (key, attempts, window_start)"
    "   VALUES ('pair:' || $1::text || '|' || $2::text, 1, now())"
    "   ON CONFLICT (key) DO UPDATE SET"
    "     attempts = CASE WHEN a.window_start <= now() - (SELECT len FROM w) THEN 1 ELSE a.attempts + 1 END,"
    "     window_start = CASE WHEN a.window_start <= now() - (SELECT len FROM w) THEN now() ELSE a.window_start END"
    "   RETURNING a.attempts, a.window_start, a.attempts <= $3::int AS ok),"
    " limits (key, max) AS ("
    "   SELECT 'addr:' || $2::text, $4::int FROM known, pair WHERE NOT known.yes AND pair.ok"
    "   UNION ALL SELECT 'user:' || $1::text, $5::int FROM known, pair WHERE NOT known.yes AND pair.ok),"
    " counted AS ("
    "   INSERT INTO login_attempts AS a (key, attempts, window_start)"
    "   SELECT key, 1, now() FROM limits"
    "   ON CONFLICT (key) DO UPDATE SET"
    "     attempts = CASE WHEN a.window_start <= now() - (SELECT len FROM w) THEN 1 ELSE a.attempts + 1 END,"
    "     window_start = CASE WHEN a.window_start <= now() - (SELECT len FROM w) THEN now() ELSE a.window_start END"
    "   RETURNING a.key, a.attempts, a.window_start),"
    " verdict AS ("
    "   SELECT (SELECT ok FROM pair) AND COALESCE(bool_and(c.attempts <= l.max), true) AS allowed,"
    "          GREATEST(CASE WHEN (SELECT ok FROM pair) THEN 0"
    "                   ELSE (SELECT ceil(extract(epoch FROM window_start + (SELECT len FROM w) - now())) FROM pair) END,"
    "            COALESCE(max(CASE WHEN c.attempts > l.max"
    "              THEN ceil(extract(epoch FROM c.window_start + (SELECT len FROM w) - now())) END), 0))::bigint AS wait"
    "     FROM counted c JOIN limits l USING (key))"
    "SELECT u.id AS user_id, u.password_hash, COALESCE(u.disabled, true) AS disabled, v.allowed, v.wait"
    "  FROM (SELECT $1::text AS name) x LEFT JOIN users u ON u.username = x.name, verdict v",
    6);

/* $1 address (NULL: not counted), $2 max per hour, $3 phone, $4 max open per phone, $5 the request's
 * Idempotency-Key: a key that already made its order is a replay and always allowed. Open orders are
 * counted only up to the limit, so a phone with many orders costs no more than the limit's rows. */
static struct db_statement submit_attempt_statement = DB_STATEMENT("throttle_submit_attempt",
    "WITH replay AS (SELECT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.key = $5::text) AS yes),"
    " counted AS ("
    "  INSERT INTO submit_attempts AS a (address, attempts, window_start)"
    "  SELECT $1::text, 1, now() FROM replay WHERE $1::text IS NOT NULL AND NOT replay.yes"
    "  ON CONFLICT (address) DO UPDATE SET"
    "    attempts = CASE WHEN a.window_start <= now() - interval '1 hour' THEN 1 ELSE a.attempts + 1 END,"
    "    window_start = CASE WHEN a.window_start <= now() - interval '1 hour' THEN now() ELSE a.window_start END"
    "  RETURNING a.attempts, a.window_start)"
    "SELECT COALESCE((SELECT attempts <= $2::int FROM counted), true) AS address_allowed,"
    "       COALESCE((SELECT ceil(extract(epoch FROM window_start + interval '1 hour' - now())) FROM counted), 0)::bigint"
    "         AS wait,"
    "       (SELECT yes FROM replay) OR (SELECT count(*) FROM (SELECT FROM orders o WHERE o.contact_phone = $3::text"
    "         AND o.state IN ('submitted', 'dispatched', 'claimed', 'accepted', 'in_progress') LIMIT $4::int) o)"
    "         < $4::int AS phone_allowed",
    5);

static unsigned long password_checks;

unsigned long
throttle_password_checks(void)
{
	return password_checks;
}

void
throttle_count_password_check(void)
{
	password_checks++;
}

void
throttle_login_attempt(struct request *r, const char *username, const char *address, db_callback done)
{
	const struct config *cfg = r->app->cfg;
	struct query q;

	query_start(&q, r, &login_attempt_statement);
	query_text(&q, 1, username);
	query_text(&q, 2, address);
	query_int(&q, 3, cfg->login_max_per_user_address);
	query_int(&q, 4, cfg->login_max_per_address);
	query_int(&q, 5, cfg->login_max_per_user);
	query_int(&q, 6, cfg->login_window_minutes);
	query_send(&q, done, r);
}

void
throttle_reply_limited(struct request *r, long seconds, const char *message)
{
	char text[24];

	snprintf(text, sizeof text, "%ld", seconds < 1 ? 1 : seconds);
	http_set_header(r, "Retry-After", text);
	api_error_reply_message(r, API_ERROR_RATE_LIMITED, message, NULL);
}

/* The request and what to do when the attempt is allowed: request memory. */
struct submit_attempt {
	struct request *r;
	void (*allowed)(struct request *r);
};

static void
submit_attempt_done(void *arg, const struct db_reply *reply)
{
	struct submit_attempt *attempt = arg;
	struct request *r = attempt->r;
	void (*allowed)(struct request * r) = attempt->allowed;
	const PGresult *res = reply->result;
	char message[256];
	long wait;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (!query_cell_bool(res, 0, "address_allowed")) {
		wait = strtol(query_cell(res, 0, "wait"), NULL, 10);
		snprintf(message, sizeof message,
		    "这里提交的点单太多了，请 %ld 分钟后再试 (too many orders from this address; try again in %ld minutes)",
		    (wait + 59) / 60, (wait + 59) / 60);
		throttle_reply_limited(r, wait, message);
		return;
	}
	if (!query_cell_bool(res, 0, "phone_allowed")) {
		throttle_reply_limited(r, 3600,
		    "这个电话号码还有几单没办完，请等办完后再点，或联系社区 (this phone has too many open orders; try again "
		    "once they are done, or ask your community)");
		return;
	}
	allowed(r);
}

void
throttle_submit_attempt(struct request *r, const char *address, const char *phone, const char *idempotency_key,
    void (*allowed)(struct request *r))
{
	const struct config *cfg = r->app->cfg;
	struct submit_attempt *attempt = http_alloc(r, sizeof *attempt);
	struct query q;

	attempt->r = r;
	attempt->allowed = allowed;
	query_start(&q, r, &submit_attempt_statement);
	query_text(&q, 1, address);
	query_int(&q, 2, cfg->orders_per_address_hour);
	query_text(&q, 3, phone);
	query_int(&q, 4, cfg->open_orders_per_phone);
	query_text(&q, 5, idempotency_key);
	query_send(&q, submit_attempt_done, attempt);
}
