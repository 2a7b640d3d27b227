/* form_pages: small HTML pages for browsers without JavaScript, styled by the resident client's own
 * style sheets and worded like it (clients/resident/messages.js, docs/GLOSSARY.md); every value is
 * escaped, and the English half of a server message is left out (these pages speak to residents). */
#include "form_pages.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "text.h"
#include "track.h"
#include "xalloc.h"

/* ---- building blocks ---- */

/* The Chinese of a server message "中文 (English)": the English in brackets at the end is left out. */
static void
put_chinese(struct evbuffer *b, const char *message)
{
	size_t n = strlen(message);
	const char *open = strstr(message, " (");
	char *chinese;

	if (open != NULL && n > 0 && message[n - 1] == ')') {
		bool ascii = true;
		for (const char *p = open + 2; p < message + n - 1; p++)
			if ((unsigned char)*p >= 0x80)
				ascii = false;
		if (ascii)
			n = (size_t)(open - message);
	}
	chinese = xstrndup(message, n);
	text_html_escape(b, chinese);
	free(chinese);
}

/* The head, the resident client's style sheets and its top bar; main is left open. */
static struct evbuffer *
page_open(const char *title)
{
	struct evbuffer *b = evbuffer_new();

	text_add(b,
	    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	text_html_escape(b, title);
	text_add(b,
	    " · 科技志愿服务</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">"
	    "<link rel=\"stylesheet\" href=\"/common/base.css\"><link rel=\"stylesheet\" href=\"/style.css\">"
	    "</head><body><header class=\"top\"><a class=\"brand\" href=\"/form\">科技志愿服务</a></header><main>");
	return b;
}

static char *
page_close(struct evbuffer *b)
{
	text_add(b, "</main></body></html>");
	return text_take(b, NULL);
}

static const char *
field_text(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

/* ---- after the form ---- */

char *
form_page_submitted(struct json_object *order)
{
	const char *code = field_text(order, "tracking_code");
	char *link = track_page_link(code, field_text(order, "resident_key"));
	struct evbuffer *b = page_open("已收到您的点单");

	text_add(b,
	    "<section class=\"done\"><h1>已收到您的点单</h1><p>请记下您的查询码：</p><p class=\"code-row\"><span class=\"code\">");
	text_html_escape(b, code);
	text_add(b, "</span></p><p>社区工作人员会尽快处理。</p><p><a class=\"btn primary big\" href=\"");
	text_html_escape(b, link);
	text_add(b,
	    "\">查看办理进度（可以取消、评价）</a></p><p><b>请把这个链接加入书签或收藏。</b>"
	    "只凭查询码只能看进度；取消和评价需要这个链接。别把链接发给别人。</p>"
	    "<p><a class=\"btn\" href=\"/form\">再点一单</a></p></section>");
	free(link);
	return page_close(b);
}

char *
form_page_message(const char *title, const char *message, const char *back_link)
{
	struct evbuffer *b = page_open(title);

	text_add(b, "<h1>");
	text_html_escape(b, title);
	text_add(b, "</h1><p class=\"notice\" role=\"alert\">");
	put_chinese(b, message);
	text_add(b, "</p><p><a class=\"btn primary big\" href=\"");
	text_html_escape(b, back_link);
	text_add(b, "\">返回</a></p>");
	return page_close(b);
}

/* ---- the status page ---- */

/* docs/GLOSSARY.md: the resident's name of each state, and what happens next. */
static const char *const state_words[][3] = {
    {"submitted", "已提交", "社区会尽快处理，派给县里的部门"},
    {"dispatched", "已派单", "县里的部门会领单，再请志愿服务队"},
    {"claimed", "已领单", "部门正在请志愿服务队接单"},
    {"accepted", "已接单", "服务队会打电话和您约时间"},
    {"in_progress", "服务中", "志愿者正在为您服务"},
    {"completed", "服务已完成", "服务做完了，欢迎您评价"},
    {"closed", "已办结", "社区已确认，这一单办完了"},
    {"rejected", "未受理", "社区没有受理这一单"},
    {"cancelled", "已取消", "这一单已经取消了"},
    {"merged", "已合并", "和您之前提交的点单是同一件事，合并到那一单办理了"},
    {"waitlisted", "候补中", "这项服务名额已满，您在候补名单上；有人取消时按先后为您补上"},
};

/* What happened, as the JavaScript status page words it (clients/resident/messages.js, event.*). */
static const char *const event_words[][2] = {
    {"submit", "您提交了点单"},
    {"dispatch", "社区已派给县里的部门"},
    {"reject", "社区没有受理这一单"},
    {"claim", "部门已领单"},
    {"return", "部门把这一单退回社区重新安排"},
    {"offer", "部门正在请服务队接单"},
    {"accept", "服务队已接单"},
    {"withdraw", "服务队退回了这一单，正在重新安排"},
    {"start", "服务队开始服务"},
    {"complete", "服务完成"},
    {"confirm", "社区已确认服务完成"},
    {"cancel", "您取消了这一单"},
    {"evaluate", "您评价了这次服务"},
    {"escalate", "已超时，已提醒负责的同志加快办理"},
    {"promote", "有人取消了预约，您已从候补转为预约成功"},
};

static const char *
state_word(const char *state, int column)
{
	for (size_t i = 0; i < sizeof state_words / sizeof state_words[0]; i++)
		if (strcmp(state_words[i][0], state) == 0)
			return state_words[i][column];
	return column == 1 ? state : "";
}

static const char *
event_word(const char *action)
{
	for (size_t i = 0; i < sizeof event_words / sizeof event_words[0]; i++)
		if (strcmp(event_words[i][0], action) == 0)
			return event_words[i][1];
	return "状态有更新";
}

/* An RFC 3339 time as people in the county read it: Beijing time, to the minute. */
static void
put_local_time(struct evbuffer *b, const char *rfc3339)
{
	struct tm tm = {0};
	int offset_h = 0, offset_m = 0;
	char sign = '+';
	const char *zone;
	time_t t;

	if (sscanf(rfc3339, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	        &tm.tm_sec) != 6) {
		text_html_escape(b, rfc3339);
		return;
	}
	/* The zone follows the seconds (and their fraction): Z, or ±hh:mm. */
	zone = rfc3339 + 19 + strspn(rfc3339 + 19, ".0123456789");
	if (*zone == '+' || *zone == '-')
		sscanf(zone, "%c%2d:%2d", &sign, &offset_h, &offset_m);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm) - (sign == '-' ? -1 : 1) * (offset_h * 3600 + offset_m * 60) + 8 * 3600;
	gmtime_r(&t, &tm);
	evbuffer_add_printf(
	    b, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static bool
has_action(struct json_object *view, const char *action)
{
	struct json_object *list;

	if (!json_object_object_get_ex(view, "actions", &list))
		return false;
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)), action) == 0)
			return true;
	return false;
}

