/* catalog: one query builds the JSON; the reference data changes rarely, so clients may cache it briefly. */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "form_pages.h"
#include "http.h"
#include "query.h"

static struct db_statement catalog_statement = DB_STATEMENT("catalog",
    "SELECT json_build_object("
    "  'towns', COALESCE((SELECT json_agg(json_build_object('id', t.id, 'name', t.name, 'communities',"
    "      COALESCE((SELECT json_agg(json_build_object('id', c.id, 'name', c.name) ORDER BY c.sort_order, c.id)"
    "                  FROM communities c WHERE c.town_id = t.id), '[]'::json))"
    "      ORDER BY t.sort_order, t.id) FROM towns t), '[]'::json),"
    "  'categories', COALESCE((SELECT json_agg(json_build_object('id', id, 'code', code, 'name', name,"
    "      'description', description, 'department_id', department_id) ORDER BY code = 'other', sort_order, id)"
    "      FROM categories), '[]'::json),"
    "  'departments', COALESCE((SELECT json_agg(json_build_object('id', id, 'name', name)"
    "      ORDER BY sort_order, id) FROM departments), '[]'::json),"
    "  'organizer', json_build_object('name', $1::text, 'phone', NULLIF($2::text, '')),"
    "  'erase_after_days', $3::int)::text AS catalog",
    3);

static void
catalog_rows(struct request *r, const PGresult *res)
{
	http_set_header(r, "Cache-Control", "public, max-age=60");
	query_reply_cell(r, res, "catalog", 200);
}

static void
form_rows(struct request *r, const PGresult *res)
{
	char *page = form_page_order_form(query_cell(res, 0, "catalog"));

	http_set_header(r, "Cache-Control", "no-cache");
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

static void
catalog_run(struct request *r, query_rows on_rows)
{
	struct query q;

	query_start(&q, r, &catalog_statement);
	query_text(&q, 1, r->app->cfg->organizer);
	query_text(&q, 2, r->app->cfg->organizer_phone);
	query_int(&q, 3, r->app->cfg->erase_after_days);
	query_run(&q, on_rows, NULL);
}

void
catalog_get(struct request *r)
{
	catalog_run(r, catalog_rows);
}

void
catalog_form_page(struct request *r)
{
	catalog_run(r, form_rows);
}
