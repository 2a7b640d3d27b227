/* events_resume: GET /api/v1/events for a signed-in user — the caps, Last-Event-ID, and the events the
 * client missed while it was away (read once, before the stream joins the fan-out of events.c). */
#include "events.h"
#include "events_internal.h"

#include "api_error.h"
#include "api_reply.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "validate.h"

/* What a client missed: events after its last one (and the few seconds before it, since ids
 * are handed out before commit and may arrive out of order), on orders it may see now. */
static struct db_statement resume_statement = DB_STATEMENT("events_resume",
    "SELECT (SELECT COALESCE(array_agg(m.team_id ORDER BY m.team_id), '{}')"
    "          FROM team_members m WHERE $2::text = 'volunteer' AND m.volunteer_id = $3::bigint)::text AS teams,"
    "       COALESCE((SELECT json_agg(x ORDER BY x.event_id) FROM ("
    "         SELECT e.id AS event_id, e.order_id, e.action, e.from_state AS \"from\", e.to_state AS state, e.at"
    "           FROM order_events e JOIN orders o ON o.id = e.order_id"
    "          WHERE $1::bigint IS NOT NULL AND e.id <> $1::bigint"
    "            AND (e.id > $1::bigint OR e.at >= (SELECT p.at - interval '2 seconds'"
    "                                                FROM order_events p WHERE p.id = $1::bigint))"
    "            AND paidan_order_visible(o, $2::text, $3::bigint)"
    "          ORDER BY e.id LIMIT 1000) x), '[]'::json)::text AS missed",
    3);

static void
resume_done(struct request *r, const PGresult *res)
{
	events_open_user(r, query_cell(res, 0, "teams"), query_cell(res, 0, "missed"));
}

/* The caps (--max-streams, and per user) are checked before the resume's database work; dispatch has
 * looked the session up by then. resume_done counts the stream in. */
void
events_stream(struct request *r)
{
	const char *last = http_header(r, "Last-Event-ID");
	int64_t last_id = 0;
	struct query q;

	if (!events_room()) {
		events_refuse_full(r);
		return;
	}
	if (!events_room_for_one_more(r, r->user->id, 0))
		return;
	if (last == NULL)
		last = http_query_param(r, "last_event_id");
	if (last != NULL && *last && !parse_id(last, &last_id)) {
		api_reply_field(r, API_ERROR_LAST_EVENT_ID_INVALID, "Last-Event-ID", "应为正整数 (a positive number)");
		return;
	}
	/* A first connection misses nothing, and only a volunteer's reader needs the database (their teams):
	 * thousands of phones opening at once (a network coming back) then cost no database work. */
	if (last_id == 0 && r->user->role != ROLE_VOLUNTEER) {
		events_open_user(r, NULL, NULL);
		return;
	}
	query_start(&q, r, &resume_statement);
	if (last_id > 0)
		query_id(&q, 1, last_id);
	query_text(&q, 2, user_role_name(r->user->role));
	query_id(&q, 3, r->user->scope_id);
	query_run(&q, resume_done, NULL);
}
