/* honours: star levels come from the database (paidan_star_level, the one place of the thresholds);
 * nomination lists are frozen when published, like certificates, and shown publicly without
 * personal data (no phone, no ID number). */
#include "honours.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "certificate_page.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "list_page.h"
#include "query.h"
#include "text.h"
#include "validate.h"
#include "xalloc.h"

#define NOMINEES_MAX 50

static struct db_statement stars_statement = DB_STATEMENT("honours_stars",
    "SELECT json_build_object('volunteer_id', v.id, 'volunteer_no', v.volunteer_no, 'name', v.name,"
    "         'star_level', paidan_star_level(h.hours), 'verified_hours', to_char(h.hours, 'FM999990.00'),"
    "         'teams', (SELECT COALESCE(json_agg(t.name ORDER BY t.id), '[]'::json)"
    "                     FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.volunteer_id = v.id))::text"
    "         AS volunteer,"
    "       v.id"
    "  FROM volunteer_verified_hours h JOIN volunteers v ON v.id = h.volunteer_id"
    " WHERE paidan_star_level(h.hours) >= $1::int AND ($2::bigint IS NULL OR v.id > $2::bigint)"
    " ORDER BY v.id LIMIT $3::int",
    3);

/* $1 title, $2 entries [{volunteer_id, reason, position}], $3 working days, $4 contact, $5 user. */
static struct db_statement nominate_statement = DB_STATEMENT("honours_nominate",
    "WITH e AS ("
    "  SELECT x.volunteer_id, x.reason, x.position"
    "    FROM jsonb_to_recordset($2::jsonb) AS x (volunteer_id bigint, reason text, position int)"
    "), chk AS ("
    "  SELECT paidan_check((SELECT count(*) FROM e JOIN volunteers v ON v.id = e.volunteer_id)"
    "                      = (SELECT count(*) FROM e), 'entries') AS ok"
    "), l AS ("
    "  INSERT INTO nomination_lists (title, notice_from, notice_until, contact, published_by)"
    "  SELECT $1::text, d.today, paidan_working_day(d.today, $3::int), $4::text, $5::bigint"
    "    FROM chk, (SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date AS today) d WHERE chk.ok"
    "  RETURNING *"
    "), ins AS ("
    "  INSERT INTO nomination_entries (list_id, volunteer_id, reason, verified_hours, star_level, position)"
    "  SELECT l.id, e.volunteer_id, e.reason, h.hours, paidan_star_level(h.hours), e.position"
    "    FROM l, e, LATERAL (SELECT paidan_verified_hours(e.volunteer_id) AS hours) h"
    "  RETURNING list_id"
    ")"
    "SELECT json_build_object('id', l.id, 'title', l.title, 'notice_from', l.notice_from,"
    "         'notice_until', l.notice_until, 'contact', l.contact, 'published_at', l.published_at,"
    "         'entries', (SELECT count(*) FROM ins), 'url', '/honours#list-' || l.id)::text AS list"
    "  FROM l",
    5);

static struct db_statement lists_statement = DB_STATEMENT("honours_lists",
    "SELECT COALESCE(json_agg(json_build_object('id', l.id, 'title', l.title, 'notice_from', l.notice_from,"
    "         'notice_until', l.notice_until,"
    "         'in_notice', (now() AT TIME ZONE 'Asia/Shanghai')::date <= l.notice_until,"
    "         'contact', l.contact, 'published_at', l.published_at,"
    "         'entries', (SELECT json_agg(json_build_object('name', v.name, 'volunteer_no', v.volunteer_no,"
    "                       'teams', (SELECT COALESCE(string_agg(t.name, '、' ORDER BY t.id), '')"
    "                                   FROM team_members m JOIN teams t ON t.id = m.team_id"
    "                                  WHERE m.volunteer_id = v.id),"
    "                       'verified_hours', to_char(e.verified_hours, 'FM999990.00'),"
    "                       'star_level', e.star_level, 'reason', e.reason) ORDER BY e.position)"
    "                       FROM nomination_entries e JOIN volunteers v ON v.id = e.volunteer_id"
    "                      WHERE e.list_id = l.id)) ORDER BY l.id DESC), '[]'::json)::text AS lists"
    "  FROM (SELECT * FROM nomination_lists ORDER BY id DESC LIMIT 20) l",
    0);

/* ------------------------------------------------------------------ stars */

struct stars_state {
	struct list_page page;
};

static void
stars_done(struct request *r, const PGresult *res)
{
	struct stars_state *s = r->state;

	list_page_reply(r, res, &s->page, "volunteer", "id");
}

static void
stars_authenticated(struct request *r)
{
	struct stars_state *s = http_state_new(r, sizeof *s, NULL);
	struct field_errors errors;
	const char *level = http_query_param(r, "level");
	int level_n = 1;
	struct query q;

	field_errors_init(&errors);
	list_page_read(r, &errors, &s->page);
	if (level != NULL && *level) {
		if (level[0] >= '1' && level[0] <= '5' && level[1] == '\0')
			level_n = level[0] - '0';
		else
			field_errors_add(&errors, "level", "应为 1 到 5 (1 to 5)");
	}
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &stars_statement);
	query_int(&q, 1, level_n);
	query_text(&q, 2, list_page_cursor(&s->page));
	query_text(&q, 3, s->page.fetch);
	query_run(&q, stars_done, NULL);
}

