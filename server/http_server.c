/* http_server: evhttp with limits set (it has none by default), one context per request, and
 * routing through the table and gate the application hands in. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "api_error.h"
#include "http_engine.h"
#include "http_guard.h"
#include "json_io.h"
#include "log.h"
#include "socket_activation.h"
#include "xalloc.h"

#define ACCEPT_PAUSE_MS 500
/* Descriptors kept free for the database, log and files even at the connection cap. */
#define FD_RESERVE 64

/* The listener's callback argument belongs to evhttp; one server per process, so it lives here. */
static struct http_server *accepting_server;

/* One block of request memory; the list is freed with the request. */
struct http_arena {
	struct http_arena *next;
	max_align_t data[];
};

long long
http_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void *
http_alloc(struct request *r, size_t size)
{
	struct http_arena *block = xcalloc(1, sizeof *block + size);

	block->next = r->arena;
	r->arena = block;
	return block->data;
}

char *
http_strdup(struct request *r, const char *text)
{
	size_t n = strlen(text) + 1;

	return memcpy(http_alloc(r, n), text, n);
}

char *
http_strndup(struct request *r, const char *text, size_t len)
{
	char *copy = http_alloc(r, len + 1); /* zeroed: the copy ends at len */

	return memcpy(copy, text, len);
}

void *
http_state_new(struct request *r, size_t size, void (*state_free)(void *state))
{
	r->state = xcalloc(1, size);
	r->state_free = state_free != NULL ? state_free : free;
	return r->state;
}

void
http_request_free(struct request *r)
{
	if (r->state_free != NULL)
		r->state_free(r->state);
	while (r->arena != NULL) {
		struct http_arena *next = r->arena->next;
		free(r->arena);
		r->arena = next;
	}
	if (r->query != NULL) {
		evhttp_clear_headers(r->query);
		free(r->query);
	}
	free(r->body);
	free(r->path);
	free(r);
}

/* A request id: random bytes drawn a pool at a time (one getrandom per 64 requests, not per
 * request). The pool is first filled by a worker's first request, after the fork, so workers do not
 * share ids. */
static void
request_id(char out[17])
{
	static unsigned char pool[8 * 64];
	static size_t used = sizeof pool;

	if (used == sizeof pool) {
		randombytes_buf(pool, sizeof pool);
		used = 0;
	}
	sodium_bin2hex(out, 17, pool + used, 8);
	sodium_memzero(pool + used, 8);
	used += 8;
}

static void
handle_request(struct evhttp_request *req, void *arg)
{
	struct http_server *server = arg;
	struct request *r = xcalloc(1, sizeof *r);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	size_t decoded_len = 0;

	r->req = req;
	r->server = server;
	r->app = server->app;
	r->started_us = http_now_us();
	r->method = (unsigned)evhttp_request_get_command(req);
	request_id(r->id);
	server->in_flight++;

	if (raw_path == NULL || *raw_path == '\0')
		raw_path = "/";
	r->path = evhttp_uridecode(raw_path, 0, &decoded_len);
	if (r->path == NULL || strlen(r->path) != decoded_len || !utf8_valid(r->path, decoded_len)) {
		free(r->path);
		r->path = xstrdup("?");
		api_error_reply(r, API_ERROR_PATH_INVALID, NULL);
		return;
	}
	switch (router_match(server->routes, server->nroutes, r->method, r->path, &r->match)) {
	case ROUTE_FOUND: server->gate(r); return;
	case ROUTE_METHOD_NOT_ALLOWED: api_error_reply(r, API_ERROR_METHOD_NOT_ALLOWED, NULL); return;
	case ROUTE_NOT_FOUND: break;
	}
	if (server->not_found != NULL)
		server->not_found(r);
	else
		api_error_reply(r, API_ERROR_NOT_FOUND, NULL);
}

static void
resume_accepting(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *server = accepting_server;

	(void)fd;
	(void)what;
	(void)arg;
	if (server->listener != NULL)
		evconnlistener_enable(server->listener);
}

