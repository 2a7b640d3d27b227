/* volunteer_input: the register's rules that the API and `paidan import volunteers` share — what a
 * volunteer's fields must be, what a skill code looks like, and the two writes both make (register a
 * volunteer, put them on a team). Handlers and the importer call this; neither reaches into the other. */
#ifndef PAIDAN_VOLUNTEER_INPUT_H
#define PAIDAN_VOLUNTEER_INPUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "validate.h"

#define VOLUNTEER_SKILLS_MAX 30
#define SKILL_CODE_MAX 40

/* True when s[0..len) is a skill code: a lower-case letter, then up to 39 lower-case letters, digits or '_'. */
bool skill_code_valid(const char *s, size_t len);

/* A checked volunteer. Strings are owned (volunteer_input_clear frees them); NULL = unchanged (when
 * changing) or none. The ID number is never kept in plain: only sealed, hashed and masked. */
struct volunteer_input {
	char *name;
	char *phone; /* normalised */
	char *status; /* "active" or "inactive" */
	bool id_given; /* "id_number" was in the body; with id_sealed NULL it clears the number */
	char *id_sealed, *id_hash, *id_masked;
	bool skills_given; /* the skill set is replaced by skill_codes/skill_levels */
	char *skill_codes; /* a text[] literal, "{first_aid,smartphone_help}" */
	char *skill_levels; /* a smallint[] literal, "{1,3}" */
};

/* Checks the volunteer fields of body — when creating, name and phone are required; when changing,
 * each field is checked only when present — and fills in. Each problem is recorded in errors under
 * its field. Clear in with volunteer_input_clear. */
void volunteer_input_read(
    struct volunteer_input *in, struct json_object *body, bool creating, struct field_errors *errors);

/* Frees the strings and leaves in empty. */
void volunteer_input_clear(struct volunteer_input *in);

/* The register and change statements take the volunteer as VOLUNTEER_INPUT_PARAMS parameters from
 * $first (the register's $1..$10; the change's $2..$11 after the id): name, phone, status, id_given,
 * the sealed, hashed and masked ID number, skills_given, skill codes and levels. q borrows from in. */
#define VOLUNTEER_INPUT_PARAMS 10
struct query;
void volunteer_input_bind(struct query *q, int first, const struct volunteer_input *in);
/* The same fields as members of o, for the import's rows (paidan_volunteers_import reads them by these
 * names: name, phone, status, id_given, id_enc, id_hash, id_masked, skills_given, skill_codes,
 * skill_levels; the flags as "true"/"false", absent values as null). */
void volunteer_input_json(const struct volunteer_input *in, struct json_object *o);

/* Registers one volunteer from volunteer_input_params and gives them a volunteer number; one row,
 * column "id". Refuses an unknown skill code (PD422 "skills"), a phone already registered (PD409
 * "phone", or 23505 on volunteers_phone_numbered) and an ID number already registered (23505 on
 * volunteers_id_number_hash_key). */
extern struct db_statement volunteer_create_statement;

/* Adds volunteer $2 to team $1 as role $3 ("lead" or "member"), or gives a member that role; a new lead
 * demotes the team's previous lead in the same statement. One row: team_found, volunteer_found,
 * was_member, and member (the membership as JSON — NULL when nothing changed because the volunteer is
 * the lead and was asked to become a member). */
extern struct db_statement team_member_add_statement;

#endif
