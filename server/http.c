/* http: evhttp with limits set (it has none by default), one context per request, replies in one place. */
#include "http.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <sodium.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "json_io.h"
#include "log.h"
#include "routes.h"
#include "static_files.h"
#include "xalloc.h"

#define ACCEPT_PAUSE_MS 500
#define FD_CHECK_MS 250
/* Descriptors kept free for the database, log and files even at the connection cap. */
#define FD_RESERVE 64

/* The listener's callback argument belongs to evhttp; one server per process, so it lives here. */
static struct http_server *accepting_server;

struct http_server {
	struct app *app;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct evconnlistener *listener;
	struct event *resume_timer;
	struct event *fd_timer;
	bool paused_for_fds;
	long fd_limit;
	int in_flight;
	const struct route *routes;
	size_t nroutes;
};

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *
method_name(unsigned method)
{
	switch (method) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "OTHER";
	}
}

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

static void
request_free(struct request *r)
{
	if (r->state_free != NULL)
		r->state_free(r->state);
	if (r->query != NULL) {
		evhttp_clear_headers(r->query);
		free(r->query);
	}
	free(r->body);
	free(r->path);
	free(r->user.json);
	free(r);
}

static void
reply_written(struct evhttp_request *req, void *arg)
{
	struct http_server *server = arg;

	(void)req;
	server->in_flight--;
}

static void
log_request(struct request *r, int status, size_t bytes)
{
	char status_text[8], ms_text[24], bytes_text[24];

	snprintf(status_text, sizeof status_text, "%d", status);
	snprintf(ms_text, sizeof ms_text, "%.1f", (double)(now_us() - r->started_us) / 1000.0);
	snprintf(bytes_text, sizeof bytes_text, "%zu", bytes);
	log_info("request", "method", method_name(r->method), "path", r->path ? r->path : "?", "status", status_text,
	    "ms", ms_text, "bytes", bytes_text, "request_id", r->id);
}

/* Headers every reply carries, and the in-flight count kept until the reply is written. */
static void
prepare_reply(struct request *r, const char *content_type)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
	struct http_server *server = r->app->http;

	if (content_type != NULL)
		evhttp_add_header(out, "Content-Type", content_type);
	evhttp_add_header(out, "X-Request-Id", r->id);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (evhttp_find_header(out, "Cache-Control") == NULL)
		evhttp_add_header(out, "Cache-Control", "no-store");
	if (r->app->stopping)
		evhttp_add_header(out, "Connection", "close");
	/* A request counts as in flight until its reply is written out, so a shutdown waits for it;
	 * when the client is already gone libevent frees the request at once and never completes it. */
	if (evhttp_request_get_connection(r->req) != NULL)
		evhttp_request_set_on_complete_cb(r->req, reply_written, server);
	else
		server->in_flight--;
}

/* Sends the reply, writes the access-log line, frees r. */
static void
send_reply(struct request *r, int status, const char *content_type, struct evbuffer *body)
{
	size_t bytes = body ? evbuffer_get_length(body) : 0; /* sending drains the buffer */

	prepare_reply(r, content_type);
	/* evhttp 2.1 would send the body after a HEAD's headers: send only its length. */
	if (r->method == EVHTTP_REQ_HEAD && body != NULL) {
		char length[24];
		snprintf(length, sizeof length, "%zu", bytes);
		http_set_header(r, "Content-Length", length);
		body = NULL;
	}
	evhttp_send_reply(r->req, status, reason_phrase(status), body);
	log_request(r, status, bytes);
	request_free(r);
}

void
http_stream_start(struct request *r, int status, const char *content_type)
{
	prepare_reply(r, content_type);
	r->stream_status = status;
	evhttp_send_reply_start(r->req, status, reason_phrase(status));
}

void
http_stream_chunk(struct request *r, const char *data, size_t len)
{
	struct evbuffer *buf;

	if (len == 0)
		return;
	buf = evbuffer_new();
	evbuffer_add(buf, data, len);
	evhttp_send_reply_chunk(r->req, buf);
	evbuffer_free(buf);
	r->stream_bytes += len;
}

bool
http_stream_client_gone(const struct request *r)
{
	return evhttp_request_get_connection(r->req) == NULL;
}

