/* access: public routes pass; else a session, then the CSRF token of cookie writes, then the role. */
#include "access.h"

#include "router.h"

enum access_result
access_decide(unsigned route_roles, const struct auth_user *user, bool csrf_ok)
{
	if (route_roles == ROUTE_PUBLIC || (route_roles & ACCESS_SESSION_OPTIONAL))
		return ACCESS_ALLOWED;
	if (user == NULL || !user->authenticated)
		return ACCESS_UNAUTHENTICATED;
	if (!csrf_ok)
		return ACCESS_CSRF_FAILED;
	if (!(route_roles & ROLE_BIT(user->role)))
		return ACCESS_FORBIDDEN;
	return ACCESS_ALLOWED;
}
