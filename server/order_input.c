/* order_input: the body of an order action, field by field.
 *
 * Each action takes a few fields (a reason, teams to offer, hours per volunteer, a rating, the
 * resident's key); they are checked here and handed on as the text parameters of the one guarded
 * statement in order_actions.c, so nothing unchecked reaches it. */
#include "order_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "xalloc.h"

#define MAX_LIST 50

static void
set(char **slot, const char *text)
{
	free(*slot);
	*slot = text ? xstrdup(text) : NULL;
}

static void
read_reason(struct order_input *in, struct json_object *body, struct field_errors *errors, const char *field,
    size_t min, size_t max)
{
	const char *text;
	size_t len;

	if (validate_text(errors, body, field, min, max, TEXT_MULTI_LINE, &text, &len)) {
		free(in->note);
		in->note = xstrndup(text, len);
	}
}

/* A JSON array of distinct positive ids, 1..MAX_LIST long, as a PostgreSQL array literal. */
static void
read_id_list(struct json_object *body, struct field_errors *errors, const char *field, char **out)
{
	struct json_object *list;
	char text[MAX_LIST * 18 + 4];
	size_t used = 0;
	int64_t ids[MAX_LIST];
	size_t n;

	if (!json_object_object_get_ex(body, field, &list) || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > MAX_LIST) {
		field_errors_add(errors, field, "应为 1 到 50 个编号的列表 (a list of 1 to 50 ids)");
		return;
	}
	text[used++] = '{';
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		int64_t id = json_object_is_type(item, json_type_int) ? json_object_get_int64(item) : 0;
		if (id < 1 || id > ((int64_t)1 << 53)) {
			field_errors_add(errors, field, "每一项都应为正整数编号 (each item must be a positive id)");
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (ids[j] == id) {
				field_errors_add(errors, field, "编号不能重复 (ids must not repeat)");
				return;
			}
		ids[i] = id;
		used += (size_t)snprintf(text + used, sizeof text - used, "%s%lld", i ? "," : "", (long long)id);
	}
	text[used++] = '}';
	text[used] = '\0';
	set(out, text);
}

/* "volunteer:hours,…" in ascending volunteer id: the chain's record of a completion. */
static void
set_hours_record(struct order_input *in, int64_t *ids, int *hundredths, size_t n)
{
	char text[MAX_LIST * 40 + 4], decimal[16];
	size_t used = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			int64_t id = ids[j];
			int h = hundredths[j];
			ids[j] = ids[j - 1];
			hundredths[j] = hundredths[j - 1];
			ids[j - 1] = id;
			hundredths[j - 1] = h;
		}
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		format_hours(hundredths[i], decimal);
		used += (size_t)snprintf(
		    text + used, sizeof text - used, "%s%lld:%s", i ? "," : "", (long long)ids[i], decimal);
	}
	set(&in->hours_record, text);
}

static void
read_completion(struct order_input *in, struct json_object *body, struct field_errors *errors)
{
	struct json_object *list, *reasons;
	char volunteers[MAX_LIST * 18 + 4], hours[MAX_LIST * 8 + 4];
	size_t vu = 0, hu = 0, n;
	int64_t seen[MAX_LIST];
	int seen_hours[MAX_LIST];

	read_reason(in, body, errors, "summary", 1, 2000);
	if (!json_object_object_get_ex(body, "hours", &list) || !json_object_is_type(list, json_type_array) ||
	    (n = json_object_array_length(list)) == 0 || n > MAX_LIST) {
		field_errors_add(errors, "hours", "请为 1 到 50 名队员填写服务时长 (hours for 1 to 50 volunteers)");
		return;
	}
	volunteers[vu++] = '{';
	hours[hu++] = '{';
	reasons = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i), *h, *why;
		char field[32], decimal[16];
		int64_t volunteer_id;
		int hundredths;

		snprintf(field, sizeof field, "hours[%zu]", i);
		if (!json_object_is_type(item, json_type_object)) {
			field_errors_add(errors, field, "应为 {volunteer_id, hours} (must be {volunteer_id, hours})");
			json_object_put(reasons);
			return;
		}
		if (!validate_id(errors, item, "volunteer_id", INPUT_JSON, &volunteer_id)) {
			field_errors_add(
			    errors, field, "volunteer_id 应为正整数编号 (volunteer_id must be a positive id)");
			json_object_put(reasons);
			return;
		}
		if (!json_object_object_get_ex(item, "hours", &h) || !validate_hours(errors, h, field, &hundredths)) {
			field_errors_add(errors, field, "请填写时长 (hours required)");
			json_object_put(reasons);
			return;
		}
		for (size_t j = 0; j < i; j++)
			if (seen[j] == volunteer_id) {
				field_errors_add(errors, field, "同一名队员只能登记一次 (one entry per volunteer)");
				json_object_put(reasons);
				return;
			}
		/* Why the hours go beyond the volunteer's signed span (checked against it once the order is read). */
		if (json_object_object_get_ex(item, "reason", &why) && !json_object_is_type(why, json_type_null)) {
			const char *text;
			size_t len;
			char key[24];
			snprintf(field, sizeof field, "reason.%lld", (long long)volunteer_id);
			if (!json_object_is_type(why, json_type_string)) {
				field_errors_add(errors, field, "应为文字 (must be text)");
			} else if (validate_text(errors, item, "reason", 0, 200, TEXT_SINGLE_LINE, &text, &len) &&
			    len > 0) {
				snprintf(key, sizeof key, "%lld", (long long)volunteer_id);
				json_object_object_add(reasons, key, json_object_new_string_len(text, (int)len));
			}
		}
		seen[i] = volunteer_id;
		seen_hours[i] = hundredths;
		format_hours(hundredths, decimal);
		vu += (size_t)snprintf(
		    volunteers + vu, sizeof volunteers - vu, "%s%lld", i ? "," : "", (long long)volunteer_id);
		hu += (size_t)snprintf(hours + hu, sizeof hours - hu, "%s%s", i ? "," : "", decimal);
	}
	volunteers[vu++] = '}';
	volunteers[vu] = '\0';
	hours[hu++] = '}';
	hours[hu] = '\0';
	set(&in->volunteer_ids, volunteers);
	set(&in->hours, hours);
	set_hours_record(in, seen, seen_hours, n);
	set(&in->over_span_reasons, json_object_to_json_string_ext(reasons, JSON_C_TO_STRING_PLAIN));
	json_object_put(reasons);
}

