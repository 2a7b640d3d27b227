/* checkin_code: RFC 6238's SHA-256 vectors (with a 60 s step), and the bounds on a phone's claim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "checkin_code.h"

static const unsigned char rfc_secret[CHECKIN_SECRET_BYTES] = "12345678901234567890123456789012";

static void
codes_match_rfc6238_sha256_vectors(void **state)
{
	(void)state;
	char code[CHECKIN_DIGITS + 1];

	/* RFC 6238 counter 1 → 46119246, counter 37037036 → 68084774 (last six digits). */
	checkin_code_at(rfc_secret, 60, code);
	assert_string_equal(code, "119246");
	checkin_code_at(rfc_secret, 119, code);
	assert_string_equal(code, "119246");
	checkin_code_at(rfc_secret, 37037036LL * 60 + 59, code);
	assert_string_equal(code, "084774");
}

static void
code_changes_every_minute(void **state)
{
	(void)state;
	char a[CHECKIN_DIGITS + 1], b[CHECKIN_DIGITS + 1];

	checkin_code_at(rfc_secret, 1796000000, a);
	checkin_code_at(rfc_secret, 1796000000 + 60, b);
	assert_string_not_equal(a, b);
}

#define NOW_MS 1796025600000LL /* a minute boundary */

static enum checkin_result
verify(const char *code, int64_t taken, int64_t sent, int64_t now, int64_t *at)
{
	struct checkin_claim claim = {code, taken, sent};

	return checkin_code_verify(rfc_secret, &claim, now, NOW_MS - 3600 * 1000, at);
}

static void
verifies_a_fresh_code_and_reports_when_it_was_taken(void **state)
{
	(void)state;
	char code[CHECKIN_DIGITS + 1];
	int64_t at = 0;

	checkin_code_at(rfc_secret, NOW_MS / 1000 + 10, code);
	assert_int_equal(verify(code, NOW_MS + 10000, NOW_MS + 12000, NOW_MS + 12500, &at), CHECKIN_VERIFIED);
	assert_int_equal(at, NOW_MS + 10500);
}

static void
verifies_a_start_queued_offline_with_a_wrong_phone_clock(void **state)
{
	(void)state;
	char code[CHECKIN_DIGITS + 1];
	int64_t at = 0, phone_ahead = 7 * 60 * 1000; /* the phone's clock is 7 minutes fast */

	checkin_code_at(rfc_secret, NOW_MS / 1000 + 5, code);
	/* Taken at NOW+5 s (phone: +7 min), sent 4 minutes later when the network came back. */
	assert_int_equal(verify(code, NOW_MS + 5000 + phone_ahead, NOW_MS + 245000 + phone_ahead, NOW_MS + 245000, &at),
	    CHECKIN_VERIFIED);
	assert_int_equal(at, NOW_MS + 5000);
	/* The same code claimed as taken now is an old code. */
	assert_int_equal(verify(code, NOW_MS + 245000, NOW_MS + 245000, NOW_MS + 245000, &at), CHECKIN_WRONG);
}

static void
refuses_wrong_malformed_old_and_skewed_claims(void **state)
{
	(void)state;
	char code[CHECKIN_DIGITS + 1], wrong[CHECKIN_DIGITS + 1];
	int64_t at = 0;

	checkin_code_at(rfc_secret, NOW_MS / 1000, code);
	memcpy(wrong, code, sizeof wrong);
	wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
	assert_int_equal(verify(wrong, NOW_MS, NOW_MS, NOW_MS, &at), CHECKIN_WRONG);
	assert_int_equal(verify("12345", NOW_MS, NOW_MS, NOW_MS, &at), CHECKIN_MALFORMED);
	assert_int_equal(verify("12a456", NOW_MS, NOW_MS, NOW_MS, &at), CHECKIN_MALFORMED);
	assert_int_equal(verify(code, NOW_MS + 1, NOW_MS, NOW_MS, &at), CHECKIN_MALFORMED); /* taken after sent */
	assert_int_equal(verify(code, 0, NOW_MS, NOW_MS, &at), CHECKIN_MALFORMED);
	assert_int_equal(verify(code, NOW_MS - CHECKIN_MAX_QUEUE_MS - 1, NOW_MS, NOW_MS, &at), CHECKIN_TOO_OLD);
	assert_int_equal(
	    verify(code, NOW_MS - CHECKIN_MAX_CLOCK_SKEW_MS - 1, NOW_MS - CHECKIN_MAX_CLOCK_SKEW_MS - 1, NOW_MS, &at),
	    CHECKIN_CLOCK_OFF);
	/* Two minutes later the code has expired. */
	assert_int_equal(verify(code, NOW_MS + 120000, NOW_MS + 120000, NOW_MS + 120000, &at), CHECKIN_WRONG);
	/* One minute either side is taken. */
	assert_int_equal(verify(code, NOW_MS + 60000, NOW_MS + 60000, NOW_MS + 60000, &at), CHECKIN_VERIFIED);
}

static void
refuses_a_code_from_before_acceptance(void **state)
{
	(void)state;
	char code[CHECKIN_DIGITS + 1];
	int64_t at = 0;
	struct checkin_claim claim = {code, NOW_MS, NOW_MS};

	checkin_code_at(rfc_secret, NOW_MS / 1000, code);
	assert_int_equal(checkin_code_verify(rfc_secret, &claim, NOW_MS, NOW_MS + 120000, &at), CHECKIN_WRONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(codes_match_rfc6238_sha256_vectors),
	    cmocka_unit_test(code_changes_every_minute),
	    cmocka_unit_test(verifies_a_fresh_code_and_reports_when_it_was_taken),
	    cmocka_unit_test(verifies_a_start_queued_offline_with_a_wrong_phone_clock),
	    cmocka_unit_test(refuses_wrong_malformed_old_and_skewed_claims),
	    cmocka_unit_test(refuses_a_code_from_before_acceptance),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
