/* Unit tests of server/validate.c: field reading, ids, phones, hours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "json_io.h"
#include "validate.h"

static struct json_object *
parse(const char *text)
{
	const char *problem = NULL;
	struct json_object *obj = json_parse_object(text, strlen(text), &problem);

	assert_non_null(obj);
	return obj;
}

/* Runs validate_text on {"f": <value>} and returns whether it passed; *message gets the error. */
static bool
text_field(const char *json, size_t min, size_t max, int lines, char *out, size_t out_size, char *message)
{
	struct json_object *obj = parse(json);
	struct field_errors errors;
	const char *text;
	size_t len;
	bool ok;
	struct json_object *m;

	field_errors_init(&errors);
	ok = validate_text(&errors, obj, "f", min, max, lines, &text, &len);
	if (ok)
		snprintf(out, out_size, "%.*s", (int)len, text);
	message[0] = '\0';
	if (json_object_object_get_ex(errors.fields, "f", &m))
		snprintf(message, 200, "%s", json_object_get_string(m));
	assert_int_equal(ok, !field_errors_any(&errors));
	field_errors_free(&errors);
	json_object_put(obj);
	return ok;
}

static void
text_trims_and_counts_characters_not_bytes(void **state)
{
	char out[64], message[200];

	(void)state;
	assert_true(text_field("{\"f\": \"  你好 \"}", 1, 2, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_string_equal(out, "你好");
	assert_false(text_field("{\"f\": \"你好吗\"}", 1, 2, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_non_null(strstr(message, "at most 2"));
	assert_true(text_field("{\"f\": \"😀😀\"}", 1, 2, TEXT_SINGLE_LINE, out, sizeof out, message));
}

static void
text_required_optional_and_types(void **state)
{
	char out[64], message[200];

	(void)state;
	assert_false(text_field("{}", 1, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_non_null(strstr(message, "required"));
	assert_false(text_field("{\"f\": null}", 1, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_false(text_field("{\"f\": \"   \"}", 1, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_true(text_field("{}", 0, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_true(text_field("{\"f\": null}", 0, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_false(text_field("{\"f\": 42}", 0, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_non_null(strstr(message, "must be a string"));
	assert_false(text_field("{\"f\": [\"a\"]}", 0, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
}

static void
text_refuses_nul_and_control_characters(void **state)
{
	char out[64], message[200];

	(void)state;
	assert_false(text_field("{\"f\": \"a\\u0000b\"}", 1, 10, TEXT_MULTI_LINE, out, sizeof out, message));
	assert_non_null(strstr(message, "NUL"));
	assert_false(text_field("{\"f\": \"a\\u0007b\"}", 1, 10, TEXT_MULTI_LINE, out, sizeof out, message));
	assert_false(text_field("{\"f\": \"a\\nb\"}", 1, 10, TEXT_SINGLE_LINE, out, sizeof out, message));
	assert_true(text_field("{\"f\": \"a\\nb\"}", 1, 10, TEXT_MULTI_LINE, out, sizeof out, message));
	assert_string_equal(out, "a\nb");
}

static bool
id_field(const char *json, enum input_kind kind, int64_t *out)
{
	struct json_object *obj = parse(json);
	struct field_errors errors;
	bool ok;

	field_errors_init(&errors);
	ok = validate_id(&errors, obj, "id", kind, out);
	assert_int_equal(ok, !json_object_object_get_ex(errors.fields, "id", NULL));
	field_errors_free(&errors);
	json_object_put(obj);
	return ok;
}

static void
ids_are_positive_integers_up_to_2_pow_53(void **state)
{
	int64_t id = 0;

	(void)state;
	assert_true(id_field("{\"id\": 7}", INPUT_JSON, &id));
	assert_int_equal(id, 7);
	assert_true(id_field("{\"id\": 9007199254740992}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": 9007199254740993}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": 9223372036854775807}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": 0}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": -1}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": 1.5}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": 3e9}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": true}", INPUT_JSON, &id));
	assert_false(id_field("{\"id\": null}", INPUT_JSON, &id));
	assert_false(id_field("{}", INPUT_JSON, &id));
}

static void
ids_as_strings_only_from_forms(void **state)
{
	int64_t id = 0;

	(void)state;
	assert_false(id_field("{\"id\": \"12\"}", INPUT_JSON, &id));
	assert_true(id_field("{\"id\": \"12\"}", INPUT_FORM, &id));
	assert_int_equal(id, 12);
	assert_false(id_field("{\"id\": \"12a\"}", INPUT_FORM, &id));
	assert_false(id_field("{\"id\": \"\"}", INPUT_FORM, &id));
}

static void
path_ids_parse_strictly(void **state)
{
	int64_t id = 0;

	(void)state;
	assert_true(parse_id("42", &id));
	assert_int_equal(id, 42);
	assert_true(parse_id("007", &id));
	assert_int_equal(id, 7);
	assert_false(parse_id("", &id));
	assert_false(parse_id(NULL, &id));
	assert_false(parse_id("abc", &id));
	assert_false(parse_id("-1", &id));
	assert_false(parse_id("0", &id));
	assert_false(parse_id("1 ", &id));
	assert_false(parse_id("99999999999999999999999", &id));
}

static void
phones_normalise_mobiles_and_landlines(void **state)
{
	static const struct { const char *in, *out; } good[] = {
		{"13912345678", "13912345678"}, {"139 1234 5678", "13912345678"}, {"139-1234-5678", "13912345678"},
		{"+86 13912345678", "13912345678"}, {"008613912345678", "13912345678"}, {"0797-1234567", "07971234567"},
		{"010-12345678", "01012345678"},
	};
	static const char *bad[] = {"12345", "23912345678", "139123456789", "1391234567a", "", "12012345678",
		"00797-1234567", "1391234567"};
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_true(phone_normalize(good[i].in, strlen(good[i].in), out));
		assert_string_equal(out, good[i].out);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(phone_normalize(bad[i], strlen(bad[i]), out));
}

static void
phones_are_masked_in_the_middle(void **state)
{
	char out[16];

	(void)state;
	phone_mask("13912345678", out);
	assert_string_equal(out, "139****5678");
	phone_mask("07971234567", out);
	assert_string_equal(out, "079****4567");
	phone_mask("1234", out);
	assert_string_equal(out, "****");
}

static void
hours_are_exact_hundredths(void **state)
{
	static const struct { const char *in; int out; } good[] = {
		{"2", 200}, {"2.5", 250}, {"2.25", 225}, {"0.01", 1}, {"24", 2400}, {"24.00", 2400}, {"1.20", 120},
	};
	static const char *bad[] = {"0", "0.00", "24.01", "25", "1.234", "-1", "abc", "", "1.", ".5", "1e1", "100", " 1"};
	char text[16];
	int h;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_true(parse_hours(good[i].in, &h));
		assert_int_equal(h, good[i].out);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(parse_hours(bad[i], &h));
	format_hours(250, text);
	assert_string_equal(text, "2.50");
	format_hours(1, text);
	assert_string_equal(text, "0.01");
	format_hours(2400, text);
	assert_string_equal(text, "24.00");
}

static void
field_errors_keep_the_first_message_per_field(void **state)
{
	struct field_errors errors;
	struct json_object *fields, *m;

	(void)state;
	field_errors_init(&errors);
	assert_false(field_errors_any(&errors));
	field_errors_add(&errors, "a", "first");
	field_errors_add(&errors, "a", "second");
	field_errors_add(&errors, "b", "other");
	assert_true(field_errors_any(&errors));
	fields = field_errors_take(&errors);
	assert_false(field_errors_any(&errors));
	assert_true(json_object_object_get_ex(fields, "a", &m));
	assert_string_equal(json_object_get_string(m), "first");
	assert_int_equal(json_object_object_length(fields), 2);
	json_object_put(fields);
	field_errors_free(&errors);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_trims_and_counts_characters_not_bytes),
		cmocka_unit_test(text_required_optional_and_types),
		cmocka_unit_test(text_refuses_nul_and_control_characters),
		cmocka_unit_test(ids_are_positive_integers_up_to_2_pow_53),
		cmocka_unit_test(ids_as_strings_only_from_forms),
		cmocka_unit_test(path_ids_parse_strictly),
		cmocka_unit_test(phones_normalise_mobiles_and_landlines),
		cmocka_unit_test(phones_are_masked_in_the_middle),
		cmocka_unit_test(hours_are_exact_hundredths),
		cmocka_unit_test(field_errors_keep_the_first_message_per_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
