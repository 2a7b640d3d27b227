/* validate: every field is checked here before it reaches SQL; messages are for people. */
#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "json_io.h"

#define ID_MAX ((int64_t)1 << 53)

void
field_errors_init(struct field_errors *errors)
{
	errors->fields = json_object_new_object();
}

void
field_errors_free(struct field_errors *errors)
{
	json_object_put(errors->fields);
	errors->fields = NULL;
}

void
field_errors_add(struct field_errors *errors, const char *field, const char *message)
{
	if (json_object_object_get_ex(errors->fields, field, NULL))
		return;
	json_object_object_add(errors->fields, field, json_object_new_string(message));
}

bool
field_errors_any(const struct field_errors *errors)
{
	return json_object_object_length(errors->fields) > 0;
}

struct json_object *
field_errors_take(struct field_errors *errors)
{
	struct json_object *fields = errors->fields;

	errors->fields = json_object_new_object();
	return fields;
}

/* Bytes of white space at the start of s: ASCII, and the ideographic (U+3000) and no-break
 * (U+00A0) spaces that Chinese input methods type. */
static size_t
leading_space(const char *s, size_t len)
{
	if (len >= 1 && isspace((unsigned char)s[0]))
		return 1;
	if (len >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
		return 3;
	if (len >= 2 && memcmp(s, "\xC2\xA0", 2) == 0)
		return 2;
	return 0;
}

static size_t
trailing_space(const char *s, size_t len)
{
	if (len >= 1 && isspace((unsigned char)s[len - 1]))
		return 1;
	if (len >= 3 && memcmp(s + len - 3, "\xE3\x80\x80", 3) == 0)
		return 3;
	if (len >= 2 && memcmp(s + len - 2, "\xC2\xA0", 2) == 0)
		return 2;
	return 0;
}

static bool
text_has_bad_controls(const char *s, size_t len, int lines)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\t' || c == '\r') {
			if (lines == TEXT_SINGLE_LINE)
				return true;
		} else if (c < 0x20 || c == 0x7f) {
			return true;
		}
	}
	return false;
}

bool
validate_text(struct field_errors *errors, struct json_object *obj, const char *field, size_t min_chars,
    size_t max_chars, int lines, const char **out, size_t *out_len)
{
	struct json_object *value;
	const char *s;
	size_t len, chars;
	char message[160];

	*out = "";
	*out_len = 0;
	if (!json_object_object_get_ex(obj, field, &value) || json_object_is_type(value, json_type_null)) {
		if (min_chars == 0)
			return true;
		field_errors_add(errors, field, "必填 (required)");
		return false;
	}
	if (!json_object_is_type(value, json_type_string)) {
		field_errors_add(errors, field, "应为文字 (must be a string)");
		return false;
	}
	s = json_object_get_string(value);
	len = (size_t)json_object_get_string_len(value);
	if (strlen(s) != len) {
		field_errors_add(errors, field, "不能含有 NUL 字符 (must not contain NUL)");
		return false;
	}
	if (!utf8_valid(s, len)) {
		field_errors_add(errors, field, "不是有效的 UTF-8 文字 (not valid UTF-8)");
		return false;
	}
	for (size_t n; (n = leading_space(s, len)) > 0;) {
		s += n;
		len -= n;
	}
	for (size_t n; (n = trailing_space(s, len)) > 0;)
		len -= n;
	if (text_has_bad_controls(s, len, lines)) {
		field_errors_add(errors, field,
		    lines == TEXT_SINGLE_LINE ? "不能换行或含控制字符 (no line breaks or control characters)"
		                              : "不能含控制字符 (no control characters)");
		return false;
	}
	chars = utf8_length(s, len);
	if (chars < min_chars) {
		field_errors_add(errors, field, min_chars == 1 ? "必填 (required)" : "太短 (too short)");
		return false;
	}
	if (chars > max_chars) {
		snprintf(message, sizeof message, "最多 %zu 个字 (at most %zu characters)", max_chars, max_chars);
		field_errors_add(errors, field, message);
		return false;
	}
	*out = s;
	*out_len = len;
	return true;
}

