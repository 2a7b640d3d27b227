/* Unit tests of server/socket_activation.c: only the variables meant for this process count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "socket_activation.h"

static void
variables_for_this_process_pass_their_count(void **state)
{
	(void)state;
	assert_int_equal(socket_activation_count("4242", "1", 4242), 1);
	assert_int_equal(socket_activation_count("4242", "3", 4242), 3);
}

static void
variables_for_another_process_pass_nothing(void **state)
{
	(void)state;
	assert_int_equal(socket_activation_count("4243", "1", 4242), 0);
	assert_int_equal(socket_activation_count("1", "1", 4242), 0);
}

static void
missing_or_malformed_variables_pass_nothing(void **state)
{
	static const char *const bad[] = {"", "0", "-1", "+1", " 1", "1 ", "1x", "0x1", "65", "99999999999999999999"};

	(void)state;
	assert_int_equal(socket_activation_count(NULL, "1", 4242), 0);
	assert_int_equal(socket_activation_count("4242", NULL, 4242), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(socket_activation_count("4242", bad[i], 4242), 0);
		assert_int_equal(socket_activation_count(bad[i], "1", 1), 0);
	}
	assert_int_equal(socket_activation_count("4242", "64", 4242), 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(variables_for_this_process_pass_their_count),
	    cmocka_unit_test(variables_for_another_process_pass_nothing),
	    cmocka_unit_test(missing_or_malformed_variables_pass_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
