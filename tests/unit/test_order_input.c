/* order_input: the body of each order action becomes exactly the statement's parameters, or a 422
 * naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "order_input.h"

struct read {
	struct order_input in;
	struct field_errors errors;
	bool ok;
};

static struct read *
read_body(enum order_action action, bool resident, const char *json)
{
	static struct read r;
	struct json_object *body = json_tokener_parse(json);

	assert_non_null(body);
	memset(&r, 0, sizeof r);
	field_errors_init(&r.errors);
	r.ok = order_input_read(&r.in, action, resident, body, &r.errors);
	json_object_put(body);
	return &r;
}

static void
done(struct read *r)
{
	order_input_free(&r->in);
	field_errors_free(&r->errors);
}

/* Whether an error names `field`. */
static bool
names(const struct read *r, const char *field)
{
	const char *text = json_object_to_json_string(r->errors.fields);
	char quoted[64];

	snprintf(quoted, sizeof quoted, "\"%s\"", field);
	return text != NULL && strstr(text, quoted) != NULL;
}

static void
dispatch_takes_a_department_and_a_note(void **state)
{
	(void)state;
	struct read *r = read_body(ORDER_ACTION_DISPATCH, false, "{\"department_id\": 7, \"note\": \"急\"}");
	assert_true(r->ok);
	assert_string_equal(r->in.department_id, "7");
	assert_string_equal(r->in.note, "急");
	done(r);
	r = read_body(ORDER_ACTION_DISPATCH, false, "{\"department_id\": \"x\"}");
	assert_false(r->ok);
	assert_true(names(r, "department_id"));
	done(r);
}

static void
offer_takes_distinct_ids(void **state)
{
	(void)state;
	struct read *r = read_body(ORDER_ACTION_OFFER, false, "{\"team_ids\": [3, 1, 2]}");
	assert_true(r->ok);
	assert_string_equal(r->in.team_ids, "{3,1,2}");
	assert_string_equal(r->in.note, "team_ids={3,1,2}");
	done(r);
	r = read_body(ORDER_ACTION_OFFER, false, "{\"team_ids\": [3, 3]}");
	assert_false(r->ok);
	assert_true(names(r, "team_ids"));
	assert_null(r->in.team_ids);
	done(r);
	r = read_body(ORDER_ACTION_OFFER, false, "{\"team_ids\": []}");
	assert_false(r->ok);
	done(r);
	r = read_body(ORDER_ACTION_OFFER, false, "{\"team_ids\": [1.5]}");
	assert_false(r->ok);
	done(r);
}

static void
completion_records_hours_by_ascending_volunteer(void **state)
{
	(void)state;
	struct read *r = read_body(ORDER_ACTION_COMPLETE, false,
	    "{\"summary\": \"修好了\", \"hours\": [{\"volunteer_id\": 9, \"hours\": 2.5},"
	    " {\"volunteer_id\": 4, \"hours\": \"1.25\"}]}");
	assert_true(r->ok);
	assert_string_equal(r->in.volunteer_ids, "{9,4}");
	assert_string_equal(r->in.hours, "{2.50,1.25}");
	assert_string_equal(r->in.hours_record, "4:1.25,9:2.50");
	char *payload = order_input_payload(&r->in, ORDER_ACTION_COMPLETE, 0, "", false);
	assert_string_equal(payload, "hours=4:1.25,9:2.50");
	free(payload);
	done(r);
	r = read_body(ORDER_ACTION_COMPLETE, false,
	    "{\"summary\": \"x\", \"hours\": [{\"volunteer_id\": 9, \"hours\": 1}, {\"volunteer_id\": 9, \"hours\": 1}]}");
	assert_false(r->ok);
	assert_true(names(r, "hours[1]"));
	done(r);
	r = read_body(ORDER_ACTION_COMPLETE, false, "{\"hours\": [{\"volunteer_id\": 9, \"hours\": 1}]}");
	assert_false(r->ok);
	assert_true(names(r, "summary"));
	done(r);
}

static void
a_rating_is_one_to_five_stars(void **state)
{
	(void)state;
	struct read *r = read_body(ORDER_ACTION_EVALUATE, false, "{\"rating\": \"5\", \"comment\": \"好\"}");
	assert_true(r->ok);
	assert_string_equal(r->in.rating, "5");
	assert_string_equal(r->in.note, "好");
	char *payload = order_input_payload(&r->in, ORDER_ACTION_EVALUATE, 0, "", true);
	assert_string_equal(payload, "rating=5;on_behalf_of=resident");
	free(payload);
	done(r);
	const char *bad[] = {"{\"rating\": 0}", "{\"rating\": 6}", "{\"rating\": \"55\"}", "{}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = read_body(ORDER_ACTION_EVALUATE, false, bad[i]);
		assert_false(r->ok);
		assert_true(names(r, "rating"));
		done(r);
	}
}

static void
a_resident_names_their_key(void **state)
{
	(void)state;
	char key[RESIDENT_KEY_LEN + 1], json[128], hash[RESIDENT_KEY_HASH_HEX];
	resident_key_generate(key);
	resident_key_hash_hex(key, hash);
	snprintf(json, sizeof json, "{\"resident_key\": \"%s\"}", key);
	struct read *r = read_body(ORDER_ACTION_CANCEL, true, json);
	assert_true(r->ok);
	assert_string_equal(r->in.resident_key, key);
	assert_string_equal(r->in.resident_key_hash, hash);
	done(r);
	r = read_body(ORDER_ACTION_CANCEL, true, "{\"resident_key\": \"short\"}");
	assert_false(r->ok);
	assert_true(names(r, "resident_key"));
	done(r);
	/* Staff cancelling on a resident's behalf name no key. */
	r = read_body(ORDER_ACTION_CANCEL, false, "{\"reason\": \"电话说不用了\"}");
	assert_true(r->ok);
	assert_string_equal(r->in.resident_key_hash, "");
	done(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dispatch_takes_a_department_and_a_note),
	    cmocka_unit_test(offer_takes_distinct_ids),
	    cmocka_unit_test(completion_records_hours_by_ascending_volunteer),
	    cmocka_unit_test(a_rating_is_one_to_five_stars),
	    cmocka_unit_test(a_resident_names_their_key),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
