/* accounts: one statement builds the page; the JSON names the account's community, department,
 * team or volunteer so the console can show whose account it is. */
#include "accounts.h"

#include <stdio.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "list_page.h"
#include "order_model.h"
#include "query.h"
#include "router.h"
#include "validate.h"

#define ACCOUNT_JSON                                                                                                        \
	"json_build_object('id', u.id, 'username', u.username, 'display_name', u.display_name, 'role', u.role,"             \
	"  'community_id', u.community_id, 'department_id', u.department_id, 'team_id', u.team_id,"                         \
	"  'volunteer_id', u.volunteer_id,"                                                                                 \
	"  'scope_name', COALESCE((SELECT c.name FROM communities c WHERE c.id = u.community_id),"                          \
	"                         (SELECT d.name FROM departments d WHERE d.id = u.department_id),"                         \
	"                         (SELECT t.name FROM teams t WHERE t.id = u.team_id),"                                     \
	"                         (SELECT v.name || ' ' || v.volunteer_no FROM volunteers v WHERE v.id = u.volunteer_id))," \
	"  'disabled', u.disabled, 'created_at', u.created_at)::text"

/* q matches the username or the display name as plain text (strpos, so % and _ are not wildcards). */
static struct db_statement list_statement = DB_STATEMENT("accounts_list",
    "SELECT " ACCOUNT_JSON " AS account, u.id FROM users u"
    " WHERE ($1::text IS NULL OR strpos(lower(u.username || ' ' || u.display_name), lower($1::text)) > 0)"
    "   AND ($2::text IS NULL OR u.role = $2::text)"
    "   AND ($3::boolean IS NULL OR u.disabled = $3::boolean)"
    "   AND ($4::bigint IS NULL OR u.id > $4::bigint)"
    " ORDER BY u.id LIMIT $5::int",
    5);

static void
list_rows(struct request *r, const PGresult *res)
{
	list_page_reply(r, res, r->state, "account", "id");
}

void
accounts_list(struct request *r)
{
	struct list_page *page = http_alloc(r, sizeof *page);
	const char *q_text = http_query_param(r, "q"), *role = http_query_param(r, "role");
	const char *disabled = http_query_param(r, "disabled");
	struct field_errors errors;
	enum user_role parsed;
	struct query q;

	query_start(&q, r, &list_statement);
	field_errors_init(&errors);
	if (q_text != NULL && *q_text) {
		if (strlen(q_text) > 64)
			field_errors_add(&errors, "q", "最多 64 个字符 (at most 64 characters)");
		else
			query_text(&q, 1, q_text);
	}
	if (role != NULL && *role) {
		if (user_role_from_name(role, &parsed) && parsed <= ROLE_VOLUNTEER)
			query_text(&q, 2, role);
		else
			field_errors_add(&errors, "role", "应为 admin、community、department、team 或 volunteer");
	}
	if (disabled != NULL && *disabled) {
		if (strcmp(disabled, "true") == 0 || strcmp(disabled, "false") == 0)
			query_bool(&q, 3, strcmp(disabled, "true") == 0);
		else
			field_errors_add(&errors, "disabled", "应为 true 或 false (true or false)");
	}
	list_page_read(r, &errors, page);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_text(&q, 4, list_page_cursor(page));
	query_text(&q, 5, page->fetch);
	r->state = page; /* request memory: no state_free */
	query_run(&q, list_rows, NULL);
}
