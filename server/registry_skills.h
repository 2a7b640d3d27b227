/* registry_skills: the skill list and the admin's new skill codes. */
#ifndef PAIDAN_REGISTRY_SKILLS_H
#define PAIDAN_REGISTRY_SKILLS_H

struct request;

/* GET /api/v1/skills (anyone logged in) → {"items": [{id, code, name}]} */
void skills_list(struct request *r);
/* POST /api/v1/skills {code, name} (admin) → 201 */
void skills_create(struct request *r);

#endif
