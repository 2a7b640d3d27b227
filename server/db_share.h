/* db_share: how the pool's connections are shared among the classes of statements. Pure.
 *
 * Every route names its class (server/routes.c): a fast read (one order, the catalog), a slow read
 * (lists, statistics, exports) or a write. Each class has a wait queue of its own with its own limit,
 * and keeps one connection for itself whenever the pool has at least one per class: a class may take
 * an idle connection only if, after it does, enough stay idle for every other class that has none
 * running. So fast reads never wait behind writes stuck on a lock or behind a slow export, and the
 * connections no class needs are used by whichever has work.
 *
 * A connection is held by a class from its first statement sent to its last answered, however many
 * it has in flight: the shares count connections. In pipeline mode (--db-pipeline-depth above 1) a
 * fast read that finds no idle connection it may take may join a connection already held by fast
 * reads (db_share_pipeline_pick), which takes nothing from the other classes' shares. */
#ifndef PAIDAN_DB_SHARE_H
#define PAIDAN_DB_SHARE_H

#include <stdbool.h>

enum db_class { DB_CLASS_FAST_READ, DB_CLASS_SLOW_READ, DB_CLASS_WRITE };
#define DB_CLASSES 3

/* A connection whose oldest statement has run this long is not joined: it may be stuck (on a lock,
 * or on a frozen server), and everything behind it would share its fate at its deadline. */
#define DB_SHARE_STALL_MS 50

/* "fast", "slow", "write": the label /metrics and the log use. */
const char *db_class_name(enum db_class c);

/* May a statement of class c take an idle connection now, with up connections up and busy[k]
 * of them held by statements of class k? */
bool db_share_may_take(int up, const int busy[DB_CLASSES], enum db_class c);

/* A busy connection in pipeline mode, as the choice below sees it. */
struct db_share_conn {
	int in_flight; /* statements sent and not yet answered */
	bool fast_only; /* every one of them a fast read */
	long long head_ms; /* how long the oldest of them has been the one running */
	long long last_deadline_ms; /* the deadline of the newest */
};

/* Which of n busy connections a fast read with deadline deadline_ms (once sent) joins, or -1 for
 * none (it waits for an idle one): one with only fast reads in flight, fewer than depth, its oldest
 * not stalled, and no deadline later than the newcomer's (so the oldest statement's deadline is always
 * the connection's earliest); of those the one with the fewest in flight, then the one whose oldest
 * has run the shortest. Slow reads and writes never join a pipeline and nothing joins theirs: a
 * statistics query or a write waiting on a lock would hold every fast read behind it. */
int db_share_pipeline_pick(const struct db_share_conn *conns, int n, int depth, long long deadline_ms);

#endif
