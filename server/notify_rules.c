/* notify_rules: the table of issue 12 — who is told what — read by notify_rules_expand only. Texts are
 * short (one 70-character SMS segment where possible) and carry a link; what a resident typed is cut
 * and made inert before it reaches an office's group chat. */
#include "notify_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define STATE_BIT(s) (1u << (s))
#define PARAM_MAX 256

enum notify_audience {
	AUDIENCE_RESIDENT, /* SMS to the order's phone, when the resident consented */
	AUDIENCE_OFFERED_LEADS, /* SMS to the lead of each team this event offered the order to */
	AUDIENCE_TEAM_LEAD, /* SMS to the lead of the order's team */
	AUDIENCE_COMMUNITY_GROUP, /* the order's community's group robot */
	AUDIENCE_DEPARTMENT_GROUP, /* the order's department's group robot */
	AUDIENCE_RESPONSIBLE_GROUP, /* whoever must act now: the community or the department */
	AUDIENCE_COUNTY_GROUP, /* the county office's group robot */
};

enum notify_template {
	TPL_NEW_ORDER,
	TPL_DISPATCHED,
	TPL_AWAITS_CONFIRM,
	TPL_ESCALATED,
	TPL_REJECTED,
	TPL_RETURNED,
	TPL_OFFERED,
	TPL_ACCEPTED,
	TPL_COMPLETED,
	TPL_CANCELLED,
	TPL_ESCALATED_LEAD,
	TPL_LOGIN_CODE,
	TPL_CLAIM_EXPIRED,
	TPL_ACCEPT_EXPIRED,
	TPL_BOOKED,
	TPL_COUNT
};

/* What fills the placeholders {1}…{n}, in order. */
enum notify_param {
	P_NONE,
	P_TEAM,
	P_REASON,
	P_CATEGORY,
	P_COMMUNITY,
	P_DEPARTMENT,
	P_DESCRIPTION,
	P_STAGE,
	P_CODE,
	P_TRACK_LINK,
	P_TEAM_LINK,
	P_CONSOLE_LINK,
};

struct notify_template_def {
	const char *name;
	bool sms; /* else a robot's markdown */
	const char *text;
	enum notify_param params[NOTIFY_MAX_PARAMS];
};