static void
put_action_form(struct evbuffer *b, const char *code, const char *key, const char *action)
{
	text_add(b, "<form method=\"post\" accept-charset=\"utf-8\" action=\"/api/v1/track/");
	text_html_escape(b, code);
	text_add(b, "/");
	text_add(b, action);
	text_add(b, "\"><input type=\"hidden\" name=\"resident_key\" value=\"");
	text_html_escape(b, key);
	text_add(b, "\">");
}

char *
form_page_track(struct json_object *view, const char *code, const char *key)
{
	const char *state = field_text(view, "state");
	struct json_object *events;
	struct evbuffer *b = page_open("办理进度");
	bool may_act = key != NULL && key[0] != '\0';

	text_add(b, "<h1>办理进度</h1><p>查询码 <b class=\"code\">");
	text_html_escape(b, code);
	text_add(b, "</b></p><p>");
	text_html_escape(b, field_text(view, "category_name"));
	text_add(b, "</p><p class=\"state\" id=\"state\" data-state=\"");
	text_html_escape(b, state);
	text_add(b, "\">");
	text_html_escape(b, state_word(state, 1));
	text_add(b, "</p><p>");
	text_html_escape(b, state_word(state, 2));
	text_add(b, "</p>");
	if (field_text(view, "reason")[0] != '\0') {
		text_add(b, "<p>原因：");
		text_html_escape(b, field_text(view, "reason"));
		text_add(b, "</p>");
	}
	text_add(b, "<h2>办理经过</h2><ol class=\"timeline\">");
	if (json_object_object_get_ex(view, "events", &events))
		for (size_t i = 0; i < json_object_array_length(events); i++) {
			struct json_object *e = json_object_array_get_idx(events, i);
			text_add(b, "<li><span class=\"when\">");
			put_local_time(b, field_text(e, "at"));
			text_add(b, "</span><span class=\"what\">");
			text_html_escape(b, event_word(field_text(e, "action")));
			text_add(b, "</span></li>");
		}
	text_add(b, "</ol>");
	if (may_act && has_action(view, "cancel")) {
		text_add(b, "<section class=\"panel\"><h2>不需要了？</h2><p>取消后社区就不再处理这一单。</p>");
		put_action_form(b, code, key, "cancel");
		text_add(b,
		    "<div class=\"field\"><label for=\"reason\">取消原因（可不填）</label>"
		    "<input id=\"reason\" name=\"reason\" maxlength=\"500\"></div>"
		    "<button type=\"submit\" class=\"btn danger big\">取消点单</button></form></section>");
	}
	if (may_act && has_action(view, "evaluate")) {
		static const char *const words[] = {"很不满意", "不太满意", "一般", "满意", "非常满意"};
		text_add(b, "<section class=\"panel\"><h2>给这次服务打个分</h2>");
		put_action_form(b, code, key, "evaluation");
		text_add(
		    b, "<fieldset class=\"field\"><legend>满意吗？（5 颗星最满意）</legend><div class=\"choices\">");
		for (int star = 5; star >= 1; star--) {
			char item[256];
			snprintf(item, sizeof item,
			    "<label class=\"choice\"><input type=\"radio\" name=\"rating\" value=\"%d\" required>"
			    "<span class=\"choice-text\"><b>%d 颗星</b><small>%s</small></span></label>",
			    star, star, words[star - 1]);
			text_add(b, item);
		}
		text_add(b,
		    "</div></fieldset><div class=\"field\"><label for=\"comment\">想说的话（可不填）</label>"
		    "<textarea id=\"comment\" name=\"comment\" rows=\"3\" maxlength=\"500\"></textarea></div>"
		    "<button type=\"submit\" class=\"btn primary big\">评价</button></form></section>");
	}
	if (!may_act && (has_action(view, "cancel") || has_action(view, "evaluate")))
		text_add(b, "<p class=\"notice\">取消或评价需要点单后得到的链接。链接丢了，请找您的社区代办。</p>");
	text_add(b, "<p><a class=\"btn\" href=\"/form\">再点一单</a></p>");
	return page_close(b);
}

