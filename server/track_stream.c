/* track_stream: the token is 32 random bytes; only its BLAKE2b hash is stored, with the order and an
 * expiry. The key is checked by the database against the order's stored key hash. */
#include "track_stream.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "db.h"
#include "events.h"
#include "http.h"
#include "query.h"
#include "resident_key.h"
#include "router.h"
#include "session.h"
#include "tracking_code.h"
#include "validate.h"

#define TOKEN_BYTES 32
#define TOKEN_TEXT sodium_base64_ENCODED_LEN(TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)
#define TOKEN_TTL_S 120 /* to open a stream; the page asks for one right before it connects */
#define STREAM_S 3600 /* a stream's life; the page then asks for a new token */

/* A token for the order whose code and key match; expired tokens are swept on the way. */
static struct db_statement token_statement = DB_STATEMENT("track_stream_token",
    "WITH o AS (SELECT id, resident_key_hash = decode($2::text, 'hex') AS key_ok FROM orders"
    "            WHERE tracking_code = $1::text),"
    " swept AS (DELETE FROM resident_stream_tokens WHERE expires_at < now()),"
    " made AS (INSERT INTO resident_stream_tokens (token_hash, order_id, expires_at)"
    "          SELECT decode($3::text, 'hex'), o.id, now() + $4::int * interval '1 second' FROM o WHERE o.key_ok"
    "          RETURNING expires_at)"
    "SELECT EXISTS (SELECT 1 FROM o) AS found,"
    "       (SELECT json_build_object('token', $5::text, 'expires_at', m.expires_at) FROM made m)::text AS body",
    5);

/* The order a live token opens, and what the client missed since Last-Event-ID ($3): the events
 * after it, and those of the two seconds before it (ids are handed out before commit). */
static struct db_statement open_statement = DB_STATEMENT("track_stream_open",
    "SELECT t.order_id, extract(epoch FROM now())::bigint AS now,"
    "       COALESCE((SELECT json_agg(x ORDER BY x.event_id) FROM ("
    "         SELECT e.id AS event_id, e.order_id, e.action, e.from_state AS \"from\", e.to_state AS state, e.at"
    "           FROM order_events e"
    "          WHERE e.order_id = t.order_id AND $3::bigint IS NOT NULL AND e.id <> $3::bigint"
    "            AND (e.id > $3::bigint OR e.at >= (SELECT p.at - interval '2 seconds'"
    "                                                FROM order_events p WHERE p.id = $3::bigint))"
    "          ORDER BY e.id LIMIT 1000) x), '[]'::json)::text AS missed"
    "  FROM resident_stream_tokens t JOIN orders o ON o.id = t.order_id"
    " WHERE t.token_hash = decode($1::text, 'hex') AND o.tracking_code = $2::text AND t.expires_at > now()",
    3);

static void
token_rows(struct request *r, const PGresult *res)
{
	const char *body = query_cell(res, 0, "body");

	if (!query_cell_bool(res, 0, "found")) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	if (body == NULL) {
		api_error_reply(r, API_ERROR_RESIDENT_KEY_WRONG, NULL);
		return;
	}
	http_set_header(r, "Cache-Control", "no-store");
	http_reply_json_text(r, 201, body, strlen(body));
}

void
track_stream_token(struct request *r)
{
	char code[TRACKING_CODE_LEN + 1], key_hash[RESIDENT_KEY_HASH_HEX], token[TOKEN_TEXT];
	char token_hash[SESSION_TOKEN_HASH_HEX];
	unsigned char raw[TOKEN_BYTES];
	struct field_errors errors;
	struct json_object *body;
	enum input_kind kind;
	const char *key = NULL;
	size_t len = 0;
	struct query q;

	if (!tracking_code_normalize(route_param(&r->match, "code"), code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	body = http_parse_body(r, false, &kind);
	if (body == NULL)
		return;
	field_errors_init(&errors);
	if (validate_text(&errors, body, "resident_key", 1, 64, TEXT_SINGLE_LINE, &key, &len) &&
	    !resident_key_valid(key, len))
		field_errors_add(&errors, "resident_key", "办理密钥不对，请用点单后得到的链接 (not a resident key)");
	if (api_reply_if_field_errors(r, &errors)) {
		json_object_put(body);
		return;
	}
	{
		char k[RESIDENT_KEY_LEN + 1];
		snprintf(k, sizeof k, "%.*s", (int)len, key);
		resident_key_hash_hex(k, key_hash);
		sodium_memzero(k, sizeof k);
	}
	json_object_put(body);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, sizeof token, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	session_token_hash(token, token_hash);
	query_start(&q, r, &token_statement);
	query_text(&q, 1, code);
	query_text(&q, 2, key_hash);
	query_text(&q, 3, token_hash);
	query_int(&q, 4, TOKEN_TTL_S);
	query_text(&q, 5, token);
	query_run(&q, token_rows, NULL);
}

static void
open_rows(struct request *r, const PGresult *res)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_STREAM_TOKEN_INVALID, NULL);
		return;
	}
	events_stream_order(r, query_cell_id(res, 0, "order_id"), query_cell_id(res, 0, "now") + STREAM_S,
	    query_cell(res, 0, "missed"));
}

void
track_events(struct request *r)
{
	char code[TRACKING_CODE_LEN + 1], token_hash[SESSION_TOKEN_HASH_HEX];
	const char *auth = http_header(r, "Authorization");
	const char *last = http_header(r, "Last-Event-ID");
	int64_t last_id = 0;
	struct query q;

	if (!tracking_code_normalize(route_param(&r->match, "code"), code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_TRACKING_CODE, NULL);
		return;
	}
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != TOKEN_TEXT - 1) {
		api_error_reply(r, API_ERROR_STREAM_TOKEN_INVALID, NULL);
		return;
	}
	if (last != NULL && *last && !parse_id(last, &last_id)) {
		struct json_object *fields = json_object_new_object();
		json_object_object_add(
		    fields, "Last-Event-ID", json_object_new_string("应为正整数 (a positive number)"));
		api_error_reply(r, API_ERROR_LAST_EVENT_ID_INVALID, fields);
		return;
	}
	if (!events_room()) {
		http_set_header(r, "Retry-After", "5");
		api_error_reply(r, API_ERROR_TOO_MANY_STREAMS, NULL);
		return;
	}
	session_token_hash(auth + 7, token_hash);
	query_start(&q, r, &open_statement);
	query_text(&q, 1, token_hash);
	query_text(&q, 2, code);
	if (last_id > 0)
		query_id(&q, 3, last_id);
	query_run(&q, open_rows, NULL);
}
