/* notify_rules: who is told what, as one table — for each audit event, the notifications it causes:
 * audience, channel, template and urgency. Also the templates' texts: an SMS template is the text a
 * provider registers ("您的点单已由{1}接单…", placeholders {1}…{n}); a robot template is markdown.
 * Pure: no I/O; unit-tested without a database. */
#ifndef PAIDAN_NOTIFY_RULES_H
#define PAIDAN_NOTIFY_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "order_model.h"

#define NOTIFY_MAX_PARAMS 4
#define NOTIFY_RECIPIENT_MAX 48

enum notify_robot_scope { ROBOT_COMMUNITY, ROBOT_DEPARTMENT, ROBOT_COUNTY, ROBOT_SCOPE_COUNT };

/* What the sender read about one audit event and its order. Strings may be NULL (unknown). */
struct notify_event {
	int64_t event_id;
	enum order_action action;
	enum order_state from, to;
	enum user_role actor_role;
	int64_t order_id;
	const char *tracking_code;
	bool sms_consent;
	const char *resident_phone; /* normalised; only mobiles get SMS */
	int64_t community_id, department_id; /* 0 when none */
	const char *community_name, *category_name, *department_name, *team_name, *reason, *description;
	const char *team_lead_phone; /* the lead of the order's team */
	const char *const *offered_lead_phones; /* leads of the teams this event offered the order to */
	int offered_count;
	bool has_robot[ROBOT_SCOPE_COUNT]; /* a group robot is set for the order's community, department, county */
	const char *public_url; /* for links: "https://host" without a trailing slash */
};

/* One notification to write. Everything is borrowed for the duration of the emit callback. */
struct notify_item {
	const char *rule; /* the table row's name */
	const char *channel; /* "sms" or "robot" */
	char recipient[NOTIFY_RECIPIENT_MAX]; /* the mobile, or "community:ID", "department:ID", "county:0" */
	const char *template_name;
	const char *params[NOTIFY_MAX_PARAMS];
	int nparams;
	const char *text; /* the template with its parameters filled in */
	bool urgent; /* escalations: not held at night */
};

/* Calls emit(arg, item) once per notification the table gives for ev; returns how many. */
int notify_rules_expand(
    const struct notify_event *ev, void (*emit)(void *arg, const struct notify_item *item), void *arg);

/* The text of an SMS template by name with params filled in (the verification code's uses this
 * too); NULL for an unknown name. Caller frees. */
char *notify_render_sms(const char *template_name, const char *const *params, int nparams);

/* True for a mainland mobile number (11 digits, 13x–19x): the only numbers SMS goes to. */
bool notify_phone_is_mobile(const char *phone);

/* Number of table rows, and the name of row i (tests walk the table). */
int notify_rules_count(void);
const char *notify_rule_name(int i);

#endif