void
http_stream_end(struct request *r)
{
	/* A client gone mid-stream never completes the request: count it out here. */
	if (evhttp_request_get_connection(r->req) == NULL)
		r->app->http->in_flight--;
	evhttp_send_reply_end(r->req);
	log_request(r, r->stream_status, r->stream_bytes);
	request_free(r);
}

void
http_reply_text(struct request *r, int status, const char *content_type, const char *text, size_t len)
{
	struct evbuffer *buf = evbuffer_new();

	evbuffer_add(buf, text, len);
	send_reply(r, status, content_type, buf);
	evbuffer_free(buf);
}

void
http_reply_json_text(struct request *r, int status, const char *text, size_t len)
{
	http_reply_text(r, status, "application/json; charset=utf-8", text, len);
}

void
http_reply_json(struct request *r, int status, struct json_object *body)
{
	size_t len;
	const char *text = json_text(body, &len);

	http_reply_json_text(r, status, text, len);
	json_object_put(body);
}

void
http_reply_html(struct request *r, int status, const char *html, size_t len)
{
	http_reply_text(r, status, "text/html; charset=utf-8", html, len);
}

void
http_reply_file(struct request *r, int status, int fd, size_t size, const char *content_type)
{
	struct evbuffer *buf = evbuffer_new();

	if (size > 0)
		evbuffer_add_file(buf, fd, 0, (ev_off_t)size);
	else
		close(fd);
	send_reply(r, status, content_type, buf);
	evbuffer_free(buf);
}

void
http_reply_empty(struct request *r, int status)
{
	send_reply(r, status, NULL, NULL);
}

struct json_object *
http_error_body(const char *code, const char *message, struct json_object *fields)
{
	struct json_object *error = json_object_new_object(), *body = json_object_new_object();

	json_object_object_add(error, "code", json_object_new_string(code));
	json_object_object_add(error, "message", json_object_new_string(message));
	if (fields != NULL)
		json_object_object_add(error, "fields", fields);
	json_object_object_add(body, "error", error);
	return body;
}

void
http_reply_error(struct request *r, int status, const char *code, const char *message, struct json_object *fields)
{
	http_reply_json(r, status, http_error_body(code, message, fields));
}

void
http_reply_field_errors(struct request *r, struct field_errors *errors)
{
	http_reply_error(
	    r, 422, "validation_failed", "请检查标出的项目 (some fields need fixing)", field_errors_take(errors));
}

/* "orders_community_id_fkey" → "community_id": the field a foreign key names. */
static void
constraint_field(const char *constraint, char *out, size_t size)
{
	const char *start = strchr(constraint, '_');
	const char *end = strstr(constraint, "_fkey");
	size_t n;

	out[0] = '\0';
	if (start == NULL || end == NULL || end <= start + 1)
		return;
	n = (size_t)(end - start - 1);
	if (n >= size)
		n = size - 1;
	memcpy(out, start + 1, n);
	out[n] = '\0';
}

void
http_reply_db_error(struct request *r, const struct db_reply *reply)
{
	const char *state = reply->sqlstate;

	if (reply->status == DB_UNAVAILABLE ||
	    (reply->status == DB_SQL_ERROR && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))) {
		log_warn("database unavailable", "request_id", r->id, "reason", reply->message);
		http_set_header(r, "Retry-After", "2");
		http_reply_error(r, 503, "database_unavailable",
		    "系统暂时无法使用，请稍后再试 (the database is unavailable; try again shortly)", NULL);
		return;
	}
	if (reply->status == DB_BUSY || strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
		log_warn("database busy", "request_id", r->id, "reason", reply->message, "sqlstate", state);
		http_set_header(r, "Retry-After", "1");
		http_reply_error(r, 503, "busy", "系统繁忙，请稍后再试 (busy; try again shortly)", NULL);
		return;
	}
	if (strcmp(state, "23503") == 0) {
		char field[64];
		struct json_object *fields = json_object_new_object();
		constraint_field(reply->constraint, field, sizeof field);
		json_object_object_add(
		    fields, field[0] ? field : "id", json_object_new_string("不存在 (does not exist)"));
		http_reply_error(
		    r, 422, "validation_failed", "引用的记录不存在 (a referenced record does not exist)", fields);
		return;
	}
	if (strcmp(state, "23505") == 0) {
		http_reply_error(r, 409, "conflict", "记录已存在 (already exists)", NULL);
		return;
	}
	if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0) {
		log_warn("database refused a value", "request_id", r->id, "reason", reply->message, "sqlstate", state);
		http_reply_error(r, 422, "validation_failed", "数据不符合要求 (a value was refused)", NULL);
		return;
	}
	log_error("database error", "request_id", r->id, "sqlstate", state, "reason", reply->message);
	http_reply_error(r, 500, "internal_error", "服务器内部错误 (internal error)", NULL);
}

