/* Unit tests of server/json_io.c: what untrusted JSON is refused, what is kept, and the UTF-8 helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_io.h"

/* NULL when buf[0..len) is accepted, otherwise the problem json_parse_object gave. */
static const char *
refusal(const char *buf, size_t len)
{
	const char *problem = NULL;
	struct json_object *obj = json_parse_object(buf, len, &problem);

	if (obj != NULL) {
		assert_true(json_object_is_type(obj, json_type_object));
		json_object_put(obj);
		return NULL;
	}
	assert_non_null(problem);
	assert_true(problem[0] != '\0');
	return problem;
}

/* Literals may hold NUL bytes, so their length comes from sizeof. */
#define REFUSED(text) refused_because(text, sizeof(text) - 1, NULL)
#define REFUSED_BECAUSE(text, why) refused_because(text, sizeof(text) - 1, why)
#define ACCEPTED(text) accepted(text, sizeof(text) - 1)

static void
refused_because(const char *text, size_t len, const char *why)
{
	const char *problem = refusal(text, len);

	if (problem == NULL)
		fail_msg("accepted: %.*s", (int)len, text);
	if (why != NULL && strstr(problem, why) == NULL)
		fail_msg("refused %.*s for \"%s\", expected \"%s\"", (int)len, text, problem, why);
}

static void
accepted(const char *text, size_t len)
{
	const char *problem = refusal(text, len);

	if (problem != NULL)
		fail_msg("refused %.*s: %s", (int)len, text, problem);
}

/* A document that opens `depth` containers: one object holding depth - 1 nested arrays around 1. */
static char *
nested(size_t depth, size_t *len)
{
	char *text = malloc(depth * 2 + 16);
	size_t n = 0;

	assert_non_null(text);
	memcpy(text, "{\"a\":", 5);
	n = 5;
	for (size_t i = 1; i < depth; i++)
		text[n++] = '[';
	text[n++] = '1';
	for (size_t i = 1; i < depth; i++)
		text[n++] = ']';
	text[n++] = '}';
	text[n] = '\0';
	*len = n;
	return text;
}

static void
objects_with_chinese_text_and_emoji_are_kept(void **state)
{
	const char text[] = "{\"描述\": \"教我用微信 😀\", \"n\": 1, \"escaped\": \"\\u4f60\\ud83d\\ude00\"}";
	const char *problem = NULL;
	struct json_object *obj = json_parse_object(text, sizeof text - 1, &problem), *value;

	(void)state;
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "描述", &value));
	assert_string_equal(json_object_get_string(value), "教我用微信 😀");
	assert_true(json_object_object_get_ex(obj, "escaped", &value));
	assert_string_equal(json_object_get_string(value), "你😀");
	assert_true(json_object_object_get_ex(obj, "n", &value));
	assert_int_equal(json_object_get_int64(value), 1);
	json_object_put(obj);
}

static void
valid_json_of_every_kind_inside_an_object_is_accepted(void **state)
{
	(void)state;
	ACCEPTED("{}");
	ACCEPTED(" \t\r\n{ } \r\n\t ");
	ACCEPTED("{\"a\": -0.5e+3, \"b\": [true, false, null, \"\\u4f60\\n\\\"\\\\\\/\\b\\f\\r\\t\"], \"c\": {}}");
	ACCEPTED("{\"a\": 0, \"b\": -0, \"c\": 1E5, \"d\": 1e-5, \"e\": 12.50, \"f\": []}");
	ACCEPTED("{\"\": \"\"}");
}

static void
empty_input_is_refused(void **state)
{
	(void)state;
	assert_non_null(strstr(refusal("", 0), "empty"));
	/* A pointer to text with length 0 is empty too, whatever follows. */
	assert_non_null(strstr(refusal("{}", 0), "empty"));
	REFUSED(" ");
	REFUSED("\n\t ");
}

static void
arrays_and_scalars_are_refused(void **state)
{
	(void)state;
	REFUSED_BECAUSE("[]", "expected a JSON object");
	REFUSED_BECAUSE("[{}]", "expected a JSON object");
	REFUSED_BECAUSE("\"x\"", "expected a JSON object");
	REFUSED_BECAUSE("42 ", "expected a JSON object");
	/* At the very end of the text json-c still waits for more of a bare number or literal (and parses
	 * null to no object at all), so these are reported as malformed: refused either way. */
	REFUSED("42");
	REFUSED("-1.5");
	REFUSED("null");
	REFUSED("true");
	REFUSED("false");
	REFUSED("null ");
}

