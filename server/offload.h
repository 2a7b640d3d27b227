/* offload: runs slow or blocking work (argon2id, PQcancel) on worker threads and hands the result
 * back to the event loop, through a bounded queue. */
#ifndef PAIDAN_OFFLOAD_H
#define PAIDAN_OFFLOAD_H

#include <event2/event.h>
#include <stdbool.h>

struct offload;

/* Starts `threads` worker threads whose results come back on base; at most queue_max jobs wait
 * for a thread. Owned by the caller. */
struct offload *offload_new(struct event_base *base, int threads, int queue_max);

/* Runs work(arg) on a worker thread, then done(arg) on the event loop, and returns true; or
 * returns false at once, running neither, when queue_max jobs are already waiting. work must
 * not touch anything the loop uses except through arg. */
bool offload_run(struct offload *o, void (*work)(void *arg), void (*done)(void *arg), void *arg);

/* Jobs handed in whose done has not run yet (waiting or running). Call on the loop. */
int offload_in_flight(const struct offload *o);

struct offload_stats {
	int queued; /* waiting for a thread */
	int running;
	unsigned long refused; /* offload_run returned false */
};
void offload_get_stats(struct offload *o, struct offload_stats *stats);

/* Lets the threads finish every queued job, calls each done, joins the threads, frees. A thread
 * still busy after wait_ms (a PQcancel to a frozen server) is left behind with what it uses, for
 * the process's exit to end; the done of its job never runs. */
void offload_free(struct offload *o, int wait_ms);

#endif
