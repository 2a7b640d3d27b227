/* Unit tests of tools/db_resolve.c with a fake resolver: names get hostaddr, one entry per address;
 * socket directories and given hostaddr are left alone; a name that does not resolve refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_resolve.h"

static int
fake(const char *name, char addrs[][64], int max, char *cause, size_t cause_size)
{
	(void)max;
	if (strcmp(name, "db.example") == 0) {
		strcpy(addrs[0], "192.0.2.7");
		return 1;
	}
	if (strcmp(name, "localhost") == 0) {
		strcpy(addrs[0], "::1");
		strcpy(addrs[1], "127.0.0.1");
		return 2;
	}
	snprintf(cause, cause_size, "cannot resolve database host %s", name);
	return -1;
}

static void
expect(const char *conninfo, const char *want)
{
	char cause[200] = "";
	char *got = db_resolve_hosts_with(conninfo, fake, cause, sizeof cause);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_name_gets_address(void **state)
{
	(void)state;
	expect("postgresql://app@db.example:6000/paidan",
	    "user='app' dbname='paidan' port='6000' host='db.example' hostaddr='192.0.2.7'");
}

static void
test_every_address_is_tried(void **state)
{
	(void)state;
	expect("host=localhost,db.example port=5432,5433 dbname=x password='a\\'b'",
	    "password='a\\'b' dbname='x' port='5432,5432,5433' host='localhost,localhost,db.example' "
	    "hostaddr='::1,127.0.0.1,192.0.2.7'");
}

static void
test_left_alone(void **state)
{
	(void)state;
	expect("postgresql:///paidan?host=/run/postgresql", "postgresql:///paidan?host=/run/postgresql");
	expect("dbname=paidan", "dbname=paidan");
	expect("host=db.example hostaddr=192.0.2.9", "host=db.example hostaddr=192.0.2.9");
}

static void
test_refusals(void **state)
{
	char cause[200] = "";

	(void)state;
	assert_null(db_resolve_hosts_with("host=nowhere.invalid", fake, cause, sizeof cause));
	assert_non_null(strstr(cause, "nowhere.invalid"));
	assert_null(db_resolve_hosts_with("host=db.example,nowhere.invalid", fake, cause, sizeof cause));
	assert_null(db_resolve_hosts_with("nonsense", fake, cause, sizeof cause));
	assert_non_null(strstr(cause, "database URL"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_gets_address),
	    cmocka_unit_test(test_every_address_is_tried),
	    cmocka_unit_test(test_left_alone),
	    cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
