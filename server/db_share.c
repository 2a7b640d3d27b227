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
