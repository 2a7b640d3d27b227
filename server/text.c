/* text: an evbuffer into a malloc'd string. */
#include "text.h"

#include <string.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "xalloc.h"

char *
text_take(struct evbuffer *buffer, size_t *len)
{
	size_t n = evbuffer_get_length(buffer);
	char *text = xmalloc(n + 1);

	evbuffer_remove(buffer, text, n);
	text[n] = '\0';
	evbuffer_free(buffer);
	if (len != NULL)
		*len = n;
	return text;
}

void
text_add(struct evbuffer *out, const char *text)
{
	evbuffer_add(out, text, strlen(text));
}

void
text_html_escape(struct evbuffer *out, const char *text)
{
	const char *run = text;

	if (text == NULL)
		return;
	for (const char *p = text;; p++) {
		const char *entity = NULL;
		switch (*p) {
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '&': entity = "&amp;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		case '\0': evbuffer_add(out, run, (size_t)(p - run)); return;
		default: continue;
		}
		evbuffer_add(out, run, (size_t)(p - run));
		text_add(out, entity);
		run = p + 1;
	}
}

const char *
text_field(struct json_object *obj, const char *name)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}
