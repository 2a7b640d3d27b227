/* users: staff, team and volunteer accounts. */
#ifndef PAIDAN_USERS_H
#define PAIDAN_USERS_H

struct request;

/* POST /api/v1/users (admin) {username, password, display_name, role, <scope>_id} → 201 */
void users_create(struct request *r);

#endif
