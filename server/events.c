/* events: GET /api/v1/events — Server-Sent Events of the orders a user may see.
 *
 * Every audit event notes its order's scope columns as its transaction left them
 * (order_event_scopes, sql/021_event_outbox.sql): no notification sits in any commit. Each process
 * reads what is new by event id, every POLL_MS while it has streams open (every IDLE_POLL_MS else,
 * to keep its place), and fans each event out to the streams whose user may see that order: the
 * message is written once and the same bytes go to every such stream.
 *
 * Ids are handed out before commit, so a lower id can become visible after a higher one. The
 * floor is the id up to which everything is delivered; above it, delivered ids are remembered,
 * and a hole holds the floor until it fills or GAP_S passes (a rolled-back event leaves a hole
 * for good) — the same allowance a reconnecting client's Last-Event-ID gets. */
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

#define EVENTS_CHANNEL "paidan_events" /* session ends only (sql/055) */
#define HEARTBEAT_S 15
#define MAX_TEAMS 32
#define EVENTS_STRINGIFY_(x) #x
#define EVENTS_STRINGIFY(x) EVENTS_STRINGIFY_(x)
#define POLL_MS 25
#define IDLE_POLL_MS 1000
#define POLL_ROWS 1000
#define GAP_S 2
#define PRUNE_S 60
#define MAX_OFFERED 200
#define MAX_PENDING 100000

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

/* The newest events after $1 (an event id), with their scope as noted at commit; $1 NULL asks where
 * the log ends now. */
static struct db_statement poll_statement = DB_STATEMENT("events_poll",
    "SELECT s.event_id, s.community_id, s.department_id, s.team_id, s.offered::text,"
    "       json_build_object('event_id', e.id, 'order_id', e.order_id, 'action', e.action,"
    "         'from', e.from_state, 'state', e.to_state, 'at', e.at)::text"
    "  FROM order_event_scopes s JOIN order_events e ON e.id = s.event_id"
    " WHERE $1::bigint IS NOT NULL AND s.event_id > $1::bigint"
    " UNION ALL"
    " SELECT COALESCE(max(e.id), 0), NULL, NULL, NULL, NULL, NULL FROM order_events e WHERE $1::bigint IS NULL"
    " ORDER BY 1 LIMIT " EVENTS_STRINGIFY(POLL_ROWS),
    1);

/* Scope notes are for the processes reading now; an old one is of no use to anyone. */
static struct db_statement prune_statement = DB_STATEMENT("events_prune",
    "DELETE FROM order_event_scopes WHERE event_id IN (SELECT event_id FROM order_event_scopes"
    "  WHERE noted_at < now() - $1::int * interval '1 second' ORDER BY event_id LIMIT 10000)",
    1);

/* Who may see one event's order: its scope columns as the event's transaction left them. */
struct event_scope {
	int64_t community, department, team;
	int64_t offered[MAX_OFFERED];
	int noffered;
};

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
	int max_streams;
	struct event *heartbeat;
	struct event *expiry; /* every second: streams whose session expired end */
	struct event *poll, *prune;
	bool polling, pruning; /* a statement is out; its callback comes whatever happens */
	bool freeing; /* events_free ran while a statement was out: its callback frees */
	bool known; /* floor is where the log was at some point */
	int64_t floor;
	int64_t *pending; /* delivered ids above floor, ascending */
	size_t npending, cap_pending;
	int64_t gap_id; /* the missing id holding the floor, since gap_since */
	time_t gap_since;
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
stream_may_see(const struct stream *s, const struct event_scope *e)
{
	struct scope_order order = {.community_id = e->community, .department_id = e->department, .team_id = e->team};

	if (s->role == ROLE_TEAM)
		for (int i = 0; i < e->noffered; i++)
			if (e->offered[i] == s->scope_id)
				order.offered_to_caller = true;
	if (s->role == ROLE_VOLUNTEER)
		for (int i = 0; i < s->nteams; i++)
			if (order.team_id != 0 && s->teams[i] == order.team_id)
				order.caller_in_team = true;
	return scope_may_see(s->role, s->scope_id, &order);
}

/* Ids from a PostgreSQL array literal such as "{3,7}", at most max of them. */
static int
parse_id_array(const char *text, int64_t *out, int max)
{
	int n = 0;

	while (text != NULL && *text && n < max) {
		char *end;
		if (*text < '0' || *text > '9') {
			text++;
			continue;
		}
		out[n++] = strtoll(text, &end, 10);
		text = end;
	}
	return n;
}

/* One SSE message, "id: N\nevent: order\ndata: {…}\n\n", made once per event and sent as is to
 * every stream that may see it; data holds only what a client needs, never the scope columns. */
