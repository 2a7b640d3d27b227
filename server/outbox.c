/* outbox: expand → claim → deliver → record, on the loop. One pass runs at a time per process;
 * deliveries run in parallel up to MAX_SENDING. */
#include "outbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "app.h"
#include "channels.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "notify_schedule.h"
#include "outbox_expand.h"
#include "outbox_statements.h"
#include "text.h"
#include "xalloc.h"

#define MAX_SENDING 32
/* Requests wake the sender at most every WAKE_DELAY_MS: a pass (expand, claim: three statements)
 * then carries what many requests made instead of one each. */
#define WAKE_DELAY_MS 100
/* A pass reads events from HOLE_MARGIN ids below the highest this process has seen (an event whose
 * id was taken before a later one's but committed after it is that close in practice: ids are
 * taken in the statement that commits); every ADVANCE_EVERY_MS one pass reads everything after the
 * watermark, so a later straggler waits at most that long. The watermark trails by minutes, and
 * reading from it on every poll cost a scan of every event of those minutes; a margin of 2,000
 * cost 12 ms a pass (tests/bench/notify.sh). */
#define HOLE_MARGIN 256
/* Requests come first. While the server is busy (requests_busy), a pass runs at most every
 * BUSY_PASS_MS and expands at most OUTBOX_EXPAND_FEW events and claims at most BUSY_CLAIM notifications: 200 events and 40 messages a
 * second, far above the county's busiest hour (2,000 orders an hour) and 1,000 notifications a
 * minute; what a burst beyond that leaves is sent as soon as it passes. */
#define BUSY_PASS_MS 250
#define BUSY_CLAIM 10
#define SENT_FLUSH_MS 50
#define ADVANCE_EVERY_MS 10000

enum { CH_SMS = METRICS_CHANNEL_SMS, CH_ROBOT = METRICS_CHANNEL_ROBOT, CH_COUNT = METRICS_CHANNEL_COUNT };

struct outbox {
	struct app *app;
	struct db_pool *db; /* its own connection: requests never wait behind the sender */
	bool closing;
	struct event *poll_timer;
	struct event *wake_timer;
	bool in_pass;
	bool again; /* woken during a pass */
	bool claiming_stopped;
	int sending;
	int quiet_start, quiet_end;
	long lease_ms;
	long long last_advance_ms;
	int64_t seen; /* the highest event id this process has expanded */
	bool full_scan; /* this pass reads from the watermark, not from seen - HOLE_MARGIN */
	bool full_due; /* the next pass should */
	bool busy; /* requests_busy when this pass began */
	struct delivery *sent[MAX_SENDING]; /* delivered, not yet recorded */
	int nsent;
	struct event *flush_timer;
};

struct delivery {
	struct outbox *o;
	char id[24];
	char attempts[12];
	int attempt_count;
	int channel;
	int64_t deadline;
	char provider[16];
};

struct sent_batch {
	struct outbox *o;
	int n;
	struct delivery *d[MAX_SENDING];
};

static void pass_start(struct outbox *o);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The requests' pool has statements waiting, or half its connections running (live-update streams
 * hold no connection, so thousands of open phones do not count). */
static bool
requests_busy(const struct outbox *o)
{
	struct db_pool_stats stats;
	int running = 0;

	db_pool_get_stats(o->app->db, &stats);
	for (int c = 0; c < DB_CLASSES; c++)
		running += stats.running_by_class[c];
	return stats.queued > 0 || running >= (stats.connections_up > 4 ? stats.connections_up / 2 : 2);
}

static int
channel_index(const char *name)
{
	return strcmp(name, "robot") == 0 ? CH_ROBOT : CH_SMS;
}

static void
record_done(void *arg, const struct db_reply *reply)
{
	struct delivery *d = arg;
	struct outbox *o = d->o;

	if (reply->status != DB_OK)
		log_warn("notification outcome not recorded; the lease will bring it back", "id", d->id, "reason",
		    reply->message);
	free(d);
	o->sending--;
	/* A slot is free: more may be due. */
	if (!o->in_pass && !o->claiming_stopped)
		outbox_wake(o);
}

static void
record(struct delivery *d, struct db_statement *stmt, const char *const *values)
{
	if (d->o->closing) {
		d->o->sending--;
		free(d);
		return;
	}
	db_query(d->o->db, stmt, values, record_done, d);
}

static void
flush_done(void *arg, const struct db_reply *reply)
{
	struct sent_batch *b = arg;
	struct outbox *o = b->o;
	char count[12];

	if (reply->status != DB_OK) {
		snprintf(count, sizeof count, "%d", b->n);
		log_warn("deliveries not recorded; their leases will bring them back", "count", count, "reason",
		    reply->message);
	}
	for (int i = 0; i < b->n; i++)
		free(b->d[i]);
	o->sending -= b->n;
	free(b);
	if (!o->in_pass && !o->claiming_stopped)
		outbox_wake(o);
}

