/* registry_volunteers: the volunteer register — list, read, register, change — and the one place a
 * volunteer's fields are checked, shared with `paidan import volunteers`. */
#ifndef PAIDAN_REGISTRY_VOLUNTEERS_H
#define PAIDAN_REGISTRY_VOLUNTEERS_H

#include <json-c/json.h>
#include <stdbool.h>

#include "db.h"
#include "validate.h"

struct request;

#define VOLUNTEER_SKILLS_MAX 30

/* The parameters of the register and change statements, in their order. */
enum volunteer_param {
	VP_ID,
	VP_NAME,
	VP_PHONE,
	VP_STATUS,
	VP_ID_GIVEN,
	VP_ID_SEALED,
	VP_ID_HASH,
	VP_ID_MASKED,
	VP_SKILLS_GIVEN,
	VP_SKILL_CODES,
	VP_SKILL_LEVELS,
	VP_COUNT
};

/* A checked volunteer: statement parameters as text (owned; NULL = unchanged or none). */
struct volunteer_input {
	char *values[VP_COUNT];
};

/* Checks the volunteer fields of body — when creating, name and phone are required; when changing,
 * each field is checked only when present — and fills in->values: the phone normalised, the ID
 * number sealed, hashed and masked (never kept in plain), skills as arrays of codes and levels.
 * Each problem is recorded in errors under its field. Clear in with volunteer_input_clear. */
void volunteer_input_read(
    struct volunteer_input *in, struct json_object *body, bool creating, struct field_errors *errors);

/* Frees the values and leaves in empty. */
void volunteer_input_clear(struct volunteer_input *in);

/* Registers one volunteer from in.values + VP_NAME (so $1 is the name) and gives them a volunteer
 * number; returns the new id. Refuses an unknown skill code (PD422 "skills"), a phone already
 * registered (PD409 "phone", or 23505 on volunteers_phone_numbered) and an ID number already
 * registered (23505 on volunteers_id_number_hash_key). Shared with the import. */
extern struct db_statement volunteer_create_statement;

/* GET /api/v1/volunteers?q=&team_id=&skill=&status=&limit=&cursor= (admin; a team account sees its members) */
void volunteers_list(struct request *r);
/* GET /api/v1/volunteers/{id} */
void volunteers_get(struct request *r);
/* POST /api/v1/volunteers (admin) → 201 */
void volunteers_create(struct request *r);
/* PATCH /api/v1/volunteers/{id} (admin): any of the fields; skills replace the set → 200 */
void volunteers_update(struct request *r);

#endif
