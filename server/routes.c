/* routes: every endpoint in one table, like a command table — method, path, who may call it, what
 * body it takes, and the handler. Dispatch (dispatch.c) enforces the roles before any handler runs;
 * tests/unit/test_routes.c walks every route × role and checks README's API table against it. */
#include "routes.h"

#include <event2/http.h>

#include "access.h"
#include "account_passwords.h"
#include "auth.h"
#include "catalog.h"
#include "certificate.h"
#include "erasure_request.h"
#include "events.h"
#include "export.h"
#include "health.h"
#include "hours.h"
#include "matching.h"
#include "order_actions.h"
#include "order_model.h"
#include "order_read.h"
#include "orders_submit.h"
#include "registry_members.h"
#include "registry_skills.h"
#include "registry_teams.h"
#include "registry_volunteers.h"
#include "static_files.h"
#include "stats.h"
#include "team_invites.h"
#include "track.h"
#include "users.h"

#define GET (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define POST EVHTTP_REQ_POST
#define DELETE EVHTTP_REQ_DELETE
#define PATCH EVHTTP_REQ_PATCH

#define ANYONE ROUTE_PUBLIC
#define ANYONE_OR_STAFF (ACCESS_SESSION_OPTIONAL | ROLES_STAFF)
#define SIGNED_IN ROLES_ANY_USER
#define STAFF ROLES_STAFF
#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define COMMUNITY ROLE_BIT(ROLE_COMMUNITY)
#define DEPARTMENT ROLE_BIT(ROLE_DEPARTMENT)
#define TEAM ROLE_BIT(ROLE_TEAM)
#define VOLUNTEER ROLE_BIT(ROLE_VOLUNTEER)

#define NONE ROUTE_BODY_NONE
#define JSON ROUTE_BODY_JSON
#define FORM ROUTE_BODY_JSON_OR_FORM

static const struct route routes[] = {
    {GET, "/healthz", health_live, ANYONE, NONE},
    {GET, "/readyz", health_ready, ANYONE, NONE},
    {GET, "/metrics", health_metrics, ANYONE, NONE},
    {GET, "/api/v1/catalog", catalog_get, ANYONE, NONE},
    {GET, "/form", catalog_form_page, ANYONE, NONE},
    {GET, "/form/track/{code}", track_page, ANYONE, NONE},
    {POST, "/api/v1/orders", orders_submit, ANYONE_OR_STAFF, FORM},
    {GET, "/api/v1/orders", order_list, SIGNED_IN, NONE},
    {GET, "/api/v1/orders/{id}", order_detail, SIGNED_IN, NONE},
    {POST, "/api/v1/orders/{id}/erasure", erasure_request, COMMUNITY, JSON},
    {POST, "/api/v1/orders/{id}/{action}", order_action_post, SIGNED_IN, JSON},
    {GET, "/api/v1/orders/{id}/suggested-teams", matching_suggest, ADMIN | DEPARTMENT, NONE},
    {GET, "/api/v1/volunteers/{id}/hours", hours_ledger, ADMIN | TEAM | VOLUNTEER, NONE},
    {GET, "/api/v1/volunteers/{id}/certificate", certificate_issue, ADMIN | VOLUNTEER, NONE},
    {POST, "/api/v1/service-records/{id}/corrections", hours_correct, ADMIN, JSON},
    {GET, "/verify/{code}", certificate_verify, ANYONE, NONE},
    {GET, "/api/v1/track/{code}", track_get, ANYONE, NONE},
    {POST, "/api/v1/track/{code}/{action}", order_action_track, ANYONE, FORM},
    {POST, "/api/v1/sessions", auth_login, ANYONE, JSON},
    {DELETE, "/api/v1/sessions/current", auth_logout, SIGNED_IN, NONE},
    {GET, "/api/v1/me", auth_me, SIGNED_IN, NONE},
    {POST, "/api/v1/me/password", account_password_change, SIGNED_IN, JSON},
    {POST, "/api/v1/users/{id}/password", account_password_reset, ADMIN, JSON},
    {POST, "/api/v1/teams/{id}/invitations", team_invitations_create, ADMIN | TEAM, JSON},
    {GET, "/api/v1/invitations", invitations_list, VOLUNTEER, NONE},
    {POST, "/api/v1/invitations/{id}/{answer}", invitation_answer, VOLUNTEER, JSON},
    {GET, "/api/v1/events", events_stream, SIGNED_IN, NONE},
    {GET, "/api/v1/stats/summary", stats_summary, STAFF | TEAM, NONE},
    {GET, "/api/v1/export/orders.csv", export_orders, ADMIN, NONE},
    {GET, "/api/v1/export/hours.csv", export_hours, ADMIN, NONE},
    {POST, "/api/v1/users", users_create, ADMIN, JSON},
    {PATCH, "/api/v1/users/{id}", users_update, ADMIN, JSON},
    {GET, "/api/v1/skills", skills_list, SIGNED_IN, NONE},
    {POST, "/api/v1/skills", skills_create, ADMIN, JSON},
    {GET, "/api/v1/volunteers", volunteers_list, ADMIN | TEAM, NONE},
    {POST, "/api/v1/volunteers", volunteers_create, ADMIN, JSON},
    {GET, "/api/v1/volunteers/{id}", volunteers_get, ADMIN | TEAM, NONE},
    {PATCH, "/api/v1/volunteers/{id}", volunteers_update, ADMIN, JSON},
    {GET, "/api/v1/teams", teams_list, STAFF, NONE},
    {POST, "/api/v1/teams", teams_create, ADMIN, JSON},
    {GET, "/api/v1/teams/{id}", teams_get, STAFF | TEAM, NONE},
    {PATCH, "/api/v1/teams/{id}", teams_update, ADMIN, JSON},
    {GET, "/api/v1/teams/{id}/members", team_members_list, ADMIN | TEAM, NONE},
    {POST, "/api/v1/teams/{id}/members", team_members_add, ADMIN, JSON},
    {DELETE, "/api/v1/teams/{id}/members/{volunteer_id}", team_members_remove, ADMIN | TEAM, NONE},
    /* Last: the web clients (static_files_map says which file each path is). */
    {GET, "/", static_files_serve, ANYONE, NONE},
    {GET, "/{file}", static_files_serve, ANYONE, NONE},
    {GET, "/console/{*path}", static_files_serve, ANYONE, NONE},
    {GET, "/team/{*path}", static_files_serve, ANYONE, NONE},
    {GET, "/common/{*path}", static_files_serve, ANYONE, NONE},
    {GET, "/track/{*path}", static_files_serve, ANYONE, NONE},
};

const struct route *
routes_table(size_t *count)
{
	*count = sizeof routes / sizeof routes[0];
	return routes;
}
