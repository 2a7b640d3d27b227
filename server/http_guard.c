/* http_guard: one filter per connection; each connection is in one phase, moved only by guard_set_phase. */
#include "http_guard.h"

#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "http_framing.h"
#include "http_guard_internal.h"
#include "log.h"
#include "xalloc.h"

/* After answering by itself, the guard lets the answer reach the client before it closes. */
#define LINGER_MS 1000
/* How often a connection whose request was answered looks for a pipelined request (and how long). */
#define KICK_MS 2
#define KICK_TRIES 50

static const char *phase_names[] = {"head", "body", "busy", "idle", "closing"};
_Static_assert(sizeof phase_names / sizeof phase_names[0] == PHASE_CLOSING + 1, "phase_names matches enum guard_phase");

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
void
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

static void
guard_refuse_head(struct guard *g, const struct http_refusal *refusal)
{
	g->owner->stats.refused_heads++;
	guard_answer(g, refusal->status, refusal->code, refusal->message, refusal->field, NULL);
}

/* Passes a complete, sound head on to evhttp; false when it is not complete yet or was refused. */
static bool
take_head(struct guard *g, struct evbuffer *src, struct evbuffer *dst)
{
	const struct http_guard_options *o = &g->owner->options;
	size_t limit = (size_t)o->max_header_bytes * 2 + 8192;
	size_t len = evbuffer_get_length(src), n = len < limit + 4 ? len : limit + 4, skip, end;
	const char *p = (const char *)evbuffer_pullup(src, (ev_ssize_t)n), *method, *path;
	size_t method_len, path_len;
	struct http_refusal refusal;
	int64_t max_body;

	end = http_head_end(p, n, &skip);
	if (end == 0 ? n - skip > limit : end - skip > limit) {
		struct http_refusal too_big = {
		    431, "header_too_large", "请求头太大 (the request head is too large)", NULL};
		guard_refuse_head(g, &too_big);
		return false;
	}
	if (end == 0)
		return false;
	max_body = o->max_body;
	if (o->body_allowance != NULL &&
	    http_request_line(p + skip, end - skip, &method, &method_len, &path, &path_len))
		max_body = o->body_allowance(o->body_allowance_ctx, method, method_len, path, path_len);
	if (!http_request_head_check(p + skip, end - skip, max_body, &g->request, &refusal)) {
		guard_refuse_head(g, &refusal);
		return false;
	}
	evbuffer_drain(src, skip);
	evbuffer_remove_buffer(src, dst, end - skip);
	if (g->request.chunked) {
		chunked_reader_init(&g->in_chunks, (uint64_t)max_body + 1);
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
size_t
guard_feed_chunks(struct chunked_reader *c, struct evbuffer *src, void (*emit)(void *, const char *, size_t), void *ctx)
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
	len = guard_feed_chunks(&g->in_chunks, src, emit_to, dst);
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

void
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
	struct http_guards *gs = g->owner;

	guard_unlink(g);
	if (g->flushing)
		g->dead = true;
	else
		guard_destroy(g);
	if (gs->orphaned && gs->oldest == NULL)
		free(gs);
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
	evbuffer_add_cb(bufferevent_get_output(g->filter), guard_output_added, g);
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

/* libevent frees some connections' filters only when the base goes (after evhttp_free): those
 * still open keep the guards, and the last of them frees them. */
void
http_guards_free(struct http_guards *gs)
{
	if (gs->oldest == NULL)
		free(gs);
	else
		gs->orphaned = true;
}

void
http_guards_get_stats(const struct http_guards *gs, struct http_guard_stats *stats)
{
	*stats = gs->stats;
}
