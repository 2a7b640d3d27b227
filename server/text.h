/* text: the server's one string builder is libevent's evbuffer (evbuffer_add, evbuffer_add_printf);
 * this is the one way to turn what was built into a C string, and to add HTML-escaped text. */
#ifndef PAIDAN_TEXT_H
#define PAIDAN_TEXT_H

#include <stddef.h>

struct evbuffer;
struct json_object;

/* The buffer's bytes as a NUL-terminated string the caller frees (*len its length when len is not
 * NULL); frees the buffer. Aborts on exhaustion, like xalloc. */
char *text_take(struct evbuffer *buffer, size_t *len);

/* Adds a C string. */
void text_add(struct evbuffer *out, const char *text);

/* Adds text escaped for HTML (element content and quoted attribute values); NULL adds nothing. */
void text_html_escape(struct evbuffer *out, const char *text);

/* A member's text as a page prints it: "" when obj is NULL or the member is missing or null. */
const char *text_field(struct json_object *obj, const char *name);

#endif
