/* Unit tests of server/db_share.c: no class can take the connections the others are owed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "db_share.h"

static void
writes_stuck_on_a_lock_leave_one_connection_for_each_read_class(void **state)
{
	int busy[DB_CLASSES] = {0, 0, 0};

	(void)state;
	/* Four connections: writes may take two; the third would leave the reads one for both. */
	assert_true(db_share_may_take(4, busy, DB_CLASS_WRITE));
	busy[DB_CLASS_WRITE] = 1;
	assert_true(db_share_may_take(4, busy, DB_CLASS_WRITE));
	busy[DB_CLASS_WRITE] = 2;
	assert_false(db_share_may_take(4, busy, DB_CLASS_WRITE));
	/* The two left are one for fast reads and one for slow ones. */
	assert_true(db_share_may_take(4, busy, DB_CLASS_FAST_READ));
	busy[DB_CLASS_FAST_READ] = 1;
	assert_false(db_share_may_take(4, busy, DB_CLASS_FAST_READ));
	assert_true(db_share_may_take(4, busy, DB_CLASS_SLOW_READ));
}

static void
a_class_with_one_running_is_owed_nothing_more(void **state)
{
	int busy[DB_CLASSES] = {1, 1, 0};

	(void)state;
	/* Fast and slow each have theirs: the two others are free for writes, or for a second fast read. */
	assert_true(db_share_may_take(4, busy, DB_CLASS_FAST_READ));
	busy[DB_CLASS_FAST_READ] = 2;
	assert_true(db_share_may_take(4, busy, DB_CLASS_WRITE));
	busy[DB_CLASS_WRITE] = 1;
	assert_false(db_share_may_take(4, busy, DB_CLASS_SLOW_READ));
}

static void
every_class_may_take_its_own_even_when_the_others_hold_the_rest(void **state)
{
	for (int up = DB_CLASSES; up <= 16; up++) {
		for (int c = 0; c < DB_CLASSES; c++) {
			/* The other classes took all they may: c still gets its one. */
			int busy[DB_CLASSES] = {0, 0, 0};
			bool more = true;
			while (more) {
				more = false;
				for (int k = 0; k < DB_CLASSES; k++)
					if (k != c && db_share_may_take(up, busy, (enum db_class)k)) {
						busy[k]++;
						more = true;
					}
			}
			assert_true(db_share_may_take(up, busy, (enum db_class)c));
			/* And never more than there are. */
			busy[c]++;
			assert_true(busy[0] + busy[1] + busy[2] <= up);
		}
	}
	(void)state;
}

static void
fewer_connections_than_classes_are_first_come_first_served(void **state)
{
	int busy[DB_CLASSES] = {0, 0, 0};

	(void)state;
	assert_true(db_share_may_take(2, busy, DB_CLASS_WRITE));
	busy[DB_CLASS_WRITE] = 1;
	assert_true(db_share_may_take(2, busy, DB_CLASS_WRITE));
	busy[DB_CLASS_WRITE] = 2;
	assert_false(db_share_may_take(2, busy, DB_CLASS_FAST_READ));
	assert_false(db_share_may_take(0, (int[DB_CLASSES]){0, 0, 0}, DB_CLASS_FAST_READ));
}

static void
classes_have_names(void **state)
{
	(void)state;
	assert_string_equal(db_class_name(DB_CLASS_FAST_READ), "fast");
	assert_string_equal(db_class_name(DB_CLASS_SLOW_READ), "slow");
	assert_string_equal(db_class_name(DB_CLASS_WRITE), "write");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(writes_stuck_on_a_lock_leave_one_connection_for_each_read_class),
	    cmocka_unit_test(a_class_with_one_running_is_owed_nothing_more),
	    cmocka_unit_test(every_class_may_take_its_own_even_when_the_others_hold_the_rest),
	    cmocka_unit_test(fewer_connections_than_classes_are_first_come_first_served),
	    cmocka_unit_test(classes_have_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
