/* Unit tests of server/validate.c: field errors, text fields, ids, phones and hours from untrusted input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "json_io.h"
#include "validate.h"

#define ID_MAX ((int64_t)1 << 53)

static struct json_object *
parse(const char *text)
{
	const char *problem = NULL;
	struct json_object *obj = json_parse_object(text, strlen(text), &problem);

	if (obj == NULL)
		fail_msg("test input %s refused: %s", text, problem);
	return obj;
}

/* The outcome of one validate_text call on the field "f". */
struct text_result {
	bool ok;
	char out[256];
	size_t out_len;
	bool out_points_into_object;
	char message[256];
};

static struct text_result
text_field(const char *json, size_t min_chars, size_t max_chars, int lines)
{
	struct text_result result = {0};
	struct json_object *obj = parse(json), *value = NULL, *message;
	struct field_errors errors;
	const char *text = NULL;

	json_object_object_get_ex(obj, "f", &value);
	field_errors_init(&errors);
	result.ok = validate_text(&errors, obj, "f", min_chars, max_chars, lines, &text, &result.out_len);
	assert_non_null(text);
	assert_true(result.out_len < sizeof result.out);
	memcpy(result.out, text, result.out_len);
	if (value != NULL && json_object_is_type(value, json_type_string)) {
		const char *start = json_object_get_string(value);
		result.out_points_into_object = text >= start && text <= start + json_object_get_string_len(value);
	}
	if (json_object_object_get_ex(errors.fields, "f", &message))
		snprintf(result.message, sizeof result.message, "%s", json_object_get_string(message));
	/* One message exactly when refused, and only under the field's own name. */
	assert_int_equal(json_object_object_length(errors.fields), result.ok ? 0 : 1);
	assert_int_equal(result.message[0] != '\0', !result.ok);
	field_errors_free(&errors);
	json_object_put(obj);
	return result;
}

/* The outcome of one validate_id call on the field "id". */
struct id_result {
	bool ok;
	int64_t id;
	char message[256];
};

static struct id_result
id_field(const char *json, enum input_kind kind)
{
	struct id_result result = {.id = -12345};
	struct json_object *obj = parse(json), *message;
	struct field_errors errors;

	field_errors_init(&errors);
	result.ok = validate_id(&errors, obj, "id", kind, &result.id);
	if (json_object_object_get_ex(errors.fields, "id", &message))
		snprintf(result.message, sizeof result.message, "%s", json_object_get_string(message));
	assert_int_equal(json_object_object_length(errors.fields), result.ok ? 0 : 1);
	assert_int_equal(result.message[0] != '\0', !result.ok);
	field_errors_free(&errors);
	json_object_put(obj);
	return result;
}

/* ---- field_errors ---- */

static void
field_errors_start_empty(void **state)
{
	struct field_errors errors;

	(void)state;
	field_errors_init(&errors);
	assert_false(field_errors_any(&errors));
	assert_int_equal(json_object_object_length(errors.fields), 0);
	field_errors_free(&errors);
	assert_null(errors.fields);
}

static void
field_errors_keep_the_first_message_per_field(void **state)
{
	struct field_errors errors;
	struct json_object *m;

	(void)state;
	field_errors_init(&errors);
	field_errors_add(&errors, "a", "first");
	assert_true(field_errors_any(&errors));
	field_errors_add(&errors, "a", "second");
	field_errors_add(&errors, "b", "other");
	assert_int_equal(json_object_object_length(errors.fields), 2);
	assert_true(json_object_object_get_ex(errors.fields, "a", &m));
	assert_string_equal(json_object_get_string(m), "first");
	assert_true(json_object_object_get_ex(errors.fields, "b", &m));
	assert_string_equal(json_object_get_string(m), "other");
	field_errors_free(&errors);
}

static void
field_errors_take_hands_over_the_fields_and_leaves_an_empty_usable_collection(void **state)
{
	struct field_errors errors;
	struct json_object *fields, *m;

	(void)state;
	field_errors_init(&errors);
	field_errors_add(&errors, "a", "first");
	fields = field_errors_take(&errors);
	assert_non_null(fields);
	assert_false(field_errors_any(&errors));
	assert_true(json_object_object_get_ex(fields, "a", &m));
	assert_string_equal(json_object_get_string(m), "first");
	/* The collection keeps working, and what was taken is not touched by it. */
	field_errors_add(&errors, "b", "later");
	assert_true(field_errors_any(&errors));
	assert_int_equal(json_object_object_length(fields), 1);
	json_object_put(fields);
	field_errors_free(&errors);
}

