/* Unit tests of server/stats.c's date range: strict dates, defaults, order and length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stats.h"

static void
dates_parse_strictly(void **state)
{
	int64_t days;

	(void)state;
	assert_true(stats_parse_date("1970-01-01", &days));
	assert_int_equal(days, 0);
	assert_true(stats_parse_date("2026-11-30", &days));
	assert_int_equal(days, 20787);
	assert_true(stats_parse_date("2024-02-29", &days));
	assert_true(stats_parse_date("2000-02-29", &days));
	assert_false(stats_parse_date("2100-02-29", &days));
	assert_false(stats_parse_date("2026-02-29", &days));
	assert_false(stats_parse_date("2026-04-31", &days));
	assert_false(stats_parse_date("2026-13-01", &days));
	assert_false(stats_parse_date("2026-00-10", &days));
	assert_false(stats_parse_date("2026-1-01", &days));
	assert_false(stats_parse_date("2026-01-01T00", &days));
	assert_false(stats_parse_date("2026/01/01", &days));
	assert_false(stats_parse_date("+026-01-01", &days));
	assert_false(stats_parse_date("1969-12-31", &days));
	assert_false(stats_parse_date("", &days));
	assert_false(stats_parse_date(NULL, &days));
}

static void
dates_format_back(void **state)
{
	static const char *const dates[] = {"1970-01-01", "2000-02-29", "2024-12-31", "2026-03-01", "9999-12-31"};
	char out[11];
	int64_t days;

	(void)state;
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		assert_true(stats_parse_date(dates[i], &days));
		stats_format_date(days, out);
		assert_string_equal(out, dates[i]);
	}
	stats_format_date(-1, out);
	assert_string_equal(out, "1969-12-31");
}

/* stats_range_check(from, to) on 2026-11-30 gives expected_from..expected_to, or refuses naming bad_field only. */
static void
check_range(const char *from, const char *to, const char *expected_from, const char *expected_to, const char *bad_field)
{
	struct field_errors errors;
	struct stats_range range;
	int64_t today;
	bool ok;

	assert_true(stats_parse_date("2026-11-30", &today));
	field_errors_init(&errors);
	ok = stats_range_check(from, to, today, &range, &errors);
	if (bad_field == NULL) {
		assert_true(ok);
		assert_string_equal(range.from, expected_from);
		assert_string_equal(range.to, expected_to);
		assert_false(field_errors_any(&errors));
	} else {
		assert_false(ok);
		assert_true(json_object_object_get_ex(errors.fields, bad_field, NULL));
		assert_int_equal(json_object_object_length(errors.fields), 1);
	}
	field_errors_free(&errors);
}

static void
ranges_default_to_the_last_30_days(void **state)
{
	(void)state;
	check_range(NULL, NULL, "2026-11-01", "2026-11-30", NULL);
	check_range("", "", "2026-11-01", "2026-11-30", NULL);
	check_range(NULL, "2026-03-01", "2026-01-31", "2026-03-01", NULL);
	check_range("2026-11-15", NULL, "2026-11-15", "2026-11-30", NULL);
	check_range("2026-11-30", "2026-11-30", "2026-11-30", "2026-11-30", NULL);
}

static void
ranges_are_ordered_and_at_most_three_years(void **state)
{
	(void)state;
	check_range("2026-12-01", NULL, NULL, NULL, "from");
	check_range("2026-05-02", "2026-05-01", NULL, NULL, "from");
	check_range("2023-12-01", "2026-11-30", "2023-12-01", "2026-11-30", NULL); /* 1096 days */
	check_range("2023-11-30", "2026-11-30", NULL, NULL, "from"); /* 1097 days */
	check_range("2020-01-01", NULL, NULL, NULL, "from");
	check_range("2026-02-30", NULL, NULL, NULL, "from");
	check_range(NULL, "tomorrow", NULL, NULL, "to");
}

static void
both_bad_dates_are_named(void **state)
{
	struct field_errors errors;
	struct stats_range range;

	(void)state;
	field_errors_init(&errors);
	assert_false(stats_range_check("2026-13-01", "x", 20787, &range, &errors));
	assert_true(json_object_object_get_ex(errors.fields, "from", NULL));
	assert_true(json_object_object_get_ex(errors.fields, "to", NULL));
	field_errors_free(&errors);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dates_parse_strictly),
	    cmocka_unit_test(dates_format_back),
	    cmocka_unit_test(ranges_default_to_the_last_30_days),
	    cmocka_unit_test(ranges_are_ordered_and_at_most_three_years),
	    cmocka_unit_test(both_bad_dates_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
