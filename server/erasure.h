/* erasure: personal data is kept no longer than needed. Names, phones, addresses and descriptions of
 * orders closed more than --erase-after-days ago are erased by the sweep, one audit event each; the
 * order, its statistics, its hours and its chain stay (the chain holds only the salted digest of
 * what is erased, and the salt goes with the data). */
#ifndef PAIDAN_ERASURE_H
#define PAIDAN_ERASURE_H

struct app;

/* Starts one round: finds a batch of orders due and erases each. *pending counts the queries in
 * flight (incremented here, decremented as they finish), so the caller knows when the round is over. */
void erasure_round(struct app *app, int *pending);

#endif