/* ---- validate_text ---- */

static void
text_missing_or_null_is_refused_when_required(void **state)
{
	struct text_result r;

	(void)state;
	r = text_field("{}", 1, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "required"));
	r = text_field("{\"f\": null}", 1, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "required"));
	r = text_field("{\"other\": \"x\"}", 1, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
}

static void
text_missing_null_or_empty_is_empty_when_optional(void **state)
{
	static const char *inputs[] = {"{}", "{\"f\": null}", "{\"f\": \"\"}", "{\"f\": \"   \"}"};

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct text_result r = text_field(inputs[i], 0, 10, TEXT_SINGLE_LINE);
		assert_true(r.ok);
		assert_string_equal(r.out, "");
		assert_int_equal(r.out_len, 0);
	}
}

static void
text_empty_or_blank_is_refused_when_required(void **state)
{
	struct text_result r;

	(void)state;
	r = text_field("{\"f\": \"\"}", 1, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "required"));
	r = text_field("{\"f\": \" \\t \"}", 1, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "required"));
}

static void
text_that_is_not_a_string_is_refused(void **state)
{
	static const char *inputs[] = {"{\"f\": 42}", "{\"f\": 1.5}", "{\"f\": true}", "{\"f\": false}",
	    "{\"f\": [\"a\"]}", "{\"f\": {\"a\": \"b\"}}"};

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		/* Even an optional field must be a string when it is given. */
		struct text_result r = text_field(inputs[i], 0, 10, TEXT_SINGLE_LINE);
		assert_false(r.ok);
		assert_non_null(strstr(r.message, "must be a string"));
		assert_string_equal(r.out, "");
		assert_int_equal(r.out_len, 0);
	}
}

static void
text_with_an_escaped_nul_is_refused(void **state)
{
	static const char *inputs[] = {
	    "{\"f\": \"a\\u0000b\"}", "{\"f\": \"\\u0000\"}", "{\"f\": \"abc\\u0000\"}", "{\"f\": \"\\u0000abc\"}"};

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct text_result r = text_field(inputs[i], 0, 10, TEXT_MULTI_LINE);
		assert_false(r.ok);
		assert_non_null(strstr(r.message, "NUL"));
	}
}

static void
text_with_control_characters_is_refused_even_multi_line(void **state)
{
	static const char *inputs[] = {"{\"f\": \"a\\u0001b\"}", "{\"f\": \"a\\u0007b\"}", "{\"f\": \"a\\bb\"}",
	    "{\"f\": \"a\\fb\"}", "{\"f\": \"a\\u001bb\"}", "{\"f\": \"a\\u001fb\"}", "{\"f\": \"a\\u007fb\"}",
	    "{\"f\": \"a\\u000bb\"}"};

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct text_result r = text_field(inputs[i], 0, 10, TEXT_SINGLE_LINE);
		assert_false(r.ok);
		assert_non_null(strstr(r.message, "control characters"));
		r = text_field(inputs[i], 0, 10, TEXT_MULTI_LINE);
		assert_false(r.ok);
		assert_non_null(strstr(r.message, "control characters"));
	}
}