static void
nan_and_infinity_are_refused_at_any_depth(void **state)
{
	(void)state;
	REFUSED("{\"a\": NaN}");
	REFUSED("{\"a\": Infinity}");
	REFUSED("{\"a\": -Infinity}");
	REFUSED("{\"a\": nan}");
	REFUSED("{\"a\": infinity}");
	REFUSED("{\"a\": [1, NaN]}");
	REFUSED("{\"a\": [1, 2, Infinity]}");
	REFUSED("{\"a\": {\"b\": -Infinity}}");
	REFUSED("{\"a\": [{\"b\": [{\"c\": NaN}]}]}");
	REFUSED("{\"a\": {\"b\": {\"c\": [0, -Infinity]}}}");
	REFUSED("NaN");
	REFUSED("[Infinity]");
}

static void
numbers_too_large_for_a_double_are_refused(void **state)
{
	(void)state;
	/* strtod makes these infinite: as bad as Infinity itself. */
	REFUSED("{\"a\": 1e999}");
	REFUSED("{\"a\": -1e999}");
	REFUSED("{\"a\": [0, {\"b\": 1e400}]}");
}

static void
trailing_garbage_is_refused(void **state)
{
	(void)state;
	REFUSED("{} x");
	REFUSED("{}x");
	REFUSED("{}}");
	REFUSED("{} {}");
	REFUSED("{},");
	REFUSED("{\"a\": 1} []");
	REFUSED("{\"a\": 1}\x01");
	REFUSED("{} // comment");
}

static void
malformed_json_is_refused(void **state)
{
	(void)state;
	REFUSED_BECAUSE("{", "malformed");
	REFUSED_BECAUSE("}", "malformed");
	REFUSED("{\"a\": 1,}");
	REFUSED("{\"a\": [1, 2,]}");
	REFUSED("{,}");
	REFUSED("{'a': 1}");
	REFUSED("{\"a\": 'b'}");
	REFUSED("{a: 1}");
	REFUSED("{\"a\" 1}");
	REFUSED("{\"a\": 1 /* comment */}");
	REFUSED("{\"a\": 01}");
	REFUSED("{\"a\": 1.}");
	REFUSED("{\"a\": .5}");
	REFUSED("{\"a\": +1}");
	REFUSED("{\"a\": 1e}");
	REFUSED("{\"a\": 0x10}");
	REFUSED("{\"a\": -}");
	REFUSED("{\"a\": \"\\x41\"}");
	REFUSED("{\"a\": \"\\u12\"}");
	REFUSED("{\"a\": \"\\u12G4\"}");
	REFUSED("{\"a\": \"\\\"}");
	REFUSED("{\"a\": \"unterminated}");
	REFUSED("{\"a\": \"raw\ttab\"}");
	REFUSED("{\"a\": \"raw\nnewline\"}");
	REFUSED("{\"a\": tru}");
	REFUSED("{\"a\": True}");
	REFUSED("{\"a\": nul}");
	REFUSED("{\"a\": undefined}");
	REFUSED("{\"a\": 1 \"b\": 2}");
	REFUSED("{\"a\": [1 2]}");
	REFUSED("\xEF\xBB\xBF{}");
}

static void
a_raw_nul_byte_is_refused_wherever_it_is(void **state)
{
	(void)state;
	REFUSED_BECAUSE("{\"a\": \"x\0y\"}", "NUL");
	REFUSED_BECAUSE("{\"a\": 1}\0", "NUL");
	REFUSED_BECAUSE("\0{\"a\": 1}", "NUL");
	REFUSED_BECAUSE("{\"a\0\": 1}", "NUL");
	REFUSED_BECAUSE("\0", "NUL");
}

