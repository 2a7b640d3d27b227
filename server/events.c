/* events: GET /api/v1/events — Server-Sent Events of the orders a user may see.
 *
 * event_feed.c reads each new order event once per process; here each is fanned out to the streams
 * whose user may see that order: the message is written once and the same bytes go to every such
 * stream. A stream ends with its session (a note on EVENTS_CHANNEL, sql/055_session_end.sql). */
#include "events.h"
#include "events_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "api_error.h"
#include "app.h"
#include "auth_user.h"
#include "config.h"
#include "db.h"
#include "event_batch.h"
#include "event_feed.h"
#include "http.h"
#include "query.h"
#include "session_cache.h"
#include "xalloc.h"

#define EVENTS_CHANNEL "paidan_events" /* session ends only (sql/055) */
#define HEARTBEAT_S 15
/* A few phones and consoles per account; more is a script or a leak, and must not crowd out others. */
#define MAX_STREAMS_PER_USER 16
/* Streams written per loop turn in a flush: thousands of writes at once would hold up requests. */
#define FLUSH_SLICE 256

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
	int64_t teams[EVENT_READER_MAX_TEAMS]; /* a volunteer's teams */
	int nteams;
	int64_t order_id; /* a resident's stream: this order's events only (no user, no session) */
};

struct events {
	struct app *app;
	struct stream *streams;
	int count;
	int max_streams;
	struct event *heartbeat;
	struct event *expiry; /* every second: streams whose session expired end */
	struct event *flush; /* sends the batch, one chunk per stream, a slice of streams per turn */
	bool flush_scheduled;
	struct event_batch *batch; /* events since the last flush began */
	struct event_batch *flushing; /* the events of the flush under way */
	struct stream *cursor; /* the next stream of the flush under way */
	bool in_flush;
	struct evbuffer *scratch;
	struct event_feed *feed;
	unsigned long refused_process, refused_user;
};

static struct events *the_events; /* one per process: the route handler reaches it through here */

static void
stream_unlink(struct stream *s)
{
	if (s->events->cursor == s)
		s->events->cursor = s->next;
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

/* Sends one event of a resume (a json-c object with exactly the client's keys). */
static void
stream_send_object(struct stream *s, struct json_object *e)
{
	struct json_object *v;
	const char *text = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int64_t id = json_object_object_get_ex(e, "event_id", &v) ? json_object_get_int64(v) : 0;
	size_t len;
	char *message = event_message_format(id, text, strlen(text), &len);

	http_stream_chunk(s->r, message, len);
	free(message);
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

	if (json_object_object_get_ex(note, "session_ended", &v)) {
		session = json_object_get_string(v);
		session_cache_forget_session(session);
	} else if (json_object_object_get_ex(note, "user_disabled", &v)) {
		user = json_object_get_int64(v);
		session_cache_forget_user(user);
	} else if (json_object_object_get_ex(note, "user_changed", &v)) {
		/* A new role or scope (sql/023): the next request looks the session up again, and the
		 * user's streams end so that their clients reconnect with it. */
		user = json_object_get_int64(v);
		session_cache_forget_user(user);
	} else
		return false;
	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		if (s->order_id != 0)
			continue; /* a resident's stream has no session */
		if ((session != NULL && strcmp(s->session, session) == 0) || (user != 0 && s->user_id == user))
			stream_close(s);
	}
	return true;
}

/* With thousands of streams open, their writes, not the database, limit the orders a second: events
 * are batched (event_batch.h) and each stream gets one chunk per flush, which waits longer the more
 * streams are open (none below FLUSH_STREAMS_PER_MS streams, at most FLUSH_MAX_MS) and writes
 * FLUSH_SLICE streams per loop turn. Events that arrive during a flush wait for the next one. */