static void
text_newlines_inside_are_refused_in_single_line_text(void **state)
{
	struct text_result r;

	(void)state;
	r = text_field("{\"f\": \"a\\nb\"}", 0, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "line breaks"));
	r = text_field("{\"f\": \"a\\rb\"}", 0, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	r = text_field("{\"f\": \"a\\r\\nb\"}", 0, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
}

static void
text_newlines_inside_are_kept_in_multi_line_text(void **state)
{
	struct text_result r;

	(void)state;
	r = text_field("{\"f\": \"a\\nb\"}", 0, 10, TEXT_MULTI_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "a\nb");
	r = text_field("{\"f\": \"第一行\\r\\n第二行\"}", 0, 10, TEXT_MULTI_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "第一行\r\n第二行");
	assert_int_equal(r.out_len, strlen("第一行\r\n第二行"));
}

static void
text_is_trimmed_at_both_ends_and_points_into_the_object(void **state)
{
	struct text_result r;

	(void)state;
	r = text_field("{\"f\": \"  王 阿姨 \\t\"}", 1, 10, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "王 阿姨");
	assert_int_equal(r.out_len, strlen("王 阿姨"));
	assert_true(r.out_points_into_object);
	/* Line breaks at the ends are trimmed like spaces, even in single-line text. */
	r = text_field("{\"f\": \"\\n abc \\r\\n\"}", 1, 10, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "abc");
	assert_int_equal(r.out_len, 3);
	/* Spaces inside stay. */
	r = text_field("{\"f\": \"a  b\"}", 1, 10, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "a  b");
}

static void
text_limits_count_characters_not_bytes(void **state)
{
	struct text_result r;

	(void)state;
	/* Five Chinese characters are fifteen bytes: exactly the limit of five passes. */
	r = text_field("{\"f\": \"社区志愿者\"}", 1, 5, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "社区志愿者");
	assert_int_equal(r.out_len, 15);
	r = text_field("{\"f\": \"社区志愿者们\"}", 1, 5, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "at most 5 characters"));
	assert_string_equal(r.out, "");
	assert_int_equal(r.out_len, 0);
	/* An emoji is four bytes and one character. */
	r = text_field("{\"f\": \"😀😀😀\"}", 1, 3, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	assert_int_equal(r.out_len, 12);
	r = text_field("{\"f\": \"😀😀😀😀\"}", 1, 3, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	/* The same holds for escaped characters: \u4f60\u597d is two characters. */
	r = text_field("{\"f\": \"\\u4f60\\u597d\"}", 2, 2, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "你好");
}

static void
text_limits_are_inclusive_and_counted_after_trimming(void **state)
{
	struct text_result r;

	(void)state;
	r = text_field("{\"f\": \"abcde\"}", 5, 5, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	r = text_field("{\"f\": \"   abcde   \"}", 5, 5, TEXT_SINGLE_LINE);
	assert_true(r.ok);
	assert_string_equal(r.out, "abcde");
	r = text_field("{\"f\": \"abcdef\"}", 5, 5, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "at most 5 characters"));
	r = text_field("{\"f\": \"abcd\"}", 5, 5, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "too short"));
	/* Two Chinese characters are six bytes but still too short for three. */
	r = text_field("{\"f\": \"你好\"}", 3, 10, TEXT_SINGLE_LINE);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "too short"));
}

static void
text_refusal_keeps_an_earlier_message_for_the_same_field(void **state)
{
	struct json_object *obj = parse("{\"f\": 42}"), *m;
	struct field_errors errors;
	const char *text;
	size_t len;

	(void)state;
	field_errors_init(&errors);
	field_errors_add(&errors, "f", "earlier");
	assert_false(validate_text(&errors, obj, "f", 0, 10, TEXT_SINGLE_LINE, &text, &len));
	assert_true(json_object_object_get_ex(errors.fields, "f", &m));
	assert_string_equal(json_object_get_string(m), "earlier");
	field_errors_free(&errors);
	json_object_put(obj);
}

/* ---- validate_id ---- */

static void
id_positive_json_integers_up_to_2_pow_53_are_accepted(void **state)
{
	struct id_result r;

	(void)state;
	r = id_field("{\"id\": 1}", INPUT_JSON);
	assert_true(r.ok);
	assert_int_equal(r.id, 1);
	r = id_field("{\"id\": 7}", INPUT_JSON);
	assert_true(r.ok);
	assert_int_equal(r.id, 7);
	r = id_field("{\"id\": 9007199254740992}", INPUT_JSON);
	assert_true(r.ok);
	assert_int_equal(r.id, ID_MAX);
	/* A form may carry a plain integer too (the form parser is not the only source). */
	r = id_field("{\"id\": 12}", INPUT_FORM);
	assert_true(r.ok);
	assert_int_equal(r.id, 12);
}

