/* Unit tests of server/tracking_code.c and server/audit.c (codes and the audit hash chain). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "audit.h"
#include "tracking_code.h"

static int
compare_codes(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
codes_are_ten_unambiguous_symbols_and_do_not_repeat(void **state)
{
	enum { N = 10000 };
	char (*codes)[TRACKING_CODE_LEN + 1] = calloc(N, sizeof *codes);

	(void)state;
	for (int i = 0; i < N; i++) {
		tracking_code_generate(codes[i]);
		assert_int_equal(strlen(codes[i]), TRACKING_CODE_LEN);
		assert_int_equal(strspn(codes[i], TRACKING_CODE_ALPHABET), TRACKING_CODE_LEN);
		assert_null(strpbrk(codes[i], "01OIL"));
	}
	qsort(codes, N, sizeof *codes, compare_codes);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(codes[i - 1], codes[i]);
	free(codes);
}

static void
typed_codes_are_normalised(void **state)
{
	char out[TRACKING_CODE_LEN + 1];

	(void)state;
	assert_true(tracking_code_normalize("abcde-fghjk", out));
	assert_string_equal(out, "ABCDEFGHJK");
	assert_true(tracking_code_normalize(" 23456 789AB ", out));
	assert_string_equal(out, "23456789AB");
	assert_false(tracking_code_normalize("ABCDEFGHJ", out));
	assert_false(tracking_code_normalize("ABCDEFGHJKM", out));
	assert_false(tracking_code_normalize("ABCDEFGHJO", out));
	assert_false(tracking_code_normalize("ABCDEFGHJ1", out));
	assert_false(tracking_code_normalize("ABCDEFGHJI", out));
	assert_false(tracking_code_normalize("ABCDEFGHJ/", out));
	assert_false(tracking_code_normalize("", out));
}

static void
audit_hash_covers_every_field_and_the_previous_hash(void **state)
{
	struct audit_event base = {"ABCDEFGHJK", 3, "claim", "dispatched", "claimed", 7, "department", "note", 1700000000000000};
	unsigned char h0[AUDIT_HASH_BYTES], h1[AUDIT_HASH_BYTES], prev[AUDIT_HASH_BYTES];
	char hex[AUDIT_HASH_HEX];

	(void)state;
	audit_hash(&base, audit_genesis, h0);
	audit_hash(&base, audit_genesis, h1);
	assert_memory_equal(h0, h1, AUDIT_HASH_BYTES);
	{
		struct audit_event e = base;
		e.seq = 4;
		audit_hash(&e, audit_genesis, h1);
		assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
		e = base;
		e.at_us++;
		audit_hash(&e, audit_genesis, h1);
		assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
		e = base;
		e.actor_user_id = 8;
		audit_hash(&e, audit_genesis, h1);
		assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
		e = base;
		e.note = "note.";
		audit_hash(&e, audit_genesis, h1);
		assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
		/* Moving bytes between neighbouring fields changes the hash too (length prefixes). */
		e = base;
		e.actor_role = "departmentn";
		e.note = "ote";
		audit_hash(&e, audit_genesis, h1);
		assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
	}
	memset(prev, 1, sizeof prev);
	audit_hash(&base, prev, h1);
	assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
	audit_to_hex(audit_genesis, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(strspn(hex, "0"), 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_are_ten_unambiguous_symbols_and_do_not_repeat),
		cmocka_unit_test(typed_codes_are_normalised),
		cmocka_unit_test(audit_hash_covers_every_field_and_the_previous_hash),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