/* ---- the form and its errors ---- */

static const char *const field_labels[][2] = {
    {"community_id", "哪个社区或村"},
    {"category_id", "需要什么服务"},
    {"description", "请说说具体需要"},
    {"contact_name", "您的称呼"},
    {"contact_phone", "联系电话"},
    {"address", "地址"},
    {"preferred_time", "什么时候方便"},
};

char *
form_page_errors(struct json_object *fields)
{
	struct evbuffer *b = page_open("请检查填写内容");

	text_add(b, "<h1>请检查填写内容</h1><div class=\"error-summary\" role=\"alert\"><ul>");
	json_object_object_foreach(fields, field, message)
	{
		const char *label = "这一项";
		for (size_t i = 0; i < sizeof field_labels / sizeof field_labels[0]; i++)
			if (strcmp(field_labels[i][0], field) == 0)
				label = field_labels[i][1];
		text_add(b, "<li><b>");
		text_html_escape(b, label);
		text_add(b, "</b>：");
		put_chinese(b, json_object_get_string(message));
		text_add(b, "</li>");
	}
	text_add(b,
	    "</ul></div><p>请按手机的返回键回到表单修改，填好的内容还在。</p>"
	    "<p><a class=\"btn primary big\" href=\"/form\">重新填写</a></p>");
	return page_close(b);
}

