/* orders_submit: POST /api/v1/orders — 点单 by a resident, JSON or a plain form post. */
#ifndef PAIDAN_ORDERS_SUBMIT_H
#define PAIDAN_ORDERS_SUBMIT_H

struct request;

/* Validates the order, writes it with its first audit event (and the
 * Idempotency-Key, when given) in one statement, replies 201 with the order;
 * 200 with the same order for a repeated key. */
void orders_submit(struct request *r);
/* POST /api/v1/services/{id}/bookings — the same 点单 as a booking of a place on the service menu
 * (menu_book.c): no category (the service's), straight to accepted, or the waiting list when full. */
void orders_submit_booking(struct request *r);

#endif
