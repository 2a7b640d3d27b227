/* erasure: personal data is kept no longer than needed. Names, phones, addresses and descriptions of
 * orders closed more than --erase-after-days ago are erased by the sweep, one audit event each; the
 * order, its statistics, its hours and its chain stay (the chain holds only the salted digest of
 * what is erased, and the salt goes with the data). */
#ifndef PAIDAN_ERASURE_H
#define PAIDAN_ERASURE_H

#include <stdbool.h>
#include <stdint.h>

struct app;
struct db_reply;

/* An order to erase, as read: its state and chain head (the erase is guarded by both). */
struct erasure_order {
	const char *id;
	const char *tracking_code;
	const char *state;
	const char *head; /* hex of its last event's hash */
	int event_count;
};

/* Starts one round: finds a batch of orders due and erases each. *pending counts the queries in
 * flight (incremented here, decremented as they finish), so the caller knows when the round is over. */
void erasure_round(struct app *app, int *pending);

/* Erases one order's personal data with its `erase` event (actor_id 0: the sweep), in one statement
 * that changes nothing unless the order is still in its state, at its head and not erased; done gets
 * the reply (PQcmdTuples "1" when erased). False, without a query, when head is not a hash. */
bool erasure_erase(struct app *app, const struct erasure_order *order, int64_t actor_id, const char *actor_role,
    const char *note, void (*done)(void *arg, const struct db_reply *reply), void *arg);

#endif
