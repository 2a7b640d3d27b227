/* http_framing: the few facts of HTTP/1.1 framing that the connection guard checks before evhttp
 * parses anything: where a head ends, whether its Content-Length, Transfer-Encoding and Expect
 * are sound, where a chunked body ends (with chunk extensions, which evhttp 2.1 refuses, dropped),
 * and where a response of our own ends. Pure: no sockets, no loop. */
#ifndef PAIDAN_HTTP_FRAMING_H
#define PAIDAN_HTTP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The end of a head in p[0..len): the offset just past its blank line, or 0 when the blank line
 * has not arrived. *skip is the number of blank lines' bytes before the head (allowed before a
 * request line, and ignored). */
size_t http_head_end(const char *p, size_t len, size_t *skip);

/* The method and target of the request line at the start of head[0..len): true with each pointing
 * into head (the target up to '?' or '#', as sent, not decoded), false when the line is not
 * "METHOD SP TARGET SP VERSION". */
bool http_request_line(
    const char *head, size_t len, const char **method, size_t *method_len, const char **path, size_t *path_len);

/* What the guard needs to know of a request head. */
struct http_request_head {
	int64_t content_length; /* -1 when there is none */
	bool chunked;
	bool expect_continue;
	bool method_head; /* a HEAD request: its answer has no body */
	bool wants_html; /* Accept names text/html (a browser without JavaScript) */
};

/* Why a head is refused before evhttp sees it. */
struct http_refusal {
	int status;
	const char *code;
	const char *message; /* Chinese with English in brackets */
	const char *field; /* the header at fault, or NULL */
};

/* Checks the request head head[0..len) (request line and header lines, blank line included):
 * Content-Length only digits and only once, Transfer-Encoding only "chunked" and never with a
 * Content-Length, no folded lines, Expect only "100-continue", and an announced body that fits in
 * max_body (413 at once, rather than after reading it, or never when the client waits for
 * 100 Continue). Returns true and fills *info, or false and fills *refusal. */
bool http_request_head_check(
    const char *head, size_t len, int64_t max_body, struct http_request_head *info, struct http_refusal *refusal);

/* A response head of our own (evhttp's output). */
struct http_response_head {
	int status;
	int64_t content_length; /* -1 when there is none */
	bool chunked;
	bool libevent_error_page; /* evhttp_send_error's page: "Content-Type: text/html" exactly */
};
bool http_response_head_parse(const char *head, size_t len, struct http_response_head *info);

/* A chunked body, read as it arrives. Each chunk is passed on as "<hex size>\r\n<data>\r\n" (so
 * extensions and trailers are dropped), ending with "0\r\n\r\n". */
enum chunked_state {
	CHUNKED_SIZE,
	CHUNKED_EXTENSION,
	CHUNKED_SIZE_LF,
	CHUNKED_DATA,
	CHUNKED_DATA_CR,
	CHUNKED_DATA_LF,
	CHUNKED_TRAILER,
	CHUNKED_TRAILER_LINE,
	CHUNKED_DONE,
	CHUNKED_ERROR,
};

struct chunked_reader {
	enum chunked_state state;
	uint64_t size; /* of the chunk being read */
	int digits;
	uint64_t left; /* data bytes left in this chunk */
	uint64_t total; /* data bytes so far */
	size_t line; /* bytes of the current extension or trailer line */
	size_t trailer; /* bytes of trailers so far */
	uint64_t max_total;
	bool too_large; /* set with CHUNKED_ERROR when total would pass max_total */
};

void chunked_reader_init(struct chunked_reader *c, uint64_t max_total);

/* Reads in[0..len) and returns how many bytes it took: all of them, or fewer when the body ended
 * (CHUNKED_DONE) or is malformed (CHUNKED_ERROR). emit (may be NULL) gets the normalised body. */
size_t chunked_reader_feed(
    struct chunked_reader *c, const char *in, size_t len, void (*emit)(void *ctx, const char *p, size_t n), void *ctx);

#endif
