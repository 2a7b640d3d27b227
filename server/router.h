/* router: method + path pattern ("/api/v1/orders/{id}/{action}") → handler and path parameters. Pure. */
#ifndef PAIDAN_ROUTER_H
#define PAIDAN_ROUTER_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4
#define ROUTE_MAX_PARAM_LEN 128

struct request;
typedef void (*route_handler)(struct request *r);

struct route {
	unsigned methods; /* bitmask of the caller's method codes */
	const char *pattern;
	route_handler handler;
};

struct route_match {
	const struct route *route;
	int nparams;
	const char *names[ROUTE_MAX_PARAMS]; /* point into the pattern, not terminated at '}' */
	size_t name_lens[ROUTE_MAX_PARAMS];
	char values[ROUTE_MAX_PARAMS][ROUTE_MAX_PARAM_LEN];
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED };

/* Finds the first route whose pattern matches path (a decoded path without
 * query) and whose methods include method. ROUTE_METHOD_NOT_ALLOWED when a
 * pattern matches but no route of it takes the method. A parameter segment
 * matches any non-empty segment up to ROUTE_MAX_PARAM_LEN - 1 bytes. */
enum route_result router_match(
    const struct route *routes, size_t count, unsigned method, const char *path, struct route_match *match);

/* The value of parameter name, or NULL. */
const char *route_param(const struct route_match *match, const char *name);

#endif