static void
invalid_utf8_is_refused(void **state)
{
	(void)state;
	REFUSED_BECAUSE("{\"a\": \"\xC3\x28\"}", "UTF-8"); /* a lead byte without its continuation */
	REFUSED_BECAUSE("{\"a\": \"\xFF\"}", "UTF-8"); /* never valid */
	REFUSED_BECAUSE("{\"a\": \"\xFE\"}", "UTF-8"); /* never valid */
	REFUSED_BECAUSE("{\"a\": \"\xC0\xAF\"}", "UTF-8"); /* overlong '/' */
	REFUSED_BECAUSE("{\"a\": \"\xE0\x80\xAF\"}", "UTF-8"); /* overlong '/' in three bytes */
	REFUSED_BECAUSE("{\"a\": \"\xF0\x80\x80\xAF\"}", "UTF-8"); /* overlong '/' in four bytes */
	REFUSED_BECAUSE("{\"a\": \"\xED\xA0\x80\"}", "UTF-8"); /* the surrogate U+D800 */
	REFUSED_BECAUSE("{\"a\": \"\xED\xBF\xBF\"}", "UTF-8"); /* the surrogate U+DFFF */
	REFUSED_BECAUSE("{\"a\": \"\xF4\x90\x80\x80\"}", "UTF-8"); /* U+110000, past U+10FFFF */
	REFUSED_BECAUSE("{\"a\": \"\xF5\x80\x80\x80\"}", "UTF-8"); /* lead byte past U+10FFFF */
	REFUSED_BECAUSE("{\"a\": \"\xE4\xBD\"}", "UTF-8"); /* truncated 你 */
	REFUSED_BECAUSE("{\"a\": \"\x80\"}", "UTF-8"); /* a lone continuation byte */
	REFUSED_BECAUSE("{\"\xFF\": 1}", "UTF-8"); /* in a key */
	REFUSED_BECAUSE("{\"a\": 1} \xC3", "UTF-8"); /* after the object */
}

static void
escaped_surrogates_become_valid_utf8(void **state)
{
	const char paired[] = "{\"a\": \"\\ud83d\\ude00\"}";
	const char lone[] = "{\"a\": \"x\\ud800y\"}";
	const char *problem = NULL;
	struct json_object *obj, *value;
	const char *s;

	(void)state;
	obj = json_parse_object(paired, sizeof paired - 1, &problem);
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "a", &value));
	assert_string_equal(json_object_get_string(value), "😀");
	json_object_put(obj);
	/* A lone surrogate escape must never come out as the CESU bytes ED A0 80. */
	obj = json_parse_object(lone, sizeof lone - 1, &problem);
	if (obj != NULL) {
		assert_true(json_object_object_get_ex(obj, "a", &value));
		s = json_object_get_string(value);
		assert_true(utf8_valid(s, strlen(s)));
		assert_null(strstr(s, "\xED\xA0\x80"));
		json_object_put(obj);
	}
}

static void
nesting_100000_deep_is_refused_without_exhausting_the_stack(void **state)
{
	size_t depth = 100000, len;
	char *text = nested(depth, &len);
	char *objects = malloc(depth * 6 + 16), *open = malloc(depth + 16);
	size_t n = 0;

	(void)state;
	assert_non_null(strstr(refusal(text, len), "deep"));
	/* Objects inside objects. */
	assert_non_null(objects);
	for (size_t i = 0; i < depth; i++) {
		memcpy(objects + n, "{\"a\":", 5);
		n += 5;
	}
	objects[n++] = '1';
	memset(objects + n, '}', depth);
	n += depth;
	assert_non_null(strstr(refusal(objects, n), "deep"));
	/* Opened and never closed. */
	assert_non_null(open);
	open[0] = '{';
	memcpy(open + 1, "\"a\":", 4);
	memset(open + 5, '[', depth);
	assert_non_null(refusal(open, depth + 5));
	free(open);
	free(objects);
	free(text);
}

static void
nesting_below_the_limit_is_accepted_and_past_it_refused(void **state)
{
	size_t len;
	char *text;

	(void)state;
	text = nested(JSON_MAX_DEPTH - 1, &len);
	accepted(text, len);
	free(text);
	text = nested(JSON_MAX_DEPTH + 1, &len);
	assert_non_null(strstr(refusal(text, len), "deep"));
	free(text);
	text = nested(JSON_MAX_DEPTH * 4, &len);
	assert_non_null(strstr(refusal(text, len), "deep"));
	free(text);
}