static void
id_out_of_range_integers_are_refused(void **state)
{
	static const char *inputs[] = {"{\"id\": 0}", "{\"id\": -0}", "{\"id\": -1}", "{\"id\": 9007199254740993}",
	    "{\"id\": 9223372036854775807}", "{\"id\": -9223372036854775808}", "{\"id\": 18446744073709551615}",
	    "{\"id\": 99999999999999999999999}"};

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct id_result r = id_field(inputs[i], INPUT_JSON);
		assert_false(r.ok);
		assert_int_equal(r.id, -12345);
		assert_non_null(strstr(r.message, "positive whole number"));
	}
}

static void
id_non_integers_are_refused(void **state)
{
	static const char *inputs[] = {"{\"id\": 1.5}", "{\"id\": 3e9}", "{\"id\": 1.0}", "{\"id\": 1e2}",
	    "{\"id\": true}", "{\"id\": false}", "{\"id\": [1]}", "{\"id\": {\"id\": 1}}", "{\"id\": \"12\"}"};

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		struct id_result r = id_field(inputs[i], INPUT_JSON);
		assert_false(r.ok);
		assert_int_equal(r.id, -12345);
		assert_non_null(strstr(r.message, "positive whole number"));
	}
}

static void
id_missing_or_null_is_required(void **state)
{
	struct id_result r;

	(void)state;
	r = id_field("{}", INPUT_JSON);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "required"));
	r = id_field("{\"id\": null}", INPUT_JSON);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "required"));
	r = id_field("{\"id\": \"\"}", INPUT_FORM);
	assert_false(r.ok);
	assert_non_null(strstr(r.message, "required"));
	r = id_field("{\"id\": null}", INPUT_FORM);
	assert_false(r.ok);
}

static void
id_strings_of_digits_are_accepted_only_from_forms(void **state)
{
	static const char *bad_form[] = {"{\"id\": \"12a\"}", "{\"id\": \" 12\"}", "{\"id\": \"12 \"}",
	    "{\"id\": \"-1\"}", "{\"id\": \"+1\"}", "{\"id\": \"0\"}", "{\"id\": \"1.5\"}",
	    "{\"id\": \"9007199254740993\"}", "{\"id\": \"99999999999999999999999\"}", "{\"id\": \"1e3\"}"};
	struct id_result r;

	(void)state;
	r = id_field("{\"id\": \"12\"}", INPUT_JSON);
	assert_false(r.ok);
	r = id_field("{\"id\": \"12\"}", INPUT_FORM);
	assert_true(r.ok);
	assert_int_equal(r.id, 12);
	r = id_field("{\"id\": \"9007199254740992\"}", INPUT_FORM);
	assert_true(r.ok);
	assert_int_equal(r.id, ID_MAX);
	for (size_t i = 0; i < sizeof bad_form / sizeof bad_form[0]; i++) {
		r = id_field(bad_form[i], INPUT_FORM);
		assert_false(r.ok);
		assert_non_null(strstr(r.message, "positive whole number"));
	}
}

/* ---- parse_id ---- */

static void
path_ids_of_digits_in_range_are_parsed(void **state)
{
	static const struct {
		const char *text;
		int64_t id;
	} cases[] = {{"1", 1}, {"42", 42}, {"9007199254740991", ID_MAX - 1}, {"9007199254740992", ID_MAX}};
	int64_t id;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		id = 0;
		assert_true(parse_id(cases[i].text, &id));
		assert_int_equal(id, cases[i].id);
	}
}

static void
path_ids_with_leading_zeros_are_taken_as_the_number(void **state)
{
	int64_t id = 0;

	(void)state;
	assert_true(parse_id("01", &id));
	assert_int_equal(id, 1);
	assert_true(parse_id("007", &id));
	assert_int_equal(id, 7);
	/* But never past sixteen characters, zeros or not. */
	assert_false(parse_id("00000000000000001", &id));
}

static void
path_ids_that_are_not_positive_digits_in_range_are_refused(void **state)
{
	static const char *bad[] = {"", "abc", "-1", "0", "00", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "12a", "一",
	    "9007199254740993", "9999999999999999", "99999999999999999999999"};
	int64_t id = -12345;

	(void)state;
	assert_false(parse_id(NULL, &id));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(parse_id(bad[i], &id));
		assert_int_equal(id, -12345);
	}
}