static const struct notify_template_def templates[] = {
    [TPL_NEW_ORDER] = {"new_order", false, "### 新点单（待派单）\n> {1} · {2}\n\n{3}\n\n[打开派单台]({4})",
        {P_CATEGORY, P_COMMUNITY, P_DESCRIPTION, P_CONSOLE_LINK}},
    [TPL_DISPATCHED] = {"dispatched", false, "### 新派单（待领单）\n> {1} · {2}\n\n{3}\n\n[打开派单台]({4})",
        {P_CATEGORY, P_COMMUNITY, P_DESCRIPTION, P_CONSOLE_LINK}},
    [TPL_AWAITS_CONFIRM] = {"awaits_confirm", false,
        "### 服务已完成，待确认时长\n> {1} · {2}\n\n服务队：{3}\n\n[去确认]({4})",
        {P_CATEGORY, P_COMMUNITY, P_TEAM, P_CONSOLE_LINK}},
    [TPL_ESCALATED] = {"escalated", false,
        "### ⚠ 超时未办\n> {1} · {2}\n\n在「{3}」阶段已超过办理时限，请尽快处理。\n\n[查看]({4})",
        {P_CATEGORY, P_COMMUNITY, P_STAGE, P_CONSOLE_LINK}},
    [TPL_REJECTED] = {"rejected", true, "您的点单未被受理：{1}。详情 {2}", {P_REASON, P_TRACK_LINK}},
    [TPL_RETURNED] = {"returned", true, "您的点单已退回社区重新安排：{1}。详情 {2}", {P_REASON, P_TRACK_LINK}},
    [TPL_OFFERED] = {"offered", true, "新的服务邀请：{1}（{2}），请尽快接单 {3}",
        {P_CATEGORY, P_COMMUNITY, P_TEAM_LINK}},
    [TPL_ACCEPTED] = {"accepted", true, "您的点单已由{1}接单，进度 {2}", {P_TEAM, P_TRACK_LINK}},
    [TPL_COMPLETED] = {"completed", true, "您的点单已服务完成，请评价 {1}", {P_TRACK_LINK}},
    [TPL_CANCELLED] = {"cancelled", true, "您的点单已被工作人员取消。详情 {1}", {P_TRACK_LINK}},
    [TPL_ESCALATED_LEAD] = {"escalated_lead", true, "您队承接的{1}已超时，请尽快处理 {2}", {P_CATEGORY, P_TEAM_LINK}},
    [TPL_LOGIN_CODE] = {"login_code", true, "查询验证码{1}，5分钟内有效，请勿告诉他人。", {P_CODE}},
    [TPL_CLAIM_EXPIRED] = {"claim_expired", false,
        "### 部门领单后未按时邀请服务队，已退回（待派单）\n> {1} · {2}\n\n{3}\n\n[重新派单]({4})",
        {P_CATEGORY, P_COMMUNITY, P_DESCRIPTION, P_CONSOLE_LINK}},
    [TPL_ACCEPT_EXPIRED] = {"accept_expired", false,
        "### 服务队接单后未按时开始，已收回\n> {1} · {2}\n\n已另请本部门邀请过的服务队；没有的，请重新邀请。\n\n[查看]({3})",
        {P_CATEGORY, P_COMMUNITY, P_CONSOLE_LINK}},
    [TPL_BOOKED] = {"booked", true, "新的服务预约：{1}（{2}），请按时服务 {3}", {P_CATEGORY, P_COMMUNITY, P_TEAM_LINK}},
};
_Static_assert(sizeof templates / sizeof templates[0] == TPL_COUNT, "one template per notify_template");

#define STAFF_ONLY 1u /* only when a staff member (not the resident) took the action */
#define URGENT 2u /* escalations: sent at night too */

struct notify_rule {
	const char *name;
	enum order_action action;
	unsigned from_states; /* 0: from any state */
	enum notify_audience audience;
	enum notify_template template_id;
	unsigned flags;
	unsigned to_states; /* 0: to any state */
};

