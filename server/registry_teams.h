/* registry_teams: volunteer teams — the admin's register, and a team account's own team. */
#ifndef PAIDAN_REGISTRY_TEAMS_H
#define PAIDAN_REGISTRY_TEAMS_H

#include <stdbool.h>
#include <stdint.h>

struct request;

/* Admins act on any team, a team account on its own only: false after replying 403. */
bool teams_own(struct request *r, int64_t team_id);

/* GET /api/v1/teams?department_id=&town_id=&limit=&cursor= (staff) */
void teams_list(struct request *r);
/* GET /api/v1/teams/{id} (staff, or that team's account) */
void teams_get(struct request *r);
/* POST /api/v1/teams {name, department_id, town_ids} (admin) → 201 */
void teams_create(struct request *r);
/* PATCH /api/v1/teams/{id} {name?, status?, town_ids?} (admin) → 200 */
void teams_update(struct request *r);

#endif
