/* json_io: json-c is lenient (NaN, trailing text, UTF-8 unchecked unless asked): close each gap. */
#include "json_io.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p;
		size_t need;
		unsigned cp;

		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= need)
			return false;
		for (size_t i = 1; i <= need; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += need + 1;
	}
	return true;
}

size_t
utf8_length(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* A strict RFC 8259 recogniser run before json-c, which even in strict mode takes single-quoted
 * strings, comments, NaN and Infinity, and keeps the last of two equal keys. Recursion is bounded
 * by JSON_MAX_DEPTH. */
struct json_scan {
	const char *p, *end;
	int depth;
	bool too_deep;
	bool duplicate;
	char duplicate_key[JSON_KEY_SHOWN];
};

/* One key of an object as json-c will see it: escapes decoded, cut at a decoded NUL. */
struct scan_key {
	const char *text;
	size_t len;
	char *decoded; /* owned, when the key had escapes */
};

static void
scan_space(struct json_scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool
scan_literal(struct json_scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return true;
}

static bool
scan_digits(struct json_scan *s)
{
	const char *start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start;
}

static bool
scan_number(struct json_scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!scan_digits(s))
		return false;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!scan_digits(s))
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!scan_digits(s))
			return false;
	}
	return true;
}

static bool
scan_string(struct json_scan *s)
{
	s->p++; /* the opening quote */
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p++;
		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (s->p >= s->end)
				return false;
			c = (unsigned char)*s->p++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++, s->p++)
					if (s->p >= s->end || !strchr("0123456789abcdefABCDEF", *s->p) || *s->p == '\0')
						return false;
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				return false;
			}
		}
	}
	return false;
}

