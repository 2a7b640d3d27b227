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
#include "outbox_backlog.h"
#include "outbox_expand.h"
#include "outbox_sent.h"
#include "outbox_statements.h"
#include "query.h"
#include "text.h"
#include "xalloc.h"

#define MAX_SENDING 32
_Static_assert(MAX_SENDING == OUTBOX_SENT_MAX, "a batch of sent holds all that can be sending");
/* Requests wake the sender at most every WAKE_DELAY_MS, so a pass carries what many requests made. */
#define WAKE_DELAY_MS 100
/* A pass reads events from HOLE_MARGIN ids below the highest this process has seen (a later commit
 * of an earlier id is that close in practice: ids are taken in the committing statement); one pass
 * every ADVANCE_EVERY_MS reads all after the watermark (minutes behind: reading from it on every
 * poll, or a margin of 2,000, cost 12 ms a pass in tests/bench/notify.sh). */
#define HOLE_MARGIN 256
/* Requests come first: while the requests' pool is busy (db_pool_busy), a pass runs at most every
 * BUSY_PASS_MS, expands at most OUTBOX_EXPAND_FEW events and claims at most BUSY_CLAIM messages
 * (200 events, 40 messages a second: far above a county's busiest hour and 1,000 a minute); what a
 * burst leaves goes as soon as it passes. */
#define BUSY_PASS_MS 250
#define BUSY_CLAIM 10
#define ADVANCE_EVERY_MS 10000

enum { CH_SMS = METRICS_CHANNEL_SMS, CH_ROBOT = METRICS_CHANNEL_ROBOT };

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
	bool full_scan, full_due; /* this pass reads from the watermark (not seen - HOLE_MARGIN); the next should */
	bool busy; /* db_pool_busy when this pass began */
	struct outbox_sent *sent; /* delivered, not yet recorded */
};

struct delivery {
	struct outbox *o;
	char id[24];
	char attempts[12];
	int attempt_count;
	int channel;
	int64_t deadline;
};

static void pass_start(struct outbox *o);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* An outcome's statement: $1 the delivery's id, $2 its attempts; the caller sets the rest and records. */
static void
record_start(struct query *q, struct delivery *d, struct db_statement *stmt)
{
	query_start_pool(q, d->o->db, stmt);
	query_text(q, 1, d->id);
	query_text(q, 2, d->attempts);
}

static void
record(struct delivery *d, struct query *q)
{
	if (d->o->closing) {
		d->o->sending--;
		free(d);
		return;
	}
	query_send(q, record_done, d);
}

static void
sent_recorded(void *arg, int n)
{
	struct outbox *o = arg;

	o->sending -= n;
	if (!o->in_pass && !o->claiming_stopped)
		outbox_wake(o);
}

static void
delivered(void *arg, enum channel_outcome outcome, const char *provider, const char *error)
{
	struct delivery *d = arg;
	struct outbox *o = d->o;
	char delay[24], reason[256];
	struct query q;

	if (o->app->stopping && outcome != CHANNEL_SENT && error != NULL && strcmp(error, "client closed") == 0) {
		/* Shutting down: the lease brings it back. */
		free(d);
		o->sending--;
		return;
	}
	snprintf(reason, sizeof reason, "%s", error != NULL ? error : "");
	if (outcome == CHANNEL_SENT) {
		metrics_notify((enum metrics_channel)d->channel, METRICS_NOTIFY_DELIVERED);
		if (o->closing) {
			o->sending--;
			free(d);
			return;
		}
		outbox_sent_add(o->sent, d->id, provider, o->claiming_stopped);
		free(d);
		return;
	}
	metrics_notify((enum metrics_channel)d->channel, METRICS_NOTIFY_ATTEMPT_FAILED);
	if (outcome == CHANNEL_RETRY) {
		int64_t wait = notify_retry_delay_ms(d->attempt_count, o->app->cfg->notify_retry_base_ms);
		if (now_ms() + wait < d->deadline * 1000) {
			snprintf(delay, sizeof delay, "%lld", (long long)wait);
			log_info("notification not delivered; will retry", "id", d->id, "provider", provider, "reason",
			    reason, "retry_ms", delay);
			record_start(&q, d, &outbox_retry_statement);
			query_text(&q, 3, reason);
			query_text(&q, 4, provider);
			query_int(&q, 5, wait);
			record(d, &q);
			return;
		}
	}
	metrics_notify((enum metrics_channel)d->channel, METRICS_NOTIFY_FAILED);
	log_warn("notification failed", "id", d->id, "provider", provider, "reason", reason);
	record_start(&q, d, &outbox_failed_statement);
	query_text(&q, 3, reason);
	query_text(&q, 4, provider);
	record(d, &q);
}

