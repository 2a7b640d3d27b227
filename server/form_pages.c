/* form_pages: small HTML pages in plain Chinese; every value is escaped. */
#include "form_pages.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "text.h"
#include "track.h"
#include "xalloc.h"

static const char page_head[] =
    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<meta name=\"referrer\" content=\"no-referrer\">"
    "<title>%s</title><style>body{font-family:sans-serif;font-size:20px;line-height:1.6;margin:1em;"
    "max-width:40em}.code{font-size:2.2em;font-weight:bold;letter-spacing:.1em;padding:.3em;"
    "border:3px solid #1a5;display:inline-block;margin:.3em 0}a{font-size:1.1em}"
    "li{color:#b00020}</style></head><body>";

static void
append_head(struct evbuffer *out, const char *title)
{
	evbuffer_add_printf(out, page_head, title);
}

char *
form_page_submitted(struct json_object *order)
{
	struct json_object *value;
	const char *code = "", *key = "";
	struct evbuffer *out = evbuffer_new();
	char *link;

	if (json_object_object_get_ex(order, "tracking_code", &value))
		code = json_object_get_string(value);
	if (json_object_object_get_ex(order, "resident_key", &value))
		key = json_object_get_string(value);
	link = track_page_link(code, key);
	append_head(out, "已收到您的点单");
	text_add(out, "<h1>已收到您的点单</h1><p>请记下您的查询码：</p><p class=\"code\">");
	text_html_escape(out, code);
	text_add(out, "</p><p>社区工作人员会尽快处理。</p><p><a href=\"");
	text_html_escape(out, link);
	text_add(out,
	    "\">查看办理进度（可以取消、评价）</a></p><p><b>请把这个链接加入书签或收藏。</b>"
	    "只凭查询码只能看进度；取消和评价需要这个链接。别把链接发给别人。</p>"
	    "<p><a href=\"/form\">再点一单</a></p></body></html>");
	free(link);
	return text_take(out, NULL);
}

char *
form_page_message(const char *title, const char *message, const char *back_link)
{
	struct evbuffer *out = evbuffer_new();

	append_head(out, title);
	text_add(out, "<h1>");
	text_html_escape(out, title);
	text_add(out, "</h1><p>");
	text_html_escape(out, message);
	text_add(out, "</p><p><a href=\"");
	text_html_escape(out, back_link);
	text_add(out, "\">返回</a></p></body></html>");
	return text_take(out, NULL);
}

static const char *
words_for(const char *name, const char *const table[][2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i][0], name) == 0)
			return table[i][1];
	return name;
}

static const char *const state_words[][2] = {
    {"submitted", "已提交，等社区处理"},
    {"dispatched", "社区已派给县里的部门"},
    {"claimed", "部门已领单，正在找服务队"},
    {"accepted", "服务队已接单"},
    {"in_progress", "正在服务"},
    {"completed", "服务已完成"},
    {"closed", "已办结"},
    {"rejected", "未受理"},
    {"cancelled", "已取消"},
};

static const char *const action_words[][2] = {
    {"submit", "提交点单"},
    {"dispatch", "社区派单"},
    {"reject", "社区未受理"},
    {"claim", "部门领单"},
    {"return", "部门退回社区"},
    {"offer", "部门联系服务队"},
    {"accept", "服务队接单"},
    {"withdraw", "服务队退单"},
    {"start", "开始服务"},
    {"complete", "服务完成"},
    {"confirm", "社区确认"},
    {"cancel", "取消"},
    {"evaluate", "评价"},
    {"escalate", "超时提醒"},
    {"correct", "更正时长"},
};

#define WORDS(table, name) words_for((name), (table), sizeof(table) / sizeof(table)[0])

