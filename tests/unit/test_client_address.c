/* Unit tests of server/client_address.c: only a trusted proxy's headers count, and only as addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "client_address.h"

static void
listed_addresses_match_in_canonical_form(void **state)
{
	(void)state;
	assert_true(client_address_listed("127.0.0.1", "127.0.0.1"));
	assert_true(client_address_listed("10.0.0.1, 127.0.0.1", "127.0.0.1"));
	assert_true(client_address_listed("::1", "0:0:0:0:0:0:0:1"));
	assert_false(client_address_listed("127.0.0.1", "127.0.0.2"));
	assert_false(client_address_listed("", "127.0.0.1"));
	assert_false(client_address_listed("127.0.0.1", "localhost"));
	assert_false(client_address_listed("127.0.0.10", "127.0.0.1"));
}

static void
real_ip_wins_then_the_last_forwarded_entry(void **state)
{
	char out[CLIENT_ADDRESS_MAX];

	(void)state;
	assert_true(client_address_from_headers("198.51.100.7", "1.2.3.4", out));
	assert_string_equal(out, "198.51.100.7");
	assert_true(client_address_from_headers(NULL, "6.6.6.6, 203.0.113.9", out));
	assert_string_equal(out, "203.0.113.9");
	assert_true(client_address_from_headers("not an address", "203.0.113.9", out));
	assert_string_equal(out, "203.0.113.9");
	assert_true(client_address_from_headers(NULL, " 2001:DB8::1 ", out));
	assert_string_equal(out, "2001:db8::1");
}

static void
headers_without_an_address_name_no_one(void **state)
{
	char out[CLIENT_ADDRESS_MAX];

	(void)state;
	assert_false(client_address_from_headers(NULL, NULL, out));
	assert_false(client_address_from_headers("", "", out));
	assert_false(client_address_from_headers("x", "1.2.3.4, evil", out));
	assert_false(client_address_from_headers(NULL, "1.2.3.4,", out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(listed_addresses_match_in_canonical_form),
	    cmocka_unit_test(real_ip_wins_then_the_last_forwarded_entry),
	    cmocka_unit_test(headers_without_an_address_name_no_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
