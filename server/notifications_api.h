/* notifications_api: what the console shows of the outbox — an order's notifications, the county's
 * failed ones — and the resend of a failed one (same idempotency key, a fresh day of retries). */
#ifndef PAIDAN_NOTIFICATIONS_API_H
#define PAIDAN_NOTIFICATIONS_API_H

struct request;

/* GET /api/v1/orders/{id}/notifications (staff who may see the order) → {items: [...]} */
void notifications_of_order(struct request *r);
/* GET /api/v1/notifications?state=failed|pending|sent&limit= (admin) → {items: [...]}, newest first */
void notifications_list(struct request *r);
/* POST /api/v1/notifications/{id}/resend (admin): a failed notification goes out again → 200 it; 409 when not failed */
void notifications_resend(struct request *r);

#endif