/* The key a refusal names, or NULL when text is accepted. */
static const char *
duplicate_named(const char *text, size_t len, struct input_problem *p)
{
	struct json_object *obj = json_parse_input(text, len, p);

	if (obj != NULL) {
		json_object_put(obj);
		return NULL;
	}
	assert_non_null(p->message);
	return p->key;
}

static void
duplicate_keys_are_refused_naming_the_key(void **state)
{
	struct input_problem p;
	const char same[] = "{\"id\": 1, \"id\": 2}";
	const char nested[] = "{\"a\": [{\"x\": 1, \"名字\": 2, \"名字\": 3}]}";
	const char escaped[] = "{\"ab\": 1, \"\\u0061b\": 2}";
	const char pair[] = "{\"\\ud83d\\ude00\": 1, \"\xF0\x9F\x98\x80\": 2}";
	const char lone[] = "{\"\\ud800\": 1, \"\\ufffd\": 2}";
	const char nul[] = "{\"a\\u0000b\": 1, \"a\": 2}";
	const char distinct[] = "{\"a\": {\"a\": 1}, \"b\": 1, \"ab\": 2, \"A\": 3}";

	(void)state;
	assert_string_equal(duplicate_named(same, sizeof same - 1, &p), "id");
	assert_non_null(strstr(p.message, "twice"));
	assert_string_equal(duplicate_named(nested, sizeof nested - 1, &p), "名字");
	/* Escapes are decoded before comparing, as json-c would. */
	assert_string_equal(duplicate_named(escaped, sizeof escaped - 1, &p), "ab");
	assert_string_equal(duplicate_named(pair, sizeof pair - 1, &p), "😀");
	/* json-c turns a lone surrogate into U+FFFD, and cuts a key at a NUL. */
	assert_non_null(duplicate_named(lone, sizeof lone - 1, &p));
	assert_string_equal(duplicate_named(nul, sizeof nul - 1, &p), "a");
	assert_null(duplicate_named(distinct, sizeof distinct - 1, &p));
}

static void
a_long_duplicate_key_is_named_cut_to_whole_characters(void **state)
{
	struct input_problem p;
	char text[1024];
	char key[400] = "";
	int n;

	(void)state;
	for (int i = 0; i < 100; i++)
		strcat(key, "字"); /* 3 bytes each */
	n = snprintf(text, sizeof text, "{\"%s\": 1, \"%s\": 2}", key, key);
	assert_non_null(duplicate_named(text, (size_t)n, &p));
	assert_true(strlen(p.key) > 0 && strlen(p.key) < JSON_KEY_SHOWN);
	assert_int_equal(strlen(p.key) % 3, 0);
	assert_true(utf8_valid(p.key, strlen(p.key)));
}

static void
many_distinct_keys_are_checked_quickly(void **state)
{
	size_t n = 100000, len = 0;
	char *text = malloc(n * 16 + 16);
	struct input_problem p;
	struct json_object *obj;

	(void)state;
	text[len++] = '{';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s\"k%zu\":1", i ? "," : "", i);
	text[len++] = '}';
	obj = json_parse_input(text, len, &p);
	assert_non_null(obj);
	assert_int_equal(json_object_object_length(obj), (int)n);
	json_object_put(obj);
	/* The same keys with the first one again at the end. */
	len--;
	len += (size_t)sprintf(text + len, ",\"k0\":2}");
	assert_string_equal(duplicate_named(text, len, &p), "k0");
	free(text);
}

static void
only_len_bytes_are_parsed(void **state)
{
	const char text[] = "{\"a\": 1}garbage";
	const char *problem = NULL;
	struct json_object *obj = json_parse_object(text, 8, &problem);

	(void)state;
	assert_non_null(obj);
	json_object_put(obj);
	assert_non_null(refusal(text, 7));
	assert_non_null(refusal(text, sizeof text - 1));
}

static void
utf8_valid_accepts_every_well_formed_sequence(void **state)
{
	static const char *good[] = {"", "abc", "\x7F", "\xC2\x80", "\xC3\xA9", "\xDF\xBF", "\xE0\xA0\x80", "你好",
	    "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"};

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!utf8_valid(good[i], strlen(good[i])))
			fail_msg("refused good UTF-8 #%zu", i);
	/* NUL is a valid code point; refusing it is json_parse_object's job. */
	assert_true(utf8_valid("a\0b", 3));
}

