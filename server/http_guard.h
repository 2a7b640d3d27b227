/* http_guard: every HTTP connection from accept to close, through a filter bufferevent that evhttp
 * is handed (evhttp_set_bevcb) — libevent 2.1 has no hook before it reads a request head.
 *
 * The filter holds a request head until it is complete and sound (http_framing), so evhttp never
 * parses half a head or a Content-Length it would misread; it enforces an absolute deadline for
 * the head and a minimum rate for the body, which the idle timeout (restarted by every byte) does
 * not; it counts connections exactly and, at the cap, closes the oldest connection still sending
 * its head or idle between requests before refusing anyone; and it answers in JSON (or HTML for a
 * browser that asked) where evhttp would send its own HTML error page. */
#ifndef PAIDAN_HTTP_GUARD_H
#define PAIDAN_HTTP_GUARD_H

#include <event2/event.h>
#include <event2/http.h>
#include <stdint.h>

struct http_guard_options {
	long max_connections;
	long header_timeout_s; /* from accept, or from the first byte of a later request */
	long min_body_rate; /* bytes per second, after a grace of header_timeout_s */
	int64_t max_body; /* a body larger than the request's allowance is refused with 413 before it is read */
	long max_header_bytes;
	/* The allowance of a request by its method and path as sent (not decoded): the route's own
	 * (router.h's body_limit), or max_body. NULL: max_body for every request. */
	int64_t (*body_allowance)(void *ctx, const char *method, size_t method_len, const char *path, size_t path_len);
	void *body_allowance_ctx;
};

struct http_guards;

/* Makes evhttp create each connection through the guard. Owned by the caller; free it after
 * evhttp_free (which closes every connection). */
struct http_guards *http_guards_new(struct event_base *base, struct evhttp *http, const struct http_guard_options *o);
void http_guards_free(struct http_guards *guards);

/* For /metrics. */
struct http_guard_stats {
	long open; /* connections now, counted from accept to close */
	long closing; /* of those, closed by the guard and not yet gone: they hold no place under the cap */
	unsigned long accepted;
	unsigned long evicted; /* closed at the cap to make room (head not complete, or idle) */
	unsigned long refused; /* at the cap with nothing to close: 503 */
	unsigned long head_timeouts;
	unsigned long body_timeouts;
	unsigned long refused_heads; /* 4xx answered by the guard before evhttp saw the head */
	unsigned long error_pages; /* evhttp's HTML error pages answered in JSON instead */
};
void http_guards_get_stats(const struct http_guards *guards, struct http_guard_stats *stats);

#endif
