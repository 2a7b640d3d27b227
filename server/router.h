/* router: method + path pattern ("/api/v1/orders/{id}/{action}") → handler and path parameters. Pure. */
#ifndef PAIDAN_ROUTER_H
#define PAIDAN_ROUTER_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4
#define ROUTE_MAX_PARAM_LEN 128

struct request;
typedef void (*route_handler)(struct request *r);

/* Who may call a route: a mask of the application's role bits, or ROUTE_PUBLIC for anyone.
 * The router only carries it; dispatch enforces it before the handler runs. */
#define ROUTE_PUBLIC 0u

/* What a route reads from the request body. */
enum route_body {
	ROUTE_BODY_NONE, /* no body expected (GET, DELETE, actions without input) */
	ROUTE_BODY_JSON, /* application/json */
	ROUTE_BODY_JSON_OR_FORM, /* application/json or a urlencoded form (pages that work without JavaScript) */
	ROUTE_BODY_RAW, /* raw bytes the handler checks by content (a seal image, a CSV file) */
	ROUTE_BODY_PHOTO, /* a service photo: raw bytes too, with the photo's own body allowance */
};

/* How a route loads the database: the application gives each class its own share of the pool and
 * its own wait queue (db_share.h), so that no class waits behind another. */
enum route_class {
	ROUTE_FAST_READ, /* one thing by key: an order, the catalog, a page */
	ROUTE_SLOW_READ, /* lists, statistics, exports: many rows */
	ROUTE_WRITE, /* changes something (every POST, PATCH, DELETE) */
};

struct route {
	unsigned methods; /* bitmask of the caller's method codes */
	const char *pattern; /* "/a/{name}/b"; a last segment "{*name}" takes the rest of the path */
	route_handler handler;
	unsigned roles; /* ROUTE_PUBLIC, or the roles that may call it */
	enum route_body body;
	enum route_class load;
};

/* How large a body a route takes, by its body kind: the server's --max-body-bytes, or an allowance
 * the configuration sets (--max-photo-body-bytes for ROUTE_BODY_PHOTO). The edge (http_guard.c)
 * refuses a larger body with 413 before reading it; the minimum body rate applies to every body. */
enum route_body_limit {
	ROUTE_LIMIT_DEFAULT, /* --max-body-bytes */
	ROUTE_LIMIT_PHOTO, /* --max-photo-body-bytes */
	ROUTE_LIMITS
};
enum route_body_limit route_body_limit(const struct route *route);

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
 * pattern without a rest segment matches but no route of it takes the method.
 * A parameter segment matches any non-empty segment up to ROUTE_MAX_PARAM_LEN - 1
 * bytes; a rest segment ("{*name}") matches whatever is left, even nothing, and is
 * not copied (read the request's path). match is filled only for ROUTE_FOUND (otherwise it
 * holds scraps). */
enum route_result router_match(
    const struct route *routes, size_t count, unsigned method, const char *path, struct route_match *match);

/* The value of parameter name, or NULL. */
const char *route_param(const struct route_match *match, const char *name);

#endif