void
http_reply_first_cell(struct request *r, const struct db_reply *reply, int status)
{
	const char *text;

	if (reply->status != DB_OK) {
		http_reply_db_error(r, reply);
		return;
	}
	text = PQgetvalue(reply->result, 0, 0);
	http_reply_json_text(r, status, text, strlen(text));
}

void
http_db_reply_ok(void *arg, const struct db_reply *reply)
{
	http_reply_first_cell(arg, reply, 200);
}

void
http_db_reply_created(void *arg, const struct db_reply *reply)
{
	http_reply_first_cell(arg, reply, 201);
}

const char *
http_header(const struct request *r, const char *name)
{
	return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

void
http_set_header(struct request *r, const char *name, const char *value)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);

	evhttp_remove_header(out, name);
	evhttp_add_header(out, name, value);
}

const char *
http_body(struct request *r, size_t *len)
{
	if (r->body == NULL) {
		struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
		r->body_len = evbuffer_get_length(in);
		r->body = xmalloc(r->body_len + 1);
		evbuffer_copyout(in, r->body, r->body_len);
		r->body[r->body_len] = '\0';
	}
	*len = r->body_len;
	return r->body;
}

const char *
http_query_param(struct request *r, const char *name)
{
	if (r->query == NULL) {
		const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->req));
		r->query = xcalloc(1, sizeof *r->query);
		TAILQ_INIT(r->query);
		if (query != NULL && evhttp_parse_query_str(query, r->query) < 0)
			evhttp_clear_headers(r->query);
	}
	return evhttp_find_header(r->query, name);
}

bool
http_wants_html(const struct request *r)
{
	const char *accept = http_header(r, "Accept");

	return accept != NULL && strstr(accept, "text/html") != NULL;
}

static bool
content_type_is(const char *header, const char *type)
{
	size_t n = strlen(type);

	return strncasecmp(header, type, n) == 0 && (header[n] == '\0' || header[n] == ';' || header[n] == ' ');
}

/* Form values arrive percent-encoded; a decoded NUL would silently cut a C string. */
static struct json_object *
parse_form(const char *body, size_t len, const char **problem)
{
	struct evkeyvalq fields;
	struct evkeyval *kv;
	struct json_object *obj;

	if (!utf8_valid(body, len) || strstr(body, "%00") != NULL || strlen(body) != len) {
		*problem = "表单内容无效 (the form data is not valid)";
		return NULL;
	}
	TAILQ_INIT(&fields);
	if (evhttp_parse_query_str(body, &fields) < 0) {
		evhttp_clear_headers(&fields);
		*problem = "表单内容无效 (the form data is not valid)";
		return NULL;
	}
	obj = json_object_new_object();
	TAILQ_FOREACH(kv, &fields, next)
	{
		if (!utf8_valid(kv->value, strlen(kv->value)) || !utf8_valid(kv->key, strlen(kv->key))) {
			json_object_put(obj);
			evhttp_clear_headers(&fields);
			*problem = "表单内容不是有效的 UTF-8 (the form data is not valid UTF-8)";
			return NULL;
		}
		json_object_object_add(obj, kv->key, json_object_new_string(kv->value));
	}
	evhttp_clear_headers(&fields);
	return obj;
}

