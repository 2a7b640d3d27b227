/* test_notify_rules: who is told what, checked event by event against the issue's list written out
 * here; texts, links, the inert markdown of what residents typed; and the schedule's clock
 * arithmetic (quiet hours in Beijing time, the Beijing day, back-off) at fixed instants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel_build.h"
#include "notify_rules.h"
#include "notify_schedule.h"

#define MAX_ITEMS 8

struct collected {
	int n;
	char rule[MAX_ITEMS][48];
	char recipient[MAX_ITEMS][NOTIFY_RECIPIENT_MAX];
	char text[MAX_ITEMS][1024];
	bool urgent[MAX_ITEMS];
};

static void
collect(void *arg, const struct notify_item *item)
{
	struct collected *c = arg;

	assert_true(c->n < MAX_ITEMS);
	snprintf(c->rule[c->n], sizeof c->rule[0], "%s", item->rule);
	snprintf(c->recipient[c->n], sizeof c->recipient[0], "%s", item->recipient);
	snprintf(c->text[c->n], sizeof c->text[0], "%s", item->text);
	c->urgent[c->n] = item->urgent;
	c->n++;
}

static struct notify_event
base_event(enum order_action action, enum order_state from, enum order_state to)
{
	static const char *const leads[] = {"13900000001", "13900000002"};
	struct notify_event ev = {
	    .event_id = 7,
	    .action = action,
	    .from = from,
	    .to = to,
	    .actor_role = ROLE_COMMUNITY,
	    .order_id = 42,
	    .tracking_code = "ABCDEFGHJK",
	    .sms_consent = true,
	    .resident_phone = "13800138000",
	    .community_id = 3,
	    .department_id = 5,
	    .community_name = "样例社区",
	    .category_name = "智慧助老",
	    .department_name = "县科协",
	    .team_name = "科普队",
	    .reason = "不在服务范围",
	    .description = "教我用手机",
	    .team_lead_phone = "13900000009",
	    .offered_lead_phones = leads,
	    .offered_count = 2,
	    .has_robot = {true, true, true},
	    .public_url = "https://p.example",
	};
	return ev;
}

static struct collected
expand(const struct notify_event *ev)
{
	struct collected c = {0};
	int n = notify_rules_expand(ev, collect, &c);

	assert_int_equal(n, c.n);
	return c;
}

static void
journey_events_tell_exactly_the_issue_list(void **state)
{
	struct {
		enum order_action action;
		enum order_state from, to;
		const char *expected; /* rule@recipient, space-separated */
	} cases[] = {
	    {ORDER_ACTION_SUBMIT, ORDER_SUBMITTED, ORDER_SUBMITTED, "community_new_order@community:3"},
	    {ORDER_ACTION_DISPATCH, ORDER_SUBMITTED, ORDER_DISPATCHED, "department_dispatched@department:5"},
	    {ORDER_ACTION_CLAIM, ORDER_DISPATCHED, ORDER_CLAIMED, ""},
	    {ORDER_ACTION_OFFER, ORDER_CLAIMED, ORDER_CLAIMED,
	        "team_lead_offered@13900000001 team_lead_offered@13900000002"},
	    {ORDER_ACTION_ACCEPT, ORDER_CLAIMED, ORDER_ACCEPTED, "resident_accepted@13800138000"},
	    {ORDER_ACTION_START, ORDER_ACCEPTED, ORDER_IN_PROGRESS, ""},
	    {ORDER_ACTION_COMPLETE, ORDER_IN_PROGRESS, ORDER_COMPLETED,
	        "resident_completed@13800138000 community_awaits_confirm@community:3"},
	    {ORDER_ACTION_CONFIRM, ORDER_COMPLETED, ORDER_CLOSED, ""},
	    {ORDER_ACTION_REJECT, ORDER_SUBMITTED, ORDER_REJECTED, "resident_rejected@13800138000"},
	    {ORDER_ACTION_RETURN, ORDER_CLAIMED, ORDER_SUBMITTED, "resident_returned@13800138000"},
	    {ORDER_ACTION_WITHDRAW, ORDER_ACCEPTED, ORDER_CLAIMED, ""},
	    {ORDER_ACTION_EVALUATE, ORDER_CLOSED, ORDER_CLOSED, ""},
	    {ORDER_ACTION_ESCALATE, ORDER_SUBMITTED, ORDER_SUBMITTED,
	        "responsible_escalated@community:3 county_escalated@county:0"},
	    {ORDER_ACTION_ESCALATE, ORDER_CLAIMED, ORDER_CLAIMED,
	        "responsible_escalated@department:5 county_escalated@county:0"},
	    {ORDER_ACTION_ESCALATE, ORDER_IN_PROGRESS, ORDER_IN_PROGRESS,
	        "responsible_escalated@department:5 county_escalated@county:0 team_lead_escalated@13900000009"},
	    {ORDER_ACTION_ESCALATE, ORDER_COMPLETED, ORDER_COMPLETED,
	        "responsible_escalated@community:3 county_escalated@county:0"},
	    /* Stale work released by the sweep (issue 14, rule 4). */
	    {ORDER_ACTION_EXPIRE_CLAIM, ORDER_CLAIMED, ORDER_SUBMITTED, "community_claim_expired@community:3"},
	    {ORDER_ACTION_EXPIRE_ACCEPT, ORDER_ACCEPTED, ORDER_CLAIMED,
	        "department_accept_expired@department:5 team_lead_reoffered@13900000001 team_lead_reoffered@13900000002"},
	    /* Bookings from the service menu (rule 3): no dispatch to announce; the team's lead is told. */
	    {ORDER_ACTION_SUBMIT, ORDER_ACCEPTED, ORDER_ACCEPTED, "team_lead_booked@13900000009"},
	    {ORDER_ACTION_SUBMIT, ORDER_WAITLISTED, ORDER_WAITLISTED, ""},
	    {ORDER_ACTION_PROMOTE, ORDER_WAITLISTED, ORDER_ACCEPTED,
	        "team_lead_promoted@13900000009 resident_promoted@13800138000"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct notify_event ev = base_event(cases[i].action, cases[i].from, cases[i].to);
		struct collected c = expand(&ev);
		char got[512] = "";
		for (int k = 0; k < c.n; k++) {
			size_t used = strlen(got);
			snprintf(got + used, sizeof got - used, "%s%s@%s", k ? " " : "", c.rule[k], c.recipient[k]);
		}
		if (strcmp(got, cases[i].expected) != 0)
			fail_msg("case %zu: got \"%s\", expected \"%s\"", i, got, cases[i].expected);
	}
}

