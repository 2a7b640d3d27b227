/* outbox: the notification sender of one serving process. It expands new audit events into
 * notification rows (outbox_expand), claims due rows with FOR UPDATE SKIP LOCKED under a lease (so
 * several processes share the work and a crashed one's rows come back), delivers them through
 * channels, and records each outcome: sent; retried with exponential back-off up to a day; or
 * failed, which the console can resend. It wakes on a short poll and when this process wrote an
 * event itself (outbox_wake); the commit path is not touched. SMS respect quiet hours and the
 * per-phone daily limit (escalations excepted). */
#ifndef PAIDAN_OUTBOX_H
#define PAIDAN_OUTBOX_H

struct app;
struct outbox;

/* Starts the sender on app's loop (app->channels must be set). */
struct outbox *outbox_start(struct app *app);

/* Stop claiming new work; what is in flight finishes. */
void outbox_stop_claiming(struct outbox *o);

/* Frees (after the channels, whose aborted calls it ignores). NULL is fine. */
void outbox_free(struct outbox *o);

/* This process has just committed an event: look soon. NULL is fine (no sender here). */
void outbox_wake(struct outbox *o);

#endif
