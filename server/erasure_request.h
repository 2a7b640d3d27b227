/* erasure_request: a resident's personal data erased early, at their request, by their community. */
#ifndef PAIDAN_ERASURE_REQUEST_H
#define PAIDAN_ERASURE_REQUEST_H

struct request;

/* POST /api/v1/orders/{id}/erasure (community, its own orders) {reason} → 200 {id, work_no, state,
 * personal_erased_at}; 409 when the order is not finished or already erased. */
void erasure_request(struct request *r);

#endif