#define FLUSH_STREAMS_PER_MS 40
#define FLUSH_MAX_MS 50
static void
flush_schedule(struct events *ev, bool now)
{
	int ms = ev->count / FLUSH_STREAMS_PER_MS < FLUSH_MAX_MS ? ev->count / FLUSH_STREAMS_PER_MS : FLUSH_MAX_MS;
	struct timeval delay = {0, now ? 0 : ms * 1000};

	evtimer_add(ev->flush, &delay);
	ev->flush_scheduled = true;
}

static void
flush(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;
	int written = 0;

	(void)fd;
	(void)what;
	ev->flush_scheduled = false;
	if (!ev->in_flush) {
		struct event_batch *next = ev->flushing;
		ev->flushing = ev->batch;
		ev->batch = next;
		ev->cursor = ev->streams;
		ev->in_flush = true;
	}
	while (ev->cursor != NULL && written < FLUSH_SLICE) {
		struct stream *s = ev->cursor;
		/* A volunteer's teams were read when the stream opened; a service record of theirs on an
		 * order is not in the event's scope: they see such a change in the order list. */
		struct event_reader reader = {.role = s->role,
		    .scope_id = s->scope_id,
		    .order_id = s->order_id,
		    .teams = s->teams,
		    .nteams = s->nteams};
		ev->cursor = s->next;
		if (event_batch_chunk(ev->flushing, &reader, ev->scratch) > 0) {
			http_stream_chunk_buffer(s->r, ev->scratch); /* may find the client gone and close s */
			written++;
		}
	}
	if (ev->cursor != NULL) {
		flush_schedule(ev, true); /* the next slice, after what else waits on the loop */
		return;
	}
	event_batch_clear(ev->flushing);
	ev->in_flush = false;
	if (event_batch_count(ev->batch) > 0)
		flush_schedule(ev, false);
}

/* One new event of the log, for the streams that may see its order: into the batch. */
static void
deliver(void *arg, int64_t id, const struct event_scope *scope, const char *data, size_t data_len)
{
	struct events *ev = arg;

	if (ev->streams == NULL)
		return;
	event_batch_add(ev->batch, id, scope, data, data_len);
	if (!ev->flush_scheduled && !ev->in_flush)
		flush_schedule(ev, false);
}

static bool
listened(void *arg)
{
	const struct events *ev = arg;

	return ev->count > 0;
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

/* A session note (sql/055_session_end.sql): the streams of an ended session or a disabled account end. */
static void
events_notified(void *arg, const char *payload)
{
	struct events *ev = arg;
	struct json_object *note = json_tokener_parse(payload);

	if (note == NULL)
		return;
	events_session_note(ev, note);
	json_object_put(note);
}

/* While LISTEN was down a session end may have been missed: end every stream; clients reconnect. */
static void
events_listening(void *arg)
{
	struct events *ev = arg;

	session_cache_forget_all();
	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		stream_close(s);
	}
}

struct events *
events_start(struct app *app)
{
	struct events *ev = xcalloc(1, sizeof *ev);
	struct timeval tick = {HEARTBEAT_S, 0}, second = {1, 0};

	ev->app = app;
	ev->max_streams = (int)app->cfg->max_streams;
	ev->heartbeat = event_new(app->base, -1, EV_PERSIST, heartbeat, ev);
	event_add(ev->heartbeat, &tick);
	ev->expiry = event_new(app->base, -1, EV_PERSIST, expiry_check, ev);
	event_add(ev->expiry, &second);
	ev->flush = evtimer_new(app->base, flush, ev);
	ev->batch = event_batch_new();
	ev->flushing = event_batch_new();
	ev->scratch = evbuffer_new();
	ev->feed = event_feed_start(app->db, app->base, deliver, listened, ev);
	/* Order events are read by id (no pg_notify in their commits); only the rare session ends
	 * (logout, a disabled account, a password reset) are announced, so streams end within seconds. */
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
	event_free(ev->flush);
	event_batch_free(ev->batch);
	event_batch_free(ev->flushing);
	evbuffer_free(ev->scratch);
	event_feed_free(ev->feed);
	if (the_events == ev)
		the_events = NULL;
	free(ev);
}