/* The table. A later event (merges, disputed hours) joins it here. */
static const struct notify_rule rules[] = {
    /* A booking from the service menu is a submit too, but it waits for no dispatch. */
    {"community_new_order", ORDER_ACTION_SUBMIT, 0, AUDIENCE_COMMUNITY_GROUP, TPL_NEW_ORDER, 0,
        STATE_BIT(ORDER_SUBMITTED)},
    {"team_lead_booked", ORDER_ACTION_SUBMIT, 0, AUDIENCE_TEAM_LEAD, TPL_BOOKED, 0, STATE_BIT(ORDER_ACCEPTED)},
    {"team_lead_promoted", ORDER_ACTION_PROMOTE, 0, AUDIENCE_TEAM_LEAD, TPL_BOOKED, 0, 0},
    {"resident_promoted", ORDER_ACTION_PROMOTE, 0, AUDIENCE_RESIDENT, TPL_ACCEPTED, 0, 0},
    /* Stale work released by the sweep (stale_work.c): the office that must act again is told; an
	 * acceptance withdrawn also goes to the leads of the teams still offered it. */
    {"community_claim_expired", ORDER_ACTION_EXPIRE_CLAIM, 0, AUDIENCE_COMMUNITY_GROUP, TPL_CLAIM_EXPIRED, 0, 0},
    {"department_accept_expired", ORDER_ACTION_EXPIRE_ACCEPT, 0, AUDIENCE_DEPARTMENT_GROUP, TPL_ACCEPT_EXPIRED, 0, 0},
    {"team_lead_reoffered", ORDER_ACTION_EXPIRE_ACCEPT, 0, AUDIENCE_OFFERED_LEADS, TPL_OFFERED, 0, 0},
    {"department_dispatched", ORDER_ACTION_DISPATCH, 0, AUDIENCE_DEPARTMENT_GROUP, TPL_DISPATCHED, 0, 0},
    {"resident_rejected", ORDER_ACTION_REJECT, 0, AUDIENCE_RESIDENT, TPL_REJECTED, 0, 0},
    {"resident_returned", ORDER_ACTION_RETURN, 0, AUDIENCE_RESIDENT, TPL_RETURNED, 0, 0},
    {"team_lead_offered", ORDER_ACTION_OFFER, 0, AUDIENCE_OFFERED_LEADS, TPL_OFFERED, 0, 0},
    {"resident_accepted", ORDER_ACTION_ACCEPT, 0, AUDIENCE_RESIDENT, TPL_ACCEPTED, 0, 0},
    {"resident_completed", ORDER_ACTION_COMPLETE, 0, AUDIENCE_RESIDENT, TPL_COMPLETED, 0, 0},
    {"community_awaits_confirm", ORDER_ACTION_COMPLETE, 0, AUDIENCE_COMMUNITY_GROUP, TPL_AWAITS_CONFIRM, 0, 0},
    {"resident_cancelled", ORDER_ACTION_CANCEL, 0, AUDIENCE_RESIDENT, TPL_CANCELLED, STAFF_ONLY, 0},
    {"responsible_escalated", ORDER_ACTION_ESCALATE, 0, AUDIENCE_RESPONSIBLE_GROUP, TPL_ESCALATED, URGENT, 0},
    {"county_escalated", ORDER_ACTION_ESCALATE, 0, AUDIENCE_COUNTY_GROUP, TPL_ESCALATED, URGENT, 0},
    {"team_lead_escalated", ORDER_ACTION_ESCALATE, STATE_BIT(ORDER_ACCEPTED) | STATE_BIT(ORDER_IN_PROGRESS),
        AUDIENCE_TEAM_LEAD, TPL_ESCALATED_LEAD, URGENT, 0},
};

/* The stage an escalation names, in the words the offices use. */
static const char *const stage_names[] = {
    [ORDER_SUBMITTED] = "待派单",
    [ORDER_DISPATCHED] = "待领单",
    [ORDER_CLAIMED] = "待接单",
    [ORDER_ACCEPTED] = "待开始服务",
    [ORDER_IN_PROGRESS] = "服务中",
    [ORDER_COMPLETED] = "待确认时长",
    [ORDER_CLOSED] = "已办结",
    [ORDER_REJECTED] = "未受理",
    [ORDER_CANCELLED] = "已取消",
    [ORDER_MERGED] = "已合并",
    [ORDER_WAITLISTED] = "候补中",
};
_Static_assert(sizeof stage_names / sizeof stage_names[0] == ORDER_STATE_COUNT, "a stage name per order_state");

bool
notify_phone_is_mobile(const char *phone)
{
	if (phone == NULL || strlen(phone) != 11 || phone[0] != '1' || phone[1] < '3' || phone[1] > '9')
		return false;
	for (int i = 0; i < 11; i++)
		if (phone[i] < '0' || phone[i] > '9')
			return false;
	return true;
}

/* Length of the UTF-8 sequence starting with byte c (1 for anything malformed). */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xf0 && c < 0xf8)
		return 4;
	if (c >= 0xe0)
		return c < 0xf0 ? 3 : 1;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* Copies at most max_chars characters of in to out (size PARAM_MAX), control characters as spaces;
 * for a robot, markdown's special characters become their full-width forms so that what a resident
 * typed cannot make a link or a heading in an office's group. An ellipsis marks a cut. */
