/* form_input: libevent decodes the pairs; every name and value is checked before it becomes JSON. */
#include "form_input.h"

#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

static void
show_key(char shown[JSON_KEY_SHOWN], const char *key)
{
	size_t len = strlen(key), n = len < JSON_KEY_SHOWN - 1 ? len : JSON_KEY_SHOWN - 1;

	while (n > 0 && n < len && ((unsigned char)key[n] & 0xC0) == 0x80)
		n--;
	memcpy(shown, key, n);
	shown[n] = '\0';
}

struct json_object *
form_parse(const char *body, size_t len, struct input_problem *problem)
{
	struct evkeyvalq fields;
	struct evkeyval *kv;
	struct json_object *obj;

	problem->message = NULL;
	problem->key[0] = '\0';
	/* Form values arrive percent-encoded; a decoded NUL would silently cut a C string. */
	if (!utf8_valid(body, len) || strstr(body, "%00") != NULL || strlen(body) != len) {
		problem->message = "表单内容无效 (the form data is not valid)";
		return NULL;
	}
	TAILQ_INIT(&fields);
	if (evhttp_parse_query_str(body, &fields) < 0) {
		evhttp_clear_headers(&fields);
		problem->message = "表单内容无效 (the form data is not valid)";
		return NULL;
	}
	obj = json_object_new_object();
	TAILQ_FOREACH(kv, &fields, next)
	{
		if (!utf8_valid(kv->value, strlen(kv->value)) || !utf8_valid(kv->key, strlen(kv->key))) {
			problem->message = "表单内容不是有效的 UTF-8 (the form data is not valid UTF-8)";
			break;
		}
		if (json_object_object_get_ex(obj, kv->key, NULL)) {
			problem->message = "表单中有重复的项 (a field appears twice in the form)";
			show_key(problem->key, kv->key);
			break;
		}
		json_object_object_add(obj, kv->key, json_object_new_string(kv->value));
	}
	evhttp_clear_headers(&fields);
	if (problem->message != NULL) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}
