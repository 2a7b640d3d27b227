/* test_id_number: ID-card numbers — the GB 11643 check digit against numbers whose check digits were
 * worked out by hand here, birth dates, masking, and the key file: made once with mode 0600, the same
 * key after a reload, sealing that only the key opens, hashing that depends on the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "id_number.h"

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static char key_dir[] = "/tmp/paidan-test-id-number.XXXXXX";

static const char *const valid[] = {
    "11010519491231002X", /* the check digit 10 is written X */
    "360781199003071234",
    "440524193501010017", /* born 1935 */
    "360728200002290041", /* 29 February of a leap year */
    "510108197711032358",
};

static const char *
problem_of(const char *text)
{
	char out[ID_NUMBER_LEN + 1];

	return id_number_problem(text, strlen(text), out);
}

static void
valid_numbers_pass_and_are_copied(void **state)
{
	char out[ID_NUMBER_LEN + 1];

	(void)state;
	for (int i = 0; i < COUNT_OF(valid); i++) {
		assert_null(id_number_problem(valid[i], strlen(valid[i]), out));
		assert_string_equal(out, valid[i]);
	}
}

static void
lower_case_x_is_taken_as_upper_case(void **state)
{
	char out[ID_NUMBER_LEN + 1];

	(void)state;
	assert_null(id_number_problem("11010519491231002x", 18, out));
	assert_string_equal(out, "11010519491231002X");
}

static void
every_other_check_digit_is_refused(void **state)
{
	static const char digits[] = "0123456789X";
	char text[ID_NUMBER_LEN + 1];

	(void)state;
	for (int i = 0; i < COUNT_OF(valid); i++) {
		int refused = 0;
		for (int d = 0; d < 11; d++) {
			memcpy(text, valid[i], sizeof text);
			text[17] = digits[d];
			if (text[17] == valid[i][17])
				continue;
			assert_non_null(strstr(problem_of(text), "check digit"));
			refused++;
		}
		assert_int_equal(refused, 10);
	}
}

static void
a_changed_body_digit_is_caught(void **state)
{
	(void)state;
	/* 360781199003071234 with its sequence number 123 → 124 */
	assert_non_null(strstr(problem_of("360781199003071244"), "check digit"));
	/* two neighbours swapped */
	assert_non_null(strstr(problem_of("630781199003071234"), "check digit"));
}

static void
wrong_length_or_characters_are_refused(void **state)
{
	static const char *const bad[] = {
	    "", "36078119900307123", /* 17 */
	    "3607811990030712345", /* 19 */
	    "3607811990030712X4", /* X not last */
	    "36078119900307123Y", " 60781199003071234", "３６０７８１１９９００３０７１２３４", /* full-width digits */
	};

	(void)state;
	for (int i = 0; i < COUNT_OF(bad); i++)
		assert_non_null(strstr(problem_of(bad[i]), "18 characters"));
}

static void
impossible_birth_dates_are_refused(void **state)
{
	/* Check digits made right for each, so only the date is wrong. */
	static const char *const bad[] = {
	    "360728199902290041", /* 29 February 1999 */
	    "360728199013010011", /* month 13 */
	    "360728199001000027", /* day 0 */
	    "360728199004310012", /* 31 April */
	    "360728189912310019", /* 1899: no one living was born before 1900 */
	    "360728190002290010", /* 1900 was not a leap year */
	};

	(void)state;
	for (int i = 0; i < COUNT_OF(bad); i++)
		assert_non_null(strstr(problem_of(bad[i]), "birth date"));
}

static void
mask_keeps_four_and_four(void **state)
{
	char out[ID_NUMBER_LEN + 1];

	(void)state;
	id_number_mask("360781199003071234", out);
	assert_string_equal(out, "3607**********1234");
	id_number_mask("11010519491231002X", out);
	assert_string_equal(out, "1101**********002X");
}

static void
nothing_is_sealed_or_hashed_before_a_key_is_loaded(void **state)
{
	char sealed[ID_NUMBER_SEALED_TEXT], hash[ID_NUMBER_HASH_TEXT];

	(void)state;
	assert_false(id_number_seal(valid[1], sealed));
	assert_false(id_number_hash(valid[1], hash));
}

static void
key_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", key_dir, name);
}

