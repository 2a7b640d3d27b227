/* checkpoint_daily: the server writes a signed audit checkpoint by itself every
 * --checkpoint-interval-s (a day by default; 0: never). Which process writes it is decided by the
 * database (one statement claims the turn and reads every chain head), so several workers, or a
 * restart, write one per interval; the signing and the file are done on an offload thread. */
#ifndef PAIDAN_CHECKPOINT_DAILY_H
#define PAIDAN_CHECKPOINT_DAILY_H

struct app;
struct checkpoint_daily;

/* Starts the timer; NULL when the interval is 0. Owned by the caller. */
struct checkpoint_daily *checkpoint_daily_start(struct app *app);
/* Stops the timer (a job under way finishes by itself); NULL is fine. */
void checkpoint_daily_stop(struct checkpoint_daily *daily);

#endif