static void
param_clean(const char *in, size_t max_chars, bool for_markdown, char out[PARAM_MAX])
{
	static const char specials[] = "[]()*_#>`<\\|!~";
	static const char *const wide[] = {
	    "［", "］", "（", "）", "＊", "＿", "＃", "＞", "｀", "＜", "＼", "｜", "！", "～"};
	size_t o = 0, chars = 0;

	for (size_t i = 0; in != NULL && in[i] != '\0';) {
		unsigned char c = (unsigned char)in[i];
		size_t n = utf8_len(c);
		const char *special = c != '\0' ? strchr(specials, (char)c) : NULL;

		if (chars == max_chars) {
			if (o + 4 < PARAM_MAX) {
				memcpy(out + o, "…", 3);
				o += 3;
			}
			break;
		}
		if (for_markdown && special != NULL) {
			const char *w = wide[special - specials];
			if (o + strlen(w) >= PARAM_MAX - 4)
				break;
			memcpy(out + o, w, strlen(w));
			o += strlen(w);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			if (o + 1 >= PARAM_MAX - 4)
				break;
			out[o++] = ' ';
			i++;
		} else {
			if (o + n >= PARAM_MAX - 4 || strnlen(in + i, n) < n)
				break;
			memcpy(out + o, in + i, n);
			o += n;
			i += n;
		}
		chars++;
	}
	out[o] = '\0';
}

static void
param_value(const struct notify_event *ev, enum notify_param p, bool markdown, char out[PARAM_MAX])
{
	const char *base = ev->public_url != NULL ? ev->public_url : "";

	out[0] = '\0';
	switch (p) {
	case P_NONE: break;
	case P_TEAM: param_clean(ev->team_name != NULL ? ev->team_name : "服务队", 16, markdown, out); break;
	case P_REASON: param_clean(ev->reason != NULL ? ev->reason : "见详情", 20, markdown, out); break;
	case P_CATEGORY: param_clean(ev->category_name, 12, markdown, out); break;
	case P_COMMUNITY: param_clean(ev->community_name, 16, markdown, out); break;
	case P_DEPARTMENT: param_clean(ev->department_name, 16, markdown, out); break;
	case P_DESCRIPTION: param_clean(ev->description, 60, markdown, out); break;
	case P_STAGE: snprintf(out, PARAM_MAX, "%s", stage_names[ev->from]); break;
	case P_CODE: break;
	case P_TRACK_LINK: snprintf(out, PARAM_MAX, "%s/track/%s", base, ev->tracking_code); break;
	case P_TEAM_LINK: snprintf(out, PARAM_MAX, "%s/team/", base); break;
	case P_CONSOLE_LINK: snprintf(out, PARAM_MAX, "%s/console/#/order/%lld", base, (long long)ev->order_id); break;
	}
}

/* The template's text with {1}…{n} replaced by params. */
static char *
render(const char *text, const char *const *params, int nparams)
{
	size_t cap = strlen(text) + 1, used = 0;
	char *out;

	for (int i = 0; i < nparams; i++)
		cap += strlen(params[i]);
	out = xmalloc(cap);
	for (const char *t = text; *t != '\0';) {
		if (t[0] == '{' && t[1] >= '1' && t[1] <= '0' + NOTIFY_MAX_PARAMS && t[2] == '}' &&
		    t[1] - '1' < nparams) {
			const char *v = params[t[1] - '1'];
			memcpy(out + used, v, strlen(v));
			used += strlen(v);
			t += 3;
		} else {
			out[used++] = *t++;
		}
	}
	out[used] = '\0';
	return out;
}

char *
notify_render_sms(const char *template_name, const char *const *params, int nparams)
{
	for (int t = 0; t < TPL_COUNT; t++)
		if (templates[t].sms && strcmp(templates[t].name, template_name) == 0)
			return render(templates[t].text, params, nparams);
	return NULL;
}

