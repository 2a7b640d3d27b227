/* http: the evhttp server — limits, routing, one request context per request, replies, access log.
 *
 * A request gets exactly one reply through one of the http_reply_* functions,
 * which also writes the access-log line and frees the context. If the client
 * hung up meanwhile, libevent keeps the request until then, so replying is
 * always safe and always required. */
#ifndef PAIDAN_HTTP_H
#define PAIDAN_HTTP_H

#include <event2/http.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth_user.h"
#include "router.h"
#include "validate.h"

struct app;
struct db_reply;

struct request {
	struct evhttp_request *req;
	struct app *app;
	char id[17];
	long long started_us;
	unsigned method; /* EVHTTP_REQ_* */
	char *path; /* decoded, without the query; owned */
	struct route_match match;
	/* Set by auth_require before it resumes the handler. */
	struct auth_user user;
	unsigned auth_roles;
	void (*resume)(struct request *r);
	/* Handler-owned data, freed with the request by state_free when set. */
	void *state;
	void (*state_free)(void *state);
	/* Private to http.c. */
	struct evkeyvalq *query;
	char *body;
	size_t body_len;
	int stream_status;
	size_t stream_bytes;
};

struct http_server;

/* Binds cfg->listen (SO_REUSEPORT, so several processes can share it) and
 * serves app's routes. Returns NULL with a logged reason on failure. */
struct http_server *http_server_start(struct app *app);

/* Stops accepting; requests already in progress go on. */
void http_server_stop_accepting(struct http_server *server);

/* Requests that have not been answered yet. */
int http_server_in_flight(const struct http_server *server);

/* Closes all connections and frees the server. */
void http_server_free(struct http_server *server);

/* Replies: each sends, logs, and frees r. Bodies passed in are taken over. */
void http_reply_json(struct request *r, int status, struct json_object *body);
void http_reply_json_text(struct request *r, int status, const char *text, size_t len);
void http_reply_text(struct request *r, int status, const char *content_type, const char *text, size_t len);
void http_reply_html(struct request *r, int status, const char *html, size_t len);
/* Replies with a file's contents (static files); fd is closed. */
void http_reply_file(struct request *r, int status, int fd, size_t size, const char *content_type);
/* Replies with no body (204, 304). */
void http_reply_empty(struct request *r, int status);
/* A streamed reply (CSV exports): start sends the head, chunks go out as they come
 * (chunked encoding), end logs and frees r. Once started, no other reply may be sent.
 * http_stream_client_gone tells when the client hung up, so the producer can stop early
 * (end must still be called). */
void http_stream_start(struct request *r, int status, const char *content_type);
void http_stream_chunk(struct request *r, const char *data, size_t len);
bool http_stream_client_gone(const struct request *r);
void http_stream_end(struct request *r);
/* {"error": {"code", "message", "fields"?}}; fields (may be NULL) is taken over. */
void http_reply_error(struct request *r, int status, const char *code, const char *message, struct json_object *fields);
/* The error body, for handlers that add to it (409's "state") before replying. */
struct json_object *http_error_body(const char *code, const char *message, struct json_object *fields);
/* Maps a failed database reply to 503/409/422/500 (SQLSTATEs mapped here only). */
void http_reply_db_error(struct request *r, const struct db_reply *reply);
/* The statement's first cell is the JSON body: replies it with status, or maps a failed reply
 * like http_reply_db_error. The two callbacks do that with 200 and 201 for db_query(…, r). */
void http_reply_first_cell(struct request *r, const struct db_reply *reply, int status);
void http_db_reply_ok(void *arg, const struct db_reply *reply);
void http_db_reply_created(void *arg, const struct db_reply *reply);
/* 422 validation_failed with the collected field errors. */
void http_reply_field_errors(struct request *r, struct field_errors *errors);

/* Request headers and body. */
const char *http_header(const struct request *r, const char *name);
void http_set_header(struct request *r, const char *name, const char *value);
/* The body as a NUL-terminated string (owned by the request); *len excludes the NUL. */
const char *http_body(struct request *r, size_t *len);
/* The value of a query-string parameter, or NULL; decoded, owned by the request. */
const char *http_query_param(struct request *r, const char *name);

/* Parses the body as a JSON object (or, when allow_form, a urlencoded form into
 * an object of strings). On failure replies 400/415 and returns NULL. The
 * returned object is owned by the caller. */
struct json_object *http_parse_body(struct request *r, bool allow_form, enum input_kind *kind);

/* The text of an id path parameter ({id}, {…_id}). Every such parameter was checked to be a
 * positive id (1..2^53, digits only) before the handler ran, so it can go to SQL as it is. */
const char *http_path_id(const struct request *r, const char *name);

/* True when the client asked for HTML rather than JSON (a browser without JavaScript). */
bool http_wants_html(const struct request *r);

#endif
