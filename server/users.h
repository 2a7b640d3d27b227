/* users: staff, team and volunteer accounts. */
#ifndef PAIDAN_USERS_H
#define PAIDAN_USERS_H

struct request;

/* POST /api/v1/users (admin) {username, password, display_name, role, <scope>_id} → 201 */
void users_create(struct request *r);

/* PATCH /api/v1/users/{id} (admin) {disabled} → 200 {id, username, display_name, role, disabled};
 * disabling ends the account's sessions; an admin cannot disable their own account (422). */
void users_update(struct request *r);

#endif
