/* menu_cancel: a booking from the service menu cancelled, its place given to the first waiting. */
#ifndef PAIDAN_MENU_CANCEL_H
#define PAIDAN_MENU_CANCEL_H

#include "http.h"
#include "order_statements.h"
#include "query.h"

/* Runs the cancel that order_actions.c checked and linked (t, copied), promoting the first on the
 * service's waiting list when a booked place comes free; done(r, res) gets the statement's rows as a
 * transition's (column "order": the order as staff see it; no row when its guard did not hold). A
 * database failure is answered here. */
void menu_cancel_booking(struct request *r, const struct order_transition *t, query_rows done);

#endif
