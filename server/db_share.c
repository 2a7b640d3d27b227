/* db_share: each class keeps one connection for itself; the rest go to whoever has work. */
#include "db_share.h"

static const char *const class_names[DB_CLASSES] = {"fast", "slow", "write"};

const char *
db_class_name(enum db_class c)
{
	return (unsigned)c < DB_CLASSES ? class_names[c] : "?";
}

bool
db_share_may_take(int up, const int busy[DB_CLASSES], enum db_class c)
{
	/* With fewer connections than classes nothing can be kept apart: first come, first served. */
	int kept = up >= DB_CLASSES ? 1 : 0;
	int running = 0, owed = 0;

	for (int k = 0; k < DB_CLASSES; k++) {
		running += busy[k];
		if (k != (int)c && busy[k] < kept)
			owed += kept - busy[k];
	}
	return running + 1 + owed <= up;
}

int
db_share_pipeline_pick(const struct db_share_conn *conns, int n, int depth, long long deadline_ms)
{
	int best = -1;

	for (int i = 0; i < n; i++) {
		const struct db_share_conn *c = &conns[i];
		if (c->in_flight < 1 || c->in_flight >= depth || !c->fast_only || c->head_ms >= DB_SHARE_STALL_MS ||
		    c->last_deadline_ms > deadline_ms)
			continue;
		if (best < 0 || c->in_flight < conns[best].in_flight ||
		    (c->in_flight == conns[best].in_flight && c->head_ms < conns[best].head_ms))
			best = i;
	}
	return best;
}