/* Holds an SMS until until (Unix seconds): quiet hours or the daily limit. */
static void
hold(struct delivery *d, int64_t until, const char *why)
{
	struct query q;

	record_start(&q, d, &outbox_hold_statement);
	query_id(&q, 3, until);
	query_text(&q, 4, why);
	record(d, &q);
}

static void
deliver_row(struct outbox *o, const PGresult *res, const struct outbox_claim_columns *c, int i,
    const char *const *batch_phones, int *batch_counts, int nrows)
{
	struct delivery *d = xcalloc(1, sizeof *d);
	const char *channel = query_at_text(res, i, c->channel), *recipient = query_at_text(res, i, c->recipient);
	struct notify_message m = {0};
	int64_t now = now_ms() / 1000;

	d->o = o;
	snprintf(d->id, sizeof d->id, "%s", query_at_text(res, i, c->id));
	snprintf(d->attempts, sizeof d->attempts, "%s", query_at_text(res, i, c->attempts));
	d->attempt_count = atoi(d->attempts);
	d->channel = channel_index(channel);
	d->deadline = query_at_id(res, i, c->deadline);
	o->sending++;
	if (d->channel == CH_SMS && !query_at_bool(res, i, c->urgent)) {
		int64_t quiet = notify_quiet_until(now, o->quiet_start, o->quiet_end);
		int earlier = 0;
		for (int k = 0; k < i && k < nrows; k++)
			if (batch_phones[k] != NULL && strcmp(batch_phones[k], recipient) == 0)
				earlier += batch_counts[k];
		if (quiet > 0) {
			hold(d, quiet, "quiet hours");
			return;
		}
		if (query_at_id(res, i, c->sent_today) + earlier >= o->app->cfg->sms_daily_limit) {
			hold(d, notify_next_morning(now, o->quiet_end), "daily SMS limit for this phone");
			return;
		}
		batch_counts[i] = 1;
	}
	m.channel = channel;
	m.recipient = recipient;
	m.template_name = query_at_text(res, i, c->template);
	m.params_json = query_at_text(res, i, c->params);
	m.text = query_at_text(res, i, c->text);
	m.key = query_at_text(res, i, c->idempotency_key);
	m.robot_kind = query_at(res, i, c->kind);
	m.robot_url = query_at(res, i, c->url);
	m.robot_secret = query_at(res, i, c->secret);
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
	struct outbox_claim_columns c;
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
		outbox_claim_columns_find(res, &c);
		for (int i = 0; i < n; i++)
			if (strcmp(query_at_text(res, i, c.channel), "sms") == 0)
				phones[i] = query_at_text(res, i, c.recipient);
		for (int i = 0; i < n; i++)
			deliver_row(o, res, &c, i, phones, counts, n);
		free(phones);
		free(counts);
	}
	pass_end(o);
}

static void
claim(struct outbox *o)
{
	struct query q;
	int free_slots = MAX_SENDING - o->sending;

	if (free_slots <= 0 || o->claiming_stopped || o->app->stopping || o->closing) {
		pass_end(o);
		return;
	}
	if (o->busy && free_slots > BUSY_CLAIM)
		free_slots = BUSY_CLAIM;
	query_start_pool(&q, o->db, &outbox_claim_statement);
	query_int(&q, 1, free_slots);
	query_int(&q, 2, o->lease_ms);
	query_id(&q, 3, notify_beijing_day_start(now_ms() / 1000));
	query_send(&q, claim_done, o);
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
	o->busy = db_pool_busy(o->app->db);
	outbox_expand_run(o->app, o->db, expand_floor(o), o->busy, expanded, o);
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
		outbox_backlog_refresh(o->db);
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
	o->sent = outbox_sent_new(app->base, o->db, sent_recorded, o);
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
	outbox_sent_flush(o->sent); /* what was delivered is recorded while the loop still runs */
}

void
outbox_free(struct outbox *o)
{
	if (o == NULL)
		return;
	o->closing = true;
	db_pool_free(o->db); /* what it still owes calls back here, and starts nothing new */
	o->sending -= outbox_sent_free(o->sent); /* never recorded: their leases bring them back */
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
