/* db_cancel: a statement past its deadline is cancelled from the canceller's thread, since PQcancel
 * blocks (and blocks forever while the server is frozen); at most a bounded number wait to be sent. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "log.h"
#include "offload.h"
#include "xalloc.h"

struct cancel_task {
	PGcancel *cancel;
	bool sent;
	char error[256];
};

/* On the canceller's thread: blocks until the server has taken the request (or forever, while
 * it is frozen: that thread is there so that nothing else waits with it). */
static void
cancel_work(void *arg)
{
	struct cancel_task *t = arg;

	t->sent = PQcancel(t->cancel, t->error, sizeof t->error) == 1;
}

static void
cancel_done(void *arg)
{
	struct cancel_task *t = arg;

	if (!t->sent) {
		t->error[strcspn(t->error, "\n")] = '\0';
		log_warn("database cancel failed", "reason", t->error);
	}
	PQfreeCancel(t->cancel);
	free(t);
}

void
db_conn_cancel(struct db_conn *c)
{
	struct cancel_task *t = xcalloc(1, sizeof *t);

	t->cancel = PQgetCancel(c->pg);
	if (t->cancel != NULL && offload_run(c->pool->canceller, cancel_work, cancel_done, t)) {
		c->pool->stats.cancels_sent++;
		return;
	}
	c->pool->stats.cancels_dropped++;
	log_warn("database cancel not sent: too many still waiting");
	if (t->cancel != NULL)
		PQfreeCancel(t->cancel);
	free(t);
}
