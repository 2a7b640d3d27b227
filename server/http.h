/* http: the HTTP engine's interface — one context per request, replies, input.
 *
 * The engine (http_server.c, http_reply.c, http_input.c) knows nothing of the application:
 * it is handed a route table and a gate that every matched request passes through.
 * A request gets exactly one reply through one of the http_reply_* functions (or a
 * stream's end), which also writes the access-log line and frees the context with
 * everything allocated from it. If the client hung up meanwhile, libevent keeps the
 * request until then, so replying is always safe and always required. */
#ifndef PAIDAN_HTTP_H
#define PAIDAN_HTTP_H

#include <event2/event.h>
#include <event2/http.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "router.h"
#include "validate.h" /* enum input_kind */

struct app;
struct auth_user;
struct http_server;
struct http_arena;

struct request {
	struct evhttp_request *req;
	struct http_server *server;
	struct app *app; /* the application's context, handed to http_server_start; opaque here */
	char id[17];
	long long started_us;
	unsigned method; /* EVHTTP_REQ_* */
	char *path; /* decoded, without the query; owned */
	struct route_match match;
	/* Who is calling: set by the application's gate before the handler runs; never NULL then. */
	const struct auth_user *user;
	/* Handler-owned data, freed with the request by state_free when set. */
	void *state;
	void (*state_free)(void *state);
	/* Private to the engine. */
	struct http_arena *arena;
	struct evkeyvalq *query;
	char *body;
	size_t body_len;
	int stream_status;
	size_t stream_bytes;
};

/* Called for every request that matched a route; it must lead to exactly one reply
 * (normally by calling r->match.route->handler). */
typedef void (*http_gate)(struct request *r);

struct http_server_options {
	const char *listen; /* address:port */
	size_t max_header_bytes;
	size_t max_body_bytes; /* a route's body unless it has an allowance of its own (router.h) */
	size_t max_photo_body_bytes; /* the allowance of ROUTE_LIMIT_PHOTO routes */
	long timeout_s; /* idle read/write timeout */
	long max_connections;
	/* Writes the path as the access log shows it (secrets in paths redacted); NULL logs it as is. */
	void (*redact_path)(const char *path, char *out, size_t size);
	long header_timeout_s; /* a request head must arrive whole within this */
	long min_body_rate; /* bytes per second a body must average after that grace */
	/* Answers a request no route matched; NULL answers the JSON not_found error. */
	void (*not_found)(struct request *r);
};

/* Binds options->listen (SO_REUSEPORT, so several processes can share it) and serves
 * routes through gate; app is handed to every request. Returns NULL with a logged
 * reason on failure. routes must outlive the server. */
struct http_server *http_server_start(struct event_base *base, const struct http_server_options *options,
    const struct route *routes, size_t nroutes, http_gate gate, struct app *app);

/* Stops accepting; requests already in progress go on, and their replies ask to close. */
void http_server_stop_accepting(struct http_server *server);

/* True once http_server_stop_accepting ran. */
bool http_server_draining(const struct http_server *server);
/* Connections, evictions and refusals at the edge (http_guard.h), for /metrics. */
struct http_guard_stats;
void http_server_get_guard_stats(const struct http_server *server, struct http_guard_stats *stats);

/* Requests that have not been answered yet. */
int http_server_in_flight(const struct http_server *server);

/* Closes all connections and frees the server. */
void http_server_free(struct http_server *server);

/* Request memory: freed with the request, after its reply. Never NULL (aborts on exhaustion). */
void *http_alloc(struct request *r, size_t size);
char *http_strdup(struct request *r, const char *text);
char *http_strndup(struct request *r, const char *text, size_t len); /* text[0..len), terminated */
/* A handler's state: size bytes, zeroed, set as r->state and freed with the request by state_free
 * (NULL: plain free) after its last callback. Never NULL. */
void *http_state_new(struct request *r, size_t size, void (*state_free)(void *state));

/* Replies: each sends, logs, and frees r. Bodies passed in are taken over. */
void http_reply_json(struct request *r, int status, struct json_object *body);
void http_reply_json_text(struct request *r, int status, const char *text, size_t len);
void http_reply_text(struct request *r, int status, const char *content_type, const char *text, size_t len);
void http_reply_html(struct request *r, int status, const char *html, size_t len);
/* Replies with a file's contents (static files); fd is closed. */
void http_reply_file(struct request *r, int status, int fd, size_t size, const char *content_type);
/* Replies with no body (204, 304). */
void http_reply_empty(struct request *r, int status);
/* A streamed reply (CSV exports, live updates): start sends the head, chunks go out as they
 * come (chunked encoding), end logs and frees r. Once started, no other reply may be sent.
 * http_stream_client_gone tells when the client hung up, so the producer can stop early
 * (end must still be called). */
void http_stream_start(struct request *r, int status, const char *content_type);
void http_stream_chunk(struct request *r, const char *data, size_t len);
/* Sends what buf holds as one chunk and empties buf. */
void http_stream_chunk_buffer(struct request *r, struct evbuffer *buf);
bool http_stream_client_gone(const struct request *r);
void http_stream_end(struct request *r);
/* The error shape {"error": {"code", "message", "fields"?}}; fields (may be NULL) is taken over.
 * Errors are replied through the catalogue (api_error.h), which builds its bodies with this. */
struct json_object *http_error_body(const char *code, const char *message, struct json_object *fields);

/* Request headers and body. */
const char *http_header(const struct request *r, const char *name);
void http_set_header(struct request *r, const char *name, const char *value);
/* The body as a NUL-terminated string (owned by the request); *len excludes the NUL. */
const char *http_body(struct request *r, size_t *len);
/* True when the request's Content-Type is type (any parameters after it, such as charset, ignored). */
bool http_content_type_is(const struct request *r, const char *type);
/* The value of a query-string parameter, or NULL; decoded, owned by the request. */
const char *http_query_param(struct request *r, const char *name);

/* Parses the body as a JSON object (or, when allow_form, a urlencoded form into
 * an object of strings). On failure replies 400/415 and returns NULL. The
 * returned object is owned by the caller. */
struct json_object *http_parse_body(struct request *r, bool allow_form, enum input_kind *kind);

/* The text of a path parameter ({name}), or NULL. */
const char *http_path_param(const struct request *r, const char *name);

/* True when the client asked for HTML rather than JSON (a browser without JavaScript). */
bool http_wants_html(const struct request *r);

#endif