/* Records the deliveries waiting in o->sent as sent, in one statement. */
static void
flush_sent(struct outbox *o)
{
	struct sent_batch *b;
	struct evbuffer *ids, *providers;
	char *ids_text, *providers_text;
	const char *values[2];

	if (o->nsent == 0)
		return;
	b = xcalloc(1, sizeof *b);
	b->o = o;
	b->n = o->nsent;
	memcpy(b->d, o->sent, (size_t)o->nsent * sizeof *b->d);
	o->nsent = 0;
	if (o->flush_timer != NULL)
		evtimer_del(o->flush_timer);
	ids = evbuffer_new();
	providers = evbuffer_new();
	for (int i = 0; i < b->n; i++) {
		evbuffer_add_printf(ids, "%s%s", i ? "," : "{", b->d[i]->id);
		evbuffer_add_printf(providers, "%s\"%s\"", i ? "," : "{", b->d[i]->provider);
	}
	text_add(ids, "}");
	text_add(providers, "}");
	ids_text = text_take(ids, NULL);
	providers_text = text_take(providers, NULL);
	values[0] = ids_text;
	values[1] = providers_text;
	db_query(o->db, &outbox_sent_statement, values, flush_done, b);
	free(ids_text);
	free(providers_text);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	flush_sent(arg);
}

/* A name of our own (none, webhook, tencent, wecom, dingtalk): letters only, so the array literal
 * needs no escaping. */
