/* auth: sessions (log in, log out, who am I) and the check every protected handler starts with. */
#ifndef PAIDAN_AUTH_H
#define PAIDAN_AUTH_H

#include "order_model.h"

struct request;

#define ROLE_BIT(role) (1u << (role))
#define ROLES_STAFF (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_COMMUNITY) | ROLE_BIT(ROLE_DEPARTMENT))
#define ROLES_ANY_USER (ROLES_STAFF | ROLE_BIT(ROLE_TEAM) | ROLE_BIT(ROLE_VOLUNTEER))

/* Finds the session of r (Authorization: Bearer, or the paidan_session cookie,
 * which on writes needs X-CSRF-Token too), fills r->user and calls next(r).
 * Replies 401 without a valid session, 403 when the role is not in roles
 * (a mask of ROLE_BIT) or the CSRF token is missing or wrong. */
void auth_require(struct request *r, unsigned roles, void (*next)(struct request *r));

/* POST /api/v1/sessions {username, password}: token, CSRF token and cookie; 429 after repeated failures. */
void auth_login(struct request *r);
/* DELETE /api/v1/sessions/current */
void auth_logout(struct request *r);
/* GET /api/v1/me */
void auth_me(struct request *r);
/* POST /api/v1/users (admin) {username, password, display_name, role, <scope>_id} */
void auth_create_user(struct request *r);

#endif
