/* api_reply: SQLSTATE → HTTP lives here and nowhere else. */
#include "api_reply.h"

#include <stdio.h>
#include <string.h>

#include "api_error.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "validate.h"

void
api_reply_field_errors(struct request *r, struct field_errors *errors)
{
	api_error_reply(r, API_ERROR_FIELDS_INVALID, field_errors_take(errors));
}

bool
api_reply_if_field_errors(struct request *r, struct field_errors *errors)
{
	bool any = field_errors_any(errors);

	if (any)
		api_reply_field_errors(r, errors);
	field_errors_free(errors);
	return any;
}

void
api_reply_field(struct request *r, enum api_error error, const char *field, const char *message)
{
	struct json_object *fields = json_object_new_object();

	json_object_object_add(fields, field, json_object_new_string(message));
	api_error_reply(r, error, fields);
}

/* "orders_community_id_fkey" → "community_id": the field a foreign key names. */
static void
constraint_field(const char *constraint, char *out, size_t size)
{
	const char *start = strchr(constraint, '_');
	const char *end = strstr(constraint, "_fkey");
	size_t n;

	out[0] = '\0';
	if (start == NULL || end == NULL || end <= start + 1)
		return;
	n = (size_t)(end - start - 1);
	if (n >= size)
		n = size - 1;
	memcpy(out, start + 1, n);
	out[n] = '\0';
}

void
api_reply_db_error(struct request *r, const struct db_reply *reply)
{
	const char *state = reply->sqlstate;

	if (reply->status == DB_UNAVAILABLE ||
	    (reply->status == DB_SQL_ERROR && (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0))) {
		log_warn("database unavailable", "request_id", r->id, "reason", reply->message);
		http_set_header(r, "Retry-After", "2");
		api_error_reply(r, API_ERROR_DATABASE_UNAVAILABLE, NULL);
		return;
	}
	if (reply->status == DB_BUSY || strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
	    strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
		log_warn("database busy", "request_id", r->id, "reason", reply->message, "sqlstate", state);
		http_set_header(r, "Retry-After", "1");
		api_error_reply(r, API_ERROR_BUSY, NULL);
		return;
	}
	/* The work limits' trigger (sql/071_work_limits.sql): a claim or an acceptance past the limit. */
	if (strcmp(state, "PD491") == 0 || strcmp(state, "PD492") == 0) {
		api_error_reply(r, state[4] == '1' ? API_ERROR_CLAIM_LIMIT : API_ERROR_ACCEPT_LIMIT, NULL);
		return;
	}
	if (strcmp(state, "23503") == 0) {
		char field[64];
		struct json_object *fields = json_object_new_object();
		constraint_field(reply->constraint, field, sizeof field);
		json_object_object_add(
		    fields, field[0] ? field : "id", json_object_new_string("不存在 (does not exist)"));
		api_error_reply(r, API_ERROR_REFERENCE_MISSING, fields);
		return;
	}
	if (strcmp(state, "23505") == 0) {
		api_error_reply(r, API_ERROR_ALREADY_EXISTS, NULL);
		return;
	}
	if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0) {
		log_warn("database refused a value", "request_id", r->id, "reason", reply->message, "sqlstate", state);
		api_error_reply(r, API_ERROR_VALUE_REFUSED, NULL);
		return;
	}
	log_error("database error", "request_id", r->id, "sqlstate", state, "reason", reply->message);
	api_error_reply(r, API_ERROR_INTERNAL, NULL);
}
