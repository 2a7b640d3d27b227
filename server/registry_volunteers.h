/* registry_volunteers: the volunteer register — list, read, register, change — and the one place a
 * volunteer's fields are checked in volunteer_input.c, which the importer shares. */
#ifndef PAIDAN_REGISTRY_VOLUNTEERS_H
#define PAIDAN_REGISTRY_VOLUNTEERS_H

struct request;

/* GET /api/v1/volunteers?q=&team_id=&skill=&status=&limit=&cursor= (admin; a team account sees its members) */
void volunteers_list(struct request *r);
/* GET /api/v1/volunteers/{id} */
void volunteers_get(struct request *r);
/* POST /api/v1/volunteers (admin) → 201 */
void volunteers_create(struct request *r);
/* PATCH /api/v1/volunteers/{id} (admin): any of the fields; skills replace the set → 200 */
void volunteers_update(struct request *r);

#endif
