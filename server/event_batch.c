/* event_batch: events formatted once per flush, chunks shared by readers that see the same ones. */
#include "event_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"
#include "xalloc.h"

struct batched {
	struct event_scope scope;
	char *message;
	size_t len;
};

/* A chunk's bytes: one reference for the cache, one for each output that holds them. */
struct shared {
	unsigned refs;
	size_t len;
	char data[];
};

struct cached {
	bool used;
	struct event_reader key;
	int64_t teams[EVENT_READER_MAX_TEAMS];
	struct shared *chunk; /* NULL: this reader sees none of the events */
};

struct event_batch {
	struct batched *events;
	size_t count, capacity;
	struct cached *cache; /* open addressing, a power of two slots, at most half used */
	size_t slots, cached;
};

bool
event_reader_may_see(const struct event_reader *reader, const struct event_scope *e)
{
	struct scope_order order = {.community_id = e->community, .department_id = e->department, .team_id = e->team};

	if (reader->order_id != 0)
		return e->order == reader->order_id;
	if (reader->role == ROLE_TEAM)
		for (int i = 0; i < e->noffered; i++)
			if (e->offered[i] == reader->scope_id)
				order.offered_to_caller = true;
	if (reader->role == ROLE_VOLUNTEER)
		for (int i = 0; i < reader->nteams; i++)
			if (order.team_id != 0 && reader->teams[i] == order.team_id)
				order.caller_in_team = true;
	return scope_may_see(reader->role, reader->scope_id, &order);
}

char *
event_message_format(int64_t id, const char *data, size_t data_len, size_t *len)
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

struct event_batch *
event_batch_new(void)
{
	return xcalloc(1, sizeof(struct event_batch));
}

void
event_batch_free(struct event_batch *b)
{
	if (b == NULL)
		return;
	event_batch_clear(b);
	free(b->events);
	free(b->cache);
	free(b);
}

void
event_batch_add(struct event_batch *b, int64_t id, const struct event_scope *scope, const char *data, size_t len)
{
	struct batched *e;

	if (b->count == b->capacity) {
		b->capacity = b->capacity ? b->capacity * 2 : 32;
		b->events = xrealloc(b->events, b->capacity * sizeof *b->events);
	}
	e = &b->events[b->count++];
	e->scope = *scope;
	e->message = event_message_format(id, data, len, &e->len);
}

size_t
event_batch_count(const struct event_batch *b)
{
	return b->count;
}

static void
shared_release(struct shared *s)
{
	if (--s->refs == 0)
		free(s);
}

static void
shared_written(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	shared_release(arg);
}

static uint64_t
reader_hash(const struct event_reader *r)
{
	uint64_t h = 1469598103934665603ULL;
	int64_t parts[3] = {(int64_t)r->role, r->scope_id, r->order_id};

	for (int i = 0; i < 3 + r->nteams; i++) {
		h ^= (uint64_t)(i < 3 ? parts[i] : r->teams[i - 3]);
		h *= 1099511628211ULL;
	}
	return h;
}

/* Equal readers see the same events: the same role, scope, order and teams, exactly. */
static bool
reader_equal(const struct event_reader *a, const struct event_reader *b)
{
	return a->role == b->role && a->scope_id == b->scope_id && a->order_id == b->order_id &&
	    a->nteams == b->nteams &&
	    (a->nteams == 0 || memcmp(a->teams, b->teams, (size_t)a->nteams * sizeof *a->teams) == 0);
}

static struct cached *
cache_slot(struct event_batch *b, const struct event_reader *reader)
{
	size_t i;

	if (2 * (b->cached + 1) > b->slots) {
		struct cached *old = b->cache;
		size_t old_slots = b->slots;
		b->slots = b->slots ? b->slots * 2 : 64;
		b->cache = xcalloc(b->slots, sizeof *b->cache);
		for (size_t k = 0; k < old_slots; k++) {
			if (!old[k].used)
				continue;
			i = reader_hash(&old[k].key) & (b->slots - 1);
			while (b->cache[i].used)
				i = (i + 1) & (b->slots - 1);
			b->cache[i] = old[k];
			b->cache[i].key.teams = b->cache[i].teams;
		}
		free(old);
	}
	i = reader_hash(reader) & (b->slots - 1);
	while (b->cache[i].used && !reader_equal(&b->cache[i].key, reader))
		i = (i + 1) & (b->slots - 1);
	return &b->cache[i];
}

static struct shared *
chunk_build(const struct event_batch *b, const struct event_reader *reader)
{
	size_t len = 0, at = 0;
	struct shared *s;

	for (size_t i = 0; i < b->count; i++)
		if (event_reader_may_see(reader, &b->events[i].scope))
			len += b->events[i].len;
	if (len == 0)
		return NULL;
	s = xmalloc(sizeof *s + len);
	s->refs = 1;
	s->len = len;
	for (size_t i = 0; i < b->count; i++) {
		if (!event_reader_may_see(reader, &b->events[i].scope))
			continue;
		memcpy(s->data + at, b->events[i].message, b->events[i].len);
		at += b->events[i].len;
	}
	return s;
}

size_t
event_batch_chunk(struct event_batch *b, const struct event_reader *reader, struct evbuffer *out)
{
	struct event_reader key = *reader;
	struct cached *c;

	if (b->count == 0)
		return 0;
	/* The key is hashed, compared and kept with the same teams. */
	if (key.nteams > EVENT_READER_MAX_TEAMS)
		key.nteams = EVENT_READER_MAX_TEAMS;
	c = cache_slot(b, &key);
	if (!c->used) {
		c->used = true;
		c->key = key;
		if (key.nteams > 0)
			memcpy(c->teams, key.teams, (size_t)key.nteams * sizeof *c->teams);
		c->key.teams = c->teams;
		c->chunk = chunk_build(b, &c->key);
		b->cached++;
	}
	if (c->chunk == NULL)
		return 0;
	c->chunk->refs++;
	if (evbuffer_add_reference(out, c->chunk->data, c->chunk->len, shared_written, c->chunk) != 0) {
		shared_release(c->chunk);
		return 0;
	}
	return c->chunk->len;
}

void
event_batch_clear(struct event_batch *b)
{
	for (size_t i = 0; i < b->count; i++)
		free(b->events[i].message);
	b->count = 0;
	for (size_t i = 0; i < b->slots; i++)
		if (b->cache[i].used && b->cache[i].chunk != NULL)
			shared_release(b->cache[i].chunk);
	if (b->cache != NULL)
		memset(b->cache, 0, b->slots * sizeof *b->cache);
	b->cached = 0;
}
