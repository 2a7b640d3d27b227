/* submit_input: the SMS consent box of a 点单, a JSON boolean or a form checkbox. */
#include "submit_input.h"

#include <string.h>

/* sms_consent: the resident ticked "短信通知我" — a JSON boolean, or a form checkbox (on/1/true). */
bool
submit_consent_read(struct field_errors *errors, struct json_object *body, enum input_kind kind)
{
	struct json_object *v;
	bool consent = false;

	if (json_object_object_get_ex(body, "sms_consent", &v) && !json_object_is_type(v, json_type_null)) {
		if (kind == INPUT_FORM && json_object_is_type(v, json_type_string)) {
			const char *t = json_object_get_string(v);
			consent = strcmp(t, "on") == 0 || strcmp(t, "1") == 0 || strcmp(t, "true") == 0;
			if (!consent && t[0] != '\0' && strcmp(t, "0") != 0 && strcmp(t, "false") != 0)
				field_errors_add(errors, "sms_consent", "只能是勾选或不勾选 (a checkbox: on or off)");
		} else if (json_object_is_type(v, json_type_boolean)) {
			consent = json_object_get_boolean(v);
		} else {
			field_errors_add(errors, "sms_consent", "应为 true 或 false (must be true or false)");
		}
	}
	return consent;
}
