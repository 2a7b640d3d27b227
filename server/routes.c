/* routes: every endpoint in one table, like a command table — method, path, who may call it, what
 * body it takes, the handler, and its class: a fast read (one thing by key, reference data), a slow
 * read (lists, statistics, exports) or a write; each class has its share of the database pool and
 * its own wait queue (db_share.h). Dispatch (dispatch.c) enforces the roles before any handler runs
 * and runs it in its class; tests/unit/test_routes.c walks every route × role and checks README's
 * API table, and its list of slow reads, against it. */
#include "routes.h"

#include <event2/http.h>

#include "access.h"
#include "account_passwords.h"
#include "accounts.h"
#include "attendance.h"
#include "auth.h"
#include "catalog.h"
#include "certificate.h"
#include "checkin.h"
#include "erasure_request.h"
#include "events.h"
#include "export.h"
#include "health.h"
#include "honours.h"
#include "hours.h"
#include "limits_api.h"
#include "matching.h"
#include "menu.h"
#include "notifications_api.h"
#include "order_actions.h"
#include "order_merge.h"
#include "order_model.h"
#include "order_read.h"
#include "orders_submit.h"
#include "photos.h"
#include "queue.h"
#include "registry_import.h"
#include "registry_members.h"
#include "registry_skills.h"
#include "registry_teams.h"
#include "registry_volunteers.h"
#include "resident_login.h"
#include "robots_api.h"
#include "seal.h"
#include "showcase.h"
#include "static_files.h"
#include "stats.h"
#include "team_invites.h"
#include "track.h"
#include "track_stream.h"
#include "users.h"

#define GET (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define POST EVHTTP_REQ_POST
#define DELETE EVHTTP_REQ_DELETE
#define PATCH EVHTTP_REQ_PATCH
#define PUT EVHTTP_REQ_PUT

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
#define RAW ROUTE_BODY_RAW
#define PHOTO ROUTE_BODY_PHOTO /* raw, with --max-photo-body-bytes instead of --max-body-bytes */

#define FAST ROUTE_FAST_READ
#define SLOW ROUTE_SLOW_READ
#define WRITE ROUTE_WRITE

