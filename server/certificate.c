/* certificate: 志愿服务记录证明. Issuing freezes the ledger into the certificate row (numbered
 * gaplessly per year) so the verify page shows exactly what was certified, even after corrections. */
#include "certificate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "text.h"
#include "tracking_code.h"
#include "xalloc.h"

#define VERIFY_CODE_LEN 12

static struct db_statement issue_statement = DB_STATEMENT("certificate_issue",
    "WITH vis AS ("
    "  SELECT EXISTS (SELECT 1 FROM volunteers WHERE id = $1::bigint) AS found,"
    "         paidan_ledger_visible($1::bigint, $2::text, $3::bigint) AS ok"
    "), ledger AS (SELECT paidan_ledger_json($1::bigint) AS j), counter AS ("
    "  INSERT INTO certificate_counters (year, last)"
    "  SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int, 1 FROM vis WHERE found AND ok"
    "  ON CONFLICT (year) DO UPDATE SET last = certificate_counters.last + 1"
    "  RETURNING year, last"
    "), cert AS ("
    "  INSERT INTO certificates (number, verify_code, volunteer_id, issued_by, total_hours, content)"
    "  SELECT format('%s-%s', c.year, lpad(c.last::text, 6, '0')), $4::text, $1::bigint, $5::bigint,"
    "         (l.j->>'total')::numeric,"
    "         l.j || jsonb_build_object('issuer', $6::text,"
    "                                   'handled_by', (SELECT display_name FROM users WHERE id = $5::bigint))"
    "    FROM counter c, ledger l"
    "  RETURNING number, verify_code, issued_at, content"
    ")"
    "SELECT vis.found, vis.ok, cert.number, cert.verify_code,"
    "       to_char(cert.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY\"年\"FMMM\"月\"FMDD\"日\"'),"
    "       cert.content::text"
    "  FROM vis LEFT JOIN cert ON true",
    6);

static struct db_statement verify_statement = DB_STATEMENT("certificate_verify",
    "SELECT number, verify_code,"
    "       to_char(issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY\"年\"FMMM\"月\"FMDD\"日\"'), content::text"
    "  FROM certificates WHERE verify_code = $1",
    1);

struct issue_state {
	char *values[6];
	int attempts;
};

static void
issue_state_free(void *p)
{
	struct issue_state *s = p;

	for (int i = 0; i < 6; i++)
		free(s->values[i]);
	free(s);
}

static const char *
field(struct json_object *obj, const char *name)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

static const char page_style[] =
    "<style>@page{size:A4;margin:18mm}body{font-family:'Noto Serif CJK SC','Songti SC',serif;"
    "font-size:15px;line-height:1.7;max-width:180mm;margin:0 auto;color:#111}"
    "h1{text-align:center;letter-spacing:.5em;font-size:26px;margin:.5em 0}"
    ".no{text-align:right}table{width:100%;border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #333;padding:3px 6px;text-align:left;font-size:13px}"
    "td.h,th.h{text-align:right}td.d{white-space:nowrap}.sign{margin-top:2em;text-align:right}"
    ".ok{border:3px solid #1a5;padding:.5em 1em;font-size:20px}.bad{border:3px solid #b00020;padding:.5em 1em;"
    "font-size:20px}.muted{color:#555;font-size:13px}s{color:#777}</style>";

