/* http_engine: what the engine's own files (http_server.c, http_reply.c, http_input.c) share.
 * Private to the engine: nothing else includes it. */
#ifndef PAIDAN_HTTP_ENGINE_H
#define PAIDAN_HTTP_ENGINE_H

#include <event2/http.h>
#include <event2/listener.h>
#include <stdbool.h>

#include "http.h"

struct http_server {
	struct app *app;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evconnlistener *listener;
	struct event *resume_timer;
	struct http_guards *guards; /* every connection from accept to close, and the cap */
	bool draining;
	int in_flight;
	const struct route *routes;
	size_t nroutes;
	http_gate gate;
	void (*redact_path)(const char *path, char *out, size_t size);
	void (*not_found)(struct request *r);
	int64_t body_limits[ROUTE_LIMITS]; /* bytes, by router.h's route_body_limit */
};

/* Microseconds on the monotonic clock. */
long long http_now_us(void);

/* Frees the request, its state and everything allocated from it. */
void http_request_free(struct request *r);

#endif
