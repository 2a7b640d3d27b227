/* event_batch: each reader gets the events the scope rule lets it see, in order; equal readers share
 * the same bytes; bytes outlive the batch while an output still holds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_batch.h"

static struct event_scope
scope_of(int64_t order, int64_t community, int64_t department, int64_t team)
{
	struct event_scope s = {.order = order, .community = community, .department = department, .team = team};

	return s;
}

/* Five events: orders 1–4 in communities 1 and 2; order 3 is held by team 7, order 4 offered to team 8. */
static struct event_batch *
five_events(void)
{
	struct event_batch *b = event_batch_new();
	struct event_scope offered = scope_of(4, 2, 3, 0);

	offered.offered[0] = 8;
	offered.noffered = 1;
	event_batch_add(b, 101, &(struct event_scope){.order = 1, .community = 1}, "{\"o\":1}", 7);
	event_batch_add(b, 102, &(struct event_scope){.order = 2, .community = 2, .department = 3}, "{\"o\":2}", 7);
	event_batch_add(
	    b, 103, &(struct event_scope){.order = 3, .community = 1, .department = 3, .team = 7}, "{\"o\":3}", 7);
	event_batch_add(b, 104, &offered, "{\"o\":4}", 7);
	event_batch_add(b, 105, &(struct event_scope){.order = 1, .community = 1}, "{\"o\":1,\"x\":2}", 13);
	return b;
}

static char *
chunk_text(struct event_batch *b, const struct event_reader *reader)
{
	struct evbuffer *out = evbuffer_new();
	size_t len = event_batch_chunk(b, reader, out);
	char *text = calloc(1, len + 1);

	assert_int_equal(evbuffer_get_length(out), len);
	evbuffer_remove(out, text, len);
	evbuffer_free(out);
	return text;
}

/* The ids a chunk carries, in order, as "101,105". */
static void
assert_ids(struct event_batch *b, const struct event_reader *reader, const char *expected)
{
	char *text = chunk_text(b, reader), ids[128] = "";

	for (const char *p = text; (p = strstr(p, "id: ")) != NULL; p += 4) {
		if (ids[0] != '\0')
			strcat(ids, ",");
		strncat(ids, p + 4, 3);
	}
	assert_string_equal(ids, expected);
	free(text);
}

static void
each_reader_sees_what_the_scope_rule_allows_in_order(void **state)
{
	struct event_batch *b = five_events();
	int64_t teams_7[] = {7}, teams_9[] = {9};

	(void)state;
	assert_int_equal(event_batch_count(b), 5);
	assert_ids(b, &(struct event_reader){.role = ROLE_ADMIN, .scope_id = 1}, "101,102,103,104,105");
	assert_ids(b, &(struct event_reader){.role = ROLE_COMMUNITY, .scope_id = 1}, "101,103,105");
	assert_ids(b, &(struct event_reader){.role = ROLE_COMMUNITY, .scope_id = 2}, "102,104");
	assert_ids(b, &(struct event_reader){.role = ROLE_DEPARTMENT, .scope_id = 3}, "102,103,104");
	assert_ids(b, &(struct event_reader){.role = ROLE_TEAM, .scope_id = 7}, "103");
	assert_ids(b, &(struct event_reader){.role = ROLE_TEAM, .scope_id = 8}, "104");
	assert_ids(
	    b, &(struct event_reader){.role = ROLE_VOLUNTEER, .scope_id = 5, .teams = teams_7, .nteams = 1}, "103");
	/* The same role and scope with other teams is another reader: it must not get the first one's chunk. */
	assert_ids(b, &(struct event_reader){.role = ROLE_VOLUNTEER, .scope_id = 5, .teams = teams_9, .nteams = 1}, "");
	assert_ids(b, &(struct event_reader){.role = ROLE_RESIDENT, .order_id = 1}, "101,105");
	assert_ids(b, &(struct event_reader){.role = ROLE_RESIDENT, .order_id = 9}, "");
	event_batch_free(b);
}

static void
a_message_is_an_sse_event_with_the_data_as_given(void **state)
{
	struct event_batch *b = five_events();
	char *text = chunk_text(b, &(struct event_reader){.role = ROLE_RESIDENT, .order_id = 1});

	(void)state;
	assert_string_equal(text,
	    "id: 101\nevent: order\ndata: {\"o\":1}\n\n"
	    "id: 105\nevent: order\ndata: {\"o\":1,\"x\":2}\n\n");
	free(text);
	event_batch_free(b);
}

static const void *
first_byte(struct evbuffer *buf)
{
	struct evbuffer_iovec v;

	assert_int_equal(evbuffer_peek(buf, -1, NULL, &v, 1), 1);
	return v.iov_base;
}

/* Equal readers get the very same bytes; they stay valid after the batch is cleared and freed, until
 * the last output holding them is written (ASan would see a use after free or a leak). */
static void
equal_readers_share_bytes_that_outlive_the_batch(void **state)
{
	struct event_batch *b = five_events();
	struct evbuffer *one = evbuffer_new(), *two = evbuffer_new(), *other = evbuffer_new();
	char text[256] = "";

	(void)state;
	assert_int_not_equal(
	    event_batch_chunk(b, &(struct event_reader){.role = ROLE_COMMUNITY, .scope_id = 1}, one), 0);
	assert_int_not_equal(
	    event_batch_chunk(b, &(struct event_reader){.role = ROLE_COMMUNITY, .scope_id = 1}, two), 0);
	assert_int_not_equal(
	    event_batch_chunk(b, &(struct event_reader){.role = ROLE_COMMUNITY, .scope_id = 2}, other), 0);
	assert_ptr_equal(first_byte(one), first_byte(two));
	assert_ptr_not_equal(first_byte(one), first_byte(other));
	event_batch_clear(b);
	assert_int_equal(event_batch_count(b), 0);
	assert_int_equal(event_batch_chunk(b, &(struct event_reader){.role = ROLE_ADMIN, .scope_id = 1}, other), 0);
	event_batch_free(b);
	evbuffer_free(one);
	int n = evbuffer_remove(two, text, sizeof text - 1);
	assert_int_equal(n, (int)strlen(text));
	assert_non_null(strstr(text, "id: 103\n"));
	evbuffer_free(two);
	evbuffer_free(other);
}

/* A thousand teams in one flush (the cache grows) and a second flush after a clear. */
static void
many_readers_and_several_flushes(void **state)
{
	struct event_batch *b = event_batch_new();

	(void)state;
	for (int round = 0; round < 2; round++) {
		for (int64_t t = 1; t <= 1000; t++)
			event_batch_add(
			    b, 1000 * round + t, &(struct event_scope){.order = t, .community = 1, .team = t}, "{}", 2);
		for (int64_t t = 1; t <= 1000; t += 37) {
			struct evbuffer *out = evbuffer_new();
			char text[64] = "";
			assert_int_not_equal(
			    event_batch_chunk(b, &(struct event_reader){.role = ROLE_TEAM, .scope_id = t}, out), 0);
			evbuffer_remove(out, text, sizeof text - 1);
			assert_non_null(strstr(text, "id: "));
			assert_int_equal(strtoll(text + 4, NULL, 10), 1000 * round + t);
			evbuffer_free(out);
		}
		event_batch_clear(b);
	}
	event_batch_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(each_reader_sees_what_the_scope_rule_allows_in_order),
	    cmocka_unit_test(a_message_is_an_sse_event_with_the_data_as_given),
	    cmocka_unit_test(equal_readers_share_bytes_that_outlive_the_batch),
	    cmocka_unit_test(many_readers_and_several_flushes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
