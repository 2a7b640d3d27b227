/* xalloc: allocation that cannot fail — out of memory aborts, so callers never check. */
#ifndef PAIDAN_XALLOC_H
#define PAIDAN_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
