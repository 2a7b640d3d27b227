/* access: whether a caller may pass a route's door — the rule dispatch applies before any
 * handler runs. Pure, so a test can walk every route × role. */
#ifndef PAIDAN_ACCESS_H
#define PAIDAN_ACCESS_H

#include <stdbool.h>

#include "auth_user.h"

/* In a route's roles: anyone may call it, and a valid session of the roles named with it is used when
 * the request carries one (POST /api/v1/orders: a community worker entering an order is not counted
 * against the address's anonymous limit). */
#define ACCESS_SESSION_OPTIONAL (1u << 30)

enum access_result {
	ACCESS_ALLOWED,
	ACCESS_UNAUTHENTICATED, /* 401: no valid session */
	ACCESS_CSRF_FAILED, /* 403: a cookie-authenticated write without the right X-CSRF-Token */
	ACCESS_FORBIDDEN, /* 403: the role is not among the route's */
};

/* route_roles is a route's mask (ROUTE_PUBLIC or ROLE_BITs); user is NULL without a valid
 * session; csrf_ok tells whether a cookie-authenticated write carried the right token
 * (true for bearer tokens and reads). */
enum access_result access_decide(unsigned route_roles, const struct auth_user *user, bool csrf_ok);

#endif