static void
resident_without_consent_or_mobile_gets_no_sms(void **state)
{
	struct notify_event ev = base_event(ORDER_ACTION_ACCEPT, ORDER_CLAIMED, ORDER_ACCEPTED);
	(void)state;
	ev.sms_consent = false;
	assert_int_equal(expand(&ev).n, 0);
	ev.sms_consent = true;
	ev.resident_phone = "07974561234";
	assert_int_equal(expand(&ev).n, 0);
}

static void
resident_cancelling_is_not_told_staff_cancelling_is(void **state)
{
	struct notify_event ev = base_event(ORDER_ACTION_CANCEL, ORDER_SUBMITTED, ORDER_CANCELLED);
	(void)state;
	ev.actor_role = ROLE_RESIDENT;
	assert_int_equal(expand(&ev).n, 0);
	ev.actor_role = ROLE_ADMIN;
	assert_int_equal(expand(&ev).n, 1);
}

static void
offices_without_a_robot_are_skipped(void **state)
{
	struct notify_event ev = base_event(ORDER_ACTION_ESCALATE, ORDER_DISPATCHED, ORDER_DISPATCHED);
	struct collected c;
	(void)state;
	ev.has_robot[ROBOT_DEPARTMENT] = false;
	c = expand(&ev);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.recipient[0], "county:0");
	assert_true(c.urgent[0]);
}

