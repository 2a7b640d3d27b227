/* router: segment-by-segment matching; literal segments must be equal, {name} takes one segment,
 * a final {*name} the rest. */
#include "router.h"

#include <stdbool.h>
#include <string.h>

static bool
is_rest_segment(const char *pattern, size_t plen)
{
	return plen > 3 && pattern[0] == '{' && pattern[1] == '*' && pattern[plen - 1] == '}' && pattern[plen] == '\0';
}

static bool
has_rest_segment(const char *pattern)
{
	const char *last = strrchr(pattern, '/');

	return last != NULL && is_rest_segment(last + 1, strlen(last + 1));
}

static size_t
segment_length(const char *s)
{
	const char *p = s;

	while (*p != '\0' && *p != '/')
		p++;
	return (size_t)(p - s);
}

static int
pattern_matches(const char *pattern, const char *path, struct route_match *m)
{
	m->nparams = 0;
	for (;;) {
		size_t plen, slen;

		if (*pattern != '/' || *path != '/')
			return 0;
		pattern++;
		path++;
		plen = segment_length(pattern);
		slen = segment_length(path);
		if (is_rest_segment(pattern, plen))
			return 1;
		if (plen > 1 && pattern[0] == '{' && pattern[plen - 1] == '}') {
			if (slen == 0 || slen >= ROUTE_MAX_PARAM_LEN || m->nparams == ROUTE_MAX_PARAMS)
				return 0;
			m->names[m->nparams] = pattern + 1;
			m->name_lens[m->nparams] = plen - 2;
			memcpy(m->values[m->nparams], path, slen);
			m->values[m->nparams][slen] = '\0';
			m->nparams++;
		} else if (plen != slen || strncmp(pattern, path, plen) != 0) {
			return 0;
		}
		pattern += plen;
		path += slen;
		if (*pattern == '\0' && *path == '\0')
			return 1;
	}
}

enum route_result
router_match(const struct route *routes, size_t count, unsigned method, const char *path, struct route_match *match)
{
	/* First the routes of this method (every request that is answered); the others only to tell
	 * "wrong method" from "no such path". */
	for (size_t i = 0; i < count; i++) {
		if ((routes[i].methods & method) && pattern_matches(routes[i].pattern, path, match)) {
			match->route = &routes[i];
			return ROUTE_FOUND;
		}
	}
	for (size_t i = 0; i < count; i++) {
		struct route_match candidate;
		if (!(routes[i].methods & method) && !has_rest_segment(routes[i].pattern) &&
		    pattern_matches(routes[i].pattern, path, &candidate))
			return ROUTE_METHOD_NOT_ALLOWED;
	}
	return ROUTE_NOT_FOUND;
}

const char *
route_param(const struct route_match *match, const char *name)
{
	size_t len = strlen(name);

	for (int i = 0; i < match->nparams; i++)
		if (match->name_lens[i] == len && strncmp(match->names[i], name, len) == 0)
			return match->values[i];
	return NULL;
}

enum route_body_limit
route_body_limit(const struct route *route)
{
	return route->body == ROUTE_BODY_PHOTO ? ROUTE_LIMIT_PHOTO : ROUTE_LIMIT_DEFAULT;
}