static void
copy_provider(char out[16], const char *provider)
{
	size_t n = 0;

	for (const char *p = provider != NULL ? provider : ""; *p != '\0' && n < 15; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
			out[n++] = *p;
	out[n] = '\0';
}

static void
delivered(void *arg, enum channel_outcome outcome, const char *provider, const char *error)
{
	struct delivery *d = arg;
	struct outbox *o = d->o;
	char delay[24], reason[256];

	if (o->app->stopping && outcome != CHANNEL_SENT && error != NULL && strcmp(error, "client closed") == 0) {
		/* Shutting down: the lease brings it back. */
		free(d);
		o->sending--;
		return;
	}
	snprintf(reason, sizeof reason, "%s", error != NULL ? error : "");
	if (outcome == CHANNEL_SENT) {
		struct timeval wait = {0, SENT_FLUSH_MS * 1000};
		metrics_notify((enum metrics_channel)d->channel, METRICS_NOTIFY_DELIVERED);
		if (o->closing) {
			o->sending--;
			free(d);
			return;
		}
		copy_provider(d->provider, provider);
		o->sent[o->nsent++] = d;
		if (o->nsent == MAX_SENDING || o->claiming_stopped)
			flush_sent(o);
		else if (!evtimer_pending(o->flush_timer, NULL))
			evtimer_add(o->flush_timer, &wait);
		return;
	}
	metrics_notify((enum metrics_channel)d->channel, METRICS_NOTIFY_ATTEMPT_FAILED);
	if (outcome == CHANNEL_RETRY) {
		int64_t wait = notify_retry_delay_ms(d->attempt_count, o->app->cfg->notify_retry_base_ms);
		if (now_ms() + wait < d->deadline * 1000) {
			const char *values[5] = {d->id, d->attempts, reason, provider, delay};
			snprintf(delay, sizeof delay, "%lld", (long long)wait);
			log_info("notification not delivered; will retry", "id", d->id, "provider", provider, "reason",
			    reason, "retry_ms", delay);
			record(d, &outbox_retry_statement, values);
			return;
		}
	}
	{
		const char *values[4] = {d->id, d->attempts, reason, provider};
		metrics_notify((enum metrics_channel)d->channel, METRICS_NOTIFY_FAILED);
		log_warn("notification failed", "id", d->id, "provider", provider, "reason", reason);
		record(d, &outbox_failed_statement, values);
	}
}

/* Holds an SMS until until (Unix seconds): quiet hours or the daily limit. */
static void
hold(struct delivery *d, int64_t until, const char *why)
{
	char at[24];
	const char *values[4] = {d->id, d->attempts, at, why};

	snprintf(at, sizeof at, "%lld", (long long)until);
	record(d, &outbox_hold_statement, values);
}

static void
deliver_row(struct outbox *o, const PGresult *res, int i, const char *const *batch_phones, int *batch_counts, int nrows)
{
	struct delivery *d = xcalloc(1, sizeof *d);
	const char *channel = PQgetvalue(res, i, OUTBOX_COL_CHANNEL),
	           *recipient = PQgetvalue(res, i, OUTBOX_COL_RECIPIENT);
	struct notify_message m = {0};
	int64_t now = now_ms() / 1000;

	d->o = o;
	snprintf(d->id, sizeof d->id, "%s", PQgetvalue(res, i, OUTBOX_COL_ID));
	snprintf(d->attempts, sizeof d->attempts, "%s", PQgetvalue(res, i, OUTBOX_COL_ATTEMPTS));
	d->attempt_count = atoi(d->attempts);
	d->channel = channel_index(channel);
	d->deadline = atoll(PQgetvalue(res, i, OUTBOX_COL_DEADLINE));
	o->sending++;
	if (d->channel == CH_SMS && strcmp(PQgetvalue(res, i, OUTBOX_COL_URGENT), "t") != 0) {
		int64_t quiet = notify_quiet_until(now, o->quiet_start, o->quiet_end);
		int earlier = 0;
		for (int k = 0; k < i && k < nrows; k++)
			if (batch_phones[k] != NULL && strcmp(batch_phones[k], recipient) == 0)
				earlier += batch_counts[k];
		if (quiet > 0) {
			hold(d, quiet, "quiet hours");
			return;
		}
		if (atol(PQgetvalue(res, i, OUTBOX_COL_SENT_TODAY)) + earlier >= o->app->cfg->sms_daily_limit) {
			hold(d, notify_next_morning(now, o->quiet_end), "daily SMS limit for this phone");
			return;
		}
		batch_counts[i] = 1;
	}
	m.channel = channel;
	m.recipient = recipient;
	m.template_name = PQgetvalue(res, i, OUTBOX_COL_TEMPLATE);
	m.params_json = PQgetvalue(res, i, OUTBOX_COL_PARAMS);
	m.text = PQgetvalue(res, i, OUTBOX_COL_TEXT);
	m.key = PQgetvalue(res, i, OUTBOX_COL_KEY);
	m.robot_kind = PQgetisnull(res, i, OUTBOX_COL_ROBOT_KIND) ? NULL : PQgetvalue(res, i, OUTBOX_COL_ROBOT_KIND);
	m.robot_url = PQgetisnull(res, i, OUTBOX_COL_ROBOT_URL) ? NULL : PQgetvalue(res, i, OUTBOX_COL_ROBOT_URL);
	m.robot_secret =
	    PQgetisnull(res, i, OUTBOX_COL_ROBOT_SECRET) ? NULL : PQgetvalue(res, i, OUTBOX_COL_ROBOT_SECRET);
	channels_send(o->app->channels, &m, delivered, d);
}

static void
pass_end(struct outbox *o)
{
	o->in_pass = false;
	if (o->again && !o->app->stopping) {
		o->again = false;
		pass_start(o);
	}
}

static void
claim_done(void *arg, const struct db_reply *reply)
{
	struct outbox *o = arg;
	const PGresult *res = reply->result;
	int n;

	if (reply->status != DB_OK) {
		log_warn("claiming notifications failed", "reason", reply->message);
		pass_end(o);
		return;
	}
	n = PQntuples(res);
	if (n > 0) {
		const char **phones = xcalloc((size_t)n, sizeof *phones);
		int *counts = xcalloc((size_t)n, sizeof *counts);
		for (int i = 0; i < n; i++)
			if (strcmp(PQgetvalue(res, i, OUTBOX_COL_CHANNEL), "sms") == 0)
				phones[i] = PQgetvalue(res, i, OUTBOX_COL_RECIPIENT);
		for (int i = 0; i < n; i++)
			deliver_row(o, res, i, phones, counts, n);
		free(phones);
		free(counts);
	}
	pass_end(o);
}

static void
claim(struct outbox *o)
{
	char limit[12], lease[24], day[24];
	const char *values[3] = {limit, lease, day};
	int free_slots = MAX_SENDING - o->sending;

	if (free_slots <= 0 || o->claiming_stopped || o->app->stopping || o->closing) {
		pass_end(o);
		return;
	}
	if (o->busy && free_slots > BUSY_CLAIM)
		free_slots = BUSY_CLAIM;
	snprintf(limit, sizeof limit, "%d", free_slots);
	snprintf(lease, sizeof lease, "%ld", o->lease_ms);
	snprintf(day, sizeof day, "%lld", (long long)notify_beijing_day_start(now_ms() / 1000));
	db_query(o->db, &outbox_claim_statement, values, claim_done, o);
}

static int64_t
expand_floor(const struct outbox *o)
{
	return o->full_scan || o->seen <= HOLE_MARGIN ? 0 : o->seen - HOLE_MARGIN;
}

static void
expanded(void *arg, int events, int64_t last_id, bool ok)
{
	struct outbox *o = arg;

	if (last_id > o->seen)
		o->seen = last_id;
	if (ok && events == OUTBOX_EXPAND_BATCH && !o->busy && !o->app->stopping && !o->closing) {
		outbox_expand_run(o->app, o->db, o->full_scan ? last_id : expand_floor(o), false, expanded, o);
		return;
	}
	o->full_scan = false;
	claim(o);
}

static void
pass_start(struct outbox *o)
{
	if (o->in_pass) {
		o->again = true;
		return;
	}
	if (o->app->stopping || o->closing || !db_pool_ready(o->db))
		return;
	o->in_pass = true;
	o->busy = requests_busy(o);
	outbox_expand_run(o->app, o->db, expand_floor(o), o->busy, expanded, o);
}

static void
backlog_done(void *arg, const struct db_reply *reply)
{
	long backlog[CH_COUNT] = {0}, failed[CH_COUNT] = {0};

	(void)arg;
	if (reply->status != DB_OK)
		return;
	for (int i = 0; i < PQntuples(reply->result); i++) {
		int c = channel_index(PQgetvalue(reply->result, i, 0));
		backlog[c] = atol(PQgetvalue(reply->result, i, 1));
		failed[c] = atol(PQgetvalue(reply->result, i, 2));
	}
	for (int c = 0; c < CH_COUNT; c++)
		metrics_notify_backlog((enum metrics_channel)c, backlog[c], failed[c]);
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct outbox *o = arg;
	const struct config *cfg = o->app->cfg;
	long long now = now_ms();

	(void)fd;
	(void)what;
	if (o->app->stopping || o->closing || !db_pool_ready(o->db))
		return;
	if (now - o->last_advance_ms >= ADVANCE_EVERY_MS) {
		/* No statement that writes an event can still be open after its queue wait and two timeouts. */
		long lag = cfg->db_queue_timeout_ms + 2 * cfg->statement_timeout_ms + 120000;
		o->last_advance_ms = now;
		outbox_expand_advance(o->db, lag);
		db_query(o->db, &outbox_backlog_statement, NULL, backlog_done, NULL);
		o->full_due = true;
	}
	/* seen is 0 until this process has expanded something (another may do all of it). */
	if (!o->in_pass && (o->full_due || o->seen == 0)) {
		o->full_scan = true;
		o->full_due = false;
	}
	pass_start(o);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pass_start(arg);
}

struct outbox *
outbox_start(struct app *app)
{
	struct outbox *o = xcalloc(1, sizeof *o);
	struct timeval poll = {app->cfg->notify_poll_ms / 1000, (app->cfg->notify_poll_ms % 1000) * 1000};

	struct db_pool_options db_options = {
	    .conninfo = app->cfg->database_url,
	    .size = 1,
	    /* The sender's own connection runs only its statements, all as writes (db_pool_use_class). */
	    .queue_max = {4 * MAX_SENDING, 4 * MAX_SENDING, 4 * MAX_SENDING},
	    .queue_timeout_ms = 30000,
	    .statement_timeout_ms = (int)app->cfg->statement_timeout_ms,
	    .lock_timeout_ms = (int)app->cfg->lock_timeout_ms,
	    .call_timeout_ms = (int)app->cfg->db_call_timeout_ms,
	    .connect_timeout_ms = (int)app->cfg->db_connect_timeout_ms,
	};

	o->app = app;
	o->db = db_pool_new(app->base, &db_options);
	if (!notify_quiet_parse(app->cfg->sms_quiet_hours, &o->quiet_start, &o->quiet_end))
		o->quiet_start = o->quiet_end = 0;
	o->lease_ms = 2 * app->cfg->notify_timeout_ms + 5000;
	o->poll_timer = event_new(app->base, -1, EV_PERSIST, on_poll, o);
	o->wake_timer = evtimer_new(app->base, on_wake, o);
	o->flush_timer = evtimer_new(app->base, on_flush, o);
	o->full_scan = true;
	event_add(o->poll_timer, &poll);
	outbox_wake(o);
	return o;
}

void
outbox_stop_claiming(struct outbox *o)
{
	if (o == NULL)
		return;
	o->claiming_stopped = true;
	flush_sent(o); /* what was delivered is recorded while the loop still runs */
}

void
outbox_free(struct outbox *o)
{
	if (o == NULL)
		return;
	o->closing = true;
	for (int i = 0; i < o->nsent; i++) /* never recorded: their leases bring them back */
		free(o->sent[i]);
	o->sending -= o->nsent;
	o->nsent = 0;
	db_pool_free(o->db); /* what it still owes calls back here, and starts nothing new */
	event_free(o->flush_timer);
	event_free(o->poll_timer);
	event_free(o->wake_timer);
	free(o);
}

void
outbox_wake(struct outbox *o)
{
	struct timeval delay = {0, (o != NULL && o->busy ? BUSY_PASS_MS : WAKE_DELAY_MS) * 1000};

	if (o == NULL || o->claiming_stopped || evtimer_pending(o->wake_timer, NULL))
		return;
	evtimer_add(o->wake_timer, &delay);
}
