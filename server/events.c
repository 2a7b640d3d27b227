/* events: GET /api/v1/events — Server-Sent Events of the orders a user may see.
 *
 * Each process LISTENs on one dedicated connection (db_listen); every audit event is announced
 * by a trigger with the order's scope columns, and fanned out here to the streams whose user may
 * see that order. A reconnecting client sends Last-Event-ID and first gets what it missed. */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/http.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "scope.h"
#include "validate.h"
#include "xalloc.h"

#define EVENTS_CHANNEL "paidan_events"
#define HEARTBEAT_S 15
#define MAX_STREAMS 2000
#define MAX_TEAMS 32

/* What a client missed: events after its last one (and the few seconds before it, since ids
 * are handed out before commit and may arrive out of order), on orders it may see now. */
static struct db_statement resume_statement = DB_STATEMENT("events_resume",
    "SELECT (SELECT COALESCE(array_agg(m.team_id ORDER BY m.team_id), '{}')"
    "          FROM team_members m WHERE $2::text = 'volunteer' AND m.volunteer_id = $3::bigint)::text,"
    "       COALESCE((SELECT json_agg(x ORDER BY x.event_id) FROM ("
    "         SELECT e.id AS event_id, e.order_id, e.action, e.from_state AS \"from\", e.to_state AS state, e.at"
    "           FROM order_events e JOIN orders o ON o.id = e.order_id"
    "          WHERE $1::bigint IS NOT NULL AND e.id <> $1::bigint"
    "            AND (e.id > $1::bigint OR e.at >= (SELECT p.at - interval '2 seconds'"
    "                                                FROM order_events p WHERE p.id = $1::bigint))"
    "            AND paidan_order_visible(o, $2::text, $3::bigint)"
    "          ORDER BY e.id LIMIT 1000) x), '[]'::json)::text",
    3);

struct stream {
	struct stream *prev, *next;
	struct events *events;
	struct request *r;
	struct evhttp_connection *connection;
	enum user_role role;
	int64_t scope_id;
	int64_t user_id;
	char session[65]; /* the session the stream lives on: it ends with it */
	int64_t expires_at;
	int64_t teams[MAX_TEAMS]; /* a volunteer's teams */
	int nteams;
};

struct events {
	struct app *app;
	struct stream *streams;
	int count;
	struct event *heartbeat;
	struct event *expiry; /* every second: streams whose session expired end */
};

static struct events *the_events; /* one per process: the route handler reaches it through here */

static void
stream_unlink(struct stream *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		s->events->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->events->count--;
}

/* Ends the stream: the reply is finished (which frees the request) and the stream forgotten. */
static void
stream_close(struct stream *s)
{
	stream_unlink(s);
	if (s->connection != NULL)
		evhttp_connection_set_closecb(s->connection, NULL, NULL);
	http_stream_end(s->r);
	free(s);
}

static void
stream_connection_closed(struct evhttp_connection *connection, void *arg)
{
	struct stream *s = arg;

	(void)connection;
	s->connection = NULL;
	stream_close(s);
}

/* The note carries the order's scope columns and the teams it is offered to; a volunteer's teams
 * were read when the stream opened. (Whether the volunteer has a service record on the order is not
 * in the note: such a volunteer sees the change in the order list, not live.) */
static bool
stream_may_see(const struct stream *s, struct json_object *note)
{
	struct json_object *v;
	struct scope_order order = {0};

	if (json_object_object_get_ex(note, "community_id", &v))
		order.community_id = json_object_get_int64(v);
	if (json_object_object_get_ex(note, "department_id", &v))
		order.department_id = json_object_get_int64(v);
	if (json_object_object_get_ex(note, "team_id", &v))
		order.team_id = json_object_get_int64(v);
	if (s->role == ROLE_TEAM && json_object_object_get_ex(note, "offered", &v) &&
	    json_object_is_type(v, json_type_array))
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (json_object_get_int64(json_object_array_get_idx(v, i)) == s->scope_id)
				order.offered_to_caller = true;
	if (s->role == ROLE_VOLUNTEER)
		for (int i = 0; i < s->nteams; i++)
			if (order.team_id != 0 && s->teams[i] == order.team_id)
				order.caller_in_team = true;
	return scope_may_see(s->role, s->scope_id, &order);
}

/* Writes one SSE message; data holds only what a client needs, never the scope columns. */
static void
stream_send_event(struct stream *s, struct json_object *e)
{
	static const char *keys[] = {"event_id", "order_id", "action", "from", "state", "at"};
	struct json_object *data = json_object_new_object(), *v;
	const char *text;
	char head[64];
	size_t len;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (json_object_object_get_ex(e, keys[i], &v))
			json_object_object_add(data, keys[i], json_object_get(v));
	text = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	len = (size_t)snprintf(head, sizeof head, "id: %lld\nevent: order\ndata: ",
	    json_object_object_get_ex(e, "event_id", &v) ? (long long)json_object_get_int64(v) : 0LL);
	http_stream_chunk(s->r, head, len);
	http_stream_chunk(s->r, text, strlen(text));
	http_stream_chunk(s->r, "\n\n", 2);
	json_object_put(data);
}

/* A session ended (log out, password changed or reset) or an account was disabled: the streams
 * living on it end now (sql/055_session_end.sql announces these on the same channel). True when
 * the note was one of those. */
