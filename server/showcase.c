/* showcase: the public 晒单 page — closed orders whose resident agreed, with their photos, rating and
 * comment; never a name, phone, address, description or tracking code. The consent is the
 * resident's, given or taken back with their key on the tracking page. */
#include "showcase.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <json-c/json.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "db.h"
#include "http.h"
#include "photos.h"
#include "query.h"
#include "resident_key.h"
#include "text.h"
#include "tracking_code.h"
#include "validate.h"

static struct db_statement consent_statement = DB_STATEMENT("showcase_consent",
    "WITH o AS (SELECT id, state, resident_key_hash = decode($2::text, 'hex') AS allowed FROM orders"
    "            WHERE tracking_code = $1::text),"
    "up AS (INSERT INTO showcase_consents (order_id, shown, changed_at)"
    "       SELECT id, $3::boolean, now() FROM o WHERE allowed AND state IN ('completed', 'closed')"
    "       ON CONFLICT (order_id) DO UPDATE SET shown = EXCLUDED.shown, changed_at = now() RETURNING shown)"
    "SELECT o.state, o.allowed, (SELECT shown FROM up) AS shown FROM o",
    3);

static struct db_statement page_statement = DB_STATEMENT("showcase_page",
    "SELECT COALESCE(json_agg(x ORDER BY x.closed_at DESC), '[]'::json)::text AS items FROM ("
    "  SELECT o.closed_at, to_char(o.closed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY\"年\"FMMM\"月\"') AS month,"
    "         cat.name AS category, t.name AS town, tm.name AS team, e.rating, e.comment,"
    "         (SELECT COALESCE(json_agg(p.id ORDER BY p.n), '[]'::json) FROM order_photos p WHERE p.order_id = o.id) AS photos"
    "    FROM showcase_consents s JOIN orders o ON o.id = s.order_id"
    "    JOIN categories cat ON cat.id = o.category_id JOIN communities c ON c.id = o.community_id"
    "    JOIN towns t ON t.id = c.town_id LEFT JOIN teams tm ON tm.id = o.team_id"
    "    LEFT JOIN evaluations e ON e.order_id = o.id"
    "   WHERE s.shown AND o.state = 'closed'"
    "   ORDER BY o.closed_at DESC LIMIT 30) x",
    0);

static struct db_statement photo_statement = DB_STATEMENT("showcase_photo",
    "SELECT encode(p.image, 'hex') AS image FROM order_photos p JOIN orders o ON o.id = p.order_id"
    "  JOIN showcase_consents s ON s.order_id = o.id"
    " WHERE p.id = $1::bigint AND s.shown AND o.state = 'closed'",
    1);

static void
consent_done(struct request *r, const PGresult *res)
{
	struct json_object *body;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "allowed")) {
		api_reply_field(
		    r, API_ERROR_RESIDENT_KEY_WRONG, "resident_key", "与这一单不符 (does not match this order)");
		return;
	}
	if (query_cell_null(res, 0, "shown")) {
		api_error_reply_state(r, API_ERROR_STATE_CONFLICT, query_cell(res, 0, "state"));
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "shown", json_object_new_boolean(query_cell_bool(res, 0, "shown")));
	http_reply_json(r, 200, body);
}

