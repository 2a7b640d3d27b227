/* auth_user: who is making a request, as dispatch found it before the handler runs. */
#ifndef PAIDAN_AUTH_USER_H
#define PAIDAN_AUTH_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "order_model.h"

struct auth_user {
	bool authenticated; /* false on public routes called without a session */
	int64_t id;
	enum user_role role;
	int64_t scope_id; /* community, department, team or volunteer id by role; 0 for admin */
	bool via_cookie; /* cookie sessions need the CSRF token on writes */
	char session[65]; /* hex of the session token's hash: names the session (live streams end with it) */
	int64_t expires_at; /* when the session ends, seconds since the epoch */
	const char *json; /* {"id", "username", "display_name", "role", …} for /me; request memory */
};

#endif
