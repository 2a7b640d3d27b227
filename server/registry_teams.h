/* registry_teams: skills, teams and team members — the admin's register, and a team account's own roster. */
#ifndef PAIDAN_REGISTRY_TEAMS_H
#define PAIDAN_REGISTRY_TEAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"

struct request;

#define SKILL_CODE_MAX 40

/* True when s[0..len) is a skill code: a lower-case letter, then up to 39 lower-case letters, digits or '_'. */
bool skill_code_valid(const char *s, size_t len);

/* Adds volunteer $2 to team $1 as role $3 ("lead" or "member"), or gives a member that role; a new lead
 * demotes the team's previous lead in the same statement. One row: whether the team and the volunteer
 * exist, whether the volunteer was a member already, and the membership as JSON — NULL when nothing
 * changed because the volunteer is the lead and was asked to become a member. Shared with the import. */
extern struct db_statement team_member_add_statement;

/* GET /api/v1/skills (anyone logged in) → {"items": [{id, code, name}]} */
void skills_list(struct request *r);
/* POST /api/v1/skills {code, name} (admin) → 201 */
void skills_create(struct request *r);

/* GET /api/v1/teams?department_id=&town_id=&limit=&cursor= (staff) */
void teams_list(struct request *r);
/* GET /api/v1/teams/{id} (staff, or that team's account) */
void teams_get(struct request *r);
/* POST /api/v1/teams {name, department_id, town_ids} (admin) → 201 */
void teams_create(struct request *r);
/* PATCH /api/v1/teams/{id} {name?, status?, town_ids?} (admin) → 200 */
void teams_update(struct request *r);

/* GET /api/v1/teams/{id}/members (admin, or that team's account) */
void team_members_list(struct request *r);
/* POST /api/v1/teams/{id}/members {volunteer_id, role} (admin, or that team's account) → 201, or 200 for a new role */
void team_members_add(struct request *r);
/* DELETE /api/v1/teams/{id}/members/{volunteer_id} → 204; the lead stays until another is named (409) */
void team_members_remove(struct request *r);

#endif
