/* json_io: strict parsing of untrusted JSON (depth, UTF-8, NUL, NaN, duplicate keys, trailing data). */
#ifndef PAIDAN_JSON_IO_H
#define PAIDAN_JSON_IO_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 16
/* Room for the key named in a problem (cut to whole UTF-8 characters). */
#define JSON_KEY_SHOWN 64

/* What is wrong with an untrusted body: a message for people (static), and the key at fault
 * when one is (a key that appears twice), else "". */
struct input_problem {
	const char *message;
	char key[JSON_KEY_SHOWN];
};

/* Parses exactly one JSON object from buf[0..len). Returns a new object the caller owns
 * (json_object_put), or NULL with *problem saying what is wrong with the text. Two equal keys
 * in one object (after decoding escapes) are refused: json-c would silently keep the last. */
struct json_object *json_parse_input(const char *buf, size_t len, struct input_problem *problem);

/* json_parse_input for callers that need only the message (static). */
struct json_object *json_parse_object(const char *buf, size_t len, const char **problem);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t len);

/* Number of code points in valid UTF-8 s[0..len). */
size_t utf8_length(const char *s, size_t len);

/* Serialises obj compactly without escaping '/' and with UTF-8 kept as is.
 * The string belongs to obj. */
const char *json_text(struct json_object *obj, size_t *len);

#endif
