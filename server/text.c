/* text: an evbuffer into a malloc'd string. */
#include "text.h"

#include <event2/buffer.h>

#include "xalloc.h"

char *
text_take(struct evbuffer *buffer, size_t *len)
{
	size_t n = evbuffer_get_length(buffer);
	char *text = xmalloc(n + 1);

	evbuffer_remove(buffer, text, n);
	text[n] = '\0';
	evbuffer_free(buffer);
	if (len != NULL)
		*len = n;
	return text;
}
