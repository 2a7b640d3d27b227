/* outbox_sent: delivered ids and providers kept until a batch is written by outbox_sent_statement. */
#include "outbox_sent.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "outbox_statements.h"
#include "query.h"
#include "text.h"
#include "xalloc.h"

struct outbox_sent {
	struct db_pool *db;
	struct event *timer;
	void (*recorded)(void *arg, int n);
	void *arg;
	int n;
	struct {
		char id[24];
		char provider[16];
	} items[OUTBOX_SENT_MAX];
};

struct sent_batch {
	struct outbox_sent *s;
	int n;
};

static void
flush_done(void *arg, const struct db_reply *reply)
{
	struct sent_batch *b = arg;
	char count[12];

	if (reply->status != DB_OK) {
		snprintf(count, sizeof count, "%d", b->n);
		log_warn("deliveries not recorded; their leases will bring them back", "count", count, "reason",
		    reply->message);
	}
	b->s->recorded(b->s->arg, b->n);
	free(b);
}

void
outbox_sent_flush(struct outbox_sent *s)
{
	struct sent_batch *b;
	struct evbuffer *ids, *providers;
	char *ids_text, *providers_text;
	struct query q;

	if (s->n == 0)
		return;
	b = xcalloc(1, sizeof *b);
	b->s = s;
	b->n = s->n;
	evtimer_del(s->timer);
	ids = evbuffer_new();
	providers = evbuffer_new();
	for (int i = 0; i < s->n; i++) {
		evbuffer_add_printf(ids, "%s%s", i ? "," : "{", s->items[i].id);
		evbuffer_add_printf(providers, "%s\"%s\"", i ? "," : "{", s->items[i].provider);
	}
	s->n = 0;
	text_add(ids, "}");
	text_add(providers, "}");
	ids_text = text_take(ids, NULL);
	providers_text = text_take(providers, NULL);
	query_start_pool(&q, s->db, &outbox_sent_statement);
	query_text(&q, 1, ids_text);
	query_text(&q, 2, providers_text);
	query_send(&q, flush_done, b);
	free(ids_text);
	free(providers_text);
}

static void
on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	outbox_sent_flush(arg);
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

void
outbox_sent_add(struct outbox_sent *s, const char *id, const char *provider, bool now)
{
	struct timeval wait = {0, OUTBOX_SENT_FLUSH_MS * 1000};

	snprintf(s->items[s->n].id, sizeof s->items[s->n].id, "%s", id);
	copy_provider(s->items[s->n].provider, provider);
	s->n++;
	if (s->n == OUTBOX_SENT_MAX || now)
		outbox_sent_flush(s);
	else if (!evtimer_pending(s->timer, NULL))
		evtimer_add(s->timer, &wait);
}

struct outbox_sent *
outbox_sent_new(struct event_base *base, struct db_pool *db, void (*recorded)(void *arg, int n), void *arg)
{
	struct outbox_sent *s = xcalloc(1, sizeof *s);

	s->db = db;
	s->recorded = recorded;
	s->arg = arg;
	s->timer = evtimer_new(base, on_flush, s);
	return s;
}

int
outbox_sent_free(struct outbox_sent *s)
{
	int n;

	if (s == NULL)
		return 0;
	n = s->n;
	event_free(s->timer);
	free(s);
	return n;
}
