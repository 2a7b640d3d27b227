/* sweep: the periodic janitor — escalates overdue orders (one audit event each), drops expired
 * sessions, old idempotency keys and stale login-failure counters. Safe with several processes. */
#ifndef PAIDAN_SWEEP_H
#define PAIDAN_SWEEP_H

struct app;
struct sweep;

/* Runs the first sweep soon, then every cfg->sweep_interval_s. Owned by the caller. */
struct sweep *sweep_start(struct app *app);
void sweep_stop(struct sweep *sweep);

#endif
