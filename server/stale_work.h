/* stale_work: the sweep's release of stalled work (issue 14, rule 4). A claimed order its department
 * never offered to a team by its offer deadline goes back to the community's queue (expire_claim); an
 * order a team accepted and never started by its deadline is withdrawn from that team and stays with
 * the department's other offered teams, or waits for the department to offer it again (expire_accept).
 * One audit event each, guarded by the order's chain head, so several processes sweeping at once
 * release each order once. */
#ifndef PAIDAN_STALE_WORK_H
#define PAIDAN_STALE_WORK_H

struct app;

/* Starts one round: finds a batch of stalled orders and releases each. *pending counts the queries
 * in flight (incremented here, decremented as they finish), like erasure_round. */
void stale_work_round(struct app *app, int *pending);

#endif