struct json_object *
http_parse_body(struct request *r, bool allow_form, enum input_kind *kind)
{
	const char *type = http_header(r, "Content-Type");
	const char *problem = NULL;
	struct json_object *obj;
	size_t len;
	const char *body = http_body(r, &len);

	*kind = INPUT_JSON;
	if (type != NULL && allow_form && content_type_is(type, "application/x-www-form-urlencoded")) {
		*kind = INPUT_FORM;
		obj = parse_form(body, len, &problem);
	} else if (type == NULL || content_type_is(type, "application/json")) {
		obj = json_parse_object(body, len, &problem);
	} else {
		http_reply_error(r, 415, "unsupported_media_type",
		    allow_form ? "请以 application/json 或表单格式提交 (send application/json or a form)"
		               : "请以 application/json 格式提交 (send application/json)",
		    NULL);
		return NULL;
	}
	if (obj == NULL)
		http_reply_error(r, 400, "invalid_json", problem, NULL);
	return obj;
}

const char *
http_path_id(const struct request *r, const char *name)
{
	return route_param(&r->match, name);
}

/* Every path parameter named "id" or "…_id" must be a positive id, for every route, before any
 * handler or session look-up runs; replies 400 naming the first bad one. */
static bool
path_ids_valid(struct request *r)
{
	for (int i = 0; i < r->match.nparams; i++) {
		size_t n = r->match.name_lens[i];
		const char *name = r->match.names[i];
		int64_t id;
		char field[ROUTE_MAX_PARAM_LEN];
		struct json_object *fields;

		if (!((n == 2 && strncmp(name, "id", 2) == 0) || (n > 3 && strncmp(name + n - 3, "_id", 3) == 0)))
			continue;
		if (parse_id(r->match.values[i], &id))
			continue;
		snprintf(field, sizeof field, "%.*s", (int)n, name);
		fields = json_object_new_object();
		json_object_object_add(
		    fields, field, json_object_new_string("应为正整数编号 (must be a positive whole number)"));
		http_reply_error(r, 400, "invalid_parameter", "路径中的编号无效 (invalid id in the path)", fields);
		return false;
	}
	return true;
}

static int
count_headers(struct evkeyvalq *headers, const char *name)
{
	struct evkeyval *kv;
	int n = 0;

	TAILQ_FOREACH(kv, headers, next)
	if (strcasecmp(kv->key, name) == 0)
		n++;
	return n;
}

static void
handle_request(struct evhttp_request *req, void *arg)
{
	struct http_server *server = arg;
	struct request *r = xcalloc(1, sizeof *r);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw_path = uri ? evhttp_uri_get_path(uri) : NULL;
	unsigned char random_id[8];
	size_t decoded_len = 0;

	r->req = req;
	r->app = server->app;
	r->started_us = now_us();
	r->method = (unsigned)evhttp_request_get_command(req);
	randombytes_buf(random_id, sizeof random_id);
	sodium_bin2hex(r->id, sizeof r->id, random_id, sizeof random_id);
	server->in_flight++;

	if (raw_path == NULL || *raw_path == '\0')
		raw_path = "/";
	r->path = evhttp_uridecode(raw_path, 0, &decoded_len);
	if (r->path == NULL || strlen(r->path) != decoded_len || !utf8_valid(r->path, decoded_len)) {
		free(r->path);
		r->path = xstrdup("?");
		http_reply_error(r, 400, "invalid_path", "路径无效 (invalid path)", NULL);
		return;
	}
	/* evhttp reads the body by the first Content-Length: two of them is a smuggling attempt. */
	if (count_headers(evhttp_request_get_input_headers(req), "Content-Length") > 1) {
		http_set_header(r, "Connection", "close");
		http_reply_error(r, 400, "bad_request", "重复的 Content-Length (duplicate Content-Length)", NULL);
		return;
	}

	switch (router_match(server->routes, server->nroutes, r->method, r->path, &r->match)) {
	case ROUTE_FOUND:
		if (path_ids_valid(r))
			r->match.route->handler(r);
		return;
	case ROUTE_METHOD_NOT_ALLOWED:
		http_reply_error(r, 405, "method_not_allowed", "不支持该请求方法 (method not allowed)", NULL);
		return;
	case ROUTE_NOT_FOUND: break;
	}
	if (strncmp(r->path, "/api/", 5) != 0 && (r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD)) {
		static_files_serve(r);
		return;
	}
	http_reply_error(r, 404, "not_found", "没有这个地址 (not found)", NULL);
}

