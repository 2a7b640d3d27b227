/* http_guard_internal: what http_guard.c (connections, their phases, the input side) and
 * http_guard_output.c (the output side and the guard's own answers) share. Private to those two. */
#ifndef PAIDAN_HTTP_GUARD_INTERNAL_H
#define PAIDAN_HTTP_GUARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

#include "http_framing.h"
#include "http_guard.h"

enum guard_phase {
	PHASE_HEAD, /* waiting for (the rest of) a request head, under the head deadline */
	PHASE_BODY, /* passing a request body on, at no less than the minimum rate */
	PHASE_BUSY, /* the request is evhttp's: the handler runs or the answer goes out */
	PHASE_IDLE, /* keep-alive between requests */
	PHASE_CLOSING, /* answered by the guard, closing */
};

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
	bool orphaned; /* http_guards_free ran while filters were still open: the last one frees */
};

/* http_guard.c */
void guard_set_phase(struct guard *g, enum guard_phase next); /* the only place a phase changes */
void guard_destroy(struct guard *g);
/* Reads chunked framing from src; emit (may be NULL) gets the data; returns the bytes read. */
size_t guard_feed_chunks(
    struct chunked_reader *c, struct evbuffer *src, void (*emit)(void *, const char *, size_t), void *ctx);

/* http_guard_output.c */
/* Answers on the socket itself (evhttp has not seen this request) and closes soon after. */
void guard_answer(
    struct guard *g, int status, const char *code, const char *message, const char *field, const char *retry_after);
/* The socket is known once evhttp has set it, before any byte is read or written. */
void guard_socket_known(struct guard *g);
enum bufferevent_filter_result guard_output(
    struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit, enum bufferevent_flush_mode mode, void *ctx);
void guard_output_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

#endif