static void
missing_key_file_is_made_once_with_mode_0600(void **state)
{
	char path[256], hash1[ID_NUMBER_HASH_TEXT], hash2[ID_NUMBER_HASH_TEXT];
	struct stat st;

	(void)state;
	key_path(path, sizeof path, "sub/id.key");
	assert_true(id_number_key_load_or_create(path));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(id_number_hash(valid[1], hash1));
	/* Loading again reads the same key: the same hash. */
	assert_true(id_number_key_load_or_create(path));
	assert_true(id_number_hash(valid[1], hash2));
	assert_string_equal(hash1, hash2);
	assert_int_equal(strlen(hash1), 2 + 64);
	assert_memory_equal(hash1, "\\x", 2);
}

static void
seal_opens_with_the_key_and_differs_each_time(void **state)
{
	char sealed1[ID_NUMBER_SEALED_TEXT], sealed2[ID_NUMBER_SEALED_TEXT], out[ID_NUMBER_LEN + 1], path[256];

	(void)state;
	key_path(path, sizeof path, "sub/id.key");
	assert_true(id_number_key_load_or_create(path));
	assert_true(id_number_seal(valid[0], sealed1));
	assert_true(id_number_seal(valid[0], sealed2));
	assert_string_not_equal(sealed1, sealed2); /* a fresh nonce each time */
	assert_null(strstr(sealed1, "1101051949"));
	assert_true(id_number_open(sealed1, out));
	assert_string_equal(out, valid[0]);
	/* One changed byte and it no longer opens. */
	sealed1[60] = sealed1[60] == '0' ? '1' : '0';
	assert_false(id_number_open(sealed1, out));
	assert_false(id_number_open("\\x00", out));
	assert_false(id_number_open("not hex", out));
}

static void
another_key_gives_another_hash_and_cannot_open(void **state)
{
	char path[256], other[256], hash1[ID_NUMBER_HASH_TEXT], hash2[ID_NUMBER_HASH_TEXT];
	char sealed[ID_NUMBER_SEALED_TEXT], out[ID_NUMBER_LEN + 1];

	(void)state;
	key_path(path, sizeof path, "sub/id.key");
	key_path(other, sizeof other, "other.key");
	assert_true(id_number_key_load_or_create(path));
	assert_true(id_number_hash(valid[2], hash1));
	assert_true(id_number_seal(valid[2], sealed));
	assert_true(id_number_key_load_or_create(other));
	assert_true(id_number_hash(valid[2], hash2));
	assert_string_not_equal(hash1, hash2);
	assert_false(id_number_open(sealed, out));
}

static void
key_file_of_the_wrong_size_is_refused(void **state)
{
	char path[256];
	FILE *f;

	(void)state;
	key_path(path, sizeof path, "short.key");
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("0123456789abcdef0123456789abcde", f); /* 31 bytes */
	fclose(f);
	assert_false(id_number_key_load_or_create(path));
	key_path(path, sizeof path, "long.key");
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("0123456789abcdef0123456789abcdef0", f); /* 33 bytes */
	fclose(f);
	assert_false(id_number_key_load_or_create(path));
}

static int
make_key_dir(void **state)
{
	(void)state;
	return sodium_init() < 0 || mkdtemp(key_dir) == NULL ? -1 : 0;
}

static int
remove_key_dir(void **state)
{
	char command[128];

	(void)state;
	snprintf(command, sizeof command, "rm -rf '%s'", key_dir);
	return system(command) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_numbers_pass_and_are_copied),
	    cmocka_unit_test(lower_case_x_is_taken_as_upper_case),
	    cmocka_unit_test(every_other_check_digit_is_refused),
	    cmocka_unit_test(a_changed_body_digit_is_caught),
	    cmocka_unit_test(wrong_length_or_characters_are_refused),
	    cmocka_unit_test(impossible_birth_dates_are_refused),
	    cmocka_unit_test(mask_keeps_four_and_four),
	    /* In this order: the first needs no key loaded yet. */
	    cmocka_unit_test(nothing_is_sealed_or_hashed_before_a_key_is_loaded),
	    cmocka_unit_test(missing_key_file_is_made_once_with_mode_0600),
	    cmocka_unit_test(seal_opens_with_the_key_and_differs_each_time),
	    cmocka_unit_test(another_key_gives_another_hash_and_cannot_open),
	    cmocka_unit_test(key_file_of_the_wrong_size_is_refused),
	};
	return cmocka_run_group_tests(tests, make_key_dir, remove_key_dir);
}