static void
sms_texts_fill_the_template_with_a_link(void **state)
{
	struct notify_event ev = base_event(ORDER_ACTION_ACCEPT, ORDER_CLAIMED, ORDER_ACCEPTED);
	struct collected c = expand(&ev);
	(void)state;
	assert_string_equal(c.text[0], "您的点单已由科普队接单，进度 https://p.example/track/ABCDEFGHJK");
	assert_false(c.urgent[0]);
	ev = base_event(ORDER_ACTION_REJECT, ORDER_SUBMITTED, ORDER_REJECTED);
	ev.reason = "第一行\n第二行也很长很长很长很长很长很长很长很长";
	c = expand(&ev);
	/* Control characters become spaces; the reason is cut at 20 characters with an ellipsis. */
	assert_string_equal(c.text[0],
	    "您的点单未被受理：第一行 第二行也很长很长很长很长很长很长…。详情 https://p.example/track/ABCDEFGHJK");
}

static void
what_residents_type_cannot_format_an_office_group(void **state)
{
	struct notify_event ev = base_event(ORDER_ACTION_SUBMIT, ORDER_SUBMITTED, ORDER_SUBMITTED);
	struct collected c;
	(void)state;
	ev.description = "[点我](http://evil) **大字** # 标题 <b>";
	c = expand(&ev);
	assert_non_null(strstr(c.text[0], "［点我］（http://evil） ＊＊大字＊＊ ＃ 标题 ＜b＞"));
	assert_null(strstr(c.text[0], "](http://evil)"));
	assert_non_null(strstr(c.text[0], "[打开派单台](https://p.example/console/#/order/42)"));
}

static void
render_sms_by_name(void **state)
{
	const char *params[1] = {"123456"};
	char *text = notify_render_sms("login_code", params, 1);
	(void)state;
	assert_string_equal(text, "查询验证码123456，5分钟内有效，请勿告诉他人。");
	free(text);
	assert_null(notify_render_sms("new_order", params, 1)); /* a robot template */
	assert_null(notify_render_sms("nope", params, 1));
}

static void
rule_names_are_unique(void **state)
{
	(void)state;
	for (int i = 0; i < notify_rules_count(); i++)
		for (int j = i + 1; j < notify_rules_count(); j++)
			assert_string_not_equal(notify_rule_name(i), notify_rule_name(j));
	assert_null(notify_rule_name(notify_rules_count()));
}

/* 2026-01-01 00:00:00 UTC = 08:00 Beijing. */
#define JAN1_UTC 1767225600LL

static void
quiet_hours_are_beijing_time_and_wrap_midnight(void **state)
{
	int start, end;
	(void)state;
	assert_true(notify_quiet_parse("22:00-08:00", &start, &end));
	assert_int_equal(start, 22 * 60);
	assert_int_equal(end, 8 * 60);
	/* 08:00 Beijing: the window has just ended. */
	assert_int_equal(notify_quiet_until(JAN1_UTC, start, end), 0);
	/* 07:59 Beijing: held until 08:00. */
	assert_int_equal(notify_quiet_until(JAN1_UTC - 60, start, end), JAN1_UTC);
	/* 22:30 Beijing (14:30 UTC): held until 08:00 the next morning. */
	assert_int_equal(notify_quiet_until(JAN1_UTC + 14 * 3600 + 1800, start, end), JAN1_UTC + 86400);
	/* 21:59 Beijing: not quiet. */
	assert_int_equal(notify_quiet_until(JAN1_UTC + 14 * 3600 - 60, start, end), 0);
	/* Equal ends: never quiet. */
	assert_true(notify_quiet_parse("00:00-00:00", &start, &end));
	assert_int_equal(notify_quiet_until(JAN1_UTC, start, end), 0);
	/* A window within one day. */
	assert_true(notify_quiet_parse("12:00-13:00", &start, &end));
	assert_int_equal(notify_quiet_until(JAN1_UTC + 4 * 3600 + 60, start, end), JAN1_UTC + 5 * 3600);
	assert_false(notify_quiet_parse("22-08", &start, &end));
	assert_false(notify_quiet_parse("24:00-08:00", &start, &end));
	assert_false(notify_quiet_parse("22:00-08:60", &start, &end));
	assert_false(notify_quiet_parse(NULL, &start, &end));
}

