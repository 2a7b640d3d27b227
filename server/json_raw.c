/* json_raw: a json-c string node with its own serializer that prints the text unquoted. */
#include "json_raw.h"

#include <json-c/printbuf.h>

static int
raw_to_json(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	(void)level;
	(void)flags;
	return printbuf_memappend(pb, json_object_get_string(jso), json_object_get_string_len(jso));
}

struct json_object *
json_raw_new(const char *text, size_t len)
{
	struct json_object *node = json_object_new_string_len(text, (int)len);

	json_object_set_serializer(node, raw_to_json, NULL, NULL);
	return node;
}