void
honours_stars(struct request *r)
{
	stars_authenticated(r);
}

/* ------------------------------------------------------------------ nominations */

/* entries: 1–NOMINEES_MAX of {volunteer_id, reason}, distinct; becomes the JSON the statement reads. */
static char *
read_entries(struct json_object *body, struct field_errors *errors)
{
	struct json_object *list, *out;
	int64_t seen[NOMINEES_MAX];
	size_t n;
	char *text;

	if (!json_object_object_get_ex(body, "entries", &list) || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > NOMINEES_MAX) {
		field_errors_add(errors, "entries", "应为 1 到 50 名被推荐的志愿者 (a list of 1 to 50 nominees)");
		return NULL;
	}
	out = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i), *entry;
		struct field_errors own;
		const char *reason;
		size_t len;
		int64_t id = 0;
		bool fine = json_object_is_type(item, json_type_object);

		field_errors_init(&own);
		fine = fine && validate_id(&own, item, "volunteer_id", INPUT_JSON, &id);
		fine = fine && validate_text(&own, item, "reason", 1, 500, TEXT_MULTI_LINE, &reason, &len);
		field_errors_free(&own);
		for (size_t j = 0; fine && j < i; j++)
			if (seen[j] == id) {
				field_errors_add(
				    errors, "entries", "同一名志愿者不能重复推荐 (a volunteer appears twice)");
				json_object_put(out);
				return NULL;
			}
		if (!fine) {
			field_errors_add(errors, "entries",
			    "每一项应为 {volunteer_id, reason（1–500 字）} (each entry: volunteer_id and a reason)");
			json_object_put(out);
			return NULL;
		}
		seen[i] = id;
		entry = json_object_new_object();
		json_object_object_add(entry, "volunteer_id", json_object_new_int64(id));
		json_object_object_add(entry, "reason", json_object_new_string_len(reason, (int)len));
		json_object_object_add(entry, "position", json_object_new_int((int)i + 1));
		json_object_array_add(out, entry);
	}
	text = xstrdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	return text;
}

struct nominate_state {
	char *title, *entries, *contact;
};

static void
nominate_state_free(void *p)
{
	struct nominate_state *s = p;

	free(s->title);
	free(s->entries);
	free(s->contact);
	free(s);
}

static bool
nominate_refused(struct request *r, const struct db_reply *reply)
{
	struct json_object *fields;

	if (reply->status != DB_SQL_ERROR || strcmp(reply->sqlstate, "PD422") != 0)
		return false;
	fields = json_object_new_object();
	json_object_object_add(fields, "entries", json_object_new_string("有志愿者编号不存在 (no such volunteer)"));
	api_error_reply(r, API_ERROR_FIELDS_INVALID, fields);
	return true;
}

static void
nominate_done(struct request *r, const PGresult *res)
{
	query_reply_cell(r, res, "list", 201);
}

static void
nominate_authenticated(struct request *r)
{
	struct nominate_state *s = http_state_new(r, sizeof *s, nominate_state_free);
	struct field_errors errors;
	enum input_kind kind;
	struct json_object *body = http_parse_body(r, false, &kind), *days;
	const char *title, *contact = r->app->cfg->certificate_contact;
	size_t len;
	int64_t n = 5;
	struct query q;

	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "title", 1, 100, TEXT_SINGLE_LINE, &title, &len))
		s->title = xstrndup(title, len);
	if (json_object_object_get_ex(body, "contact", NULL) &&
	    validate_text(&errors, body, "contact", 0, 100, TEXT_SINGLE_LINE, &contact, &len))
		s->contact = xstrndup(contact, len);
	else
		s->contact = xstrdup(contact != NULL ? contact : "");
	if (json_object_object_get_ex(body, "notice_working_days", &days)) {
		n = json_object_is_type(days, json_type_int) ? json_object_get_int64(days) : 0;
		if (n < 1 || n > 30)
			field_errors_add(
			    &errors, "notice_working_days", "应为 1 到 30 个工作日 (1 to 30 working days)");
	}
	s->entries = read_entries(body, &errors);
	json_object_put(body);
	if (api_reply_if_field_errors(r, &errors))
		return;
	query_start(&q, r, &nominate_statement);
	query_text(&q, 1, s->title);
	query_text(&q, 2, s->entries);
	query_int(&q, 3, n);
	query_text(&q, 4, s->contact);
	query_id(&q, 5, r->user->id);
	query_run(&q, nominate_done, nominate_refused);
}

void
honours_nominate(struct request *r)
{
	nominate_authenticated(r);
}

