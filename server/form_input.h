/* form_input: urlencoded form bodies (the resident form without JavaScript) as JSON objects. */
#ifndef PAIDAN_FORM_INPUT_H
#define PAIDAN_FORM_INPUT_H

#include <json-c/json.h>
#include <stddef.h>

#include "json_io.h"

/* Parses body[0..len) (application/x-www-form-urlencoded) into a new object of strings that the
 * caller owns, or returns NULL with *problem set: not UTF-8, a NUL (raw or %00), or a name that
 * appears twice (named in problem->key; a later value would otherwise silently win). */
struct json_object *form_parse(const char *body, size_t len, struct input_problem *problem);

#endif
