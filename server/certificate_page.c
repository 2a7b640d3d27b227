/* certificate_page: the certificate's HTML. Every value from the database is escaped; the QR code
 * is drawn by qr_svg from the full verify URL so a phone camera opens the verify page. */
#include "certificate_page.h"

#include <event2/buffer.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "qr_svg.h"
#include "text.h"

/* The page being built: the one string builder (evbuffer, text.c). */
struct page {
	struct evbuffer *b;
};

static void
put(struct page *p, const char *s)
{
	text_add(p->b, s);
}

static void
put_escaped(struct page *p, const char *s)
{
	text_html_escape(p->b, s);
}

const char *
star_level_name(int level)
{
	static const char *const names[] = {"", "一星", "二星", "三星", "四星", "五星"};

	return level >= 1 && level <= 5 ? names[level] : "";
}

/* A4 at 18 mm margins leaves 174 mm: the page is laid out in millimetres so print and screen agree;
 * on a narrow phone it reflows. */
static const char page_style[] =
    "<style>@page{size:A4;margin:18mm}*{box-sizing:border-box}"
    "body{font-family:'Noto Serif CJK SC','Songti SC','WenQuanYi Micro Hei',serif;font-size:15px;line-height:1.7;"
    "max-width:174mm;margin:0 auto;padding:0 8px;color:#111;background:#fff}"
    "h1{text-align:center;letter-spacing:.5em;font-size:26px;margin:.5em 0}"
    ".no{text-align:right;margin:0}table{width:100%;border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #333;padding:3px 6px;text-align:left;font-size:13px}"
    "td.h,th.h{text-align:right}td.d{white-space:nowrap}"
    "tr{break-inside:avoid;page-break-inside:avoid}thead{display:table-header-group}"
    ".foot{display:flex;justify-content:space-between;align-items:flex-end;gap:1em;margin-top:1.5em;"
    "break-inside:avoid;page-break-inside:avoid}"
    ".verify{font-size:12px;color:#333;max-width:60mm}.verify svg{display:block}"
    ".verify .url{word-break:break-all}"
    ".sign{position:relative;text-align:left;min-width:70mm}.sign p{margin:.2em 0}"
    ".seal{position:absolute;right:0;top:-8mm;width:40mm;height:40mm;object-fit:contain;opacity:.85}"
    ".star{display:inline-block;border:1px solid #b8860b;color:#8a6100;padding:0 .4em;border-radius:4px}"
    ".ok{border:3px solid #1a5;padding:.5em 1em;font-size:20px}"
    ".muted{color:#555;font-size:13px}s{color:#777}"
    "@media print{.screen{display:none}body{padding:0}}"
    "@media (max-width:480px){.foot{flex-direction:column-reverse;align-items:flex-start}"
    "table{font-size:12px}th,td{padding:2px 3px}}</style>";

static void
put_head(struct page *p, const char *title, const char *title_suffix)
{
	put(p,
	    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"robots\" content=\"noindex\"><title>");
	put(p, title);
	put_escaped(p, title_suffix);
	put(p, "</title>");
	put(p, page_style);
	put(p, "</head><body>");
}

static void
put_records(struct page *p, struct json_object *records)
{
	put(p,
	    "<table><thead><tr><th>日期</th><th>服务内容</th><th>地点</th><th>服务队</th>"
	    "<th class=\"h\">时长（小时）</th><th>确认人</th></tr></thead><tbody>");
	for (size_t i = 0; records != NULL && i < json_object_array_length(records); i++) {
		struct json_object *rec = json_object_array_get_idx(records, i), *sup;
		bool superseded = json_object_object_get_ex(rec, "superseded", &sup) && json_object_get_boolean(sup);
		put(p, "<tr><td class=\"d\">");
		put_escaped(p, text_field(rec, "date"));
		put(p, "</td><td>");
		put_escaped(p, text_field(rec, "category"));
		if (*text_field(rec, "correction_reason")) {
			put(p, "（更正：");
			put_escaped(p, text_field(rec, "correction_reason"));
			put(p, "）");
		}
		put(p, "</td><td>");
		put_escaped(p, text_field(rec, "town"));
		put(p, " ");
		put_escaped(p, text_field(rec, "place"));
		put(p, "</td><td>");
		put_escaped(p, text_field(rec, "team"));
		put(p, superseded ? "</td><td class=\"h\"><s>" : "</td><td class=\"h\">");
		put_escaped(p, text_field(rec, "hours"));
		put(p, superseded ? "</s>（已更正）</td><td>" : "</td><td>");
		put_escaped(p, text_field(rec, "confirmed_by"));
		put(p, "</td></tr>");
	}
	put(p, "</tbody></table>");
}

