/* http_guard: one filter per connection; each connection is in one phase, moved only by guard_set_phase. */
#include "http_guard.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <json-c/json.h>

#include "http_framing.h"
#include "log.h"
#include "xalloc.h"

/* After answering by itself, the guard lets the answer reach the client before it closes. */
#define LINGER_MS 1000
/* How often a connection whose request was answered looks for a pipelined request (and how long). */
#define KICK_MS 2
#define KICK_TRIES 50

enum guard_phase {
	PHASE_HEAD, /* waiting for (the rest of) a request head, under the head deadline */
	PHASE_BODY, /* passing a request body on, at no less than the minimum rate */
	PHASE_BUSY, /* the request is evhttp's: the handler runs or the answer goes out */
	PHASE_IDLE, /* keep-alive between requests */
	PHASE_CLOSING, /* answered by the guard, closing */
};
static const char *phase_names[] = {"head", "body", "busy", "idle", "closing"};
_Static_assert(sizeof phase_names / sizeof phase_names[0] == PHASE_CLOSING + 1, "phase_names matches enum guard_phase");

enum out_phase { OUT_HEAD, OUT_LENGTH, OUT_CHUNKED, OUT_DISCARD, OUT_RAW };

struct guard {
	struct guard *prev, *next; /* in accept order: the oldest first */
	struct http_guards *owner;
	struct bufferevent *filter, *underlying;
	struct event *timer;
	enum guard_phase phase;
	bool refused; /* accepted over the cap with nothing to close: answer 503 and close */
	int kicks;
	long long head_started_ms, body_started_ms;
	uint64_t body_left, body_received;
	struct chunked_reader in_chunks;
	struct http_request_head request;
	enum out_phase out_phase;
	uint64_t out_left;
	size_t out_ready; /* bytes at the front of the output already read, to be written as they are */
	struct chunked_reader out_chunks;
	/* The guard writes to the socket itself: evhttp frees a connection as soon as the filter's
	 * output is empty, which must mean "in the kernel", not "in the underlying buffer". */
	struct event *writable;
	int fd;
	/* Output is written only from guard_writable_cb: written at once from inside evhttp's own
	 * evbuffer_add, the filter would call evhttp back before evhttp has set what to do next. */
	bool flushing;
	bool dead; /* evhttp closed the connection while the guard was flushing: freed after */
};

