/* Unit tests of server/session_cache.c: an entry lives its TTL and never past its session's end; it
 * is forgotten by session, by user and all at once; an answer asked before a forgetting is not kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session_cache.h"

#define A "0a1b2c0000000000000000000000000000000000000000000000000000000000"
#define B "ffee010000000000000000000000000000000000000000000000000000000000"
/* Same first six digits as A: the same slot. */
#define A2 "0a1b2c1111111111111111111111111111111111111111111111111111111111"

static const int64_t NOW = 1800000000000; /* ms */

static struct session_cached
entry(int64_t user, int64_t expires_s)
{
	struct session_cached e = {.user_id = user,
	    .role = ROLE_COMMUNITY,
	    .scope_id = 7,
	    .expires_at = expires_s,
	    .csrf = "csrf-token",
	    .json = "{\"id\":1}"};
	return e;
}

static int
setup(void **state)
{
	(void)state;
	session_cache_set_ttl_ms(5000);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	session_cache_free();
	return 0;
}

static void
an_entry_lives_its_ttl_and_not_past_the_session(void **state)
{
	struct session_cached e = entry(1, NOW / 1000 + 3600), got;

	(void)state;
	assert_false(session_cache_get(A, NOW, &got));
	session_cache_put(A, NOW, session_cache_generation(), &e);
	assert_true(session_cache_get(A, NOW + 4999, &got));
	assert_int_equal(got.user_id, 1);
	assert_int_equal(got.scope_id, 7);
	assert_string_equal(got.csrf, "csrf-token");
	assert_string_equal(got.json, "{\"id\":1}");
	assert_false(session_cache_get(A, NOW + 5000, &got));
	assert_false(session_cache_get(A, NOW + 1, &got)); /* dropped when found stale */

	e = entry(1, NOW / 1000 + 2); /* the session ends in 2 s, before the TTL */
	session_cache_put(A, NOW, session_cache_generation(), &e);
	assert_true(session_cache_get(A, NOW + 1999, &got));
	assert_false(session_cache_get(A, NOW + 2000, &got));
}

static void
a_slot_holds_one_session(void **state)
{
	struct session_cached e1 = entry(1, NOW / 1000 + 3600), e2 = entry(2, NOW / 1000 + 3600), got;

	(void)state;
	session_cache_put(A, NOW, session_cache_generation(), &e1);
	session_cache_put(A2, NOW, session_cache_generation(), &e2);
	assert_false(session_cache_get(A, NOW, &got));
	assert_true(session_cache_get(A2, NOW, &got));
	assert_int_equal(got.user_id, 2);
}

static void
forgetting_by_session_user_and_all(void **state)
{
	struct session_cached e1 = entry(1, NOW / 1000 + 3600), e2 = entry(2, NOW / 1000 + 3600), got;

	(void)state;
	session_cache_put(A, NOW, session_cache_generation(), &e1);
	session_cache_put(B, NOW, session_cache_generation(), &e2);
	session_cache_forget_session(A);
	assert_false(session_cache_get(A, NOW, &got));
	assert_true(session_cache_get(B, NOW, &got));
	session_cache_forget_user(1);
	assert_true(session_cache_get(B, NOW, &got));
	session_cache_forget_user(2);
	assert_false(session_cache_get(B, NOW, &got));
	session_cache_put(A, NOW, session_cache_generation(), &e1);
	session_cache_put(B, NOW, session_cache_generation(), &e2);
	session_cache_forget_all();
	assert_false(session_cache_get(A, NOW, &got));
	assert_false(session_cache_get(B, NOW, &got));
}

static void
an_answer_overtaken_by_a_note_is_not_kept(void **state)
{
	struct session_cached e = entry(1, NOW / 1000 + 3600), got;
	uint64_t asked = session_cache_generation();

	(void)state;
	session_cache_forget_session(B); /* a note arrives while A's look-up is out */
	session_cache_put(A, NOW, asked, &e);
	assert_false(session_cache_get(A, NOW, &got));
}

static void
a_ttl_of_zero_keeps_nothing(void **state)
{
	struct session_cached e = entry(1, NOW / 1000 + 3600), got;

	(void)state;
	session_cache_put(A, NOW, session_cache_generation(), &e);
	session_cache_set_ttl_ms(0);
	assert_false(session_cache_get(A, NOW, &got));
	session_cache_put(A, NOW, session_cache_generation(), &e);
	assert_false(session_cache_get(A, NOW, &got));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(an_entry_lives_its_ttl_and_not_past_the_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_slot_holds_one_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(forgetting_by_session_user_and_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(an_answer_overtaken_by_a_note_is_not_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_ttl_of_zero_keeps_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
