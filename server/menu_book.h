/* menu_book: what a booking from the service menu adds to a 点单 (orders_submit.c makes it). */
#ifndef PAIDAN_MENU_BOOK_H
#define PAIDAN_MENU_BOOK_H

#include <stddef.h>
#include <stdio.h>

#include "audit.h"
#include "db.h"

/* $1 service → category_id, open (published, not withdrawn, not over). */
extern struct db_statement menu_book_service_statement;
/* orders_submit's parameters, $24 service, $25 the waiting list's hash: takes a place or joins the
 * waiting list, in one statement; PD422 "service" when it closed in between. */
extern struct db_statement menu_book_statement;

/* The submit event's payload of a booking (audit verify expects exactly this). */
void menu_book_payload(
    char *out, size_t size, const char *community, const char *category, const char *digest, const char *service);
/* The submit event's hash had it joined the waiting list (booked as audit_next made it, to_state
 * "accepted"): the same event with to_state "waitlisted". */
void menu_book_waiting_hash(const struct audit_event *booked, char out[AUDIT_HASH_HEX]);

#endif
