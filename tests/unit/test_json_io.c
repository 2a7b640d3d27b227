/* Unit tests of server/json_io.c: what untrusted JSON is refused and what is kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_io.h"

static const char *
refusal(const char *buf, size_t len)
{
	const char *problem = NULL;
	struct json_object *obj = json_parse_object(buf, len, &problem);

	if (obj != NULL) {
		json_object_put(obj);
		return NULL;
	}
	assert_non_null(problem);
	return problem;
}

#define REFUSED(text) assert_non_null(refusal(text, sizeof(text) - 1))
#define ACCEPTED(text) assert_null(refusal(text, sizeof(text) - 1))

static void
objects_with_chinese_and_emoji_are_kept(void **state)
{
	const char *problem = NULL;
	const char text[] = "{\"d\": \"教我用微信 😀\", \"n\": 1}";
	struct json_object *obj = json_parse_object(text, sizeof text - 1, &problem), *d;

	(void)state;
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "d", &d));
	assert_string_equal(json_object_get_string(d), "教我用微信 😀");
	json_object_put(obj);
	ACCEPTED(" {} \n");
}

static void
non_objects_and_malformed_text_are_refused(void **state)
{
	(void)state;
	assert_non_null(strstr(refusal("", 0), "empty"));
	REFUSED("[]");
	REFUSED("42");
	REFUSED("\"x\"");
	REFUSED("null");
	REFUSED("{");
	REFUSED("{\"a\": 1,}");
	REFUSED("{'a': 1}");
	REFUSED("{} {}");
	REFUSED("{\"a\": 1 /* comment */}");
	REFUSED("{\"a\": 01}");
	REFUSED("{\"a\": 1.}");
	REFUSED("{\"a\": .5}");
	REFUSED("{\"a\": +1}");
	REFUSED("{\"a\": \"\\x41\"}");
	REFUSED("{\"a\": \"\\u12\"}");
	REFUSED("{\"a\": tru}");
	REFUSED("{\"a\" 1}");
	REFUSED("{a: 1}");
	ACCEPTED("{\"a\": -0.5e+3, \"b\": [true, false, null, \"\\u4f60\\n\"], \"c\": {}}");
	REFUSED("{} x");
}

static void
nan_and_infinity_are_refused_anywhere(void **state)
{
	(void)state;
	REFUSED("{\"a\": NaN}");
	REFUSED("{\"a\": Infinity}");
	REFUSED("{\"a\": -Infinity}");
	REFUSED("{\"a\": {\"b\": [1, NaN]}}");
}

static void
nul_bytes_and_invalid_utf8_are_refused(void **state)
{
	static const char nul[] = "{\"a\": \"x\0y\"}";

	(void)state;
	assert_non_null(strstr(refusal(nul, sizeof nul - 1), "NUL"));
	REFUSED("{\"a\": \"\xC3\x28\"}");
	REFUSED("{\"a\": \"\xFF\"}");
	REFUSED("{\"a\": \"\xC0\xAF\"}");
	REFUSED("{\"a\": \"\xED\xA0\x80\"}");
	REFUSED("{\"a\": \"\xF4\x90\x80\x80\"}");
	REFUSED("{\"a\": \"\xE4\xBD\"}");
}

static void
deep_nesting_is_refused(void **state)
{
	size_t depth = 100000;
	char *deep = malloc(depth * 2 + 16);
	size_t n = 0;

	(void)state;
	deep[n++] = '{';
	deep[n++] = '"';
	deep[n++] = 'a';
	deep[n++] = '"';
	deep[n++] = ':';
	for (size_t i = 0; i < depth; i++)
		deep[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	assert_non_null(strstr(refusal(deep, n), "deep"));
	free(deep);
	ACCEPTED("{\"a\": [[[[[[[[[[1]]]]]]]]]]}");
}

static void
utf8_helpers_agree_with_the_standard(void **state)
{
	(void)state;
	assert_true(utf8_valid("abc", 3));
	assert_true(utf8_valid("你好", strlen("你好")));
	assert_true(utf8_valid("\xF0\x9F\x98\x80", 4));
	assert_false(utf8_valid("\xE4\xBD", 2));
	assert_false(utf8_valid("\x80", 1));
	assert_int_equal(utf8_length("你好a😀", strlen("你好a😀")), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(objects_with_chinese_and_emoji_are_kept),
		cmocka_unit_test(non_objects_and_malformed_text_are_refused),
		cmocka_unit_test(nan_and_infinity_are_refused_anywhere),
		cmocka_unit_test(nul_bytes_and_invalid_utf8_are_refused),
		cmocka_unit_test(deep_nesting_is_refused),
		cmocka_unit_test(utf8_helpers_agree_with_the_standard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