static void
resume_accepting(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *server = accepting_server;

	(void)fd;
	(void)what;
	(void)arg;
	if (server->listener != NULL && !server->paused_for_fds)
		evconnlistener_enable(server->listener);
}

/* Out of file descriptors: stop accepting for a moment rather than spin on accept(). */
static void
accept_error(struct evconnlistener *listener, void *arg)
{
	struct http_server *server = accepting_server;
	struct timeval pause = {0, ACCEPT_PAUSE_MS * 1000};
	int err = EVUTIL_SOCKET_ERROR();

	(void)arg;
	log_warn("accept failed; pausing", "reason", evutil_socket_error_to_string(err));
	evconnlistener_disable(listener);
	evtimer_add(server->resume_timer, &pause);
}

static int
open_descriptors(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (dir == NULL)
		return 0;
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return n;
}

/* evhttp 2.1 has no connection cap: count descriptors, stop accepting near the limit and
 * start again once a tenth of the room is back. */
static void
fd_check(evutil_socket_t fd, short what, void *arg)
{
	struct http_server *server = arg;
	int open = open_descriptors();

	(void)fd;
	(void)what;
	if (server->listener == NULL)
		return;
	if (!server->paused_for_fds && open >= server->fd_limit) {
		server->paused_for_fds = true;
		evconnlistener_disable(server->listener);
		log_warn("connection limit reached; not accepting for now");
	} else if (server->paused_for_fds && open < server->fd_limit - server->fd_limit / 10) {
		server->paused_for_fds = false;
		evconnlistener_enable(server->listener);
		log_info("accepting connections again");
	}
}

struct http_server *
http_server_start(struct app *app)
{
	struct timeval fd_tick = {0, FD_CHECK_MS * 1000};
	struct rlimit rl;
	const struct config *cfg = app->cfg;
	struct http_server *server = xcalloc(1, sizeof *server);
	struct sockaddr_storage addr;
	int addr_len = sizeof addr;

	server->app = app;
	server->routes = routes_table(&server->nroutes);
	if (evutil_parse_sockaddr_port(cfg->listen, (struct sockaddr *)&addr, &addr_len) < 0) {
		log_error("cannot parse listen address", "listen", cfg->listen);
		free(server);
		return NULL;
	}
	server->listener = evconnlistener_new_bind(app->base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 1024,
	    (struct sockaddr *)&addr, addr_len);
	if (server->listener == NULL) {
		log_error("cannot listen", "listen", cfg->listen, "reason",
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		free(server);
		return NULL;
	}
	server->http = evhttp_new(app->base);
	evhttp_set_max_headers_size(server->http, (ev_ssize_t)cfg->max_header_bytes);
	evhttp_set_max_body_size(server->http, (ev_ssize_t)cfg->max_body_bytes);
	evhttp_set_timeout(server->http, (int)cfg->http_timeout_s);
	evhttp_set_flags(server->http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_allowed_methods(server->http,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
	        EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(server->http, handle_request, server);
	server->bound = evhttp_bind_listener(server->http, server->listener);
	server->resume_timer = evtimer_new(app->base, resume_accepting, server);
	accepting_server = server;
	evconnlistener_set_error_cb(server->listener, accept_error);
	server->fd_limit = cfg->max_connections + FD_RESERVE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur - FD_RESERVE < server->fd_limit)
		server->fd_limit = (long)rl.rlim_cur - FD_RESERVE;
	server->fd_timer = event_new(app->base, -1, EV_PERSIST, fd_check, server);
	event_add(server->fd_timer, &fd_tick);
	log_info("listening", "listen", cfg->listen);
	return server;
}

void
http_server_stop_accepting(struct http_server *server)
{
	if (server->bound != NULL) {
		evhttp_del_accept_socket(server->http, server->bound);
		server->bound = NULL;
		server->listener = NULL;
	}
}

int
http_server_in_flight(const struct http_server *server)
{
	return server->in_flight;
}

void
http_server_free(struct http_server *server)
{
	if (server == NULL)
		return;
	http_server_stop_accepting(server);
	evhttp_free(server->http);
	event_free(server->resume_timer);
	event_free(server->fd_timer);
	free(server);
}
