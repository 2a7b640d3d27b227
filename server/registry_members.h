/* registry_members: a team's members — the admin's roster of any team, a team account's of its own. */
#ifndef PAIDAN_REGISTRY_MEMBERS_H
#define PAIDAN_REGISTRY_MEMBERS_H

struct request;

/* GET /api/v1/teams/{id}/members (admin, or that team's account) */
void team_members_list(struct request *r);
/* POST /api/v1/teams/{id}/members {volunteer_id, role} (admin, or that team's account) → 201, or 200 for a new role */
void team_members_add(struct request *r);
/* DELETE /api/v1/teams/{id}/members/{volunteer_id} → 204; the lead stays until another is named (409) */
void team_members_remove(struct request *r);

#endif