static void
put_id(struct evbuffer *b, struct json_object *o)
{
	struct json_object *v;

	evbuffer_add_printf(
	    b, "%lld", json_object_object_get_ex(o, "id", &v) ? (long long)json_object_get_int64(v) : 0LL);
}

static void
put_text_field(struct evbuffer *b, const char *name, const char *label, const char *hint, const char *attrs)
{
	text_add(b, "<div class=\"field\"><label for=\"");
	text_add(b, name);
	text_add(b, "\">");
	text_add(b, label);
	text_add(b, "</label>");
	if (hint != NULL) {
		text_add(b, "<p class=\"hint\" id=\"hint-");
		text_add(b, name);
		text_add(b, "\">");
		text_add(b, hint);
		text_add(b, "</p>");
	}
	text_add(b, strcmp(name, "description") == 0 ? "<textarea" : "<input");
	text_add(b, " id=\"");
	text_add(b, name);
	text_add(b, "\" name=\"");
	text_add(b, name);
	text_add(b, "\" ");
	text_add(b, attrs);
	if (hint != NULL) {
		text_add(b, " aria-describedby=\"hint-");
		text_add(b, name);
		text_add(b, "\"");
	}
	text_add(b, strcmp(name, "description") == 0 ? "></textarea></div>" : "></div>");
}

