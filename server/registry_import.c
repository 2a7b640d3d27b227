/* registry_import: the console's volunteer import (see the header). Steps: read the file on an offload
 * thread (parsing and sealing ID numbers is work for every line, kept off the loop) → ask the database
 * what it holds of the file's names, and whether the key was used → report the bad lines, or import
 * them all in one statement. The report never carries an ID number; nothing here logs one. */
#include "registry_import.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "db.h"
#include "http.h"
#include "offload.h"
#include "query.h"
#include "validate.h"
#include "volunteer_csv.h"
#include "volunteer_import.h"
#include "xalloc.h"

struct import_state {
	struct request *r;
	char *text; /* a copy of the body, read on the worker */
	size_t len;
	const char *key; /* Idempotency-Key, or NULL */
	bool header_ok;
	struct volunteer_csv csv;
	char body_hash[crypto_hash_sha256_BYTES * 2 + 1]; /* hex */
	char body_hash_bytea[crypto_hash_sha256_BYTES * 2 + 3]; /* "\x" + hex */
};

static void
import_state_free(void *arg)
{
	struct import_state *s = arg;

	volunteer_csv_free(&s->csv);
	free(s->text);
	free(s);
}

/* Replies status with the report of s (and imported/replayed); 422 is the error shape carrying it. */
static void
reply_report(struct request *r, int status, struct json_object *imported, bool replayed)
{
	struct import_state *s = r->state;
	struct json_object *report = volunteer_import_report(&s->csv, imported, replayed), *body, *error;

	if (status < 400) {
		http_reply_json(r, status, report);
		return;
	}
	body = api_error_body(API_ERROR_IMPORT_LINES_BAD, NULL);
	json_object_object_get_ex(body, "error", &error);
	json_object_object_add(error, "report", report);
	http_reply_json(r, status, body);
}

static void
reply_key_reused(struct request *r)
{
	api_reply_field(r, API_ERROR_IDEMPOTENCY_KEY_REUSED, "Idempotency-Key",
	    "这个键已用于另一份文件 (this key was used for a different file)");
}

static void
imported(struct request *r, const PGresult *res)
{
	struct json_object *result = json_tokener_parse(query_cell(res, 0, "result")), *replayed, *volunteers;
	bool again;

	if (result == NULL || !json_object_object_get_ex(result, "volunteers", &volunteers) ||
	    !json_object_object_get_ex(result, "replayed", &replayed)) {
		json_object_put(result);
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	again = json_object_get_boolean(replayed);
	if (again)
		http_set_header(r, "Idempotent-Replayed", "true");
	reply_report(r, again ? 200 : 201, volunteers, again);
	json_object_put(result);
}

/* The register's refusals: the register changed between the check and the import (a phone or an ID
 * number registered meanwhile, a skill or a team gone), or the key was taken by another file. */
static bool
import_refused(struct request *r, const struct db_reply *reply)
{
	if (reply->status != DB_SQL_ERROR)
		return false;
	if (strcmp(reply->sqlstate, "PD409") == 0 && strcmp(reply->message, "Idempotency-Key") == 0) {
		reply_key_reused(r);
		return true;
	}
	if (strcmp(reply->sqlstate, "PD409") == 0 || strcmp(reply->sqlstate, "PD422") == 0 ||
	    strcmp(reply->sqlstate, "23505") == 0 || strcmp(reply->sqlstate, "23503") == 0) {
		api_error_reply(r, API_ERROR_IMPORT_CONFLICT, NULL);
		return true;
	}
	return false;
}

static void
facts_known(struct request *r, const PGresult *res)
{
	struct import_state *s = r->state;
	const char *stored_hash, *stored;
	struct query q;
	char *rows;

	if (volunteer_import_key_used(res, &stored_hash, &stored)) {
		struct json_object *volunteers;
		if (strcmp(stored_hash, s->body_hash) != 0) {
			reply_key_reused(r);
			return;
		}
		volunteers = json_tokener_parse(stored);
		http_set_header(r, "Idempotent-Replayed", "true");
		reply_report(r, 200, volunteers, true);
		json_object_put(volunteers);
		return;
	}
	volunteer_import_apply_facts(&s->csv, res);
	if (volunteer_csv_bad_lines(&s->csv) > 0) {
		reply_report(r, 422, NULL, false);
		return;
	}
	rows = volunteer_import_rows_json(&s->csv);
	query_start(&q, r, &volunteer_import_statement);
	query_text(&q, 1, rows);
	query_text(&q, 2, s->key);
	query_text(&q, 3, s->body_hash_bytea);
	query_run(&q, imported, import_refused);
	free(rows);
}

static void
read_work(void *arg)
{
	struct import_state *s = arg;
	unsigned char hash[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(hash, (const unsigned char *)s->text, s->len);
	sodium_bin2hex(s->body_hash, sizeof s->body_hash, hash, sizeof hash);
	memcpy(s->body_hash_bytea, "\\x", 2);
	memcpy(s->body_hash_bytea + 2, s->body_hash, sizeof s->body_hash);
	s->header_ok = volunteer_csv_read(&s->csv, s->text, s->len);
}

static void
read_done(void *arg)
{
	struct import_state *s = arg;
	struct request *r = s->r;
	struct volunteer_import_lists lists;
	struct query q;

	if (!s->header_ok) {
		reply_report(r, 422, NULL, false);
		return;
	}
	query_start(&q, r, &volunteer_import_facts_statement);
	volunteer_import_facts_bind(&q, &s->csv, &lists);
	query_text(&q, 5, s->key);
	query_run(&q, facts_known, NULL);
	volunteer_import_lists_free(&lists);
}

void
volunteers_import(struct request *r)
{
	const char *key = http_header(r, "Idempotency-Key"), *body;
	struct import_state *s;
	size_t len;

	if (key != NULL && !idempotency_key_valid(key)) {
		api_reply_field(r, API_ERROR_IDEMPOTENCY_KEY_INVALID, "Idempotency-Key",
		    "1 到 255 个可见 ASCII 字符 (1 to 255 visible ASCII characters)");
		return;
	}
	if (!http_content_type_is(r, "text/csv")) {
		api_error_reply(r, API_ERROR_IMPORT_MEDIA_TYPE, NULL);
		return;
	}
	body = http_body(r, &len);
	if (len > VOLUNTEER_IMPORT_MAX_BYTES) {
		api_error_reply(r, API_ERROR_IMPORT_TOO_LARGE, NULL);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->r = r;
	s->key = key;
	s->text = xmalloc(len + 1);
	memcpy(s->text, body, len + 1);
	s->len = len;
	r->state = s;
	r->state_free = import_state_free;
	if (!offload_run(r->app->offload, read_work, read_done, s))
		api_error_reply(r, API_ERROR_BUSY, NULL);
}
