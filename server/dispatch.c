/* dispatch: every {id} / {…_id} path parameter is checked before any session look-up; then the
 * route's roles decide (access.c); handlers start with r->user set, in the route's database class. */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "api_error.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "session.h"
#include "validate.h"

static const struct auth_user anonymous = {.authenticated = false, .role = ROLE_RESIDENT};

/* Every path parameter named "id" or "…_id" must be a positive id, for every route, before any
 * handler or session look-up runs; replies 400 naming the first bad one. */
static bool
path_ids_valid(struct request *r)
{
	for (int i = 0; i < r->match.nparams; i++) {
		size_t n = r->match.name_lens[i];
		const char *name = r->match.names[i];
		int64_t id;
		char field[ROUTE_MAX_PARAM_LEN];
		struct json_object *fields;

		if (!((n == 2 && strncmp(name, "id", 2) == 0) || (n > 3 && strncmp(name + n - 3, "_id", 3) == 0)))
			continue;
		if (parse_id(r->match.values[i], &id))
			continue;
		snprintf(field, sizeof field, "%.*s", (int)n, name);
		fields = json_object_new_object();
		json_object_object_add(
		    fields, field, json_object_new_string("应为正整数编号 (must be a positive whole number)"));
		api_error_reply(r, API_ERROR_PATH_ID_INVALID, fields);
		return false;
	}
	return true;
}

static void
session_found(struct request *r, const struct auth_user *user, bool csrf_ok)
{
	switch (access_decide(r->match.route->roles, user, csrf_ok)) {
	case ACCESS_ALLOWED:
		r->user = user;
		r->match.route->handler(r);
		return;
	case ACCESS_UNAUTHENTICATED:
		http_set_header(r, "WWW-Authenticate", "Bearer");
		api_error_reply(r, API_ERROR_UNAUTHENTICATED, NULL);
		return;
	case ACCESS_CSRF_FAILED: api_error_reply(r, API_ERROR_CSRF_FAILED, NULL); return;
	case ACCESS_FORBIDDEN: api_error_reply(r, API_ERROR_ROLE_FORBIDDEN, NULL); return;
	}
}

/* A route anyone may call that uses a session when there is a valid one of its roles. */
static void
optional_session_found(struct request *r, const struct auth_user *user, bool csrf_ok)
{
	unsigned roles = r->match.route->roles & ~ACCESS_SESSION_OPTIONAL;

	r->user = user != NULL && csrf_ok && (roles & ROLE_BIT(user->role)) ? user : &anonymous;
	r->match.route->handler(r);
}

_Static_assert((int)ROUTE_FAST_READ == (int)DB_CLASS_FAST_READ && (int)ROUTE_SLOW_READ == (int)DB_CLASS_SLOW_READ &&
        (int)ROUTE_WRITE == (int)DB_CLASS_WRITE,
    "a route's class is its statements' class");

static void
dispatch_in_class(struct request *r)
{
	if (!path_ids_valid(r))
		return;
	if (r->match.route->roles == ROUTE_PUBLIC) {
		r->user = &anonymous;
		r->match.route->handler(r);
		return;
	}
	session_find(r, r->match.route->roles & ACCESS_SESSION_OPTIONAL ? optional_session_found : session_found);
}

/* Every statement of the request, the session look-up included, runs in its route's class. */
void
dispatch_request(struct request *r)
{
	struct db_pool *db = r->app->db; /* r may be freed (answered) by the time the handler returns */
	enum db_class was = db_pool_use_class(db, (enum db_class)r->match.route->load);

	dispatch_in_class(r);
	db_pool_use_class(db, was);
}