static void
utf8_valid_refuses_overlongs_surrogates_and_truncations(void **state)
{
	static const char *bad[] = {"\xC3\x28", "\xFF", "\xFE", "\x80", "\xBF", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF",
	    "\xE0\x9F\xBF", "\xF0\x80\x80\xAF", "\xF0\x8F\xBF\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF4\x90\x80\x80",
	    "\xF5\x80\x80\x80", "\xF8\x88\x80\x80\x80", "\xE4\xBD", "\xF0\x9F\x98",
	    "\xE4\xBD"
	    "A",
	    "a\xC3", "\xC3\xA9\xA9"};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (utf8_valid(bad[i], strlen(bad[i])))
			fail_msg("accepted bad UTF-8 #%zu", i);
}

static void
utf8_valid_reads_only_len_bytes(void **state)
{
	(void)state;
	assert_true(utf8_valid("a\xFF", 1));
	assert_false(utf8_valid("a\xFF", 2));
	/* A sequence cut by len is truncated even if the bytes after it would complete it. */
	assert_false(utf8_valid("\xE4\xBD\xA0", 2));
	assert_true(utf8_valid("\xE4\xBD\xA0", 3));
}

static void
utf8_length_counts_code_points(void **state)
{
	(void)state;
	assert_int_equal(utf8_length("", 0), 0);
	assert_int_equal(utf8_length("abc", 3), 3);
	assert_int_equal(utf8_length("\xC3\xA9", 2), 1);
	assert_int_equal(utf8_length("你好", strlen("你好")), 2);
	assert_int_equal(utf8_length("你好a😀", strlen("你好a😀")), 4);
	assert_int_equal(utf8_length("你好", 3), 1);
}

static void
json_text_keeps_slashes_and_utf8_as_they_are(void **state)
{
	const char text[] = "{\"url\": \"/track/ABC\", \"name\": \"王阿姨 😀\", \"q\": \"\\\"\\n\"}";
	const char *problem = NULL;
	struct json_object *obj = json_parse_object(text, sizeof text - 1, &problem);
	const char *out;
	size_t len = 0;

	(void)state;
	assert_non_null(obj);
	out = json_text(obj, &len);
	assert_string_equal(out, "{\"url\":\"/track/ABC\",\"name\":\"王阿姨 😀\",\"q\":\"\\\"\\n\"}");
	assert_int_equal(len, strlen(out));
	json_object_put(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(objects_with_chinese_text_and_emoji_are_kept),
	    cmocka_unit_test(valid_json_of_every_kind_inside_an_object_is_accepted),
	    cmocka_unit_test(empty_input_is_refused),
	    cmocka_unit_test(arrays_and_scalars_are_refused),
	    cmocka_unit_test(nan_and_infinity_are_refused_at_any_depth),
	    cmocka_unit_test(numbers_too_large_for_a_double_are_refused),
	    cmocka_unit_test(trailing_garbage_is_refused),
	    cmocka_unit_test(malformed_json_is_refused),
	    cmocka_unit_test(a_raw_nul_byte_is_refused_wherever_it_is),
	    cmocka_unit_test(invalid_utf8_is_refused),
	    cmocka_unit_test(escaped_surrogates_become_valid_utf8),
	    cmocka_unit_test(nesting_100000_deep_is_refused_without_exhausting_the_stack),
	    cmocka_unit_test(nesting_below_the_limit_is_accepted_and_past_it_refused),
	    cmocka_unit_test(duplicate_keys_are_refused_naming_the_key),
	    cmocka_unit_test(a_long_duplicate_key_is_named_cut_to_whole_characters),
	    cmocka_unit_test(many_distinct_keys_are_checked_quickly),
	    cmocka_unit_test(only_len_bytes_are_parsed),
	    cmocka_unit_test(utf8_valid_accepts_every_well_formed_sequence),
	    cmocka_unit_test(utf8_valid_refuses_overlongs_surrogates_and_truncations),
	    cmocka_unit_test(utf8_valid_reads_only_len_bytes),
	    cmocka_unit_test(utf8_length_counts_code_points),
	    cmocka_unit_test(json_text_keeps_slashes_and_utf8_as_they_are),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
