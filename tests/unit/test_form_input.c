/* Unit tests of server/form_input.c: urlencoded forms become objects of strings, or are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "form_input.h"

static void
fields_become_strings(void **state)
{
	const char body[] = "contact_name=%E5%BC%A0%E4%B8%89&community_id=3&address=";
	struct input_problem p;
	struct json_object *obj = form_parse(body, sizeof body - 1, &p), *v;

	(void)state;
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "contact_name", &v));
	assert_string_equal(json_object_get_string(v), "张三");
	assert_true(json_object_object_get_ex(obj, "community_id", &v));
	assert_string_equal(json_object_get_string(v), "3");
	assert_true(json_object_object_get_ex(obj, "address", &v));
	assert_string_equal(json_object_get_string(v), "");
	json_object_put(obj);
}

static void
a_name_given_twice_is_refused_and_named(void **state)
{
	const char twice[] = "community_id=3&description=x&community_id=4";
	const char encoded[] = "a=1&%61=2"; /* libevent leaves names as they came: "%61" is not "a" */
	struct json_object *obj;
	struct input_problem p;

	(void)state;
	assert_null(form_parse(twice, sizeof twice - 1, &p));
	assert_string_equal(p.key, "community_id");
	assert_non_null(strstr(p.message, "twice"));
	obj = form_parse(encoded, sizeof encoded - 1, &p);
	assert_non_null(obj);
	assert_int_equal(json_object_object_length(obj), 2);
	json_object_put(obj);
}

static void
nul_and_bad_utf8_are_refused(void **state)
{
	const char nul[] = "a=x%00y";
	const char raw_nul[] = "a=x\0y";
	const char bad[] = "a=%FF%FE";
	struct input_problem p;

	(void)state;
	assert_null(form_parse(nul, sizeof nul - 1, &p));
	assert_string_equal(p.key, "");
	assert_null(form_parse(raw_nul, sizeof raw_nul - 1, &p));
	assert_null(form_parse(bad, sizeof bad - 1, &p));
	assert_non_null(strstr(p.message, "UTF-8"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fields_become_strings),
	    cmocka_unit_test(a_name_given_twice_is_refused_and_named),
	    cmocka_unit_test(nul_and_bad_utf8_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
