/* http_guard_output: what goes out on a guarded connection — the guard's own answers, evhttp's
 * output read response by response (its HTML error pages replaced), written to the socket directly. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <json-c/json.h>

#include "http_framing.h"
#include "http_guard_internal.h"

static void guard_writable_cb(evutil_socket_t fd, short what, void *arg);

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Payload Too Large";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* An answer of the guard's own: the API's JSON error shape, or a small page for a browser. */
static void
compose_answer(const struct guard *g, int status, const char *code, const char *message, const char *field,
    const char *retry_after, struct evbuffer *out)
{
	struct evbuffer *body = evbuffer_new();
	const char *type;

	if (g->request.wants_html) {
		type = "text/html; charset=utf-8";
		evbuffer_add_printf(body,
		    "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>%d</title>"
		    "<h1>%d %s</h1><p>%s</p></html>\n",
		    status, status, reason_phrase(status), message);
	} else {
		struct json_object *error = json_object_new_object(), *top = json_object_new_object();
		type = "application/json; charset=utf-8";
		json_object_object_add(error, "code", json_object_new_string(code));
		json_object_object_add(error, "message", json_object_new_string(message));
		if (field != NULL) {
			struct json_object *fields = json_object_new_object();
			json_object_object_add(fields, field, json_object_new_string("无效 (invalid)"));
			json_object_object_add(error, "fields", fields);
		}
		json_object_object_add(top, "error", error);
		evbuffer_add_printf(body, "%s",
		    json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(top);
	}
	evbuffer_add_printf(out,
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
	    status, reason_phrase(status), type, evbuffer_get_length(body));
	if (retry_after != NULL)
		evbuffer_add_printf(out, "Retry-After: %s\r\n", retry_after);
	evbuffer_add(out, "\r\n", 2);
	evbuffer_add_buffer(out, body);
	evbuffer_free(body);
}

/* Answers on the socket itself (evhttp has not seen this request) and closes soon after. */
void
guard_answer(
    struct guard *g, int status, const char *code, const char *message, const char *field, const char *retry_after)
{
	if (g->fd >= 0 && evbuffer_get_length(bufferevent_get_output(g->filter)) == 0) {
		struct evbuffer *out = evbuffer_new();
		compose_answer(g, status, code, message, field, retry_after, out);
		/* A few hundred bytes on a socket with nothing queued: the kernel takes them at once. */
		evbuffer_write(out, g->fd);
		evbuffer_free(out);
	}
	guard_set_phase(g, PHASE_CLOSING);
}

/* The socket is known once evhttp has set it, before any byte is read or written. */
void
guard_socket_known(struct guard *g)
{
	int one = 1;

	g->fd = bufferevent_getfd(g->underlying);
	if (g->fd < 0)
		return;
	/* Replies end with a short segment: without this it waits for the client's delayed ACK. */
	setsockopt(g->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	g->writable = event_new(g->owner->base, g->fd, EV_WRITE, guard_writable_cb, g);
}

/* evhttp's own error page (HTML, whatever the client asked for): the same status in our shape. */
static void
replace_error_page(struct guard *g, int status, struct evbuffer *dst)
{
	const char *code = "bad_request", *message = "请求格式错误 (malformed request)";

	switch (status) {
	case 413:
		code = "payload_too_large";
		message = "请求内容太大 (the request is too large)";
		break;
	case 405:
	case 501:
		code = "method_not_allowed";
		message = "不支持该请求方法 (method not supported)";
		break;
	case 417:
		code = "expectation_failed";
		message = "只支持 Expect: 100-continue (only 100-continue)";
		break;
	case 505:
		code = "http_version_not_supported";
		message = "不支持该 HTTP 版本 (HTTP version not supported)";
		break;
	default: break;
	}
	g->owner->stats.error_pages++;
	compose_answer(g, status, code, message, NULL, NULL, dst);
}

static void
response_done(struct guard *g)
{
	g->out_phase = OUT_HEAD;
	if (g->phase == PHASE_BUSY)
		guard_set_phase(g, PHASE_IDLE);
}

/* Reads the next part of our own output: a head (evhttp's error pages are replaced here), a body
 * by its length or chunk by chunk. Sets out_ready to the bytes that may go out as they are;
 * false when more output must come first. */
static bool
classify_output(struct guard *g, struct evbuffer *src)
{
	size_t len = evbuffer_get_length(src);

	switch (g->out_phase) {
	case OUT_HEAD: {
		struct evbuffer_ptr at = evbuffer_search(src, "\r\n\r\n", 4, NULL);
		struct http_response_head head;
		size_t end;
		const char *p;
		if (at.pos < 0)
			return false;
		end = (size_t)at.pos + 4;
		p = (const char *)evbuffer_pullup(src, (ev_ssize_t)end);
		g->out_ready = end;
		if (!http_response_head_parse(p, end, &head)) {
			g->out_phase = OUT_RAW;
			return true;
		}
		if (head.libevent_error_page) {
			struct evbuffer *page = evbuffer_new();
			g->out_ready = 0;
			evbuffer_drain(src, end);
			replace_error_page(g, head.status, page);
			evbuffer_write(page, g->fd);
			evbuffer_free(page);
			g->out_left = head.content_length > 0 ? (uint64_t)head.content_length : 0;
			g->out_phase = OUT_DISCARD;
			return true;
		}
		if (head.status < 200)
			return true; /* 100 Continue: the answer follows */
		if (g->request.method_head || head.status == 204 || head.status == 304 ||
		    (!head.chunked && head.content_length == 0)) {
			response_done(g);
		} else if (head.chunked) {
			chunked_reader_init(&g->out_chunks, UINT64_MAX);
			g->out_phase = OUT_CHUNKED;
		} else if (head.content_length > 0) {
			/* The head and what is here of the body go out in one write (one segment for a
			 * small reply, where two writes cost the client a second wake-up). */
			size_t body = len - end;
			if ((uint64_t)body > (uint64_t)head.content_length)
				body = (size_t)head.content_length;
			g->out_ready = end + body;
			g->out_left = (uint64_t)head.content_length - body;
			if (g->out_left == 0)
				response_done(g);
			else
				g->out_phase = OUT_LENGTH;
		} else {
			g->out_phase = OUT_RAW;
		}
		return true;
	}
	case OUT_LENGTH:
		g->out_ready = (uint64_t)len < g->out_left ? len : (size_t)g->out_left;
		g->out_left -= g->out_ready;
		if (g->out_left == 0)
			response_done(g);
		return true;
	case OUT_DISCARD: {
		size_t n = (uint64_t)len < g->out_left ? len : (size_t)g->out_left;
		evbuffer_drain(src, n);
		g->out_left -= n;
		if (g->out_left == 0)
			g->out_phase = OUT_HEAD;
		return n > 0;
	}
	case OUT_CHUNKED:
		g->out_ready = guard_feed_chunks(&g->out_chunks, src, NULL, NULL);
		if (g->out_chunks.state == CHUNKED_DONE)
			response_done(g);
		else if (g->out_chunks.state == CHUNKED_ERROR)
			g->out_phase = OUT_RAW;
		return g->out_ready > 0 || g->out_phase == OUT_RAW;
	case OUT_RAW: g->out_ready = len; return true;
	}
	return false;
}

/* Writes what evhttp gives the filter straight to the socket; what the socket does not take stays
 * in the filter's output (so evhttp does not close yet) until the socket is writable again. */
enum bufferevent_filter_result
guard_output(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit, enum bufferevent_flush_mode mode, void *ctx)
{
	struct guard *g = ctx;
	bool wrote = false;

	(void)dst;
	(void)limit;
	(void)mode;
	if (g->writable == NULL)
		guard_socket_known(g);
	if (!g->flushing) {
		if (g->writable != NULL && !event_pending(g->writable, EV_WRITE, NULL))
			event_active(g->writable, EV_WRITE, 1);
		return BEV_NEED_MORE;
	}
	while (evbuffer_get_length(src) > 0) {
		int n;
		if (g->out_ready == 0) {
			if (!classify_output(g, src))
				break;
			wrote = true;
			continue;
		}
		n = evbuffer_write_atmost(src, g->fd, (ev_ssize_t)g->out_ready);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			/* The client is gone: what is left will never be read. */
			evbuffer_drain(src, evbuffer_get_length(src));
			g->out_ready = 0;
			bufferevent_trigger_event(
			    g->filter, BEV_EVENT_ERROR | BEV_EVENT_WRITING, BEV_TRIG_DEFER_CALLBACKS);
			return BEV_OK;
		}
		if (n > 0) {
			g->out_ready -= (size_t)n;
			wrote = true;
		}
		if (g->out_ready > 0) {
			event_add(g->writable, NULL);
			break;
		}
	}
	return wrote ? BEV_OK : BEV_NEED_MORE;
}

/* The socket takes more, or evhttp added output while the filter's writing was off (libevent 2.1
 * does not look at it again when writing is turned back on): pass it on now. */
static void
guard_writable_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard *g = arg;

	(void)fd;
	(void)what;
	g->flushing = true;
	bufferevent_flush(g->filter, EV_WRITE, BEV_FLUSH);
	g->flushing = false;
	if (g->dead) {
		guard_destroy(g);
		return;
	}
	/* All out: the filter's write timeout (libevent 2.1 runs it whenever writing is on, output or
	 * not) must not close a quiet live-update stream. evhttp turns writing on with its next write. */
	if (evbuffer_get_length(bufferevent_get_output(g->filter)) == 0)
		bufferevent_disable(g->filter, EV_WRITE);
}

void
guard_output_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct guard *g = arg;

	(void)buf;
	if (info->n_added > 0 && g->writable != NULL && !event_pending(g->writable, EV_WRITE, NULL))
		event_active(g->writable, EV_WRITE, 1);
}