bool
parse_id(const char *text, int64_t *out)
{
	int64_t n = 0;

	if (text == NULL || *text == '\0' || strlen(text) > 16)
		return false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		n = n * 10 + (*p - '0');
	}
	if (n < 1 || n > ID_MAX)
		return false;
	*out = n;
	return true;
}

bool
validate_id(struct field_errors *errors, struct json_object *obj, const char *field, enum input_kind kind, int64_t *out)
{
	struct json_object *value;

	if (!json_object_object_get_ex(obj, field, &value) || json_object_is_type(value, json_type_null) ||
	    (json_object_is_type(value, json_type_string) && json_object_get_string_len(value) == 0)) {
		field_errors_add(errors, field, "必选 (required)");
		return false;
	}
	if (json_object_is_type(value, json_type_int)) {
		int64_t n = json_object_get_int64(value);
		if (n >= 1 && n <= ID_MAX) {
			*out = n;
			return true;
		}
	} else if (kind == INPUT_FORM && json_object_is_type(value, json_type_string) &&
	    parse_id(json_object_get_string(value), out)) {
		return true;
	}
	field_errors_add(errors, field, "应为正整数编号 (must be a positive whole number)");
	return false;
}

bool
phone_normalize(const char *text, size_t len, char out[16])
{
	char digits[32];
	size_t n = 0;
	const char *d;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == ' ' || c == '-' || (c == '+' && n == 0 && i == 0))
			continue;
		if (c < '0' || c > '9' || n + 1 >= sizeof digits)
			return false;
		digits[n++] = c;
	}
	digits[n] = '\0';
	d = digits;
	if (n == 13 && strncmp(d, "86", 2) == 0) {
		d += 2;
		n -= 2;
	} else if (n == 15 && strncmp(d, "0086", 4) == 0) {
		d += 4;
		n -= 4;
	}
	if (n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9') {
		memcpy(out, d, n + 1);
		return true;
	}
	if (n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0') {
		memcpy(out, d, n + 1);
		return true;
	}
	return false;
}

void
phone_mask(const char *phone, char out[16])
{
	size_t n = strnlen(phone, 15);

	if (n < 8) {
		snprintf(out, 16, "****");
		return;
	}
	snprintf(out, 16, "%.3s****%s", phone, phone + n - 4);
}

bool
parse_hours(const char *text, int *hundredths)
{
	int whole = 0, fraction = 0, digits = 0;
	const char *p = text;

	if (text == NULL || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		whole = whole * 10 + (*p - '0');
		if (++digits > 2)
			return false;
		p++;
	}
	if (*p == '.') {
		int places = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (++places > 2)
				return false;
			fraction = fraction * 10 + (*p - '0');
			p++;
		}
		if (places == 0)
			return false;
		if (places == 1)
			fraction *= 10;
	}
	if (*p != '\0')
		return false;
	*hundredths = whole * 100 + fraction;
	return *hundredths > 0 && *hundredths <= 2400;
}

void
format_hours(int hundredths, char out[16])
{
	snprintf(out, 16, "%d.%02d", hundredths / 100, hundredths % 100);
}

bool
validate_hours(struct field_errors *errors, struct json_object *value, const char *field, int *hundredths)
{
	const char *text = NULL;

	if (json_object_is_type(value, json_type_int) || json_object_is_type(value, json_type_double))
		text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN);
	else if (json_object_is_type(value, json_type_string))
		text = json_object_get_string(value);
	if (text != NULL && parse_hours(text, hundredths))
		return true;
	field_errors_add(
	    errors, field, "时长应在 0 到 24 小时之间，最多两位小数 (hours: more than 0, at most 24, two decimals)");
	return false;
}

bool
idempotency_key_valid(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > IDEMPOTENCY_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7e)
			return false;
	return true;
}
