/* catalog: one query builds the JSON; the reference data changes rarely, so clients may cache it briefly. */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#include "api_reply.h"
#include "app.h"
#include "db.h"
#include "form_pages.h"
#include "http.h"

static struct db_statement catalog_statement = DB_STATEMENT("catalog",
    "SELECT json_build_object("
    "  'towns', COALESCE((SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'communities',"
    "      COALESCE((SELECT json_agg(json_build_object('id', c.id, 'name', c.name) ORDER BY c.sort_order, c.id)"
    "                  FROM communities c WHERE c.town_id = t.id), '[]'::json))"
    "      ORDER BY t.sort_order, t.id) FROM towns t), '[]'::json),"
    "  'categories', COALESCE((SELECT json_agg(json_build_object('id', id, 'code', code, 'name', name,"
    "      'description', description, 'department_id', department_id) ORDER BY sort_order, id)"
    "      FROM categories), '[]'::json),"
    "  'departments', COALESCE((SELECT json_agg(json_build_object('id', id, 'name', name)"
    "      ORDER BY sort_order, id) FROM departments), '[]'::json))::text",
    0);

static void
catalog_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	const char *text;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	text = PQgetvalue(reply->result, 0, 0);
	http_set_header(r, "Cache-Control", "public, max-age=60");
	http_reply_json_text(r, 200, text, strlen(text));
}

void
catalog_get(struct request *r)
{
	db_query(r->app->db, &catalog_statement, NULL, catalog_done, r);
}

static void
form_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	char *page;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	page = form_page_order_form(PQgetvalue(reply->result, 0, 0));
	http_set_header(r, "Cache-Control", "no-cache");
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

void
catalog_form_page(struct request *r)
{
	db_query(r->app->db, &catalog_statement, NULL, form_done, r);
}