static bool
events_session_note(struct events *ev, struct json_object *note)
{
	struct json_object *v;
	const char *session = NULL;
	int64_t user = 0;

	if (json_object_object_get_ex(note, "session_ended", &v))
		session = json_object_get_string(v);
	else if (json_object_object_get_ex(note, "user_disabled", &v))
		user = json_object_get_int64(v);
	else
		return false;
	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		if ((session != NULL && strcmp(s->session, session) == 0) || (user != 0 && s->user_id == user))
			stream_close(s);
	}
	return true;
}

static void
events_notified(void *arg, const char *payload)
{
	struct events *ev = arg;
	struct json_object *note = json_tokener_parse(payload);

	if (note == NULL)
		return;
	if (events_session_note(ev, note)) {
		json_object_put(note);
		return;
	}
	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		if (stream_may_see(s, note))
			stream_send_event(s, note);
	}
	json_object_put(note);
}

/* The LISTEN came (back) up: anything announced meanwhile is lost, so tell clients to catch up
 * by reconnecting with their Last-Event-ID. */
static void
events_listening(void *arg)
{
	struct events *ev = arg;

	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		stream_close(s);
	}
}

static void
heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;

	(void)fd;
	(void)what;
	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		if (http_stream_client_gone(s->r))
			stream_close(s);
		else
			http_stream_chunk(s->r, ": ping\n\n", 8);
	}
}

static void
expiry_check(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;
	int64_t now = (int64_t)time(NULL);

	(void)fd;
	(void)what;
	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		if (s->expires_at <= now)
			stream_close(s);
	}
}

struct events *
events_start(struct app *app)
{
	struct events *ev = xcalloc(1, sizeof *ev);
	struct timeval tick = {HEARTBEAT_S, 0}, second = {1, 0};

	ev->app = app;
	ev->heartbeat = event_new(app->base, -1, EV_PERSIST, heartbeat, ev);
	event_add(ev->heartbeat, &tick);
	ev->expiry = event_new(app->base, -1, EV_PERSIST, expiry_check, ev);
	event_add(ev->expiry, &second);
	db_listen(app->db, EVENTS_CHANNEL, events_notified, events_listening, ev);
	the_events = ev;
	return ev;
}

void
events_close_streams(struct events *ev)
{
	if (ev == NULL)
		return;
	while (ev->streams != NULL)
		stream_close(ev->streams);
}

void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	events_close_streams(ev);
	event_free(ev->heartbeat);
	event_free(ev->expiry);
	if (the_events == ev)
		the_events = NULL;
	free(ev);
}

static void
resume_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct events *ev = the_events;
	struct json_object *missed;
	struct stream *s;
	const char *teams;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (ev == NULL || r->app->stopping) {
		http_set_header(r, "Retry-After", "2");
		api_error_reply(r, API_ERROR_RESTARTING, NULL);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->events = ev;
	s->r = r;
	s->role = r->user->role;
	s->scope_id = r->user->scope_id;
	s->user_id = r->user->id;
	s->expires_at = r->user->expires_at;
	snprintf(s->session, sizeof s->session, "%s", r->user->session);
	/* A PostgreSQL array literal of ids: "{3,7}". */
	teams = PQgetvalue(reply->result, 0, 0);
	while (*teams && s->nteams < MAX_TEAMS) {
		char *end;
		if (*teams < '0' || *teams > '9') {
			teams++;
			continue;
		}
		s->teams[s->nteams++] = strtoll(teams, &end, 10);
		teams = end;
	}
	http_set_header(r, "Cache-Control", "no-cache");
	http_set_header(r, "X-Accel-Buffering", "no");
	http_stream_start(r, 200, "text/event-stream; charset=utf-8");
	http_stream_chunk(r, "retry: 3000\n\n", 13);
	missed = json_tokener_parse(PQgetvalue(reply->result, 0, 1));
	for (size_t i = 0; missed != NULL && i < json_object_array_length(missed); i++)
		stream_send_event(s, json_object_array_get_idx(missed, i));
	json_object_put(missed);
	s->next = ev->streams;
	if (ev->streams)
		ev->streams->prev = s;
	ev->streams = s;
	ev->count++;
	s->connection = evhttp_request_get_connection(r->req);
	if (s->connection == NULL) {
		stream_close(s);
		return;
	}
	evhttp_connection_set_closecb(s->connection, stream_connection_closed, s);
	/* A stream is quiet on the client's side for hours: no read timeout, but a client that stops
	 * reading still hits the write timeout. */
	{
		struct timeval write_timeout = {r->app->cfg->http_timeout_s, 0};
		bufferevent_set_timeouts(evhttp_connection_get_bufferevent(s->connection), NULL, &write_timeout);
	}
}

void
events_stream(struct request *r)
{
	const char *last = http_header(r, "Last-Event-ID");
	char scope[24];
	int64_t last_id;
	const char *values[3] = {NULL, user_role_name(r->user->role), scope};

	if (the_events == NULL || the_events->count >= MAX_STREAMS) {
		http_set_header(r, "Retry-After", "5");
		api_error_reply(r, API_ERROR_TOO_MANY_STREAMS, NULL);
		return;
	}
	if (last == NULL)
		last = http_query_param(r, "last_event_id");
	if (last != NULL && *last) {
		if (!parse_id(last, &last_id)) {
			struct json_object *fields = json_object_new_object();
			json_object_object_add(
			    fields, "Last-Event-ID", json_object_new_string("应为正整数 (a positive number)"));
			api_error_reply(r, API_ERROR_LAST_EVENT_ID_INVALID, fields);
			return;
		}
		values[0] = last;
	}
	snprintf(scope, sizeof scope, "%lld", (long long)r->user->scope_id);
	db_query(r->app->db, &resume_statement, values, resume_done, r);
}
