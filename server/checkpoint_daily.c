/* checkpoint_daily: the query and the job own themselves (the pool answers a query still waiting at
 * shutdown with a failure, after the offload threads are gone), so the timer can stop at any time. */
#include "checkpoint_daily.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "checkpoint.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "offload.h"
#include "query.h"
#include "xalloc.h"

/* The turn is claimed and every head read in one statement: only the process whose claim moved
 * last_at gets the heads. */
static struct db_statement claim_statement = DB_STATEMENT("checkpoint_claim",
    "WITH claim AS ("
    "  INSERT INTO audit_checkpoint_runs AS r (id, last_at) VALUES (1, now())"
    "  ON CONFLICT (id) DO UPDATE SET last_at = now()"
    "   WHERE r.last_at <= now() - $1::bigint * interval '1 second' + interval '100 milliseconds'"
    "  RETURNING 1"
    ")"
    "SELECT h.heads FROM (" CHECKPOINT_HEADS_SQL ") h WHERE EXISTS (SELECT 1 FROM claim)",
    1);

struct checkpoint_daily {
	struct app *app;
	struct event *timer;
};

struct checkpoint_job {
	const struct config *cfg;
	char *heads;
	char path[4096];
	const char *why;
	bool written;
};

static void
job_work(void *arg)
{
	struct checkpoint_job *job = arg;

	job->written = checkpoint_write(job->cfg->checkpoint_key_file, job->cfg->checkpoint_dir, job->heads, job->path,
	    sizeof job->path, &job->why);
}

static void
job_done(void *arg)
{
	struct checkpoint_job *job = arg;

	if (job->written)
		log_info("audit checkpoint written", "path", job->path);
	else
		log_error("audit checkpoint not written", "key", job->cfg->checkpoint_key_file, "dir",
		    job->cfg->checkpoint_dir, "reason", job->why);
	free(job->heads);
	free(job);
}

static void
claim_done(void *arg, const struct db_reply *reply)
{
	struct app *app = arg;
	struct checkpoint_job *job;

	if (reply->status != DB_OK) {
		log_warn("audit checkpoint: cannot read the chain heads", "reason", reply->message);
		return;
	}
	if (PQntuples(reply->result) == 0 || app->stopping)
		return; /* another process has this turn */
	job = xcalloc(1, sizeof *job);
	job->cfg = app->cfg;
	job->heads = xstrdup(query_cell(reply->result, 0, "heads"));
	offload_run(app->offload, job_work, job_done, job);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct checkpoint_daily *daily = arg;
	struct query q;

	(void)fd;
	(void)what;
	if (daily->app->stopping || !db_pool_ready(daily->app->db))
		return;
	query_start_pool(&q, daily->app->db, &claim_statement);
	query_int(&q, 1, daily->app->cfg->checkpoint_interval_s);
	query_send(&q, claim_done, daily->app);
}

struct checkpoint_daily *
checkpoint_daily_start(struct app *app)
{
	struct checkpoint_daily *daily;
	long every = app->cfg->checkpoint_interval_s;
	struct timeval period;

	if (every <= 0)
		return NULL;
	daily = xcalloc(1, sizeof *daily);
	daily->app = app;
	/* Look often enough that a day's checkpoint is at most five minutes late. */
	period.tv_sec = every < 300 ? every : 300;
	period.tv_usec = 0;
	daily->timer = event_new(app->base, -1, EV_PERSIST, tick, daily);
	event_add(daily->timer, &period);
	return daily;
}

void
checkpoint_daily_stop(struct checkpoint_daily *daily)
{
	if (daily == NULL)
		return;
	event_free(daily->timer);
	free(daily);
}
