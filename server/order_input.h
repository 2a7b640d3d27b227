/* order_input: what the body of an order action says, validated per action (422 naming the field). */
#ifndef PAIDAN_ORDER_INPUT_H
#define PAIDAN_ORDER_INPUT_H

#include <stdbool.h>

#include <json-c/json.h>

#include "order_model.h"
#include "resident_key.h"
#include "validate.h"

/* The action's parameters as the transition statement takes them (text; NULL when not given).
 * Owned by the struct: order_input_free releases them and wipes the resident key. */
struct order_input {
	char *note; /* reason, summary, comment or offer note; "" when none */
	char *department_id; /* dispatch */
	char *team_ids; /* offer: a PostgreSQL array literal of distinct ids */
	char *volunteer_ids; /* complete: array literals of the same length */
	char *hours;
	char *hours_record; /* complete: "volunteer:hours,…" by ascending volunteer, as the chain records it */
	char *over_span_reasons; /* complete: {"<volunteer id>": reason} for hours beyond the signed span (JSON) */
	char *rating; /* evaluate: 1..5 */
	char resident_key[RESIDENT_KEY_LEN + 1];
	char resident_key_hash[RESIDENT_KEY_HASH_HEX]; /* "" unless a resident key was given */
};

/* Reads the fields that `action` takes from `body` into `in` (zeroed by the caller). A resident's
 * cancel and rating carry their resident key. Problems go to `errors`; true when there were none. */
bool order_input_read(struct order_input *in, enum order_action action, bool resident, struct json_object *body,
    struct field_errors *errors);

/* What the event records beyond its state change (hash format v2; see sql/051_audit_v2.sql), newly
 * allocated. team_id: the accepting team; pending_hours: the recorded hours that confirm verifies;
 * on_behalf: a community worker acting for the resident. */
char *order_input_payload(const struct order_input *in, enum order_action action, long long team_id,
    const char *pending_hours, bool on_behalf);

void order_input_free(struct order_input *in);

#endif
