/* outbox_backlog: the notifications still to send and those given up on, per channel. */
#include "outbox_backlog.h"

#include <string.h>

#include "db.h"
#include "metrics.h"
#include "query.h"

static struct db_statement backlog_statement = DB_STATEMENT("outbox_backlog",
    "SELECT channel, count(*) FILTER (WHERE state <> 'failed') AS waiting,"
    "       count(*) FILTER (WHERE state = 'failed') AS failed"
    "  FROM notifications WHERE state IN ('pending', 'sending', 'failed') GROUP BY channel",
    0);

static void
backlog_done(void *arg, const struct db_reply *reply)
{
	long waiting[METRICS_CHANNEL_COUNT] = {0}, failed[METRICS_CHANNEL_COUNT] = {0};

	(void)arg;
	if (reply->status != DB_OK)
		return;
	for (int i = 0; i < PQntuples(reply->result); i++) {
		int c = strcmp(query_cell(reply->result, i, "channel"), "robot") == 0 ? METRICS_CHANNEL_ROBOT
		                                                                      : METRICS_CHANNEL_SMS;
		waiting[c] = (long)query_cell_id(reply->result, i, "waiting");
		failed[c] = (long)query_cell_id(reply->result, i, "failed");
	}
	for (int c = 0; c < METRICS_CHANNEL_COUNT; c++)
		metrics_notify_backlog((enum metrics_channel)c, waiting[c], failed[c]);
}

void
outbox_backlog_refresh(struct db_pool *db)
{
	struct query q;

	query_start_pool(&q, db, &backlog_statement);
	query_send(&q, backlog_done, NULL);
}
