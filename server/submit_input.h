/* submit_input: reading a 点单's SMS consent (orders_submit.c). */
#ifndef PAIDAN_SUBMIT_INPUT_H
#define PAIDAN_SUBMIT_INPUT_H

#include <json-c/json.h>
#include <stdbool.h>

#include "validate.h"

/* sms_consent: a JSON boolean, or a form checkbox (on/1/true); a bad value is added to errors. */
bool submit_consent_read(struct field_errors *errors, struct json_object *body, enum input_kind kind);

#endif