static void
beijing_day_and_next_morning(void **state)
{
	(void)state;
	/* 08:00 Beijing on Jan 1 belongs to the day that began at 16:00 UTC Dec 31. */
	assert_int_equal(notify_beijing_day_start(JAN1_UTC), JAN1_UTC - 8 * 3600);
	assert_int_equal(notify_beijing_day_start(JAN1_UTC - 8 * 3600 - 1), JAN1_UTC - 32 * 3600);
	assert_int_equal(notify_next_morning(JAN1_UTC, 8 * 60), JAN1_UTC + 86400);
}

static void
back_off_doubles_up_to_an_hour(void **state)
{
	(void)state;
	assert_int_equal(notify_retry_delay_ms(1, 30000), 30000);
	assert_int_equal(notify_retry_delay_ms(2, 30000), 60000);
	assert_int_equal(notify_retry_delay_ms(4, 30000), 240000);
	assert_int_equal(notify_retry_delay_ms(12, 30000), 3600000);
	assert_int_equal(notify_retry_delay_ms(1000, 30000), 3600000);
}

static void
hmac_matches_rfc4231_case_2(void **state)
{
	char hex[65];
	(void)state;
	channel_hmac_hex((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
provider_answers_map_to_outcomes(void **state)
{
	char buf[256];
	const char *error;
	(void)state;
	assert_int_equal(channel_status_outcome(200), CHANNEL_SENT);
	assert_int_equal(channel_status_outcome(0), CHANNEL_RETRY);
	assert_int_equal(channel_status_outcome(503), CHANNEL_RETRY);
	assert_int_equal(channel_status_outcome(429), CHANNEL_RETRY);
	assert_int_equal(channel_status_outcome(400), CHANNEL_REFUSED);
	assert_int_equal(
	    channel_robot_judge(200, "{\"errcode\":0,\"errmsg\":\"ok\"}", buf, sizeof buf, &error), CHANNEL_SENT);
	assert_int_equal(channel_robot_judge(200, "{\"errcode\":45009,\"errmsg\":\"freq\"}", buf, sizeof buf, &error),
	    CHANNEL_RETRY);
	assert_int_equal(
	    channel_robot_judge(200, "{\"errcode\":310000,\"errmsg\":\"sign not match\"}", buf, sizeof buf, &error),
	    CHANNEL_REFUSED);
	assert_non_null(strstr(error, "310000"));
	assert_int_equal(channel_robot_judge(200, "not json", buf, sizeof buf, &error), CHANNEL_RETRY);
	assert_int_equal(
	    channel_tencent_judge(200, "{\"Response\":{\"SendStatusSet\":[{\"Code\":\"Ok\"}],\"RequestId\":\"x\"}}",
	        buf, sizeof buf, &error),
	    CHANNEL_SENT);
	assert_int_equal(channel_tencent_judge(200,
	                     "{\"Response\":{\"Error\":{\"Code\":\"AuthFailure.SignatureFailure\",\"Message\":\"x\"}}}",
	                     buf, sizeof buf, &error),
	    CHANNEL_REFUSED);
	assert_int_equal(channel_tencent_judge(200,
	                     "{\"Response\":{\"Error\":{\"Code\":\"RequestLimitExceeded\",\"Message\":\"x\"}}}", buf,
	                     sizeof buf, &error),
	    CHANNEL_RETRY);
	assert_int_equal(channel_tencent_judge(502, "", buf, sizeof buf, &error), CHANNEL_RETRY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(journey_events_tell_exactly_the_issue_list),
	    cmocka_unit_test(resident_without_consent_or_mobile_gets_no_sms),
	    cmocka_unit_test(resident_cancelling_is_not_told_staff_cancelling_is),
	    cmocka_unit_test(offices_without_a_robot_are_skipped),
	    cmocka_unit_test(sms_texts_fill_the_template_with_a_link),
	    cmocka_unit_test(what_residents_type_cannot_format_an_office_group),
	    cmocka_unit_test(render_sms_by_name),
	    cmocka_unit_test(rule_names_are_unique),
	    cmocka_unit_test(quiet_hours_are_beijing_time_and_wrap_midnight),
	    cmocka_unit_test(beijing_day_and_next_morning),
	    cmocka_unit_test(back_off_doubles_up_to_an_hour),
	    cmocka_unit_test(hmac_matches_rfc4231_case_2),
	    cmocka_unit_test(provider_answers_map_to_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
