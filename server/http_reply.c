/* http_reply: every reply leaves through here — common headers, HEAD without a body, the
 * access-log line, and the request freed once, after its last use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "http_engine.h"
#include "json_io.h"
#include "log.h"
#include "metrics.h"

static const char *
method_name(unsigned method)
{
	switch (method) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static void
reply_written(struct evhttp_request *req, void *arg)
{
	struct http_server *server = arg;

	(void)req;
	server->in_flight--;
}

static void
log_request(struct request *r, int status, size_t bytes)
{
	char status_text[8], ms_text[24], bytes_text[24], path[512];

	if (r->server->redact_path != NULL)
		r->server->redact_path(r->path ? r->path : "?", path, sizeof path);
	else
		snprintf(path, sizeof path, "%s", r->path ? r->path : "?");
	snprintf(status_text, sizeof status_text, "%d", status);
	snprintf(ms_text, sizeof ms_text, "%.1f", (double)(http_now_us() - r->started_us) / 1000.0);
	snprintf(bytes_text, sizeof bytes_text, "%zu", bytes);
	log_info("request", "method", method_name(r->method), "path", path, "status", status_text, "ms", ms_text,
	    "bytes", bytes_text, "request_id", r->id);
	metrics_request(r->match.route, r->method, status, http_now_us() - r->started_us, r->stream_status != 0);
}

/* Headers every reply carries, and the in-flight count kept until the reply is written. */
static void
prepare_reply(struct request *r, const char *content_type)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	struct http_server *server = r->server;

	if (content_type != NULL)
		evhttp_add_header(out, "Content-Type", content_type);
	evhttp_add_header(out, "X-Request-Id", r->id);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	/* No inline script anywhere, no framing, no referrer (tracking links carry the resident key). */
	evhttp_add_header(out, "Content-Security-Policy",
	    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
	    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
	if (evhttp_find_header(out, "Cache-Control") == NULL)
		evhttp_add_header(out, "Cache-Control", "no-store");
	if (server->draining)
		evhttp_add_header(out, "Connection", "close");
	/* A request counts as in flight until its reply is written out, so a shutdown waits for it;
	 * when the client is already gone libevent frees the request at once and never completes it. */
	if (evhttp_request_get_connection(r->req) != NULL)
		evhttp_request_set_on_complete_cb(r->req, reply_written, server);
	else
		server->in_flight--;
}

/* Sends the reply, writes the access-log line, frees r. */
static void
send_reply(struct request *r, int status, const char *content_type, struct evbuffer *body)
{
	size_t bytes = body ? evbuffer_get_length(body) : 0; /* sending drains the buffer */

	prepare_reply(r, content_type);
	/* evhttp 2.1 would send the body after a HEAD's headers: send only its length. */
	if (r->method == EVHTTP_REQ_HEAD && body != NULL) {
		char length[24];
		snprintf(length, sizeof length, "%zu", bytes);
		http_set_header(r, "Content-Length", length);
		body = NULL;
	}
	evhttp_send_reply(r->req, status, reason_phrase(status), body);
	log_request(r, status, bytes);
	http_request_free(r);
}

void
http_stream_start(struct request *r, int status, const char *content_type)
{
	prepare_reply(r, content_type);
	r->stream_status = status;
	metrics_stream_opened();
	evhttp_send_reply_start(r->req, status, reason_phrase(status));
}

void
http_stream_chunk(struct request *r, const char *data, size_t len)
{
	struct evbuffer *buf;

	if (len == 0)
		return;
	buf = evbuffer_new();
	evbuffer_add(buf, data, len);
	evhttp_send_reply_chunk(r->req, buf);
	evbuffer_free(buf);
	r->stream_bytes += len;
}

void
http_stream_chunk_buffer(struct request *r, struct evbuffer *buf)
{
	size_t len = evbuffer_get_length(buf);

	if (len == 0)
		return;
	evhttp_send_reply_chunk(r->req, buf); /* moves the data, unless the connection is gone */
	evbuffer_drain(buf, evbuffer_get_length(buf));
	r->stream_bytes += len;
}

bool
http_stream_client_gone(const struct request *r)
{
	return evhttp_request_get_connection(r->req) == NULL;
}

void
http_stream_end(struct request *r)
{
	/* A client gone mid-stream never completes the request: count it out here. */
	if (evhttp_request_get_connection(r->req) == NULL)
		r->server->in_flight--;
	evhttp_send_reply_end(r->req);
	log_request(r, r->stream_status, r->stream_bytes);
	http_request_free(r);
}

void
http_reply_text(struct request *r, int status, const char *content_type, const char *text, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evbuffer_add(buf, text, len);
	send_reply(r, status, content_type, buf);
	evbuffer_free(buf);
}

void
http_reply_json_text(struct request *r, int status, const char *text, size_t len)
{
	http_reply_text(r, status, "application/json; charset=utf-8", text, len);
}

void
http_reply_json(struct request *r, int status, struct json_object *body)
{
	size_t len;
	const char *text = json_text(body, &len);

	http_reply_json_text(r, status, text, len);
	json_object_put(body);
}

void
http_reply_html(struct request *r, int status, const char *html, size_t len)
{
	http_reply_text(r, status, "text/html; charset=utf-8", html, len);
}

void
http_reply_file(struct request *r, int status, int fd, size_t size, const char *content_type)
{
	struct evbuffer *buf = evbuffer_new();

	if (size > 0)
		evbuffer_add_file(buf, fd, 0, (ev_off_t)size);
	else
		close(fd);
	send_reply(r, status, content_type, buf);
	evbuffer_free(buf);
}

void
http_reply_empty(struct request *r, int status)
{
	send_reply(r, status, NULL, NULL);
}

struct json_object *
http_error_body(const char *code, const char *message, struct json_object *fields)
{
	struct json_object *error = json_object_new_object(), *body = json_object_new_object();

	json_object_object_add(error, "code", json_object_new_string(code));
	json_object_object_add(error, "message", json_object_new_string(message));
	if (fields != NULL)
		json_object_object_add(error, "fields", fields);
	json_object_object_add(body, "error", error);
	return body;
}
