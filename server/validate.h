/* validate: typed, bounded reads of request fields, collecting one message per bad field. */
#ifndef PAIDAN_VALIDATE_H
#define PAIDAN_VALIDATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Field name → message; empty when the input is fine. */
struct field_errors {
	struct json_object *fields;
};

/* Starts an empty collection; free it with field_errors_free. */
void field_errors_init(struct field_errors *errors);
void field_errors_free(struct field_errors *errors);
/* Records a message for field (the first message per field wins). */
void field_errors_add(struct field_errors *errors, const char *field, const char *message);
bool field_errors_any(const struct field_errors *errors);
/* Hands the fields object to the caller (who then owns it); the collection is left empty. */
struct json_object *field_errors_take(struct field_errors *errors);

/* Where a value came from: form posts carry every value as a string. */
enum input_kind { INPUT_JSON, INPUT_FORM };

#define TEXT_SINGLE_LINE 0
#define TEXT_MULTI_LINE 1

/* Reads a string field of min_chars..max_chars code points (after trimming
 * spaces at both ends). Missing or empty with min_chars == 0 yields "".
 * *out points into obj (valid while obj lives) or to "". Returns false and
 * records the reason when it is missing, not a string, too short or long, or
 * holds NUL or control characters (newlines and tabs only in multi-line text).
 * The trimmed length in bytes goes to *out_len. */
bool validate_text(struct field_errors *errors, struct json_object *obj, const char *field, size_t min_chars,
    size_t max_chars, int lines, const char **out, size_t *out_len);

/* Reads a required positive id (1..2^53): a JSON integer, or for form input a
 * string of digits. */
bool validate_id(
    struct field_errors *errors, struct json_object *obj, const char *field, enum input_kind kind, int64_t *out);

/* An Idempotency-Key header: 1 to IDEMPOTENCY_KEY_MAX visible ASCII characters. */
#define IDEMPOTENCY_KEY_MAX 255
bool idempotency_key_valid(const char *key);

/* Parses a positive decimal id from text (path parameter): 1..2^53, digits only. */
bool parse_id(const char *text, int64_t *out);

/* Normalises a Chinese phone number: spaces and dashes dropped, +86 / 0086
 * prefix removed; a mobile (1[3-9] + 9 digits) or a landline with area code
 * (0 + 9..11 digits). Writes digits to out (size >= 16); false if impossible. */
bool phone_normalize(const char *text, size_t len, char out[16]);

/* Masks a normalised phone for display: 139****5678. out size >= 16. */
void phone_mask(const char *phone, char out[16]);

/* Service hours as exact hundredths: "2", "2.5", "2.25" → 200, 250, 225. At
 * most two decimals, more than 0 and at most 24. No floating point anywhere. */
bool parse_hours(const char *text, int *hundredths);

/* Writes hundredths as a decimal with two places ("2.50"); out size >= 16. */
void format_hours(int hundredths, char out[16]);

/* Reads a required hours value: a JSON number (its original text) or a string. */
bool validate_hours(struct field_errors *errors, struct json_object *value, const char *field, int *hundredths);

#endif
