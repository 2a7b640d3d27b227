/* form_pages: small HTML pages in plain Chinese; every value is escaped. */
#include "form_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static const char page_head[] =
    "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>%s</title><style>body{font-family:sans-serif;font-size:20px;line-height:1.6;margin:1em;"
    "max-width:40em}.code{font-size:2.2em;font-weight:bold;letter-spacing:.1em;padding:.3em;"
    "border:3px solid #1a5;display:inline-block;margin:.3em 0}a{font-size:1.1em}"
    "li{color:#b00020}</style></head><body>";

static void
append(char **out, size_t *len, size_t *cap, const char *text, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*out = xrealloc(*out, *cap);
	}
	memcpy(*out + *len, text, n);
	*len += n;
	(*out)[*len] = '\0';
}

static void
append_str(char **out, size_t *len, size_t *cap, const char *text)
{
	append(out, len, cap, text, strlen(text));
}

void
html_escape_append(char **out, size_t *len, size_t *cap, const char *text)
{
	for (const char *p = text; *p; p++) {
		switch (*p) {
		case '<': append_str(out, len, cap, "&lt;"); break;
		case '>': append_str(out, len, cap, "&gt;"); break;
		case '&': append_str(out, len, cap, "&amp;"); break;
		case '"': append_str(out, len, cap, "&quot;"); break;
		case '\'': append_str(out, len, cap, "&#39;"); break;
		default: append(out, len, cap, p, 1);
		}
	}
}

static void
append_head(char **out, size_t *len, size_t *cap, const char *title)
{
	char head[sizeof page_head + 64];

	snprintf(head, sizeof head, page_head, title);
	append_str(out, len, cap, head);
}

char *
form_page_submitted(const char *order_json)
{
	struct json_object *order = json_tokener_parse(order_json), *value;
	const char *code = "";
	char *out = NULL;
	size_t len = 0, cap = 0;

	if (order != NULL && json_object_object_get_ex(order, "tracking_code", &value))
		code = json_object_get_string(value);
	append_head(&out, &len, &cap, "已收到您的点单");
	append_str(&out, &len, &cap, "<h1>已收到您的点单</h1><p>请记下您的查询码：</p><p class=\"code\">");
	html_escape_append(&out, &len, &cap, code);
	append_str(&out, &len, &cap,
	    "</p><p>社区工作人员会尽快处理。凭查询码和手机号后四位可以查看进度。</p><p><a href=\"/track/");
	html_escape_append(&out, &len, &cap, code);
	append_str(&out, &len, &cap, "\">查看办理进度</a></p><p><a href=\"/\">再点一单</a></p></body></html>");
	json_object_put(order);
	return out;
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
	char *out = NULL;
	size_t len = 0, cap = 0;

	append_head(&out, &len, &cap, "请检查填写内容");
	append_str(&out, &len, &cap, "<h1>请检查填写内容</h1><ul>");
	json_object_object_foreach(fields, field, message)
	{
		const char *label = field;
		for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
			if (strcmp(labels[i].field, field) == 0)
				label = labels[i].label;
		append_str(&out, &len, &cap, "<li><b>");
		html_escape_append(&out, &len, &cap, label);
		append_str(&out, &len, &cap, "</b>：");
		html_escape_append(&out, &len, &cap, json_object_get_string(message));
		append_str(&out, &len, &cap, "</li>");
	}
	append_str(&out, &len, &cap,
	    "</ul><p><a href=\"javascript:history.back()\">返回修改</a>（或按手机的返回键）</p>"
	    "<p><a href=\"/\">重新填写</a></p></body></html>");
	return out;
}

char *
form_page_order_form(const char *catalog_json)
{
	struct json_object *catalog = json_tokener_parse(catalog_json), *towns = NULL, *categories = NULL;
	char *out = NULL, id[24];
	size_t len = 0, cap = 0;

	if (catalog != NULL) {
		json_object_object_get_ex(catalog, "towns", &towns);
		json_object_object_get_ex(catalog, "categories", &categories);
	}
	append_head(&out, &len, &cap, "我要点单");
	append_str(&out, &len, &cap,
	    "<h1>我要点单</h1><p>请填写您需要的科技志愿服务。带 * 的必须填写。</p>"
	    "<form method=\"post\" action=\"/api/v1/orders\" accept-charset=\"utf-8\">"
	    "<p><label>所在社区/村 *<br><select name=\"community_id\" required>"
	    "<option value=\"\">请选择</option>");
	for (size_t i = 0; towns != NULL && i < json_object_array_length(towns); i++) {
		struct json_object *town = json_object_array_get_idx(towns, i), *communities = NULL;
		append_str(&out, &len, &cap, "<optgroup label=\"");
		html_escape_append(&out, &len, &cap, json_object_get_string(json_object_object_get(town, "name")));
		append_str(&out, &len, &cap, "\">");
		json_object_object_get_ex(town, "communities", &communities);
		for (size_t j = 0; communities != NULL && j < json_object_array_length(communities); j++) {
			struct json_object *c = json_object_array_get_idx(communities, j);
			snprintf(
			    id, sizeof id, "%lld", (long long)json_object_get_int64(json_object_object_get(c, "id")));
			append_str(&out, &len, &cap, "<option value=\"");
			append_str(&out, &len, &cap, id);
			append_str(&out, &len, &cap, "\">");
			html_escape_append(&out, &len, &cap, json_object_get_string(json_object_object_get(c, "name")));
			append_str(&out, &len, &cap, "</option>");
		}
		append_str(&out, &len, &cap, "</optgroup>");
	}
	append_str(&out, &len, &cap, "</select></label></p><fieldset><legend>需要什么服务 *</legend>");
	for (size_t i = 0; categories != NULL && i < json_object_array_length(categories); i++) {
		struct json_object *c = json_object_array_get_idx(categories, i);
		snprintf(id, sizeof id, "%lld", (long long)json_object_get_int64(json_object_object_get(c, "id")));
		append_str(&out, &len, &cap, "<p><label><input type=\"radio\" name=\"category_id\" required value=\"");
		append_str(&out, &len, &cap, id);
		append_str(&out, &len, &cap, "\"> <b>");
		html_escape_append(&out, &len, &cap, json_object_get_string(json_object_object_get(c, "name")));
		append_str(&out, &len, &cap, "</b><br><small>");
		html_escape_append(&out, &len, &cap, json_object_get_string(json_object_object_get(c, "description")));
		append_str(&out, &len, &cap, "</small></label></p>");
	}
	append_str(&out, &len, &cap,
	    "</fieldset><p><label>请说说具体需要 *<br><textarea name=\"description\" rows=\"4\" maxlength=\"2000\" required"
	    " style=\"width:100%;font-size:1em\"></textarea></label></p>"
	    "<p><label>联系人 *<br><input name=\"contact_name\" maxlength=\"50\" required style=\"font-size:1em\"></label></p>"
	    "<p><label>联系电话 *<br><input name=\"contact_phone\" type=\"tel\" maxlength=\"20\" required"
	    " style=\"font-size:1em\"></label></p>"
	    "<p><label>地址（可不填）<br><input name=\"address\" maxlength=\"200\" style=\"font-size:1em\"></label></p>"
	    "<p><label>方便的时间（可不填）<br><input name=\"preferred_time\" maxlength=\"100\" style=\"font-size:1em\">"
	    "</label></p><p><button type=\"submit\" style=\"font-size:1.2em;padding:.5em 2em\">提交</button></p>"
	    "</form></body></html>");
	json_object_put(catalog);
	return out;
}
