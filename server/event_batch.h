/* event_batch: the live-update events gathered between two flushes of the streams, each formatted
 * once as a Server-Sent Events message. A flush asks for each stream's chunk: the messages its
 * reader may see, in order. Readers that see the same events (the same role and scope, the same
 * teams, the same order) get the same bytes: built once per flush and added to each stream's output
 * by reference, freed after the last stream has written them. With thousands of streams open an
 * event costs one append here instead of a copy per stream.
 *
 * Loop thread only (the references are counted without atomics). */
#ifndef PAIDAN_EVENT_BATCH_H
#define PAIDAN_EVENT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "event_feed.h"
#include "order_model.h"

/* A volunteer's teams a stream keeps (more are not read). */
#define EVENT_READER_MAX_TEAMS 32

/* Who reads a stream, as far as which events it may see. */
struct event_reader {
	enum user_role role;
	int64_t scope_id;
	int64_t order_id; /* a resident's stream: this order's events only */
	const int64_t *teams; /* a volunteer's teams, at most EVENT_READER_MAX_TEAMS */
	int nteams;
};

/* The one rule (scope.c) applied to an event's scope. */
bool event_reader_may_see(const struct event_reader *reader, const struct event_scope *scope);

/* One SSE message, "id: N\nevent: order\ndata: {…}\n\n" (malloc'd, *len its length). */
char *event_message_format(int64_t id, const char *data, size_t data_len, size_t *len);

struct event_batch;

struct event_batch *event_batch_new(void);
void event_batch_free(struct event_batch *b);

/* Adds one event of the log (copies what it needs). */
void event_batch_add(struct event_batch *b, int64_t id, const struct event_scope *scope, const char *data, size_t len);

/* The events added since the last clear. */
size_t event_batch_count(const struct event_batch *b);

/* Adds to out the chunk of the events reader may see (by reference to bytes shared with every
 * reader equal to it); returns its length, 0 when it sees none. */
size_t event_batch_chunk(struct event_batch *b, const struct event_reader *reader, struct evbuffer *out);

/* Forgets the events (bytes still referenced by an output live until written). */
void event_batch_clear(struct event_batch *b);

#endif