static void
read_rating(struct order_input *in, struct json_object *body, struct field_errors *errors)
{
	struct json_object *v;
	int64_t rating = 0;
	char text[8];

	if (json_object_object_get_ex(body, "rating", &v) && json_object_is_type(v, json_type_int))
		rating = json_object_get_int64(v);
	else if (json_object_object_get_ex(body, "rating", &v) && json_object_is_type(v, json_type_string))
		rating = strtol(json_object_get_string(v), NULL, 10) * (strlen(json_object_get_string(v)) == 1);
	if (rating < 1 || rating > 5) {
		field_errors_add(errors, "rating", "请选择 1 到 5 颗星 (1 to 5 stars)");
		return;
	}
	snprintf(text, sizeof text, "%d", (int)rating);
	set(&in->rating, text);
	read_reason(in, body, errors, "comment", 0, 500);
}

static void
read_resident_key(struct order_input *in, struct json_object *body, struct field_errors *errors)
{
	const char *text;
	size_t len;

	if (!validate_text(errors, body, "resident_key", 1, 64, TEXT_SINGLE_LINE, &text, &len))
		return;
	if (!resident_key_valid(text, len)) {
		field_errors_add(errors, "resident_key", "办理密钥不对，请用点单后得到的链接 (not a resident key)");
		return;
	}
	memcpy(in->resident_key, text, len);
	in->resident_key[len] = '\0';
	resident_key_hash_hex(in->resident_key, in->resident_key_hash);
}

bool
order_input_read(struct order_input *in, enum order_action action, bool resident, struct json_object *body,
    struct field_errors *errors)
{
	int64_t department_id;
	char text[24];

	set(&in->note, "");
	switch (action) {
	case ORDER_ACTION_DISPATCH:
		if (validate_id(errors, body, "department_id", INPUT_JSON, &department_id)) {
			snprintf(text, sizeof text, "%lld", (long long)department_id);
			set(&in->department_id, text);
		}
		read_reason(in, body, errors, "note", 0, 500);
		break;
	case ORDER_ACTION_REJECT:
	case ORDER_ACTION_RETURN:
	case ORDER_ACTION_WITHDRAW:
	case ORDER_ACTION_DISPUTE: read_reason(in, body, errors, "reason", 1, 500); break;
	case ORDER_ACTION_OFFER:
		read_id_list(body, errors, "team_ids", &in->team_ids);
		if (in->team_ids != NULL) {
			char note[MAX_LIST * 18 + 16];
			snprintf(note, sizeof note, "team_ids=%s", in->team_ids);
			set(&in->note, note);
		}
		break;
	case ORDER_ACTION_COMPLETE: read_completion(in, body, errors); break;
	case ORDER_ACTION_CANCEL:
		if (resident)
			read_resident_key(in, body, errors);
		read_reason(in, body, errors, "reason", 0, 500);
		break;
	case ORDER_ACTION_EVALUATE:
		if (resident)
			read_resident_key(in, body, errors);
		read_rating(in, body, errors);
		break;
	default: break;
	}
	return !field_errors_any(errors);
}

char *
order_input_payload(const struct order_input *in, enum order_action action, long long team_id,
    const char *pending_hours, bool on_behalf)
{
	char text[MAX_LIST * 40 + 64];

	text[0] = '\0';
	switch (action) {
	case ORDER_ACTION_DISPATCH: snprintf(text, sizeof text, "department=%s", in->department_id); break;
	case ORDER_ACTION_ACCEPT: snprintf(text, sizeof text, "team=%lld", team_id); break;
	case ORDER_ACTION_COMPLETE: snprintf(text, sizeof text, "hours=%s", in->hours_record); break;
	case ORDER_ACTION_CONFIRM: snprintf(text, sizeof text, "verified=%s", pending_hours); break;
	case ORDER_ACTION_DISPUTE: snprintf(text, sizeof text, "disputed=%s", pending_hours); break;
	case ORDER_ACTION_EVALUATE: snprintf(text, sizeof text, "rating=%s", in->rating); break;
	default: break;
	}
	if (on_behalf)
		snprintf(
		    text + strlen(text), sizeof text - strlen(text), "%son_behalf_of=resident", text[0] ? ";" : "");
	return xstrdup(text);
}

void
order_input_free(struct order_input *in)
{
	free(in->note);
	free(in->department_id);
	free(in->team_ids);
	free(in->volunteer_ids);
	free(in->hours);
	free(in->hours_record);
	free(in->over_span_reasons);
	free(in->rating);
	sodium_memzero(in->resident_key, sizeof in->resident_key);
	memset(in, 0, sizeof *in);
}
