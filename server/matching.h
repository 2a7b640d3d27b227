/* matching: which teams suit an order — skills, service area, current load, past ratings. */
#ifndef PAIDAN_MATCHING_H
#define PAIDAN_MATCHING_H

struct request;

/* GET /api/v1/orders/{id}/suggested-teams (the order's department, or an admin) →
 * {"order_id", "required_skills": [...], "items": [{team_id, name, score, skill_share,
 * serves_town, open_orders, rating, rated_count, offered, reasons: ["…"]}]} best first. */
void matching_suggest(struct request *r);

#endif
