/* http_input: what a handler reads from its request — headers, query, body, path parameters. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "api_error.h"
#include "form_input.h"
#include "http_engine.h"
#include "json_io.h"
#include "xalloc.h"

const char *
http_header(const struct request *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

void
http_set_header(struct request *r, const char *name, const char *value)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);

	evhttp_remove_header(out, name);
	evhttp_add_header(out, name, value);
}

const char *
http_body(struct request *r, size_t *len)
{
	if (r->body == NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
		r->body_len = evbuffer_get_length(in);
		r->body = xmalloc(r->body_len + 1);
		evbuffer_copyout(in, r->body, r->body_len);
		r->body[r->body_len] = '\0';
	}
	*len = r->body_len;
	return r->body;
}

const char *
http_query_param(struct request *r, const char *name)
{
	if (r->query == NULL) {
		const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
		r->query = xcalloc(1, sizeof *r->query);
		TAILQ_INIT(r->query);
		if (query != NULL && evhttp_parse_query_str(query, r->query) < 0)
			evhttp_clear_headers(r->query);
	}
	return evhttp_find_header(r->query, name);
}

bool
http_wants_html(const struct request *r)
{
	const char *accept = http_header(r, "Accept");

	return accept != NULL && strstr(accept, "text/html") != NULL;
}

const char *
http_path_param(const struct request *r, const char *name)
{
	return route_param(&r->match, name);
}

static bool
content_type_is(const char *header, const char *type)
{
	size_t n = strlen(type);

	return strncasecmp(header, type, n) == 0 && (header[n] == '\0' || header[n] == ';' || header[n] == ' ');
}

bool
http_content_type_is(const struct request *r, const char *type)
{
	const char *header = http_header(r, "Content-Type");

	return header != NULL && content_type_is(header, type);
}

struct json_object *
http_parse_body(struct request *r, bool allow_form, enum input_kind *kind)
{
	const char *type = http_header(r, "Content-Type");
	struct input_problem problem;
	struct json_object *obj, *fields = NULL;
	size_t len;
	const char *body = http_body(r, &len);

	*kind = INPUT_JSON;
	if (type != NULL && allow_form && content_type_is(type, "application/x-www-form-urlencoded")) {
		*kind = INPUT_FORM;
		obj = form_parse(body, len, &problem);
	} else if (type == NULL || content_type_is(type, "application/json")) {
		obj = json_parse_input(body, len, &problem);
	} else {
		api_error_reply(r, allow_form ? API_ERROR_MEDIA_TYPE_JSON_OR_FORM : API_ERROR_MEDIA_TYPE_JSON, NULL);
		return NULL;
	}
	if (obj != NULL)
		return obj;
	/* A key given twice is named, as a field to fix. */
	if (problem.key[0] != '\0') {
		fields = json_object_new_object();
		json_object_object_add(fields, problem.key, json_object_new_string("重复 (appears twice)"));
	}
	api_error_reply_message(r, API_ERROR_JSON_INVALID, problem.message, fields);
	return NULL;
}