/* ---- phones ---- */

static void
phone_mobiles_in_any_common_spelling_normalise_to_eleven_digits(void **state)
{
	static const char *inputs[] = {"13912345678", "139 1234 5678", "139-1234-5678", "+86 13912345678",
	    "+8613912345678", "+86-139-1234-5678", "008613912345678", "0086 139 1234 5678", "8613912345678",
	    " 13912345678 "};
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		memset(out, 'x', sizeof out);
		assert_true(phone_normalize(inputs[i], strlen(inputs[i]), out));
		assert_string_equal(out, "13912345678");
	}
}

static void
phone_every_mobile_prefix_from_13_to_19_is_accepted(void **state)
{
	char in[16], out[16];

	(void)state;
	for (char second = '3'; second <= '9'; second++) {
		snprintf(in, sizeof in, "1%c012345678", second);
		assert_true(phone_normalize(in, strlen(in), out));
		assert_string_equal(out, in);
	}
}

static void
phone_landlines_keep_their_area_code(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {{"0797-1234567", "07971234567"}, {"0797 1234567", "07971234567"}, {"07971234567", "07971234567"},
	    {"010-12345678", "01012345678"}, {"0797-12345678", "079712345678"}, {"+86 0797-1234567", "07971234567"}};
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_true(phone_normalize(cases[i].in, strlen(cases[i].in), out));
		assert_string_equal(out, cases[i].out);
	}
}

static void
phone_impossible_numbers_are_refused(void **state)
{
	static const char *bad[] = {"12345", "23912345678", "139123456789", "1391234567a", "", "12012345678",
	    "11012345678", "1391234567", "   ", "---", "+", "+86", "0086", "1+3912345678", "139.1234.5678",
	    "(0797)1234567", "00797-1234567", "0797-123456789", "079712345", "139１2345678", "013912345678999999999"};
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (phone_normalize(bad[i], strlen(bad[i]), out))
			fail_msg("phone \"%s\" accepted as %s", bad[i], out);
}

static void
phone_normalize_reads_only_len_bytes(void **state)
{
	const char text[] = "13912345678999";
	char out[16];

	(void)state;
	assert_true(phone_normalize(text, 11, out));
	assert_string_equal(out, "13912345678");
	assert_false(phone_normalize(text, 10, out));
	assert_false(phone_normalize(text, 0, out));
}

static void
phone_mask_shows_the_first_three_and_last_four_digits(void **state)
{
	char out[16];

	(void)state;
	phone_mask("13912345678", out);
	assert_string_equal(out, "139****5678");
	phone_mask("07971234567", out);
	assert_string_equal(out, "079****4567");
	phone_mask("079712345678", out);
	assert_string_equal(out, "079****5678");
	/* Too short to mask the middle: nothing is shown. */
	phone_mask("1234", out);
	assert_string_equal(out, "****");
	phone_mask("", out);
	assert_string_equal(out, "****");
}

/* ---- hours ---- */

static void
hours_are_exact_hundredths_above_zero_up_to_24(void **state)
{
	static const struct {
		const char *in;
		int out;
	} good[] = {{"2", 200}, {"2.5", 250}, {"2.25", 225}, {"0.01", 1}, {"24", 2400}, {"24.00", 2400}, {"1.20", 120},
	    {"09", 900}};
	static const char *bad[] = {
	    "0", "0.00", "24.01", "25", "1.234", "-1", "abc", "", "1.", ".5", "1e1", "100", " 1", "1 ", "1,5", "+1"};
	int h;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		h = -1;
		assert_true(parse_hours(good[i].in, &h));
		assert_int_equal(h, good[i].out);
	}
	assert_false(parse_hours(NULL, &h));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse_hours(bad[i], &h))
			fail_msg("hours \"%s\" accepted as %d", bad[i], h);
}

static void
hours_format_with_two_decimals(void **state)
{
	char text[16];

	(void)state;
	format_hours(250, text);
	assert_string_equal(text, "2.50");
	format_hours(1, text);
	assert_string_equal(text, "0.01");
	format_hours(2400, text);
	assert_string_equal(text, "24.00");
	format_hours(225, text);
	assert_string_equal(text, "2.25");
}

