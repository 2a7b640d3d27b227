/* order_read: the orders a user may see — list and detail. */
#ifndef PAIDAN_ORDER_READ_H
#define PAIDAN_ORDER_READ_H

struct request;

/* GET /api/v1/orders?state=&town_id=&community_id=&department_id=&team_id=&category_id=
 * &overdue=&q=&limit=&cursor= → {"items": [...], "next_cursor": "…" | null}; escalated first. */
void order_list(struct request *r);

/* GET /api/v1/orders/{id} → the order with events, offers, service_records, evaluation
 * and the actions this user may take now; 403 outside the user's scope. */
void order_detail(struct request *r);

#endif
