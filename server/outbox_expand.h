/* outbox_expand: turns audit events not yet expanded into notification rows, by notify_rules. Each
 * pass reads up to OUTBOX_EXPAND_BATCH events after the watermark that no process has marked, and
 * writes their notifications and marks in one statement. Two processes expanding the same event
 * write the same rows: the unique (event, recipient, channel) and the mark keep one. */
#ifndef PAIDAN_OUTBOX_EXPAND_H
#define PAIDAN_OUTBOX_EXPAND_H

#include <stdbool.h>
#include <stdint.h>

#define OUTBOX_EXPAND_BATCH 200
#define OUTBOX_EXPAND_FEW 50

struct app;
struct db_pool;

/* Runs one pass over at most OUTBOX_EXPAND_BATCH (few: OUTBOX_EXPAND_FEW) events after max(watermark, floor)
 * (floor 0: all after the watermark); done(arg, events, last_id, ok) follows on the loop with how
 * many events it expanded and the highest event id among them (0 when none). */
void outbox_expand_run(struct app *app, struct db_pool *db, int64_t floor, bool few,
    void (*done)(void *arg, int events, int64_t last_id, bool ok), void *arg);

/* Moves the watermark past events every process has expanded and that no transaction still open
 * can precede (lag_ms: longer than any statement may run), and forgets their marks. */
void outbox_expand_advance(struct db_pool *db, long lag_ms);

#endif