static const char *
field_text(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
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
append_key_field(struct evbuffer *out, const char *key)
{
	text_add(out, "<input type=\"hidden\" name=\"resident_key\" value=\"");
	text_html_escape(out, key);
	text_add(out, "\">");
}

char *
form_page_track(struct json_object *view, const char *code, const char *key)
{
	struct json_object *events;
	struct evbuffer *out = evbuffer_new();
	bool may_act = key != NULL && key[0] != '\0';

	append_head(out, "办理进度");
	text_add(out, "<h1>办理进度</h1><p>查询码 <b>");
	text_html_escape(out, code);
	text_add(out, "</b>：");
	text_html_escape(out, field_text(view, "category_name"));
	text_add(out, "</p><p class=\"code\">");
	text_html_escape(out, WORDS(state_words, field_text(view, "state")));
	text_add(out, "</p>");
	if (field_text(view, "reason")[0] != '\0') {
		text_add(out, "<p>原因：");
		text_html_escape(out, field_text(view, "reason"));
		text_add(out, "</p>");
	}
	text_add(out, "<h2>经过</h2><ol>");
	if (json_object_object_get_ex(view, "events", &events))
		for (size_t i = 0; i < json_object_array_length(events); i++) {
			struct json_object *e = json_object_array_get_idx(events, i);
			text_add(out, "<li style=\"color:inherit\">");
			text_html_escape(out, field_text(e, "at"));
			text_add(out, " ");
			text_html_escape(out, WORDS(action_words, field_text(e, "action")));
			text_add(out, "</li>");
		}
	text_add(out, "</ol>");
	if (may_act && has_action(view, "cancel")) {
		text_add(out, "<h2>不需要了？</h2><form method=\"post\" action=\"/api/v1/track/");
		text_html_escape(out, code);
		text_add(out, "/cancel\" accept-charset=\"utf-8\">");
		append_key_field(out, key);
		text_add(out,
		    "<p><label>原因（可不填）<br><input name=\"reason\" maxlength=\"500\" style=\"font-size:1em\">"
		    "</label></p><p><button type=\"submit\">取消这一单</button></p></form>");
	}
	if (may_act && has_action(view, "evaluate")) {
		text_add(out, "<h2>评价这次服务</h2><form method=\"post\" action=\"/api/v1/track/");
		text_html_escape(out, code);
		text_add(out, "/evaluation\" accept-charset=\"utf-8\">");
		append_key_field(out, key);
		text_add(out, "<p>");
		for (int star = 5; star >= 1; star--) {
			char item[160];
			snprintf(item, sizeof item,
			    "<label><input type=\"radio\" name=\"rating\" value=\"%d\" required> %d 星</label><br>",
			    star, star);
			text_add(out, item);
		}
		text_add(out,
		    "</p><p><label>想说的话（可不填）<br><textarea name=\"comment\" rows=\"3\" maxlength=\"500\""
		    " style=\"width:100%;font-size:1em\"></textarea></label></p>"
		    "<p><button type=\"submit\">提交评价</button></p></form>");
	}
	if (!may_act && (has_action(view, "cancel") || has_action(view, "evaluate")))
		text_add(out, "<p>取消或评价需要点单后得到的链接。链接丢了，请找您的社区代办。</p>");
	text_add(out, "<p><a href=\"/form\">再点一单</a></p></body></html>");
	return text_take(out, NULL);
}

char *
form_page_errors(struct json_object *fields)
{
	static const struct {
		const char *field, *label;
	} labels[] = {
	    {"community_id", "所在社区/村"},
	    {"category_id", "服务类别"},
	    {"description", "需求描述"},
	    {"contact_name", "联系人"},
	    {"contact_phone", "联系电话"},
	    {"address", "地址"},
	    {"preferred_time", "方便的时间"},
	};
	struct evbuffer *out = evbuffer_new();

	append_head(out, "请检查填写内容");
	text_add(out, "<h1>请检查填写内容</h1><ul>");
	json_object_object_foreach(fields, field, message)
	{
		const char *label = field;
		for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
			if (strcmp(labels[i].field, field) == 0)
				label = labels[i].label;
		text_add(out, "<li><b>");
		text_html_escape(out, label);
		text_add(out, "</b>：");
		text_html_escape(out, json_object_get_string(message));
		text_add(out, "</li>");
	}
	text_add(out,
	    "</ul><p><a href=\"javascript:history.back()\">返回修改</a>（或按手机的返回键）</p>"
	    "<p><a href=\"/\">重新填写</a></p></body></html>");
	return text_take(out, NULL);
}

char *
form_page_order_form(const char *catalog_json)
{
	struct json_object *catalog = json_tokener_parse(catalog_json), *towns = NULL, *categories = NULL;
	struct evbuffer *out = evbuffer_new();
	char id[24];

	if (catalog != NULL) {
		json_object_object_get_ex(catalog, "towns", &towns);
		json_object_object_get_ex(catalog, "categories", &categories);
	}
	append_head(out, "我要点单");
	text_add(out,
	    "<h1>我要点单</h1><p>请填写您需要的科技志愿服务。带 * 的必须填写。</p>"
	    "<form method=\"post\" action=\"/api/v1/orders\" accept-charset=\"utf-8\">"
	    "<p><label>所在社区/村 *<br><select name=\"community_id\" required>"
	    "<option value=\"\">请选择</option>");
	for (size_t i = 0; towns != NULL && i < json_object_array_length(towns); i++) {
		struct json_object *town = json_object_array_get_idx(towns, i), *communities = NULL;
		text_add(out, "<optgroup label=\"");
		text_html_escape(out, json_object_get_string(json_object_object_get(town, "name")));
		text_add(out, "\">");
		json_object_object_get_ex(town, "communities", &communities);
		for (size_t j = 0; communities != NULL && j < json_object_array_length(communities); j++) {
			struct json_object *c = json_object_array_get_idx(communities, j);
			snprintf(
			    id, sizeof id, "%lld", (long long)json_object_get_int64(json_object_object_get(c, "id")));
			text_add(out, "<option value=\"");
			text_add(out, id);
			text_add(out, "\">");
			text_html_escape(out, json_object_get_string(json_object_object_get(c, "name")));
			text_add(out, "</option>");
		}
		text_add(out, "</optgroup>");
	}
	text_add(out, "</select></label></p><fieldset><legend>需要什么服务 *</legend>");
	for (size_t i = 0; categories != NULL && i < json_object_array_length(categories); i++) {
		struct json_object *c = json_object_array_get_idx(categories, i);
		snprintf(id, sizeof id, "%lld", (long long)json_object_get_int64(json_object_object_get(c, "id")));
		text_add(out, "<p><label><input type=\"radio\" name=\"category_id\" required value=\"");
		text_add(out, id);
		text_add(out, "\"> <b>");
		text_html_escape(out, json_object_get_string(json_object_object_get(c, "name")));
		text_add(out, "</b><br><small>");
		text_html_escape(out, json_object_get_string(json_object_object_get(c, "description")));
		text_add(out, "</small></label></p>");
	}
	text_add(out,
	    "</fieldset><p><label>请说说具体需要 *<br><textarea name=\"description\" rows=\"4\" maxlength=\"2000\" required"
	    " style=\"width:100%;font-size:1em\"></textarea></label></p>"
	    "<p><label>联系人 *<br><input name=\"contact_name\" maxlength=\"50\" required style=\"font-size:1em\"></label></p>"
	    "<p><label>联系电话 *<br><input name=\"contact_phone\" type=\"tel\" maxlength=\"20\" required"
	    " style=\"font-size:1em\"></label></p>"
	    "<p><label><input type=\"checkbox\" name=\"sms_consent\" value=\"true\"> 办理有进展时给我发短信"
	    "（晚上 10 点到早上 8 点不发）</label></p>"
	    "<p><label>地址（可不填）<br><input name=\"address\" maxlength=\"200\" style=\"font-size:1em\"></label></p>"
	    "<p><label>方便的时间（可不填）<br><input name=\"preferred_time\" maxlength=\"100\" style=\"font-size:1em\">"
	    "</label></p><p><button type=\"submit\" style=\"font-size:1.2em;padding:.5em 2em\">提交</button></p>"
	    "</form></body></html>");
	json_object_put(catalog);
	return text_take(out, NULL);
}