/* Out of file descriptors: stop accepting for a moment rather than spin on accept(). */
static void
accept_error(struct evconnlistener *listener, void *arg)
{
	struct http_server *server = accepting_server;
	struct timeval pause = {0, ACCEPT_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	log_warn("accept failed; pausing", "reason", evutil_socket_error_to_string(err));
	evconnlistener_disable(listener);
	evtimer_add(server->resume_timer, &pause);
}

static unsigned
method_code(const char *method, size_t len)
{
	static const struct {
		const char *name;
		unsigned code;
	} methods[] = {{"GET", EVHTTP_REQ_GET}, {"HEAD", EVHTTP_REQ_HEAD}, {"POST", EVHTTP_REQ_POST},
	    {"PUT", EVHTTP_REQ_PUT}, {"DELETE", EVHTTP_REQ_DELETE}, {"PATCH", EVHTTP_REQ_PATCH},
	    {"OPTIONS", EVHTTP_REQ_OPTIONS}};

	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (strlen(methods[i].name) == len && memcmp(methods[i].name, method, len) == 0)
			return methods[i].code;
	return 0;
}

/* The guard's body allowance: the matching route's own, else the default (a path the router does not
 * know as sent, encoded say, gets the default: the smaller one). */
static int64_t
body_allowance(void *ctx, const char *method, size_t method_len, const char *path, size_t path_len)
{
	const struct http_server *server = ctx;
	struct route_match match;
	char decoded[2048];
	unsigned code = method_code(method, method_len);

	if (code == 0 || path_len == 0 || path_len >= sizeof decoded)
		return server->body_limits[ROUTE_LIMIT_DEFAULT];
	memcpy(decoded, path, path_len);
	decoded[path_len] = '\0';
	if (router_match(server->routes, server->nroutes, code, decoded, &match) != ROUTE_FOUND)
		return server->body_limits[ROUTE_LIMIT_DEFAULT];
	return server->body_limits[route_body_limit(match.route)];
}

struct http_server *
http_server_start(struct event_base *base, const struct http_server_options *options, const struct route *routes,
    size_t nroutes, http_gate gate, struct app *app)
{
	struct rlimit rl;
	struct http_guard_options guard = {
	    .max_connections = options->max_connections,
	    .header_timeout_s = options->header_timeout_s,
	    .min_body_rate = options->min_body_rate,
	    .max_body = (int64_t)options->max_body_bytes,
	    .max_header_bytes = (long)options->max_header_bytes,
	    .body_allowance = body_allowance,
	};
	struct http_server *server = xcalloc(1, sizeof *server);
	size_t largest_body = options->max_body_bytes;
	struct sockaddr_storage addr;
	int addr_len = sizeof addr;

	server->app = app;
	server->routes = routes;
	server->nroutes = nroutes;
	server->gate = gate;
	server->redact_path = options->redact_path;
	server->not_found = options->not_found;
	server->body_limits[ROUTE_LIMIT_DEFAULT] = (int64_t)options->max_body_bytes;
	server->body_limits[ROUTE_LIMIT_PHOTO] =
	    (int64_t)(options->max_photo_body_bytes ? options->max_photo_body_bytes : options->max_body_bytes);
	for (int i = 0; i < ROUTE_LIMITS; i++)
		if ((size_t)server->body_limits[i] > largest_body)
			largest_body = (size_t)server->body_limits[i];
	guard.body_allowance_ctx = server;
	if (evutil_parse_sockaddr_port(options->listen, (struct sockaddr *)&addr, &addr_len) < 0) {
		log_error("cannot parse listen address", "listen", options->listen);
		free(server);
		return NULL;
	}
	if (socket_activation_fd() >= 0) /* systemd holds the socket: an upgrade drops no waiting connection */
		server->listener =
		    evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, 0, socket_activation_fd());
	else
		server->listener = evconnlistener_new_bind(base, NULL, NULL,
		    LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024,
		    (struct sockaddr *)&addr, addr_len);
	if (server->listener == NULL) {
		log_error("cannot listen", "listen", options->listen, "reason",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		free(server);
		return NULL;
	}
	{
		/* Accepted sockets inherit it on Linux: a reply's last segment leaves at once instead of
		 * waiting for the client's delayed ACK (40 ms on keep-alive replies over ~16 KB). */
		int one = 1;
		if (setsockopt(evconnlistener_get_fd(server->listener), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) !=
		    0)
			log_warn(
			    "cannot set TCP_NODELAY", "reason", evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	server->http = evhttp_new(base);
	evhttp_set_max_headers_size(server->http, (ev_ssize_t)options->max_header_bytes);
	/* evhttp's own limit lets the largest allowance through; the guard holds each route to its own. */
	evhttp_set_max_body_size(server->http, (ev_ssize_t)largest_body);
	evhttp_set_timeout(server->http, (int)options->timeout_s);
	evhttp_set_flags(server->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_allowed_methods(server->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	        EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(server->http, handle_request, server);
	server->bound = evhttp_bind_listener(server->http, server->listener);
	server->resume_timer = evtimer_new(base, resume_accepting, server);
	accepting_server = server;
	evconnlistener_set_error_cb(server->listener, accept_error);
	/* The cap stays below the descriptor limit, so accept() itself does not run out. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur - FD_RESERVE < guard.max_connections)
		guard.max_connections = (long)rl.rlim_cur - FD_RESERVE;
	server->guards = http_guards_new(base, server->http, &guard);
	log_info("listening", "listen", options->listen);
	return server;
}

void
http_server_stop_accepting(struct http_server *server)
{
	server->draining = true;
	if (server->bound != NULL) {
		evhttp_del_accept_socket(server->http, server->bound);
		server->bound = NULL;
		server->listener = NULL;
	}
}

bool
http_server_draining(const struct http_server *server)
{
	return server->draining;
}

void
http_server_get_guard_stats(const struct http_server *server, struct http_guard_stats *stats)
{
	http_guards_get_stats(server->guards, stats);
}

int
http_server_in_flight(const struct http_server *server)
{
	return server->in_flight;
}

void
http_server_free(struct http_server *server)
{
	if (server == NULL)
		return;
	http_server_stop_accepting(server);
	evhttp_free(server->http);
	http_guards_free(server->guards); /* after evhttp_free, which closes every connection */
	event_free(server->resume_timer);
	free(server);
}
