/* routes: every endpoint in one table, like a command table. */
#include "routes.h"

#include <event2/http.h>

#include "auth.h"
#include "catalog.h"
#include "certificate.h"
#include "events.h"
#include "export.h"
#include "health.h"
#include "hours.h"
#include "matching.h"
#include "order_actions.h"
#include "order_read.h"
#include "orders_submit.h"
#include "registry_teams.h"
#include "registry_volunteers.h"
#include "stats.h"
#include "track.h"

#define GET (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define POST EVHTTP_REQ_POST
#define DELETE EVHTTP_REQ_DELETE
#define PATCH EVHTTP_REQ_PATCH

static const struct route routes[] = {
    {GET, "/healthz", health_live},
    {GET, "/readyz", health_ready},
    {GET, "/metrics", health_metrics},
    {GET, "/api/v1/catalog", catalog_get},
    {GET, "/form", catalog_form_page},
    {POST, "/api/v1/orders", orders_submit},
    {GET, "/api/v1/orders", order_list},
    {GET, "/api/v1/orders/{id}", order_detail},
    {POST, "/api/v1/orders/{id}/{action}", order_action_post},
    {GET, "/api/v1/orders/{id}/suggested-teams", matching_suggest},
    {GET, "/api/v1/volunteers/{id}/hours", hours_ledger},
    {GET, "/api/v1/volunteers/{id}/certificate", certificate_issue},
    {POST, "/api/v1/service-records/{id}/corrections", hours_correct},
    {GET, "/verify/{code}", certificate_verify},
    {GET, "/api/v1/track/{code}", track_get},
    {POST, "/api/v1/track/{code}/{action}", order_action_track},
    {POST, "/api/v1/sessions", auth_login},
    {DELETE, "/api/v1/sessions/current", auth_logout},
    {GET, "/api/v1/me", auth_me},
    {GET, "/api/v1/events", events_stream},
    {GET, "/api/v1/stats/summary", stats_summary},
    {GET, "/api/v1/export/orders.csv", export_orders},
    {GET, "/api/v1/export/hours.csv", export_hours},
    {POST, "/api/v1/users", auth_create_user},
    {GET, "/api/v1/skills", skills_list},
    {POST, "/api/v1/skills", skills_create},
    {GET, "/api/v1/volunteers", volunteers_list},
    {POST, "/api/v1/volunteers", volunteers_create},
    {GET, "/api/v1/volunteers/{id}", volunteers_get},
    {PATCH, "/api/v1/volunteers/{id}", volunteers_update},
    {GET, "/api/v1/teams", teams_list},
    {POST, "/api/v1/teams", teams_create},
    {GET, "/api/v1/teams/{id}", teams_get},
    {PATCH, "/api/v1/teams/{id}", teams_update},
    {GET, "/api/v1/teams/{id}/members", team_members_list},
    {POST, "/api/v1/teams/{id}/members", team_members_add},
    {DELETE, "/api/v1/teams/{id}/members/{volunteer_id}", team_members_remove},
};

const struct route *
routes_table(size_t *count)
{
	*count = sizeof routes / sizeof routes[0];
	return routes;
}