/* The certificate as a page: content is the frozen ledger JSON, plus issuer and handler. */
static char *
certificate_page(const char *number, const char *code, const char *issued, const char *content_json, bool verify_page)
{
	struct json_object *content = json_tokener_parse(content_json), *volunteer = NULL, *records = NULL;
	struct evbuffer *p = evbuffer_new();

	if (content != NULL) {
		json_object_object_get_ex(content, "volunteer", &volunteer);
		json_object_object_get_ex(content, "records", &records);
	}
	text_add(p,
	    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	text_add(p, verify_page ? "证书查验 — " : "志愿服务记录证明 ");
	text_html_escape(p, number);
	text_add(p, "</title>");
	text_add(p, page_style);
	text_add(p, "</head><body>");
	if (verify_page) {
		text_add(p, "<p class=\"ok\">✔ 这份证明是真实的：由本系统出具，内容如下。</p>");
	}
	text_add(p, "<h1>志愿服务记录证明</h1><p class=\"no\">证明编号：");
	text_html_escape(p, number);
	text_add(p, "</p><p>兹证明 <b>");
	text_html_escape(p, field(volunteer, "name"));
	text_add(p, "</b>");
	if (*field(volunteer, "id_number_masked")) {
		text_add(p, "（居民身份证 ");
		text_html_escape(p, field(volunteer, "id_number_masked"));
		text_add(p, "）");
	}
	if (*field(volunteer, "volunteer_no")) {
		text_add(p, "，志愿者编号 ");
		text_html_escape(p, field(volunteer, "volunteer_no"));
	}
	text_add(p,
	    "，参加科技志愿服务，经核实，服务记录如下：</p>"
	    "<table><thead><tr><th>日期</th><th>服务内容</th><th>地点</th><th>服务队</th>"
	    "<th class=\"h\">时长（小时）</th><th>确认人</th></tr></thead><tbody>");
	for (size_t i = 0; records != NULL && i < json_object_array_length(records); i++) {
		struct json_object *rec = json_object_array_get_idx(records, i), *sup;
		bool superseded = json_object_object_get_ex(rec, "superseded", &sup) && json_object_get_boolean(sup);
		text_add(p, "<tr><td class=\"d\">");
		text_html_escape(p, field(rec, "date"));
		text_add(p, "</td><td>");
		text_html_escape(p, field(rec, "category"));
		if (*field(rec, "correction_reason")) {
			text_add(p, "（更正：");
			text_html_escape(p, field(rec, "correction_reason"));
			text_add(p, "）");
		}
		text_add(p, "</td><td>");
		text_html_escape(p, field(rec, "town"));
		text_add(p, " ");
		text_html_escape(p, field(rec, "place"));
		text_add(p, "</td><td>");
		text_html_escape(p, field(rec, "team"));
		text_add(p, superseded ? "</td><td class=\"h\"><s>" : "</td><td class=\"h\">");
		text_html_escape(p, field(rec, "hours"));
		text_add(p, superseded ? "</s>（已更正）</td><td>" : "</td><td>");
		text_html_escape(p, field(rec, "confirmed_by"));
		text_add(p, "</td></tr>");
	}
	text_add(p, "</tbody></table><p>累计志愿服务时长：<b>");
	text_html_escape(p, field(content, "total"));
	text_add(p, "</b> 小时。</p><p>特此证明。</p><div class=\"sign\"><p>出具单位：");
	text_html_escape(p, field(content, "issuer"));
	text_add(p, "</p><p>经办人：");
	text_html_escape(p, field(content, "handled_by"));
	text_add(p, "</p><p>出具日期：");
	text_html_escape(p, issued);
	text_add(p, "</p></div><p class=\"muted\">本证明免费出具。查验码 <b>");
	text_html_escape(p, code);
	text_add(p, "</b>：在本系统的 /verify/");
	text_html_escape(p, code);
	text_add(p, " 页面可查验真伪。</p></body></html>");
	json_object_put(content);
	return text_take(p, NULL);
}

static void issue_send(struct request *r);

static void
issue_done(void *arg, const struct db_reply *reply)
{
	struct request *r = arg;
	struct issue_state *s = r->state;
	const PGresult *res = reply->result;
	char *page;

	if (reply->status == DB_SQL_ERROR && strcmp(reply->sqlstate, "23505") == 0 &&
	    strstr(reply->constraint, "verify_code") != NULL && ++s->attempts < 3) {
		issue_send(r);
		return;
	}
	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_VOLUNTEER, NULL);
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") != 0) {
		api_error_reply(r, API_ERROR_CERTIFICATE_NOT_YOURS, NULL);
		return;
	}
	page = certificate_page(
	    PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5), false);
	http_set_header(r, "X-Certificate-Number", PQgetvalue(res, 0, 2));
	http_set_header(r, "X-Verify-Code", PQgetvalue(res, 0, 3));
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

static void
issue_send(struct request *r)
{
	struct issue_state *s = r->state;
	char code[VERIFY_CODE_LEN + 1];

	for (int i = 0; i < VERIFY_CODE_LEN; i++)
		code[i] = TRACKING_CODE_ALPHABET[randombytes_uniform(sizeof TRACKING_CODE_ALPHABET - 1)];
	code[VERIFY_CODE_LEN] = '\0';
	free(s->values[3]);
	s->values[3] = xstrdup(code);
	db_query(r->app->db, &issue_statement, (const char *const *)s->values, issue_done, r);
}

void
certificate_issue(struct request *r)
{
	struct issue_state *s = xcalloc(1, sizeof *s);
	char text[24];

	r->state = s;
	r->state_free = issue_state_free;
	s->values[0] = xstrdup(http_path_param(r, "id"));
	s->values[1] = xstrdup(user_role_name(r->user->role));
	snprintf(text, sizeof text, "%lld", (long long)r->user->scope_id);
	s->values[2] = xstrdup(text);
	snprintf(text, sizeof text, "%lld", (long long)r->user->id);
	s->values[4] = xstrdup(text);
	s->values[5] = xstrdup(r->app->cfg->issuer);
	issue_send(r);
}

static void
verify_done(void *arg, const struct db_reply *reply)
{
	static const char not_found[] =
	    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>证书查验</title>"
	    "<style>body{font-family:sans-serif;font-size:20px;margin:1em}.bad{border:3px solid #b00020;"
	    "padding:.5em 1em}</style></head><body><p class=\"bad\">✘ 查无此证明。请核对查验码；"
	    "如仍查不到，这份证明不是本系统出具的。</p></body></html>";
	struct request *r = arg;
	const PGresult *res = reply->result;
	char *page;

	if (reply->status != DB_OK) {
		api_reply_db_error(r, reply);
		return;
	}
	if (PQntuples(res) == 0) {
		http_reply_html(r, 404, not_found, sizeof not_found - 1);
		return;
	}
	page = certificate_page(
	    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3), true);
	http_reply_html(r, 200, page, strlen(page));
	free(page);
}

void
certificate_verify(struct request *r)
{
	const char *given = route_param(&r->match, "code");
	char code[VERIFY_CODE_LEN + 1];
	const char *values[1] = {code};
	size_t n = 0;

	/* Same alphabet as tracking codes; typed codes may carry spaces, dashes or lower case. */
	for (const char *p = given; *p && n <= VERIFY_CODE_LEN; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		if (c == ' ' || c == '-')
			continue;
		if (strchr(TRACKING_CODE_ALPHABET, c) == NULL || n == VERIFY_CODE_LEN) {
			n = VERIFY_CODE_LEN + 1;
			break;
		}
		code[n++] = c;
	}
	if (n != VERIFY_CODE_LEN)
		n = 0; /* not a code: looks up "", which matches nothing */
	code[n] = '\0';
	db_query(r->app->db, &verify_statement, values, verify_done, r);
}