void
honours_list(struct request *r)
{
	struct query q;

	query_start(&q, r, &lists_statement);
	query_run_reply(&q, "lists", 200);
}

/* ------------------------------------------------------------------ the public page */

/* A member of a list or an entry, escaped; nothing when it is missing or null. */
static void
put_field(struct evbuffer *b, struct json_object *obj, const char *name)
{
	text_html_escape(b, text_field(obj, name));
}

static void
put_list(struct evbuffer *b, struct json_object *list)
{
	struct json_object *entries = NULL, *v;
	bool in_notice = json_object_object_get_ex(list, "in_notice", &v) && json_object_get_boolean(v);

	text_add(b, "<section class=\"list\" id=\"list-");
	put_field(b, list, "id");
	text_add(b, "\"><h2>");
	put_field(b, list, "title");
	text_add(b, in_notice ? " <span class=\"now\">公示中</span>" : " <span class=\"done\">公示期满</span>");
	text_add(b, "</h2><p>公示期：");
	put_field(b, list, "notice_from");
	text_add(b, " 至 ");
	put_field(b, list, "notice_until");
	text_add(b, "（");
	text_add(b, in_notice ? "公示期内如有异议，请向发布单位反映" : "公示已结束");
	if (in_notice && json_object_object_get_ex(list, "contact", &v) && *json_object_get_string(v)) {
		text_add(b, "，联系电话 ");
		put_field(b, list, "contact");
	}
	text_add(b,
	    "）</p><table><thead><tr><th>姓名</th><th>志愿者编号</th><th>服务队</th><th>星级</th>"
	    "<th class=\"h\">服务时长（小时）</th><th>推荐理由</th></tr></thead><tbody>");
	json_object_object_get_ex(list, "entries", &entries);
	for (size_t i = 0; entries != NULL && i < json_object_array_length(entries); i++) {
		struct json_object *e = json_object_array_get_idx(entries, i), *level;
		text_add(b, "<tr><td data-l=\"姓名\">");
		put_field(b, e, "name");
		text_add(b, "</td><td data-l=\"志愿者编号\">");
		put_field(b, e, "volunteer_no");
		text_add(b, "</td><td data-l=\"服务队\">");
		put_field(b, e, "teams");
		text_add(b, "</td><td data-l=\"星级\">");
		if (json_object_object_get_ex(e, "star_level", &level))
			text_add(b,
			    *star_level_name(json_object_get_int(level)) ? star_level_name(json_object_get_int(level))
			                                                 : "—");
		text_add(b, "</td><td class=\"h\" data-l=\"服务时长（小时）\">");
		put_field(b, e, "verified_hours");
		text_add(b, "</td><td data-l=\"推荐理由\">");
		put_field(b, e, "reason");
		text_add(b, "</td></tr>");
	}
	text_add(b, "</tbody></table></section>");
}

static void
page_done(struct request *r, const PGresult *res)
{
	struct json_object *lists = json_tokener_parse(query_cell(res, 0, "lists"));
	struct evbuffer *b = evbuffer_new();

	text_add(b,
	    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<title>优秀科技志愿者推荐名单公示</title><style>body{font-family:sans-serif;font-size:16px;"
	    "line-height:1.6;max-width:60em;margin:0 auto;padding:0 10px;color:#111}h1{font-size:24px}"
	    "h2{font-size:19px;margin-top:1.5em}table{width:100%;border-collapse:collapse}"
	    "th,td{border:1px solid #999;padding:4px 6px;text-align:left;font-size:14px;vertical-align:top}"
	    "td.h,th.h{text-align:right}.now{color:#fff;background:#b00020;border-radius:4px;padding:0 .4em;"
	    "font-size:15px}.done{color:#555;font-size:15px}"
	    "@media (max-width:480px){table,thead,tbody,tr,th,td{display:block}thead{display:none}"
	    "tr{border:1px solid #999;margin:.5em 0}td{border:none}td.h{text-align:left}"
	    "td[data-l]::before{content:attr(data-l) \"：\";color:#555}}</style></head><body>"
	    "<h1>优秀科技志愿者推荐名单公示</h1><p>出具单位：");
	text_html_escape(b, r->app->cfg->issuer);
	text_add(b, "。星级按经确认的志愿服务时长评定：一星 100 小时，二星 300，三星 600，四星 1000，五星 1500。</p>");
	for (size_t i = 0; lists != NULL && i < json_object_array_length(lists); i++)
		put_list(b, json_object_array_get_idx(lists, i));
	if (lists == NULL || json_object_array_length(lists) == 0)
		text_add(b, "<p id=\"none\">目前没有公示中的名单。</p>");
	text_add(b, "</body></html>");
	json_object_put(lists);
	http_set_header(r, "Cache-Control", "public, max-age=60");
	{
		size_t len;
		char *html = text_take(b, &len);
		http_reply_html(r, 200, html, len);
		free(html);
	}
}

void
honours_page(struct request *r)
{
	struct query q;

	query_start(&q, r, &lists_statement);
	query_run(&q, page_done, NULL);
}