char *
form_page_order_form(const char *catalog_json)
{
	struct json_object *catalog = json_tokener_parse(catalog_json), *towns = NULL, *categories = NULL;
	struct json_object *organizer = NULL;
	struct evbuffer *b = page_open("我要点单");

	if (catalog != NULL) {
		json_object_object_get_ex(catalog, "towns", &towns);
		json_object_object_get_ex(catalog, "categories", &categories);
		json_object_object_get_ex(catalog, "organizer", &organizer);
	}
	text_add(b,
	    "<h1>我要点单</h1><p class=\"intro\">需要什么科技服务，告诉我们。社区会把您的需求交给县里的部门，"
	    "由志愿服务队上门或到社区来帮您。带 * 的必须填写。</p>"
	    "<form method=\"post\" action=\"/api/v1/orders\" accept-charset=\"utf-8\">");
	put_text_field(b, "description", "请说说具体需要 <span class=\"req\" aria-hidden=\"true\">*</span>",
	    "比如：想学用手机视频通话；家里果树叶子发黄，想请人来看看。", "rows=\"4\" maxlength=\"2000\" required");
	text_add(b,
	    "<div class=\"field\"><label for=\"community_id\">哪个社区或村 <span class=\"req\" aria-hidden=\"true\">*"
	    "</span></label><select id=\"community_id\" name=\"community_id\" required><option value=\"\">请选择"
	    "</option>");
	for (size_t i = 0; towns != NULL && i < json_object_array_length(towns); i++) {
		struct json_object *town = json_object_array_get_idx(towns, i), *communities = NULL;
		text_add(b, "<optgroup label=\"");
		text_html_escape(b, field_text(town, "name"));
		text_add(b, "\">");
		json_object_object_get_ex(town, "communities", &communities);
		for (size_t j = 0; communities != NULL && j < json_object_array_length(communities); j++) {
			struct json_object *c = json_object_array_get_idx(communities, j);
			text_add(b, "<option value=\"");
			put_id(b, c);
			text_add(b, "\">");
			text_html_escape(b, field_text(c, "name"));
			text_add(b, "</option>");
		}
		text_add(b, "</optgroup>");
	}
	text_add(b,
	    "</select></div><fieldset class=\"field\"><legend>需要什么服务 <span class=\"req\" aria-hidden=\"true\">*"
	    "</span></legend><div class=\"choices\">");
	for (size_t i = 0; categories != NULL && i < json_object_array_length(categories); i++) {
		struct json_object *c = json_object_array_get_idx(categories, i);
		bool other = strcmp(field_text(c, "code"), "other") == 0;
		text_add(b, other ? "<label class=\"choice other\">" : "<label class=\"choice\">");
		text_add(b, "<input type=\"radio\" name=\"category_id\" required value=\"");
		put_id(b, c);
		text_add(b, "\"><span class=\"choice-text\"><b>");
		text_html_escape(b, field_text(c, "name"));
		text_add(b, "</b><small>");
		text_html_escape(
		    b, other ? "说不清属于哪一类也没关系，选这一项，社区帮您安排。" : field_text(c, "description"));
		text_add(b, "</small></span></label>");
	}
	text_add(b, "</div></fieldset>");
	put_text_field(b, "contact_name", "您的称呼 <span class=\"req\" aria-hidden=\"true\">*</span>", NULL,
	    "maxlength=\"50\" autocomplete=\"name\" required placeholder=\"比如：李奶奶、张先生\"");
	put_text_field(b, "contact_phone", "联系电话 <span class=\"req\" aria-hidden=\"true\">*</span>",
	    "手机 11 位，或带区号的座机。志愿者会打这个电话联系您。",
	    "type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\" maxlength=\"30\" required");
	text_add(b,
	    "<p><label><input type=\"checkbox\" name=\"sms_consent\" value=\"true\"> "
	    "办理有进展时给我发短信（晚上 10 点到早上 8 点不发）</label></p>");
	put_text_field(b, "address", "地址（可不填）", NULL,
	    "maxlength=\"200\" autocomplete=\"street-address\" placeholder=\"比如：历市镇 某某路 8 号\"");
	put_text_field(b, "preferred_time", "什么时候方便（可不填）", NULL,
	    "maxlength=\"100\" placeholder=\"比如：周六上午、工作日晚上\"");
	text_add(b,
	    "<details class=\"privacy\"><summary>您的信息怎么用</summary><p>我们只收集您的称呼、电话、地址和需要，"
	    "用来安排志愿者联系您、上门服务。只有办理这一单的社区、部门和服务队能看到您的电话。点单办结 ");
	{
		struct json_object *v;
		long days = catalog != NULL && json_object_object_get_ex(catalog, "erase_after_days", &v)
		    ? (long)json_object_get_int64(v)
		    : 730;
		evbuffer_add_printf(b, days % 365 == 0 ? "%ld 年" : "%ld 天", days % 365 == 0 ? days / 365 : days);
	}
	text_add(b, "后，称呼、电话、地址和需求描述都会删除。</p></details><p class=\"muted small\">这项服务由");
	text_html_escape(b, field_text(organizer, "name")[0] ? field_text(organizer, "name") : "县科学技术协会");
	text_add(b, "组织，社区工作人员和县里各部门的志愿服务队办理。");
	if (field_text(organizer, "phone")[0] != '\0') {
		text_add(b, "有问题请打电话：<a href=\"tel:");
		text_html_escape(b, field_text(organizer, "phone"));
		text_add(b, "\">");
		text_html_escape(b, field_text(organizer, "phone"));
		text_add(b, "</a>");
	} else {
		text_add(b, "有问题请找您所在社区的工作人员。");
	}
	text_add(b, "</p><button type=\"submit\" class=\"btn primary big\">提交</button></form>");
	json_object_put(catalog);
	return page_close(b);
}
