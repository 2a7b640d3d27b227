/* outbox_backlog: how many notifications wait and how many failed, per channel, for /metrics. */
#ifndef PAIDAN_OUTBOX_BACKLOG_H
#define PAIDAN_OUTBOX_BACKLOG_H

struct db_pool;

/* Counts them on db and hands the figures to metrics when the answer comes. */
void outbox_backlog_refresh(struct db_pool *db);

#endif
