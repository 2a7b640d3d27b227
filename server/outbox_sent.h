/* outbox_sent: the sender's deliveries recorded as sent in batches — one statement (and one commit)
 * for many: written when OUTBOX_SENT_MAX wait, OUTBOX_SENT_FLUSH_MS after the first, or on demand. */
#ifndef PAIDAN_OUTBOX_SENT_H
#define PAIDAN_OUTBOX_SENT_H

#include <stdbool.h>

struct db_pool;
struct event_base;
struct outbox_sent;

#define OUTBOX_SENT_MAX 32
#define OUTBOX_SENT_FLUSH_MS 50

/* recorded(arg, n): the statement recording n deliveries has answered, whatever the outcome (a
 * failure is logged; their leases bring them back). */
struct outbox_sent *outbox_sent_new(
    struct event_base *base, struct db_pool *db, void (*recorded)(void *arg, int n), void *arg);
/* A delivered notification (its id as text, the provider that took it); now: record at once. */
void outbox_sent_add(struct outbox_sent *s, const char *id, const char *provider, bool now);
/* Records what waits now. */
void outbox_sent_flush(struct outbox_sent *s);
/* Frees (after the pool, whose calls back it still answers); returns how many waited, never recorded. */
int outbox_sent_free(struct outbox_sent *s);

#endif
