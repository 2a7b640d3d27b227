/* Unit tests of server/resident_key.c: long, URL-safe, hashed, and sealed only for its submitter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "resident_key.h"

static void
keys_are_32_url_safe_characters_and_differ(void **state)
{
	char a[RESIDENT_KEY_LEN + 1], b[RESIDENT_KEY_LEN + 1];

	(void)state;
	resident_key_generate(a);
	resident_key_generate(b);
	assert_int_equal(strlen(a), 32);
	assert_true(resident_key_valid(a, strlen(a)));
	assert_string_not_equal(a, b);
	assert_false(resident_key_valid("short", 5));
	assert_false(resident_key_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 32));
	assert_false(resident_key_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/A", 32));
}

static void
the_stored_hash_is_64_hex_and_not_the_key(void **state)
{
	char key[RESIDENT_KEY_LEN + 1], hash[RESIDENT_KEY_HASH_HEX], again[RESIDENT_KEY_HASH_HEX];

	(void)state;
	resident_key_generate(key);
	resident_key_hash_hex(key, hash);
	resident_key_hash_hex(key, again);
	assert_int_equal(strlen(hash), 64);
	assert_string_equal(hash, again);
	assert_null(strstr(hash, key));
}

static void
a_sealed_key_opens_only_with_its_idempotency_key(void **state)
{
	char key[RESIDENT_KEY_LEN + 1], sealed[RESIDENT_KEY_SEALED_HEX], out[RESIDENT_KEY_LEN + 1];

	(void)state;
	resident_key_generate(key);
	resident_key_seal(key, "idem-1", sealed);
	assert_null(strstr(sealed, key));
	assert_true(resident_key_open(sealed, "idem-1", out));
	assert_string_equal(out, key);
	assert_false(resident_key_open(sealed, "idem-2", out));
	assert_false(resident_key_open("00", "idem-1", out));
	assert_false(resident_key_open(NULL, "idem-1", out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keys_are_32_url_safe_characters_and_differ),
	    cmocka_unit_test(the_stored_hash_is_64_hex_and_not_the_key),
	    cmocka_unit_test(a_sealed_key_opens_only_with_its_idempotency_key),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
