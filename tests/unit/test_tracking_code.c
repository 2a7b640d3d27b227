/* Unit tests of server/tracking_code.c: random codes read aloud without mix-ups, and what people type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tracking_code.h"

static int
compare_codes(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
the_alphabet_has_31_distinct_symbols_and_none_that_look_alike(void **state)
{
	const char *alphabet = TRACKING_CODE_ALPHABET;

	(void)state;
	assert_int_equal(strlen(alphabet), 31);
	assert_null(strpbrk(alphabet, "01OIL"));
	for (size_t i = 0; alphabet[i]; i++) {
		assert_null(strchr(alphabet + i + 1, alphabet[i]));
		assert_true((alphabet[i] >= '2' && alphabet[i] <= '9') || (alphabet[i] >= 'A' && alphabet[i] <= 'Z'));
	}
}

static void
generated_codes_are_ten_symbols_of_the_alphabet(void **state)
{
	char code[TRACKING_CODE_LEN + 1];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		memset(code, 'x', sizeof code);
		tracking_code_generate(code);
		assert_int_equal(code[TRACKING_CODE_LEN], '\0');
		assert_int_equal(strlen(code), TRACKING_CODE_LEN);
		assert_int_equal(strspn(code, TRACKING_CODE_ALPHABET), TRACKING_CODE_LEN);
	}
}

static void
ten_thousand_generated_codes_do_not_repeat(void **state)
{
	enum { N = 10000 };
	char(*codes)[TRACKING_CODE_LEN + 1] = calloc(N, sizeof *codes);

	(void)state;
	assert_non_null(codes);
	for (int i = 0; i < N; i++)
		tracking_code_generate(codes[i]);
	qsort(codes, N, sizeof *codes, compare_codes);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(codes[i - 1], codes[i]);
	free(codes);
}

static void
generated_codes_use_every_symbol_about_equally_often(void **state)
{
	enum { CODES = 10000 };
	const char *alphabet = TRACKING_CODE_ALPHABET;
	size_t symbols = strlen(alphabet);
	long counts[256] = {0};
	char code[TRACKING_CODE_LEN + 1];
	double expected = (double)CODES * TRACKING_CODE_LEN / (double)symbols;

	(void)state;
	for (int i = 0; i < CODES; i++) {
		tracking_code_generate(code);
		for (int k = 0; k < TRACKING_CODE_LEN; k++)
			counts[(unsigned char)code[k]]++;
	}
	/* About 3226 each, with a standard deviation near 56: 20 % either way is far outside chance. */
	for (size_t i = 0; i < symbols; i++) {
		long n = counts[(unsigned char)alphabet[i]];
		if (n < expected * 0.8 || n > expected * 1.2)
			fail_msg("symbol %c drawn %ld times, expected about %.0f", alphabet[i], n, expected);
	}
}

static void
a_generated_code_is_already_in_canonical_form(void **state)
{
	char code[TRACKING_CODE_LEN + 1], out[TRACKING_CODE_LEN + 1];

	(void)state;
	for (int i = 0; i < 100; i++) {
		tracking_code_generate(code);
		assert_true(tracking_code_normalize(code, out));
		assert_string_equal(out, code);
	}
}

static void
typed_codes_are_folded_to_upper_case(void **state)
{
	char out[TRACKING_CODE_LEN + 1];

	(void)state;
	assert_true(tracking_code_normalize("abcdefghjk", out));
	assert_string_equal(out, "ABCDEFGHJK");
	assert_true(tracking_code_normalize("aBcDeFgHjK", out));
	assert_string_equal(out, "ABCDEFGHJK");
	assert_true(tracking_code_normalize("mnpqrstuvw", out));
	assert_string_equal(out, "MNPQRSTUVW");
}

static void
typed_codes_drop_spaces_and_dashes_anywhere(void **state)
{
	static const char *inputs[] = {"ABCDE-FGHJK", "abcde fghjk", " ABCDEFGHJK ", "AB-CD-EF-GH-JK",
	    "A B C D E F G H J K", "--ABCDE  FGHJK--", "ABCDE - FGHJK"};
	char out[TRACKING_CODE_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		if (!tracking_code_normalize(inputs[i], out))
			fail_msg("\"%s\" refused", inputs[i]);
		assert_string_equal(out, "ABCDEFGHJK");
	}
}