char *
certificate_page(const struct certificate_view *v)
{
	struct json_object *content = json_tokener_parse(v->content_json), *volunteer = NULL, *records = NULL;
	struct page p = {evbuffer_new()};
	char *qr;
	int stars = atoi(text_field(content, "star_level"));

	if (content != NULL) {
		json_object_object_get_ex(content, "volunteer", &volunteer);
		json_object_object_get_ex(content, "records", &records);
	}
	put_head(&p, v->verify_banner ? "证书查验 — " : "志愿服务记录证明 ", v->number);
	if (v->verify_banner)
		put(&p, "<p class=\"ok\" id=\"genuine\">✔ 这份证明是真实的：由本系统出具，内容如下。</p>");
	else
		put(&p, "<p class=\"screen muted\">打印：用浏览器的“打印”（A4）。分享：把本页地址发给对方即可。</p>");
	put(&p, "<h1>志愿服务记录证明</h1><p class=\"no\">证明编号：<b id=\"number\">");
	put_escaped(&p, v->number);
	put(&p, "</b></p><p>兹证明 <b>");
	put_escaped(&p, text_field(volunteer, "name"));
	put(&p, "</b>");
	if (*text_field(volunteer, "id_number_masked")) {
		put(&p, "（居民身份证 ");
		put_escaped(&p, text_field(volunteer, "id_number_masked"));
		put(&p, "）");
	}
	if (*text_field(volunteer, "volunteer_no")) {
		put(&p, "，志愿者编号 ");
		put_escaped(&p, text_field(volunteer, "volunteer_no"));
	}
	put(&p, "，参加科技志愿服务，经核实，服务记录如下：</p>");
	put_records(&p, records);
	put(&p, "<p>累计志愿服务时长：<b>");
	put_escaped(&p, text_field(content, "total"));
	put(&p, "</b> 小时");
	if (*star_level_name(stars)) {
		put(&p, "，星级：<span class=\"star\" id=\"star\">");
		put(&p, star_level_name(stars));
		put(&p, "志愿者</span>");
	}
	put(&p, "。</p><p>特此证明。</p><div class=\"foot\"><div class=\"verify\">");
	qr = qr_svg(v->verify_url, 28, "查验二维码");
	if (qr != NULL) {
		put(&p, qr);
		free(qr);
	}
	put(&p, "扫码或访问<br><span class=\"url\">");
	put_escaped(&p, v->verify_url);
	put(&p, "</span><br>查验码 <b>");
	put_escaped(&p, v->verify_code);
	put(&p, "</b></div><div class=\"sign\">");
	if (v->seal_url != NULL) {
		put(&p, "<img class=\"seal\" alt=\"出具单位印章\" src=\"");
		put_escaped(&p, v->seal_url);
		put(&p, "\">");
	}
	put(&p, "<p>出具单位：");
	put_escaped(&p, text_field(content, "issuer"));
	put(&p, "</p>");
	if (*text_field(content, "handled_by")) {
		put(&p, "<p>经办人：<span id=\"handler\">");
		put_escaped(&p, text_field(content, "handled_by"));
		put(&p, "</span></p>");
	}
	if (*text_field(content, "handler_contact")) {
		put(&p, "<p>联系电话：");
		put_escaped(&p, text_field(content, "handler_contact"));
		put(&p, "</p>");
	}
	put(&p, "<p>出具日期：");
	put_escaped(&p, v->issued);
	put(&p, "</p></div></div><p class=\"muted\">本证明免费出具。</p></body></html>");
	json_object_put(content);
	return text_take(p.b, NULL);
}

char *
certificate_verify_form(const char *given)
{
	struct page p = {evbuffer_new()};

	put_head(&p, "证书查验", "");
	put(&p, "<h1>证书查验</h1>");
	if (given != NULL) {
		put(&p, "<p class=\"muted\" role=\"alert\" id=\"not-found\">✘ 查无此证明：");
		put_escaped(&p, given);
		put(&p, "。请核对查验码；如仍查不到，这份证明不是本系统出具的。</p>");
	}
	put(&p,
	    "<form method=\"get\" action=\"/verify\"><p><label for=\"code\">请输入证明上的查验码（12 位）</label></p>"
	    "<p><input id=\"code\" name=\"code\" required maxlength=\"40\" autocomplete=\"off\" autocapitalize=\"characters\""
	    " inputmode=\"text\" style=\"font-size:22px;width:100%;max-width:20em;padding:.3em\"></p>"
	    "<p><button type=\"submit\" style=\"font-size:20px;padding:.3em 1.2em\">查验</button></p></form>"
	    "<p class=\"muted\">也可以用手机扫描证明上的二维码。</p></body></html>");
	return text_take(p.b, NULL);
}