static char *
message_format(int64_t id, const char *data, size_t data_len, size_t *len)
{
	char head[64];
	int n = snprintf(head, sizeof head, "id: %lld\nevent: order\ndata: ", (long long)id);
	char *out = xmalloc((size_t)n + data_len + 3);

	memcpy(out, head, (size_t)n);
	memcpy(out + n, data, data_len);
	memcpy(out + n + data_len, "\n\n", 3);
	*len = (size_t)n + data_len + 2;
	return out;
}

/* Sends one event of a resume (a json-c object with exactly the client's keys). */
static void
stream_send_object(struct stream *s, struct json_object *e)
{
	struct json_object *v;
	const char *text = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int64_t id = json_object_object_get_ex(e, "event_id", &v) ? json_object_get_int64(v) : 0;
	size_t len;
	char *message = message_format(id, text, strlen(text), &len);

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
deliver(struct events *ev, const PGresult *res, int row)
{
	struct event_scope scope;
	const char *data = PQgetvalue(res, row, 5);
	size_t len;
	char *message;

	scope.community = strtoll(PQgetvalue(res, row, 1), NULL, 10);
	scope.department = PQgetisnull(res, row, 2) ? 0 : strtoll(PQgetvalue(res, row, 2), NULL, 10);
	scope.team = PQgetisnull(res, row, 3) ? 0 : strtoll(PQgetvalue(res, row, 3), NULL, 10);
	scope.noffered = parse_id_array(PQgetvalue(res, row, 4), scope.offered, MAX_OFFERED);
	message =
	    message_format(strtoll(PQgetvalue(res, row, 0), NULL, 10), data, (size_t)PQgetlength(res, row, 5), &len);
	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next; /* a write may find the client gone and close its stream */
		if (stream_may_see(s, &scope))
			http_stream_chunk(s->r, message, len);
	}
	free(message);
}

/* Remembers a delivered id above the floor; false when it was delivered already. */
static bool
pending_add(struct events *ev, int64_t id)
{
	size_t lo = 0, hi = ev->npending;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ev->pending[mid] == id)
			return false;
		if (ev->pending[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ev->npending == ev->cap_pending) {
		ev->cap_pending = ev->cap_pending ? ev->cap_pending * 2 : 256;
		ev->pending = xrealloc(ev->pending, ev->cap_pending * sizeof *ev->pending);
	}
	memmove(ev->pending + lo + 1, ev->pending + lo, (ev->npending - lo) * sizeof *ev->pending);
	ev->pending[lo] = id;
	ev->npending++;
	return true;
}

/* Moves the floor over delivered ids, and over a hole that has stayed open GAP_S. */
static void
floor_advance(struct events *ev, time_t now)
{
	size_t used = 0;

	for (;;) {
		if (used < ev->npending && ev->pending[used] == ev->floor + 1) {
			ev->floor++;
			used++;
			continue;
		}
		if (used == ev->npending)
			break;
		if (ev->gap_id != ev->floor + 1) {
			ev->gap_id = ev->floor + 1;
			ev->gap_since = now;
			break;
		}
		if (now - ev->gap_since < GAP_S && ev->npending - used < MAX_PENDING)
			break;
		/* Rolled back (or too far behind to keep waiting): every id of the hole is below an id
		 * that was visible when the hole was first seen, so all of them were handed out by then. */
		ev->floor = ev->pending[used] - 1;
	}
	if (used > 0) {
		memmove(ev->pending, ev->pending + used, (ev->npending - used) * sizeof *ev->pending);
		ev->npending -= used;
	}
}

static void events_destroy(struct events *ev);

static void
poll_schedule(struct events *ev, int ms)
{
	struct timeval delay = {ms / 1000, (ms % 1000) * 1000};

	evtimer_add(ev->poll, &delay);
}

static void
poll_done(void *arg, const struct db_reply *reply)
{
	struct events *ev = arg;
	const PGresult *res = reply->result;
	int rows;

	ev->polling = false;
	if (ev->freeing) {
		events_destroy(ev);
		return;
	}
	if (reply->status != DB_OK) {
		poll_schedule(ev, IDLE_POLL_MS);
		return;
	}
	rows = PQntuples(res);
	if (!ev->known) {
		if (rows == 1) {
			ev->floor = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			ev->known = true;
		}
		poll_schedule(ev, ev->count > 0 ? POLL_MS : IDLE_POLL_MS);
		return;
	}
	for (int i = 0; i < rows; i++) {
		int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		if (id > ev->floor && pending_add(ev, id))
			deliver(ev, res, i);
	}
	floor_advance(ev, time(NULL));
	/* A full page: more are waiting now. */
	poll_schedule(ev, rows == POLL_ROWS ? 0 : ev->count > 0 ? POLL_MS : IDLE_POLL_MS);
}

