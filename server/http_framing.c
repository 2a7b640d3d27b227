/* http_framing: byte-level checks, written to refuse what is ambiguous rather than guess. */
#include "http_framing.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_CHUNK_DIGITS 15
#define MAX_EXTENSION_BYTES 1024
#define MAX_TRAILER_BYTES 4096

size_t
http_head_end(const char *p, size_t len, size_t *skip)
{
	size_t i = 0;

	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	*skip = i;
	for (; i < len; i++) {
		size_t k;
		if (p[i] != '\n')
			continue;
		k = i + 1;
		if (k < len && p[k] == '\r')
			k++;
		if (k < len && p[k] == '\n')
			return k + 1;
	}
	return 0;
}

/* One line of a head: [start, end) without its line break; returns the offset of the next line. */
static size_t
next_line(const char *p, size_t len, size_t at, const char **start, size_t *n)
{
	const char *nl = memchr(p + at, '\n', len - at);
	size_t end = nl ? (size_t)(nl - p) : len;

	*start = p + at;
	*n = end - at;
	if (*n > 0 && (*start)[*n - 1] == '\r')
		(*n)--;
	return nl ? end + 1 : len;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static bool
is_name(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

static bool
parse_digits(const char *s, size_t n, int64_t *value)
{
	int64_t v = 0;

	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return true;
}

static bool
refuse(struct http_refusal *r, int status, const char *code, const char *message, const char *field)
{
	r->status = status;
	r->code = code;
	r->message = message;
	r->field = field;
	return false;
}

static bool
contains_ci(const char *s, size_t n, const char *want)
{
	size_t w = strlen(want);

	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(s + i, want, w) == 0)
			return true;
	return false;
}

bool
http_request_line(
    const char *head, size_t len, const char **method, size_t *method_len, const char **path, size_t *path_len)
{
	const char *line, *space, *target, *end;
	size_t n;

	next_line(head, len, 0, &line, &n);
	if ((space = memchr(line, ' ', n)) == NULL || space == line)
		return false;
	target = space + 1;
	if ((end = memchr(target, ' ', n - (size_t)(target - line))) == NULL || end == target)
		return false;
	*method = line;
	*method_len = (size_t)(space - line);
	*path = target;
	*path_len = 0;
	while (target + *path_len < end && target[*path_len] != '?' && target[*path_len] != '#')
		(*path_len)++;
	return true;
}

bool
http_request_head_check(
    const char *head, size_t len, int64_t max_body, struct http_request_head *info, struct http_refusal *refusal)
{
	const char *line, *value;
	size_t n, at, vn;
	int lengths = 0, encodings = 0;

	memset(info, 0, sizeof *info);
	info->content_length = -1;
	at = next_line(head, len, 0, &line, &n);
	info->method_head = n >= 5 && memcmp(line, "HEAD ", 5) == 0;
	while (at < len) {
		const char *colon;
		at = next_line(head, len, at, &line, &n);
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')
			return refuse(
			    refusal, 400, "invalid_header", "请求头格式错误：折行 (a folded header line)", NULL);
		colon = memchr(line, ':', n);
		if (colon == NULL || colon == line)
			return refuse(refusal, 400, "invalid_header", "请求头格式错误 (a malformed header line)", NULL);
		for (const char *c = line; c < colon; c++)
			if (*c == ' ' || *c == '\t' || (unsigned char)*c < 0x21 || *c == 0x7f)
				return refuse(
				    refusal, 400, "invalid_header", "请求头名称无效 (an invalid header name)", NULL);
		value = colon + 1;
		vn = n - (size_t)(value - line);
		trim(&value, &vn);
		n = (size_t)(colon - line);
		if (is_name(line, n, "Content-Length")) {
			if (++lengths > 1)
				return refuse(refusal, 400, "invalid_header",
				    "重复的 Content-Length (duplicate Content-Length)", "Content-Length");
			if (!parse_digits(value, vn, &info->content_length))
				return refuse(refusal, 400, "invalid_header",
				    "Content-Length 只能是数字 (Content-Length must be digits only)", "Content-Length");
		} else if (is_name(line, n, "Transfer-Encoding")) {
			if (++encodings > 1 || !is_name(value, vn, "chunked"))
				return refuse(refusal, 400, "invalid_header",
				    "Transfer-Encoding 只支持 chunked (only chunked is supported)",
				    "Transfer-Encoding");
			info->chunked = true;
		} else if (is_name(line, n, "Expect")) {
			if (!is_name(value, vn, "100-continue"))
				return refuse(refusal, 417, "expectation_failed",
				    "只支持 Expect: 100-continue (only 100-continue is supported)", "Expect");
			info->expect_continue = true;
		} else if (is_name(line, n, "Accept")) {
			info->wants_html = contains_ci(value, vn, "text/html");
		}
	}
	if (info->chunked && lengths > 0)
		return refuse(refusal, 400, "invalid_header",
		    "不能同时有 Transfer-Encoding 和 Content-Length (both Transfer-Encoding and Content-Length)",
		    "Transfer-Encoding");
	if (info->content_length > max_body)
		return refuse(refusal, 413, "payload_too_large", "请求内容太大 (the request body is too large)", NULL);
	return true;
}

bool
http_response_head_parse(const char *head, size_t len, struct http_response_head *info)
{
	const char *line, *value;
	size_t n, at, vn;

	memset(info, 0, sizeof *info);
	info->content_length = -1;
	at = next_line(head, len, 0, &line, &n);
	/* "HTTP/1.1 200 OK": three digits read by hand (the head is not a C string: no sscanf). */
	if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ')
		return false;
	for (int i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return false;
		info->status = info->status * 10 + (line[i] - '0');
	}
	while (at < len) {
		const char *colon;
		at = next_line(head, len, at, &line, &n);
		if (n == 0)
			break;
		colon = memchr(line, ':', n);
		if (colon == NULL)
			return false;
		value = colon + 1;
		vn = n - (size_t)(value - line);
		trim(&value, &vn);
		n = (size_t)(colon - line);
		if (is_name(line, n, "Content-Length") && !parse_digits(value, vn, &info->content_length))
			return false;
		if (is_name(line, n, "Transfer-Encoding") && is_name(value, vn, "chunked"))
			info->chunked = true;
		if (is_name(line, n, "Content-Type") && vn == 9 && memcmp(value, "text/html", 9) == 0)
			info->libevent_error_page = true;
	}
	return true;
}

void
chunked_reader_init(struct chunked_reader *c, uint64_t max_total)
{
	memset(c, 0, sizeof *c);
	c->state = CHUNKED_SIZE;
	c->max_total = max_total;
}

static int
hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static void
chunk_start(struct chunked_reader *c, void (*emit)(void *, const char *, size_t), void *ctx)
{
	char line[32];
	int n;

	if (c->size == 0) {
		c->state = CHUNKED_TRAILER;
		return;
	}
	if (c->size > c->max_total - c->total) {
		c->too_large = true;
		c->state = CHUNKED_ERROR;
		return;
	}
	c->total += c->size;
	c->left = c->size;
	if (emit != NULL) {
		n = snprintf(line, sizeof line, "%llx\r\n", (unsigned long long)c->size);
		emit(ctx, line, (size_t)n);
	}
	c->state = CHUNKED_DATA;
}

static bool
is_control(char ch)
{
	return ((unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7f;
}

size_t
chunked_reader_feed(
    struct chunked_reader *c, const char *in, size_t len, void (*emit)(void *ctx, const char *p, size_t n), void *ctx)
{
	size_t i = 0;

	while (i < len && c->state != CHUNKED_DONE && c->state != CHUNKED_ERROR) {
		char ch = in[i];
		switch (c->state) {
		case CHUNKED_SIZE:
			if (hex_value(ch) >= 0 && c->digits < MAX_CHUNK_DIGITS) {
				c->size = c->size * 16 + (uint64_t)hex_value(ch);
				c->digits++;
			} else if (c->digits == 0) {
				c->state = CHUNKED_ERROR;
				continue;
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = CHUNKED_EXTENSION;
				c->line = 0;
			} else if (ch == '\r') {
				c->state = CHUNKED_SIZE_LF;
			} else if (ch == '\n') {
				chunk_start(c, emit, ctx);
			} else {
				c->state = CHUNKED_ERROR;
				continue;
			}
			i++;
			break;
		case CHUNKED_EXTENSION:
			if (ch == '\r')
				c->state = CHUNKED_SIZE_LF;
			else if (ch == '\n')
				chunk_start(c, emit, ctx);
			else if (is_control(ch) || ++c->line > MAX_EXTENSION_BYTES) {
				c->state = CHUNKED_ERROR;
				continue;
			}
			i++;
			break;
		case CHUNKED_SIZE_LF:
			if (ch != '\n') {
				c->state = CHUNKED_ERROR;
				continue;
			}
			chunk_start(c, emit, ctx);
			i++;
			break;
		case CHUNKED_DATA: {
			size_t n = len - i;
			if ((uint64_t)n > c->left)
				n = (size_t)c->left;
			if (emit != NULL)
				emit(ctx, in + i, n);
			i += n;
			c->left -= n;
			if (c->left == 0)
				c->state = CHUNKED_DATA_CR;
			break;
		}
		case CHUNKED_DATA_CR:
		case CHUNKED_DATA_LF:
			if (ch == '\r' && c->state == CHUNKED_DATA_CR) {
				c->state = CHUNKED_DATA_LF;
				i++;
				break;
			}
			if (ch != '\n') {
				c->state = CHUNKED_ERROR;
				continue;
			}
			if (emit != NULL)
				emit(ctx, "\r\n", 2);
			c->state = CHUNKED_SIZE;
			c->size = 0;
			c->digits = 0;
			i++;
			break;
		case CHUNKED_TRAILER:
			if (ch == '\n') {
				if (emit != NULL)
					emit(ctx, "0\r\n\r\n", 5);
				c->state = CHUNKED_DONE;
			} else if (ch != '\r') {
				c->state = CHUNKED_TRAILER_LINE;
				continue;
			}
			i++;
			break;
		case CHUNKED_TRAILER_LINE:
			if (ch == '\n')
				c->state = CHUNKED_TRAILER;
			else if ((is_control(ch) && ch != '\r') || ++c->trailer > MAX_TRAILER_BYTES) {
				c->state = CHUNKED_ERROR;
				continue;
			}
			i++;
			break;
		case CHUNKED_DONE:
		case CHUNKED_ERROR: break;
		}
	}
	return i;
}
