/* queue: what waits for this user now (issue 14, rule 6) — the counts behind the console's tabs,
 * and the community's call-backs (回访) of recently closed orders with each call's outcome. */
#ifndef PAIDAN_QUEUE_H
#define PAIDAN_QUEUE_H

struct request;

/* GET /api/v1/queue/counts → {mine, overdue, open, done, callbacks}: how many of the orders this user
 * may see are on each tab (paidan_queue_tab), and call-backs due (community). */
void queue_counts(struct request *r);
/* GET /api/v1/callbacks → {items}: the community's orders closed in the last 7 days, each with the
 * last call's outcome (or none yet) and the day the call is due. */
void queue_callbacks(struct request *r);
/* POST /api/v1/orders/{id}/callback {outcome: satisfied|unsatisfied|unreachable, note?} → 201: records a
 * call to the resident of a closed order of the community. */
void queue_callback_record(struct request *r);

#endif