/* Fills item's template, params and text for ev and emits it. */
static void
emit_one(const struct notify_event *ev, const struct notify_rule *rule, const char *recipient,
    void (*emit)(void *arg, const struct notify_item *item), void *arg)
{
	const struct notify_template_def *tpl = &templates[rule->template_id];
	char values[NOTIFY_MAX_PARAMS][PARAM_MAX];
	struct notify_item item = {0};
	char *text;

	item.rule = rule->name;
	item.channel = tpl->sms ? "sms" : "robot";
	snprintf(item.recipient, sizeof item.recipient, "%s", recipient);
	item.template_name = tpl->name;
	item.urgent = (rule->flags & URGENT) != 0;
	for (int i = 0; i < NOTIFY_MAX_PARAMS && tpl->params[i] != P_NONE; i++) {
		param_value(ev, tpl->params[i], !tpl->sms, values[i]);
		item.params[i] = values[i];
		item.nparams = i + 1;
	}
	text = render(tpl->text, item.params, item.nparams);
	item.text = text;
	emit(arg, &item);
	free(text);
}

static int
emit_robot(const struct notify_event *ev, const struct notify_rule *rule, enum notify_robot_scope scope,
    void (*emit)(void *arg, const struct notify_item *item), void *arg)
{
	static const char *const scope_names[] = {"community", "department", "county"};
	int64_t id = scope == ROBOT_COMMUNITY ? ev->community_id : scope == ROBOT_DEPARTMENT ? ev->department_id : 0;
	char recipient[NOTIFY_RECIPIENT_MAX];

	if (!ev->has_robot[scope] || (scope != ROBOT_COUNTY && id <= 0))
		return 0;
	snprintf(recipient, sizeof recipient, "%s:%lld", scope_names[scope], (long long)id);
	emit_one(ev, rule, recipient, emit, arg);
	return 1;
}

static int
emit_sms(const struct notify_event *ev, const struct notify_rule *rule, const char *phone,
    void (*emit)(void *arg, const struct notify_item *item), void *arg)
{
	if (!notify_phone_is_mobile(phone))
		return 0;
	emit_one(ev, rule, phone, emit, arg);
	return 1;
}

int
notify_rules_expand(const struct notify_event *ev, void (*emit)(void *arg, const struct notify_item *item), void *arg)
{
	int count = 0;

	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const struct notify_rule *rule = &rules[i];

		if (rule->action != ev->action ||
		    (rule->from_states != 0 && !(rule->from_states & STATE_BIT(ev->from))) ||
		    (rule->to_states != 0 && !(rule->to_states & STATE_BIT(ev->to))))
			continue;
		if ((rule->flags & STAFF_ONLY) && (ev->actor_role == ROLE_RESIDENT))
			continue;
		switch (rule->audience) {
		case AUDIENCE_RESIDENT:
			if (ev->sms_consent)
				count += emit_sms(ev, rule, ev->resident_phone, emit, arg);
			break;
		case AUDIENCE_OFFERED_LEADS:
			for (int k = 0; k < ev->offered_count; k++)
				count += emit_sms(ev, rule, ev->offered_lead_phones[k], emit, arg);
			break;
		case AUDIENCE_TEAM_LEAD: count += emit_sms(ev, rule, ev->team_lead_phone, emit, arg); break;
		case AUDIENCE_COMMUNITY_GROUP: count += emit_robot(ev, rule, ROBOT_COMMUNITY, emit, arg); break;
		case AUDIENCE_DEPARTMENT_GROUP: count += emit_robot(ev, rule, ROBOT_DEPARTMENT, emit, arg); break;
		case AUDIENCE_RESPONSIBLE_GROUP: {
			/* The community acts on new and completed orders; the department on everything between. */
			bool community = ev->from == ORDER_SUBMITTED || ev->from == ORDER_COMPLETED;
			count += emit_robot(ev, rule, community ? ROBOT_COMMUNITY : ROBOT_DEPARTMENT, emit, arg);
			break;
		}
		case AUDIENCE_COUNTY_GROUP: count += emit_robot(ev, rule, ROBOT_COUNTY, emit, arg); break;
		}
	}
	return count;
}

int
notify_rules_count(void)
{
	return (int)(sizeof rules / sizeof rules[0]);
}

const char *
notify_rule_name(int i)
{
	return i >= 0 && i < notify_rules_count() ? rules[i].name : NULL;
}
