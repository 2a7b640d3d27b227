/* not_found: the answer for an address that does not exist. A browser asking for a page (GET/HEAD,
 * Accept names text/html, not under /api/) gets the resident client's 404.html, in Chinese with a way
 * back; everyone else, API clients above all, keeps the JSON error. */
#ifndef PAIDAN_NOT_FOUND_H
#define PAIDAN_NOT_FOUND_H

#include <stdbool.h>

struct request;

/* Whether a request with this method (evhttp's bits), path and Accept header (may be NULL) gets the
 * HTML page rather than JSON. Pure; for tests. */
bool not_found_wants_html(unsigned method, const char *path, const char *accept);

/* Replies 404 to r as above; frees r like every reply. */
void not_found_reply(struct request *r);

#endif