static void
typed_codes_with_look_alike_symbols_are_refused(void **state)
{
	static const char *inputs[] = {"ABCDEFGHJO", "ABCDEFGHJo", "ABCDEFGHJI", "ABCDEFGHJi", "ABCDEFGHJL",
	    "ABCDEFGHJl", "ABCDEFGHJ0", "ABCDEFGHJ1", "OBCDEFGHJK", "0000000000", "1111111111"};
	char out[TRACKING_CODE_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		if (tracking_code_normalize(inputs[i], out))
			fail_msg("\"%s\" accepted as %s", inputs[i], out);
}

static void
typed_codes_of_the_wrong_length_are_refused(void **state)
{
	static const char *inputs[] = {
	    "", " ", "-", "- - -", "ABCDEFGHJ", "ABCDEFGHJKM", "ABCDE-FGHJ", "A", "ABCDEFGHJKABCDEFGHJK"};
	char out[TRACKING_CODE_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		if (tracking_code_normalize(inputs[i], out))
			fail_msg("\"%s\" accepted as %s", inputs[i], out);
}

static void
typed_codes_with_other_characters_are_refused(void **state)
{
	static const char *inputs[] = {"ABCDEFGHJ/", "ABCDE_FGHJK", "ABCDE.FGHJK", "ABCDE\tFGHJK", "ABCDE\nFGHJK",
	    "ABCDEFGHJ\xC3\xA9", "ＡBCDEFGHJK", "ABCDEFGHJ%", "ABCDE+FGHJK"};
	char out[TRACKING_CODE_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
		if (tracking_code_normalize(inputs[i], out))
			fail_msg("\"%s\" accepted as %s", inputs[i], out);
}

static void
a_very_long_typed_code_is_refused_without_overflowing(void **state)
{
	char long_input[4096], out[TRACKING_CODE_LEN + 1];

	(void)state;
	memset(long_input, 'A', sizeof long_input - 1);
	long_input[sizeof long_input - 1] = '\0';
	assert_false(tracking_code_normalize(long_input, out));
}

static void
logged_paths_carry_no_tracking_code(void **state)
{
	char out[128];

	(void)state;
	tracking_code_redact_path("/api/v1/track/ABCDEFGHJK/cancel", out, sizeof out);
	assert_string_equal(out, "/api/v1/track/…/cancel");
	tracking_code_redact_path("/track/ABCDEFGHJK", out, sizeof out);
	assert_string_equal(out, "/track/…");
	tracking_code_redact_path("/form/track/ABCDEFGHJK", out, sizeof out);
	assert_string_equal(out, "/form/track/…");
	tracking_code_redact_path("/track/", out, sizeof out);
	assert_string_equal(out, "/track/");
	tracking_code_redact_path("/api/v1/orders/7", out, sizeof out);
	assert_string_equal(out, "/api/v1/orders/7");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_alphabet_has_31_distinct_symbols_and_none_that_look_alike),
	    cmocka_unit_test(generated_codes_are_ten_symbols_of_the_alphabet),
	    cmocka_unit_test(ten_thousand_generated_codes_do_not_repeat),
	    cmocka_unit_test(generated_codes_use_every_symbol_about_equally_often),
	    cmocka_unit_test(a_generated_code_is_already_in_canonical_form),
	    cmocka_unit_test(typed_codes_are_folded_to_upper_case),
	    cmocka_unit_test(typed_codes_drop_spaces_and_dashes_anywhere),
	    cmocka_unit_test(typed_codes_with_look_alike_symbols_are_refused),
	    cmocka_unit_test(typed_codes_of_the_wrong_length_are_refused),
	    cmocka_unit_test(typed_codes_with_other_characters_are_refused),
	    cmocka_unit_test(a_very_long_typed_code_is_refused_without_overflowing),
	    cmocka_unit_test(logged_paths_carry_no_tracking_code),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
