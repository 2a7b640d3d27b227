/* fuzz_request_body: every byte string a client may send as a 点单 body goes through the same
 * parsing and validation as in orders_submit.c; nothing may crash, leak or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_io.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *problem = NULL, *text;
	struct json_object *obj = json_parse_object((const char *)data, size, &problem);
	struct field_errors errors;
	size_t len;
	int64_t id;
	char phone[16], masked[16];
	int hundredths;

	if (obj == NULL)
		return 0;
	field_errors_init(&errors);
	validate_id(&errors, obj, "community_id", INPUT_JSON, &id);
	validate_id(&errors, obj, "category_id", INPUT_FORM, &id);
	validate_text(&errors, obj, "description", 1, 2000, TEXT_MULTI_LINE, &text, &len);
	if (validate_text(&errors, obj, "contact_phone", 1, 30, TEXT_SINGLE_LINE, &text, &len) &&
	    phone_normalize(text, len, phone))
		phone_mask(phone, masked);
	if (validate_text(&errors, obj, "hours", 1, 10, TEXT_SINGLE_LINE, &text, &len)) {
		char *copy = strndup(text, len);
		parse_hours(copy, &hundredths);
		free(copy);
	}
	json_object_put(field_errors_take(&errors));
	field_errors_free(&errors);
	json_object_put(obj);
	return 0;
}