static void
hours_from_json_take_the_number_text_or_a_string(void **state)
{
	struct json_object *obj =
	    parse("{\"a\": 2.5, \"b\": \"2.25\", \"c\": 3, \"d\": 1e1, \"e\": true, \"f\": 2.125}");
	struct json_object *value;
	struct field_errors errors;
	int h = -1;

	(void)state;
	field_errors_init(&errors);
	json_object_object_get_ex(obj, "a", &value);
	assert_true(validate_hours(&errors, value, "a", &h));
	assert_int_equal(h, 250);
	json_object_object_get_ex(obj, "b", &value);
	assert_true(validate_hours(&errors, value, "b", &h));
	assert_int_equal(h, 225);
	json_object_object_get_ex(obj, "c", &value);
	assert_true(validate_hours(&errors, value, "c", &h));
	assert_int_equal(h, 300);
	assert_false(field_errors_any(&errors));
	json_object_object_get_ex(obj, "d", &value);
	assert_false(validate_hours(&errors, value, "d", &h));
	json_object_object_get_ex(obj, "e", &value);
	assert_false(validate_hours(&errors, value, "e", &h));
	json_object_object_get_ex(obj, "f", &value);
	assert_false(validate_hours(&errors, value, "f", &h));
	assert_int_equal(json_object_object_length(errors.fields), 3);
	assert_true(json_object_object_get_ex(errors.fields, "f", NULL));
	field_errors_free(&errors);
	json_object_put(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(field_errors_start_empty),
	    cmocka_unit_test(field_errors_keep_the_first_message_per_field),
	    cmocka_unit_test(field_errors_take_hands_over_the_fields_and_leaves_an_empty_usable_collection),
	    cmocka_unit_test(text_missing_or_null_is_refused_when_required),
	    cmocka_unit_test(text_missing_null_or_empty_is_empty_when_optional),
	    cmocka_unit_test(text_empty_or_blank_is_refused_when_required),
	    cmocka_unit_test(text_that_is_not_a_string_is_refused),
	    cmocka_unit_test(text_with_an_escaped_nul_is_refused),
	    cmocka_unit_test(text_with_control_characters_is_refused_even_multi_line),
	    cmocka_unit_test(text_newlines_inside_are_refused_in_single_line_text),
	    cmocka_unit_test(text_newlines_inside_are_kept_in_multi_line_text),
	    cmocka_unit_test(text_is_trimmed_at_both_ends_and_points_into_the_object),
	    cmocka_unit_test(text_limits_count_characters_not_bytes),
	    cmocka_unit_test(text_limits_are_inclusive_and_counted_after_trimming),
	    cmocka_unit_test(text_refusal_keeps_an_earlier_message_for_the_same_field),
	    cmocka_unit_test(id_positive_json_integers_up_to_2_pow_53_are_accepted),
	    cmocka_unit_test(id_out_of_range_integers_are_refused),
	    cmocka_unit_test(id_non_integers_are_refused),
	    cmocka_unit_test(id_missing_or_null_is_required),
	    cmocka_unit_test(id_strings_of_digits_are_accepted_only_from_forms),
	    cmocka_unit_test(path_ids_of_digits_in_range_are_parsed),
	    cmocka_unit_test(path_ids_with_leading_zeros_are_taken_as_the_number),
	    cmocka_unit_test(path_ids_that_are_not_positive_digits_in_range_are_refused),
	    cmocka_unit_test(phone_mobiles_in_any_common_spelling_normalise_to_eleven_digits),
	    cmocka_unit_test(phone_every_mobile_prefix_from_13_to_19_is_accepted),
	    cmocka_unit_test(phone_landlines_keep_their_area_code),
	    cmocka_unit_test(phone_impossible_numbers_are_refused),
	    cmocka_unit_test(phone_normalize_reads_only_len_bytes),
	    cmocka_unit_test(phone_mask_shows_the_first_three_and_last_four_digits),
	    cmocka_unit_test(hours_are_exact_hundredths_above_zero_up_to_24),
	    cmocka_unit_test(hours_format_with_two_decimals),
	    cmocka_unit_test(hours_from_json_take_the_number_text_or_a_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
