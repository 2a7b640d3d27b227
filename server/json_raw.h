/* json_raw: JSON text that PostgreSQL already built, placed inside a json-c tree as it is.
 *
 * The rule for replies (docs/ARCHITECTURE.md): rows are turned into JSON by PostgreSQL
 * (json_build_object), everything the C code adds around them (list envelopes, errors, the actions
 * a user may take) is built with json-c; a json_raw node joins the two without re-parsing rows. */
#ifndef PAIDAN_JSON_RAW_H
#define PAIDAN_JSON_RAW_H

#include <json-c/json.h>
#include <stddef.h>

/* A node that serialises as exactly text[0..len) — which must be valid JSON (PostgreSQL's json
 * output). The text is copied; the node is owned by the caller like any json-c object. */
struct json_object *json_raw_new(const char *text, size_t len);

#endif
