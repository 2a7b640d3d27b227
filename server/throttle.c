/* throttle: one upsert per failure; the window restarts after 15 quiet minutes. */
#include "throttle.h"

#include <stdlib.h>
#include <string.h>

#include "api_reply.h"
#include "app.h"
#include "db.h"
#include "http.h"
#include "xalloc.h"

#define LOCKOUT_FAILURES "5"
#define LOCKOUT_MINUTES "15"

static struct db_statement failure_statement = DB_STATEMENT("throttle_failure",
    "INSERT INTO login_failures AS f (username, failures, window_start) VALUES ($1, 1, now())"
    " ON CONFLICT (username) DO UPDATE SET"
    "  failures = CASE WHEN f.window_start < now() - interval '" LOCKOUT_MINUTES " minutes' THEN 1"
    "                  ELSE f.failures + 1 END,"
    "  window_start = CASE WHEN f.window_start < now() - interval '" LOCKOUT_MINUTES " minutes' THEN now()"
    "                      ELSE f.window_start END,"
    "  locked_until = CASE WHEN f.window_start >= now() - interval '" LOCKOUT_MINUTES " minutes'"
    "                       AND f.failures + 1 >= " LOCKOUT_FAILURES
    "                      THEN now() + interval '" LOCKOUT_MINUTES " minutes' ELSE f.locked_until END"
    " RETURNING COALESCE(locked_until > now(), false)",
    1);

struct throttle_wait {
	struct request *r;
	void (*when_locked)(struct request *r);
	void (*otherwise)(struct request *r);
};

static void
failure_done(void *arg, const struct db_reply *reply)
{
	struct throttle_wait w = *(struct throttle_wait *)arg;

	free(arg);
	if (reply->status != DB_OK) {
		api_reply_db_error(w.r, reply);
		return;
	}
	if (strcmp(PQgetvalue(reply->result, 0, 0), "t") == 0)
		w.when_locked(w.r);
	else
		w.otherwise(w.r);
}

void
throttle_failure(
    struct request *r, const char *key, void (*when_locked)(struct request *r), void (*otherwise)(struct request *r))
{
	struct throttle_wait *w = xcalloc(1, sizeof *w);
	const char *values[1] = {key};

	w->r = r;
	w->when_locked = when_locked;
	w->otherwise = otherwise;
	db_query(r->app->db, &failure_statement, values, failure_done, w);
}

void
throttle_reply_locked(struct request *r, enum api_error error)
{
	http_set_header(r, "Retry-After", "900");
	api_error_reply(r, error, NULL);
}
