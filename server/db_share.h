/* db_share: how the pool's connections are shared among the classes of statements. Pure.
 *
 * Every route names its class (server/routes.c): a fast read (one order, the catalog), a slow read
 * (lists, statistics, exports) or a write. Each class has a wait queue of its own with its own limit,
 * and keeps one connection for itself whenever the pool has at least one per class: a class may take
 * an idle connection only if, after it does, enough stay idle for every other class that has none
 * running. So fast reads never wait behind writes stuck on a lock or behind a slow export, and the
 * connections no class needs are used by whichever has work. */
#ifndef PAIDAN_DB_SHARE_H
#define PAIDAN_DB_SHARE_H

#include <stdbool.h>

enum db_class { DB_CLASS_FAST_READ, DB_CLASS_SLOW_READ, DB_CLASS_WRITE };
#define DB_CLASSES 3

/* "fast", "slow", "write": the label /metrics and the log use. */
const char *db_class_name(enum db_class c);

/* May a statement of class c take an idle connection now, with up connections up and busy[k]
 * of them running statements of class k? */
bool db_share_may_take(int up, const int busy[DB_CLASSES], enum db_class c);

#endif
