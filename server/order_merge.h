/* order_merge: POST /api/v1/orders/{id}/merge — the community merges a duplicate into an earlier order
 * of its community (issue 14, rule 2). The duplicate goes to the terminal state merged, linked to the
 * order it joined; both orders get one audit event, written by one statement guarded by both chain
 * heads. Never automatic: only this route merges. */
#ifndef PAIDAN_ORDER_MERGE_H
#define PAIDAN_ORDER_MERGE_H

struct request;

/* Body {into?: order id (default: the order it was flagged a possible duplicate of), note?}. 200 with
 * the merged order; 409 when either order moved on; 422 when there is nothing to merge into. */
void order_merge_post(struct request *r);

#endif