void
showcase_consent(struct request *r)
{
	char code[TRACKING_CODE_LEN + 1], hash[RESIDENT_KEY_HASH_HEX];
	struct field_errors errors;
	struct json_object *body, *key, *shown;
	enum input_kind kind;
	struct query q;
	bool ok;

	if (!tracking_code_normalize(route_param(&r->match, "code"), code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (!json_object_object_get_ex(body, "resident_key", &key) || !json_object_is_type(key, json_type_string) ||
	    !resident_key_valid(json_object_get_string(key), strlen(json_object_get_string(key))))
		field_errors_add(&errors, "resident_key", "请用下单后得到的链接打开 (the resident key is missing)");
	else
		resident_key_hash_hex(json_object_get_string(key), hash);
	if (!json_object_object_get_ex(body, "shown", &shown) || !json_object_is_type(shown, json_type_boolean))
		field_errors_add(&errors, "shown", "应为 true 或 false (must be true or false)");
	ok = shown != NULL && json_object_is_type(shown, json_type_boolean) && json_object_get_boolean(shown);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &consent_statement);
	query_text(&q, 1, code);
	query_text(&q, 2, hash);
	query_bool(&q, 3, ok);
	query_run(&q, consent_done, NULL);
}

static void
page_done(struct request *r, const PGresult *res)
{
	struct json_object *items = json_tokener_parse(query_cell(res, 0, "items"));
	struct evbuffer *b = evbuffer_new();
	size_t len, n = items != NULL ? json_object_array_length(items) : 0;
	char *html;

	text_add(b,
	    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>志愿服务晒单</title><link rel=\"stylesheet\" href=\"/common/base.css\"></head><body>"
	    "<main id=\"main\" style=\"max-width:60em;margin:0 auto;padding:0 12px\"><h1>志愿服务晒单</h1>"
	    "<p>下面是居民同意公开的、服务已完成的点单：服务照片和居民的评价。不公开任何姓名、电话和地址。</p>");
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(items, i), *photos = NULL;
		int rating = atoi(text_field(it, "rating"));
		text_add(b, "<section class=\"panel showcase-item\"><h2>");
		text_html_escape(b, text_field(it, "category"));
		text_add(b, "</h2><p class=\"muted\">");
		text_html_escape(b, text_field(it, "month"));
		text_add(b, " · ");
		text_html_escape(b, text_field(it, "town"));
		if (*text_field(it, "team")) {
			text_add(b, " · ");
			text_html_escape(b, text_field(it, "team"));
		}
		text_add(b, "</p>");
		if (rating >= 1 && rating <= 5) {
			text_add(b, "<p class=\"stars\" aria-label=\"");
			evbuffer_add_printf(b, "%d 星", rating);
			text_add(b, "\">");
			for (int s = 1; s <= 5; s++)
				text_add(b, s <= rating ? "★" : "☆");
			text_add(b, "</p>");
		}
		if (*text_field(it, "comment")) {
			text_add(b, "<blockquote>");
			text_html_escape(b, text_field(it, "comment"));
			text_add(b, "</blockquote>");
		}
		json_object_object_get_ex(it, "photos", &photos);
		if (photos != NULL && json_object_array_length(photos) > 0) {
			text_add(b, "<ul class=\"photo-list\">");
			for (size_t k = 0; k < json_object_array_length(photos); k++)
				evbuffer_add_printf(b,
				    "<li><img src=\"/showcase/photos/%lld\" alt=\"服务照片\" loading=\"lazy\"></li>",
				    (long long)json_object_get_int64(json_object_array_get_idx(photos, k)));
			text_add(b, "</ul>");
		}
		text_add(b, "</section>");
	}
	if (n == 0)
		text_add(b, "<p id=\"none\">还没有公开的服务。</p>");
	text_add(b, "</main></body></html>");
	json_object_put(items);
	html = text_take(b, &len);
	http_set_header(r, "Cache-Control", "public, max-age=60");
	http_reply_html(r, 200, html, len);
	free(html);
}

void
showcase_page(struct request *r)
{
	struct query q;

	query_start(&q, r, &page_statement);
	query_run(&q, page_done, NULL);
}

static void
photo_done(struct request *r, const PGresult *res)
{
	/* Public: only photos of orders whose resident agreed, so a shared cache may keep them. */
	photos_reply_jpeg(r, PQntuples(res) > 0 ? query_cell(res, 0, "image") : NULL, "public, max-age=600");
}

void
showcase_photo(struct request *r)
{
	struct query q;

	query_start(&q, r, &photo_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_run(&q, photo_done, NULL);
}