static void
poll_now(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;
	char floor[24];
	const char *values[1] = {NULL};

	(void)fd;
	(void)what;
	if (ev->polling)
		return;
	if (ev->known) {
		snprintf(floor, sizeof floor, "%lld", (long long)ev->floor);
		values[0] = floor;
	}
	ev->polling = true;
	db_query(ev->app->db, &poll_statement, values, poll_done, ev);
}

static void
prune_done(void *arg, const struct db_reply *reply)
{
	struct events *ev = arg;

	(void)reply;
	ev->pruning = false;
	if (ev->freeing)
		events_destroy(ev);
}

static void
prune_now(evutil_socket_t fd, short what, void *arg)
{
	struct events *ev = arg;
	static const char *values[1] = {"600"}; /* kept ten minutes */

	(void)fd;
	(void)what;
	if (ev->pruning)
		return;
	ev->pruning = true;
	db_query(ev->app->db, &prune_statement, values, prune_done, ev);
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

	for (struct stream *s = ev->streams, *next; s != NULL; s = next) {
		next = s->next;
		stream_close(s);
	}
}

struct events *
events_start(struct app *app)
{
	struct events *ev = xcalloc(1, sizeof *ev);
	struct timeval tick = {HEARTBEAT_S, 0}, prune_tick = {PRUNE_S, 0}, second = {1, 0};

	ev->app = app;
	ev->max_streams = (int)app->cfg->max_streams;
	ev->heartbeat = event_new(app->base, -1, EV_PERSIST, heartbeat, ev);
	event_add(ev->heartbeat, &tick);
	ev->expiry = event_new(app->base, -1, EV_PERSIST, expiry_check, ev);
	event_add(ev->expiry, &second);
	ev->prune = event_new(app->base, -1, EV_PERSIST, prune_now, ev);
	event_add(ev->prune, &prune_tick);
	ev->poll = evtimer_new(app->base, poll_now, ev);
	poll_schedule(ev, 0);
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

static void
events_destroy(struct events *ev)
{
	free(ev->pending);
	free(ev);
}

void
events_free(struct events *ev)
{
	if (ev == NULL)
		return;
	events_close_streams(ev);
	event_free(ev->heartbeat);
	event_free(ev->expiry);
	event_free(ev->poll);
	event_free(ev->prune);
	if (the_events == ev)
		the_events = NULL;
	if (ev->polling || ev->pruning)
		ev->freeing = true; /* the pool calls back (DB_UNAVAILABLE when it is freed): free then */
	else
		events_destroy(ev);
}

static void
resume_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct events *ev = the_events;
	struct json_object *missed;
	struct stream *s;
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (ev == NULL || r->app->stopping) {
		http_set_header(r, "Retry-After", "2");
		api_error_reply(r, API_ERROR_RESTARTING, NULL);
		return;
	}
	if (ev->count >= ev->max_streams) { /* others got in while this one was being looked up */
		http_set_header(r, "Retry-After", "5");
		api_error_reply(r, API_ERROR_TOO_MANY_STREAMS, NULL);
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
	s->nteams = parse_id_array(PQgetvalue(reply->result, 0, 0), s->teams, MAX_TEAMS);
	http_set_header(r, "Cache-Control", "no-cache");
	http_set_header(r, "X-Accel-Buffering", "no");
	http_stream_start(r, 200, "text/event-stream; charset=utf-8");
	http_stream_chunk(r, "retry: 3000\n\n", 13);
	missed = json_tokener_parse(PQgetvalue(reply->result, 0, 1));
	for (size_t i = 0; missed != NULL && i < json_object_array_length(missed); i++)
		stream_send_object(s, json_object_array_get_idx(missed, i));
	json_object_put(missed);
	s->next = ev->streams;
	if (ev->streams)
		ev->streams->prev = s;
	ev->streams = s;
	if (ev->count++ == 0 && !ev->polling)
		poll_schedule(ev, POLL_MS); /* from the idle pace to the live one */
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

/* The cap (--max-streams) is checked before the resume's database work; dispatch has looked the
 * session up by then. resume_done counts the stream in. */
void
events_stream(struct request *r)
{
	const char *last = http_header(r, "Last-Event-ID");
	char scope[24];
	int64_t last_id;
	const char *values[3] = {NULL, user_role_name(r->user->role), scope};

	if (the_events == NULL || the_events->count >= the_events->max_streams) {
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
