/* offload: runs slow work (argon2id) on worker threads and hands the result back to the event loop. */
#ifndef PAIDAN_OFFLOAD_H
#define PAIDAN_OFFLOAD_H

#include <event2/event.h>

struct offload;

/* Starts `threads` worker threads whose results come back on base. Owned by the caller. */
struct offload *offload_new(struct event_base *base, int threads);

/* Runs work(arg) on a worker thread, then done(arg) on the event loop. work must
 * not touch anything the loop uses except through arg. */
void offload_run(struct offload *o, void (*work)(void *arg), void (*done)(void *arg), void *arg);

/* Jobs handed in whose done has not run yet (waiting or running). Call on the loop. */
int offload_in_flight(const struct offload *o);

/* Finishes every queued job (running work here if no thread took it), calls each
 * done, joins the threads, frees. */
void offload_free(struct offload *o);

#endif
