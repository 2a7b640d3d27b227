/* order_actions: the transitions of the ordering model over HTTP (docs/ARCHITECTURE.md; the API in README.md). */
#ifndef PAIDAN_ORDER_ACTIONS_H
#define PAIDAN_ORDER_ACTIONS_H

struct request;

/* POST /api/v1/orders/{id}/{action}: dispatch, reject, claim, return, offer,
 * accept, withdraw, start, complete, confirm. 200 with the order; 401, 403,
 * 404, 409 (with the current state) or 422 otherwise, and nothing changes. */
void order_action_post(struct request *r);

/* POST /api/v1/track/{code}/cancel and /evaluation, with phone_tail in the body. */
void order_action_track(struct request *r);

#endif
