/* Unit tests of server/db_share.c: no class can take the connections the others are owed, and a fast
 * read joins only a pipeline of fast reads that is short, moving and no later than it. */
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

/* Three busy connections of fast reads, each 1 ms into its oldest statement, deadlines at 1000. */
static void
three_busy(struct db_share_conn conns[3])
{
	for (int i = 0; i < 3; i++)
		conns[i] =
		    (struct db_share_conn){.in_flight = 1, .fast_only = true, .head_ms = 1, .last_deadline_ms = 1000};
}

static void
a_fast_read_joins_the_shortest_pipeline_then_the_freshest(void **state)
{
	struct db_share_conn conns[3];

	(void)state;
	three_busy(conns);
	conns[0].in_flight = 3;
	conns[1].in_flight = 2;
	conns[2].in_flight = 2;
	conns[2].head_ms = 0;
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), 2);
	conns[2].head_ms = 5;
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), 1);
	/* Only the connections it is shown. */
	assert_int_equal(db_share_pipeline_pick(conns, 1, 4, 1000), 0);
	assert_int_equal(db_share_pipeline_pick(conns, 0, 4, 1000), -1);
}

static void
never_past_the_depth_nor_onto_an_idle_connection(void **state)
{
	struct db_share_conn conns[3];

	(void)state;
	three_busy(conns);
	for (int i = 0; i < 3; i++)
		conns[i].in_flight = 4;
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), -1);
	conns[1].in_flight = 3;
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), 1);
	/* Depth 1 is no pipeline at all. */
	three_busy(conns);
	assert_int_equal(db_share_pipeline_pick(conns, 3, 1, 1000), -1);
	/* An idle connection is the pool's to hand out, by the shares, not a pipeline's. */
	conns[0].in_flight = conns[1].in_flight = conns[2].in_flight = 0;
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), -1);
}

static void
never_behind_a_slow_read_a_write_or_a_stalled_statement(void **state)
{
	struct db_share_conn conns[3];

	(void)state;
	three_busy(conns);
	conns[0].fast_only = false; /* a statistics query or a write waiting on a lock */
	conns[1].head_ms = DB_SHARE_STALL_MS; /* running long: maybe stuck until its deadline */
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), 2);
	conns[2].fast_only = false;
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), -1);
	conns[1].head_ms = DB_SHARE_STALL_MS - 1;
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1000), 1);
}

static void
the_oldest_statement_keeps_the_earliest_deadline(void **state)
{
	struct db_share_conn conns[3];

	(void)state;
	three_busy(conns);
	conns[0].in_flight = 1;
	conns[1].in_flight = conns[2].in_flight = 2;
	conns[0].last_deadline_ms = 1200;
	/* A probe with a short deadline of its own does not go behind statements due later. */
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 900), -1);
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1100), 1);
	assert_int_equal(db_share_pipeline_pick(conns, 3, 4, 1200), 0);
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
	    cmocka_unit_test(a_fast_read_joins_the_shortest_pipeline_then_the_freshest),
	    cmocka_unit_test(never_past_the_depth_nor_onto_an_idle_connection),
	    cmocka_unit_test(never_behind_a_slow_read_a_write_or_a_stalled_statement),
	    cmocka_unit_test(the_oldest_statement_keeps_the_earliest_deadline),
	    cmocka_unit_test(classes_have_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