static unsigned
hex4(const char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

static size_t
put_utf8(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Decodes the recognised string body raw[0..len) (no quotes); the text ends at a decoded NUL, as
 * json-c's keys (C strings) do. */
static void
scan_key_decode(struct scan_key *key, const char *raw, size_t len)
{
	char *out;
	size_t n = 0;

	key->decoded = NULL;
	if (memchr(raw, '\\', len) == NULL) {
		key->text = raw;
		key->len = len;
		return;
	}
	out = malloc(len + 1);
	if (out == NULL)
		abort();
	for (size_t i = 0; i < len;) {
		unsigned cp;
		if (raw[i] != '\\') {
			out[n++] = raw[i++];
			continue;
		}
		switch (raw[i + 1]) {
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = hex4(raw + i + 2);
			if (cp >= 0xD800 && cp <= 0xDBFF && i + 12 <= len && raw[i + 6] == '\\' && raw[i + 7] == 'u') {
				unsigned low = hex4(raw + i + 8);
				if (low >= 0xDC00 && low <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
					i += 6;
				}
			}
			/* json-c turns a lone surrogate into U+FFFD: so must the comparison. */
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			i += 4;
			break;
		default: cp = (unsigned char)raw[i + 1]; break;
		}
		i += 2;
		if (cp == 0)
			break;
		n += put_utf8(out + n, cp);
	}
	key->decoded = out;
	key->text = out;
	key->len = n;
}

static int
scan_key_compare(const void *a, const void *b)
{
	const struct scan_key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Copies key into shown, cut to whole UTF-8 characters. */
static void
scan_show_key(char shown[JSON_KEY_SHOWN], const struct scan_key *key)
{
	size_t n = key->len < JSON_KEY_SHOWN - 1 ? key->len : JSON_KEY_SHOWN - 1;

	while (n > 0 && n < key->len && ((unsigned char)key->text[n] & 0xC0) == 0x80)
		n--;
	memcpy(shown, key->text, n);
	shown[n] = '\0';
}

/* Sorts an object's keys and reports the first that appears twice; frees the decoded ones. */
static bool
scan_keys_unique(struct json_scan *s, struct scan_key *keys, size_t n)
{
	bool unique = true;

	qsort(keys, n, sizeof *keys, scan_key_compare);
	for (size_t i = 1; i < n && unique; i++) {
		if (scan_key_compare(&keys[i - 1], &keys[i]) == 0) {
			unique = false;
			s->duplicate = true;
			scan_show_key(s->duplicate_key, &keys[i]);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i].decoded);
	return unique;
}

static bool scan_value(struct json_scan *s);

static bool
scan_container(struct json_scan *s, char close, bool object)
{
	bool ok = true;
	struct scan_key *keys = NULL;
	size_t nkeys = 0, room = 0;

	if (++s->depth > JSON_MAX_DEPTH) {
		s->too_deep = true;
		return false;
	}
	s->p++;
	scan_space(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			const char *start = s->p;
			if (s->p >= s->end || *s->p != '"' || !scan_string(s)) {
				ok = false;
				break;
			}
			if (nkeys == room) {
				room = room ? room * 2 : 8;
				keys = realloc(keys, room * sizeof *keys);
				if (keys == NULL)
					abort();
			}
			scan_key_decode(&keys[nkeys++], start + 1, (size_t)(s->p - start - 2));
			scan_space(s);
			if (s->p >= s->end || *s->p != ':') {
				ok = false;
				break;
			}
			s->p++;
		}
		if (!scan_value(s)) {
			ok = false;
			break;
		}
		scan_space(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			scan_space(s);
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			break;
		}
		ok = false;
		break;
	}
	if (ok && nkeys > 1)
		ok = scan_keys_unique(s, keys, nkeys);
	else
		for (size_t i = 0; i < nkeys; i++)
			free(keys[i].decoded);
	free(keys);
	s->depth--;
	return ok;
}

static bool
scan_value(struct json_scan *s)
{
	scan_space(s);
	if (s->p >= s->end)
		return false;
	switch (*s->p) {
	case '{': return scan_container(s, '}', true);
	case '[': return scan_container(s, ']', false);
	case '"': return scan_string(s);
	case 't': return scan_literal(s, "true");
	case 'f': return scan_literal(s, "false");
	case 'n': return scan_literal(s, "null");
	default: return scan_number(s);
	}
}

/* json-c accepts NaN and Infinity even in strict mode. */
static bool
json_has_non_finite(struct json_object *obj)
{
	switch (json_object_get_type(obj)) {
	case json_type_double: return !isfinite(json_object_get_double(obj));
	case json_type_object: {
		json_object_object_foreach(obj, key, value)
		{
			(void)key;
			if (json_has_non_finite(value))
				return true;
		}
		return false;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(obj); i++)
			if (json_has_non_finite(json_object_array_get_idx(obj, i)))
				return true;
		return false;
	default: return false;
	}
}

struct json_object *
json_parse_input(const char *buf, size_t len, struct input_problem *problem)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error err;
	size_t end;

	problem->message = NULL;
	problem->key[0] = '\0';
	if (len == 0) {
		problem->message = "请求内容为空 (the request body is empty)";
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		problem->message = "请求内容含有 NUL 字节 (the body contains a NUL byte)";
		return NULL;
	}
	if (!utf8_valid(buf, len)) {
		problem->message = "请求内容不是有效的 UTF-8 (the body is not valid UTF-8)";
		return NULL;
	}
	{
		struct json_scan scan = {buf, buf + len, 0, false, false, ""};
		bool ok = scan_value(&scan);
		scan_space(&scan);
		if (scan.too_deep) {
			problem->message = "JSON 嵌套过深 (JSON nested too deeply)";
			return NULL;
		}
		if (scan.duplicate) {
			problem->message = "JSON 中有重复的键 (a key appears twice in an object)";
			memcpy(problem->key, scan.duplicate_key, sizeof problem->key);
			return NULL;
		}
		if (!ok || scan.p != scan.end) {
			problem->message = "JSON 格式错误 (malformed JSON)";
			return NULL;
		}
	}
	/* json-c counts the limit itself as too deep; the scanner above already enforced ours. */
	tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (err == json_tokener_error_depth) {
		json_object_put(obj);
		problem->message = "JSON 嵌套过深 (JSON nested too deeply)";
		return NULL;
	}
	if (obj == NULL || err != json_tokener_success) {
		json_object_put(obj);
		problem->message = "JSON 格式错误 (malformed JSON)";
		return NULL;
	}
	while (end < len && strchr(" \t\r\n", buf[end]) != NULL)
		end++;
	if (end != len) {
		json_object_put(obj);
		problem->message = "JSON 后面还有多余内容 (text after the JSON value)";
		return NULL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		problem->message = "需要一个 JSON 对象 (expected a JSON object)";
		return NULL;
	}
	if (json_has_non_finite(obj)) {
		json_object_put(obj);
		problem->message = "JSON 中不能有 NaN 或 Infinity (NaN and Infinity are not JSON)";
		return NULL;
	}
	return obj;
}

struct json_object *
json_parse_object(const char *buf, size_t len, const char **problem)
{
	struct input_problem p;
	struct json_object *obj = json_parse_input(buf, len, &p);

	*problem = p.message;
	return obj;
}

const char *
json_text(struct json_object *obj, size_t *len)
{
	return json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}