static const struct route routes[] = {
    {GET, "/healthz", health_live, ANYONE, NONE, FAST},
    {GET, "/readyz", health_ready, ANYONE, NONE, FAST},
    {GET, "/metrics", health_metrics, ANYONE, NONE, FAST},
    {GET, "/api/v1/catalog", catalog_get, ANYONE, NONE, FAST},
    {GET, "/form", catalog_form_page, ANYONE, NONE, FAST},
    {GET, "/form/track/{code}", track_page, ANYONE, NONE, FAST},
    {POST, "/api/v1/orders", orders_submit, ANYONE_OR_STAFF, FORM, WRITE},
    {GET, "/api/v1/orders", order_list, SIGNED_IN, NONE, SLOW},
    /* The service menu (服务清单): published by teams and departments, booked by residents. */
    {GET, "/api/v1/services", menu_list, ANYONE, NONE, SLOW},
    {POST, "/api/v1/services", menu_publish, TEAM | DEPARTMENT, JSON, WRITE},
    {POST, "/api/v1/services/{id}/withdraw", menu_withdraw, TEAM | DEPARTMENT, NONE, WRITE},
    {POST, "/api/v1/services/{id}/bookings", orders_submit_booking, ANYONE, FORM, WRITE},
    {GET, "/api/v1/queue/counts", queue_counts, STAFF | TEAM, NONE, SLOW},
    {GET, "/api/v1/callbacks", queue_callbacks, ADMIN | COMMUNITY, NONE, SLOW},
    {GET, "/api/v1/orders/{id}", order_detail, SIGNED_IN, NONE, FAST},
    {POST, "/api/v1/orders/{id}/erasure", erasure_request, COMMUNITY, JSON, WRITE},
    {POST, "/api/v1/orders/{id}/attendance", attendance_sign, TEAM | VOLUNTEER, JSON, WRITE},
    {POST, "/api/v1/orders/{id}/photos", photos_upload, TEAM, PHOTO, WRITE},
    {POST, "/api/v1/orders/{id}/merge", order_merge_post, COMMUNITY, JSON, WRITE},
    {POST, "/api/v1/orders/{id}/callback", queue_callback_record, COMMUNITY, JSON, WRITE},
    {POST, "/api/v1/orders/{id}/{action}", order_action_post, SIGNED_IN, JSON, WRITE},
    {GET, "/api/v1/orders/{id}/suggested-teams", matching_suggest, ADMIN | DEPARTMENT, NONE, SLOW},
    {GET, "/api/v1/volunteers/{id}/hours", hours_ledger, ADMIN | TEAM | VOLUNTEER, NONE, SLOW},
    {GET, "/api/v1/volunteers/{id}/certificate", certificate_issue, ADMIN | VOLUNTEER, NONE, WRITE} /* numbers one */,
    {POST, "/api/v1/service-records/{id}/corrections", hours_correct, ADMIN, JSON, WRITE},
    {GET, "/verify/{code}", certificate_verify, ANYONE, NONE, FAST},
    {GET, "/api/v1/track/{code}", track_get, ANYONE, NONE, FAST},
    {POST, "/api/v1/track/{code}/stream-token", track_stream_token, ANYONE, JSON, WRITE},
    {GET, "/api/v1/track/{code}/events", track_events, ANYONE, NONE, SLOW},
    {POST, "/api/v1/track/{code}/showcase", showcase_consent, ANYONE, JSON, WRITE}, /* before {action} */
    {POST, "/api/v1/track/{code}/{action}", order_action_track, ANYONE, FORM, WRITE},
    {POST, "/api/v1/sessions", auth_login, ANYONE, JSON, WRITE},
    {DELETE, "/api/v1/sessions/current", auth_logout, SIGNED_IN, NONE, WRITE},
    {GET, "/api/v1/me", auth_me, SIGNED_IN, NONE, FAST},
    {POST, "/api/v1/me/password", account_password_change, SIGNED_IN, JSON, WRITE},
    {POST, "/api/v1/users/{id}/password", account_password_reset, ADMIN, JSON, WRITE},
    {POST, "/api/v1/teams/{id}/invitations", team_invitations_create, ADMIN | TEAM, JSON, WRITE},
    {GET, "/api/v1/invitations", invitations_list, VOLUNTEER, NONE, SLOW},
    {POST, "/api/v1/invitations/{id}/{answer}", invitation_answer, VOLUNTEER, JSON, WRITE},
    {GET, "/api/v1/events", events_stream, SIGNED_IN, NONE, SLOW},
    {GET, "/api/v1/stats/summary", stats_summary, STAFF | TEAM, NONE, SLOW},
    {GET, "/api/v1/export/orders.csv", export_orders, ADMIN, NONE, SLOW},
    {GET, "/api/v1/export/hours.csv", export_hours, ADMIN, NONE, SLOW},
    {POST, "/api/v1/users", users_create, ADMIN, JSON, WRITE},
    {GET, "/api/v1/users", accounts_list, ADMIN, NONE, SLOW},
    {PATCH, "/api/v1/users/{id}", users_update, ADMIN, JSON, WRITE},
    {GET, "/api/v1/skills", skills_list, SIGNED_IN, NONE, FAST},
    {POST, "/api/v1/skills", skills_create, ADMIN, JSON, WRITE},
    {GET, "/api/v1/volunteers", volunteers_list, ADMIN | TEAM, NONE, SLOW},
    {POST, "/api/v1/volunteers", volunteers_create, ADMIN, JSON, WRITE},
    {POST, "/api/v1/volunteers/import", volunteers_import, ADMIN, RAW, WRITE},
    {GET, "/api/v1/volunteers/{id}", volunteers_get, ADMIN | TEAM, NONE, FAST},
    {PATCH, "/api/v1/volunteers/{id}", volunteers_update, ADMIN, JSON, WRITE},
    {GET, "/api/v1/teams", teams_list, STAFF, NONE, SLOW},
    {POST, "/api/v1/teams", teams_create, ADMIN, JSON, WRITE},
    {GET, "/api/v1/teams/{id}", teams_get, STAFF | TEAM, NONE, FAST},
    {PATCH, "/api/v1/teams/{id}", teams_update, ADMIN, JSON, WRITE},
    {GET, "/api/v1/teams/{id}/members", team_members_list, ADMIN | TEAM, NONE, SLOW},
    {POST, "/api/v1/teams/{id}/members", team_members_add, ADMIN, JSON, WRITE},
    {DELETE, "/api/v1/teams/{id}/members/{volunteer_id}", team_members_remove, ADMIN | TEAM, NONE, WRITE},
    {GET, "/api/v1/orders/{id}/notifications", notifications_of_order, STAFF, NONE, SLOW},
    {GET, "/api/v1/notifications", notifications_list, ADMIN, NONE, SLOW},
    {POST, "/api/v1/notifications/{id}/resend", notifications_resend, ADMIN, NONE, WRITE},
    {POST, "/api/v1/resident/codes", resident_codes_create, ANYONE, JSON, WRITE},
    {POST, "/api/v1/resident/sessions", resident_sessions_create, ANYONE, JSON, WRITE},
    {GET, "/api/v1/resident/orders", resident_orders, ANYONE, NONE, SLOW},
    {GET, "/api/v1/robots", robots_list, ADMIN, NONE, SLOW},
    {PUT, "/api/v1/robots", robots_put, ADMIN, JSON, WRITE},
    {DELETE, "/api/v1/robots", robots_delete, ADMIN, NONE, WRITE},
    {GET, "/api/v1/settings/limits", limits_get, ADMIN, NONE, FAST},
    {PUT, "/api/v1/settings/limits", limits_put, ADMIN, JSON, WRITE},
    /* Issue 13: proof of service. */
    {POST, "/api/v1/volunteers/{id}/certificates", certificate_issue_json, ADMIN | VOLUNTEER, NONE, WRITE},
    {GET, "/certificates/{code}", certificate_show, ANYONE, NONE, FAST},
    {GET, "/verify", certificate_verify_form_get, ANYONE, NONE, FAST},
    {PUT, "/api/v1/certificate-seal", seal_upload, ADMIN, RAW, WRITE},
    {GET, "/seals/{id}", seal_get, ANYONE, NONE, FAST},
    {GET, "/api/v1/stars", honours_stars, STAFF, NONE, SLOW},
    {POST, "/api/v1/nominations", honours_nominate, ADMIN, JSON, WRITE},
    {GET, "/api/v1/nominations", honours_list, ANYONE, NONE, SLOW},
    {GET, "/honours", honours_page, ANYONE, NONE, SLOW},
    {GET, "/api/v1/track/{code}/checkin", checkin_track_code, ANYONE, NONE, WRITE},
    {GET, "/api/v1/orders/{id}/checkin-code", checkin_console_code, ADMIN | COMMUNITY, NONE, WRITE},
    {GET, "/api/v1/orders/{id}/attendance", attendance_list, SIGNED_IN, NONE, FAST},
    {GET, "/api/v1/orders/{id}/photos", photos_list, SIGNED_IN, NONE, FAST},
    {GET, "/api/v1/orders/{id}/photos/{n}", photos_get, SIGNED_IN, NONE, FAST},
    {GET, "/api/v1/track/{code}/photos", photos_track_list, ANYONE, NONE, FAST},
    {GET, "/api/v1/track/{code}/photos/{n}", photos_track_get, ANYONE, NONE, FAST},
    {GET, "/showcase", showcase_page, ANYONE, NONE, SLOW},
    {GET, "/showcase/photos/{id}", showcase_photo, ANYONE, NONE, FAST},
    /* Last: the web clients (static_files_map says which file each path is). */
    {GET, "/", static_files_serve, ANYONE, NONE, FAST},
    {GET, "/{file}", static_files_serve, ANYONE, NONE, FAST},
    {GET, "/console/{*path}", static_files_serve, ANYONE, NONE, FAST},
    {GET, "/team/{*path}", static_files_serve, ANYONE, NONE, FAST},
    {GET, "/common/{*path}", static_files_serve, ANYONE, NONE, FAST},
    {GET, "/track/{*path}", static_files_serve, ANYONE, NONE, FAST},
};

const struct route *
routes_table(size_t *count)
{
	*count = sizeof routes / sizeof routes[0];
	return routes;
}