struct http_guards {
	struct event_base *base;
	struct http_guard_options options;
	struct guard *oldest, *newest;
	struct http_guard_stats stats;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
timer_in(struct guard *g, long long ms)
{
	struct timeval tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(g->timer, &tv);
}

/* The only place a connection changes phase; each phase's timer is set here. */
static void
guard_set_phase(struct guard *g, enum guard_phase next)
{
	long long now = now_ms();

	log_debug("connection phase", "from", phase_names[g->phase], "to", phase_names[next]);
	if (next == PHASE_CLOSING && g->phase != PHASE_CLOSING)
		g->owner->stats.closing++;
	g->phase = next;
	evtimer_del(g->timer);
	switch (next) {
	case PHASE_HEAD:
		g->head_started_ms = now;
		timer_in(g, g->owner->options.header_timeout_s * 1000);
		break;
	case PHASE_BODY:
		g->body_started_ms = now;
		g->body_received = 0;
		timer_in(g, g->owner->options.header_timeout_s * 1000);
		break;
	case PHASE_CLOSING: timer_in(g, LINGER_MS); break;
	case PHASE_IDLE:
		/* A request that came with the last one (pipelined) waits in the socket's buffer: look for it. */
		g->kicks = 0;
		if (evbuffer_get_length(bufferevent_get_input(g->underlying)) > 0)
			timer_in(g, KICK_MS);
		break;
	case PHASE_BUSY: break;
	}
}

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

/* Makes evhttp drop the connection (as if the client had hung up), outside the current callback. */
static void
guard_close_now(struct guard *g)
{
	if (g->phase != PHASE_CLOSING)
		g->owner->stats.closing++;
	g->phase = PHASE_CLOSING;
	evtimer_del(g->timer);
	bufferevent_trigger_event(g->filter, BEV_EVENT_EOF | BEV_EVENT_READING, BEV_TRIG_DEFER_CALLBACKS);
}

/* Answers on the socket itself (evhttp has not seen this request) and closes soon after. */
static void
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

static void
guard_refuse_head(struct guard *g, const struct http_refusal *refusal)
{
	g->owner->stats.refused_heads++;
	guard_answer(g, refusal->status, refusal->code, refusal->message, refusal->field, NULL);
}

static void guard_writable_cb(evutil_socket_t fd, short what, void *arg);
static void guard_destroy(struct guard *g);

/* The socket is known once evhttp has set it, before any byte is read or written. */
static void
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

/* Passes a complete, sound head on to evhttp; false when it is not complete yet or was refused. */
static bool
take_head(struct guard *g, struct evbuffer *src, struct evbuffer *dst)
{
	const struct http_guard_options *o = &g->owner->options;
	size_t limit = (size_t)o->max_header_bytes * 2 + 8192;
	size_t len = evbuffer_get_length(src), n = len < limit + 4 ? len : limit + 4, skip, end;
	const char *p = (const char *)evbuffer_pullup(src, (ev_ssize_t)n);
	struct http_refusal refusal;

	end = http_head_end(p, n, &skip);
	if (end == 0 ? n - skip > limit : end - skip > limit) {
		struct http_refusal too_big = {
		    431, "header_too_large", "请求头太大 (the request head is too large)", NULL};
		guard_refuse_head(g, &too_big);
		return false;
	}
	if (end == 0)
		return false;
	if (!http_request_head_check(p + skip, end - skip, o->max_body, &g->request, &refusal)) {
		guard_refuse_head(g, &refusal);
		return false;
	}
	evbuffer_drain(src, skip);
	evbuffer_remove_buffer(src, dst, end - skip);
	if (g->request.chunked) {
		chunked_reader_init(&g->in_chunks, (uint64_t)o->max_body + 1);
		guard_set_phase(g, PHASE_BODY);
	} else if (g->request.content_length > 0) {
		g->body_left = (uint64_t)g->request.content_length;
		guard_set_phase(g, PHASE_BODY);
	} else {
		guard_set_phase(g, PHASE_BUSY);
	}
	return true;
}

static void
emit_to(void *ctx, const char *p, size_t n)
{
	evbuffer_add(ctx, p, n);
}

/* Feeds what src holds to a chunked reader without copying it first; returns the bytes taken. */
static size_t
feed_chunks(struct chunked_reader *c, struct evbuffer *src, void (*emit)(void *, const char *, size_t), void *ctx)
{
	struct evbuffer_iovec vec[16];
	int n = evbuffer_peek(src, -1, NULL, vec, 16);
	size_t taken = 0;

	for (int i = 0; i < n && i < 16; i++) {
		size_t took = chunked_reader_feed(c, vec[i].iov_base, vec[i].iov_len, emit, ctx);
		taken += took;
		if (took < vec[i].iov_len)
			break;
	}
	return taken;
}

static void
take_body(struct guard *g, struct evbuffer *src, struct evbuffer *dst)
{
	size_t len = evbuffer_get_length(src);

	if (!g->request.chunked) {
		size_t n = (uint64_t)len < g->body_left ? len : (size_t)g->body_left;
		evbuffer_remove_buffer(src, dst, n);
		g->body_left -= n;
		g->body_received += n;
		if (g->body_left == 0)
			guard_set_phase(g, PHASE_BUSY);
		return;
	}
	len = feed_chunks(&g->in_chunks, src, emit_to, dst);
	evbuffer_drain(src, len);
	g->body_received += len;
	if (g->in_chunks.state == CHUNKED_DONE) {
		guard_set_phase(g, PHASE_BUSY);
	} else if (g->in_chunks.state == CHUNKED_ERROR) {
		struct http_refusal bad = {400, "bad_request", "分块编码格式错误 (malformed chunked body)", NULL};
		struct http_refusal big = {
		    413, "payload_too_large", "请求内容太大 (the request body is too large)", NULL};
		guard_refuse_head(g, g->in_chunks.too_large ? &big : &bad);
	}
}

static enum bufferevent_filter_result
guard_input(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit, enum bufferevent_flush_mode mode, void *ctx)
{
	struct guard *g = ctx;
	bool moved = false;

	(void)limit;
	(void)mode;
	if (g->writable == NULL)
		guard_socket_known(g);
	while (evbuffer_get_length(src) > 0) {
		switch (g->phase) {
		case PHASE_CLOSING: evbuffer_drain(src, evbuffer_get_length(src)); return BEV_NEED_MORE;
		case PHASE_BUSY: return moved ? BEV_OK : BEV_NEED_MORE; /* the next request waits its turn */
		case PHASE_IDLE: guard_set_phase(g, PHASE_HEAD); continue;
		case PHASE_HEAD:
			if (g->refused || !take_head(g, src, dst))
				return moved ? BEV_OK : BEV_NEED_MORE;
			moved = true;
			continue;
		case PHASE_BODY: {
			size_t before = evbuffer_get_length(src);
			take_body(g, src, dst);
			if (evbuffer_get_length(src) == before)
				return moved ? BEV_OK : BEV_NEED_MORE;
			moved = true;
			continue;
		}
		}
	}
	return moved ? BEV_OK : BEV_NEED_MORE;
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
			g->out_left = (uint64_t)head.content_length;
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
		g->out_ready = feed_chunks(&g->out_chunks, src, NULL, NULL);
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
static enum bufferevent_filter_result
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

static void
output_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct guard *g = arg;

	(void)buf;
	if (info->n_added > 0 && g->writable != NULL && !event_pending(g->writable, EV_WRITE, NULL))
		event_active(g->writable, EV_WRITE, 1);
}

static void
guard_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard *g = arg;
	const struct http_guard_options *o = &g->owner->options;
	long long now = now_ms(), deadline;