bool
events_room(void)
{
	return the_events != NULL && the_events->count < the_events->max_streams;
}

/* The process's cap (--max-streams) is reached: 503, try again in a few seconds. */
void
events_refuse_full(struct request *r)
{
	if (the_events != NULL)
		the_events->refused_process++;
	http_set_header(r, "Retry-After", "5");
	api_error_reply(r, API_ERROR_TOO_MANY_STREAMS, NULL);
}

/* Opens the stream described by proto for r: the head, the events it missed (a JSON array, may be
 * NULL), then it joins the list. Replies 503 when the process is stopping or full. */
static void
stream_open(struct request *r, const struct stream *proto, const char *missed_json)
{
	struct events *ev = the_events;
	struct json_object *missed;
	struct stream *s;

	if (ev == NULL || r->app->stopping) {
		http_set_header(r, "Retry-After", "2");
		api_error_reply(r, API_ERROR_RESTARTING, NULL);
		return;
	}
	if (!events_room()) { /* others got in while this one was being looked up */
		events_refuse_full(r);
		return;
	}
	s = xmalloc(sizeof *s);
	*s = *proto;
	s->prev = s->next = NULL;
	s->events = ev;
	s->r = r;
	http_set_header(r, "Cache-Control", "no-cache");
	http_set_header(r, "X-Accel-Buffering", "no");
	http_stream_start(r, 200, "text/event-stream; charset=utf-8");
	http_stream_chunk(r, "retry: 3000\n\n", 13);
	missed = missed_json != NULL ? json_tokener_parse(missed_json) : NULL;
	for (size_t i = 0; missed != NULL && i < json_object_array_length(missed); i++)
		stream_send_object(s, json_object_array_get_idx(missed, i));
	json_object_put(missed);
	s->next = ev->streams;
	if (ev->streams)
		ev->streams->prev = s;
	ev->streams = s;
	if (ev->count++ == 0)
		event_feed_wake(ev->feed); /* from the idle pace to the live one */
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

/* A few phones and consoles per account (or per resident key); past that, 429 and false. */
bool
events_room_for_one_more(struct request *r, int64_t user_id, int64_t order_id)
{
	int n = 0;

	for (const struct stream *s = the_events->streams; s != NULL; s = s->next)
		n += user_id != 0 ? s->user_id == user_id : s->order_id == order_id;
	if (n < MAX_STREAMS_PER_USER)
		return true;
	the_events->refused_user++;
	http_set_header(r, "Retry-After", "30");
	api_error_reply(r, API_ERROR_TOO_MANY_STREAMS_FOR_USER, NULL);
	return false;
}

void
events_get_stats(struct events_stats *stats)
{
	const struct events *ev = the_events;

	stats->streams = ev ? ev->count : 0;
	stats->refused_process = ev ? ev->refused_process : 0;
	stats->refused_user = ev ? ev->refused_user : 0;
}

/* A signed-in user's stream; teams_text (a volunteer's teams) and missed_json may be NULL. */
void
events_open_user(struct request *r, const char *teams_text, const char *missed_json)
{
	struct stream proto = {0};

	proto.role = r->user->role;
	proto.scope_id = r->user->scope_id;
	proto.user_id = r->user->id;
	proto.expires_at = r->user->expires_at;
	snprintf(proto.session, sizeof proto.session, "%s", r->user->session);
	proto.nteams = query_id_array(teams_text, proto.teams, EVENT_READER_MAX_TEAMS); /* NULL: none */
	stream_open(r, &proto, missed_json);
}

void
events_stream_order(struct request *r, int64_t order_id, int64_t until, const char *missed_json)
{
	struct stream proto = {0};

	/* One key opens at most as many streams as one account: the process's cap is for everyone. */
	if (the_events != NULL && !events_room_for_one_more(r, 0, order_id))
		return;
	proto.role = ROLE_RESIDENT;
	proto.order_id = order_id;
	proto.expires_at = until;
	stream_open(r, &proto, missed_json);
}