	(void)fd;
	(void)what;
	switch (g->phase) {
	case PHASE_HEAD:
		if (g->refused) {
			guard_answer(g, 503, "busy", "连接太多，请稍后再试 (too many connections; try again shortly)",
			    NULL, "2");
			return;
		}
		g->owner->stats.head_timeouts++;
		guard_answer(g, 408, "request_timeout", "请求头发送超时 (the request head took too long)", NULL, NULL);
		return;
	case PHASE_BODY:
		/* The body may come slowly, but on average no slower than the minimum rate after the grace. */
		deadline = g->body_started_ms + o->header_timeout_s * 1000 +
		    (long long)(g->body_received * 1000 / (uint64_t)o->min_body_rate);
		if (now < deadline) {
			timer_in(g, deadline - now + 1);
			return;
		}
		g->owner->stats.body_timeouts++;
		guard_answer(
		    g, 408, "request_timeout", "请求内容发送太慢 (the request body came too slowly)", NULL, NULL);
		return;
	case PHASE_CLOSING: guard_close_now(g); return;
	case PHASE_IDLE:
		/* Look again at a pipelined request once evhttp reads again. */
		bufferevent_flush(g->filter, EV_READ, BEV_NORMAL);
		if (evbuffer_get_length(bufferevent_get_input(g->filter)) > 0)
			bufferevent_trigger(g->filter, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
		else if (evbuffer_get_length(bufferevent_get_input(g->underlying)) > 0 && ++g->kicks < KICK_TRIES)
			timer_in(g, KICK_MS);
		return;
	case PHASE_BUSY: return;
	}
}

static void
guard_unlink(struct guard *g)
{
	struct http_guards *gs = g->owner;

	if (g->prev)
		g->prev->next = g->next;
	else
		gs->oldest = g->next;
	if (g->next)
		g->next->prev = g->prev;
	else
		gs->newest = g->prev;
	gs->stats.open--;
	if (g->phase == PHASE_CLOSING)
		gs->stats.closing--;
}

static void
guard_destroy(struct guard *g)
{
	event_free(g->timer);
	if (g->writable != NULL)
		event_free(g->writable);
	free(g);
}

/* The filter is being freed (evhttp closed the connection): the exact end of the connection. */
static void
guard_free(void *ctx)
{
	struct guard *g = ctx;

	guard_unlink(g);
	if (g->flushing)
		g->dead = true;
	else
		guard_destroy(g);
}

/* At the cap: the oldest connection still sending its head, or idle between requests. */
static struct guard *
eviction_victim(struct http_guards *gs, const struct guard *except)
{
	for (struct guard *g = gs->oldest; g != NULL; g = g->next)
		if (g != except && ((g->phase == PHASE_HEAD && !g->refused) || g->phase == PHASE_IDLE))
			return g;
	return NULL;
}

static struct bufferevent *
guard_new_connection(struct event_base *base, void *arg)
{
	struct http_guards *gs = arg;
	struct guard *g = xcalloc(1, sizeof *g);

	g->owner = gs;
	g->underlying = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	/* While evhttp handles a request the socket is not read; this bounds what waits meanwhile. */
	bufferevent_setwatermark(g->underlying, EV_READ, 0, (size_t)gs->options.max_header_bytes * 2 + 8192 + 65536);
	g->filter =
	    bufferevent_filter_new(g->underlying, guard_input, guard_output, BEV_OPT_CLOSE_ON_FREE, guard_free, g);
	g->timer = evtimer_new(base, guard_timer_cb, g);
	g->fd = -1;
	evbuffer_add_cb(bufferevent_get_output(g->filter), output_added, g);
	g->prev = gs->newest;
	if (gs->newest)
		gs->newest->next = g;
	else
		gs->oldest = g;
	gs->newest = g;
	gs->stats.open++;
	gs->stats.accepted++;
	g->request.content_length = -1;
	guard_set_phase(g, PHASE_HEAD);
	/* Connections already closing are counted until their close, but no longer hold a place. */
	if (gs->stats.open - gs->stats.closing > gs->options.max_connections) {
		struct guard *victim = eviction_victim(gs, g);
		if (victim != NULL) {
			gs->stats.evicted++;
			guard_close_now(victim);
		} else {
			gs->stats.refused++;
			g->refused = true;
			timer_in(g, 0);
		}
	}
	return g->filter;
}

struct http_guards *
http_guards_new(struct event_base *base, struct evhttp *http, const struct http_guard_options *o)
{
	struct http_guards *gs = xcalloc(1, sizeof *gs);

	gs->base = base;
	gs->options = *o;
	if (gs->options.min_body_rate < 1)
		gs->options.min_body_rate = 1;
	evhttp_set_bevcb(http, guard_new_connection, gs);
	return gs;
}

void
http_guards_free(struct http_guards *gs)
{
	free(gs);
}

void
http_guards_get_stats(const struct http_guards *gs, struct http_guard_stats *stats)
{
	*stats = gs->stats;
}
