/* photos: the upload is re-encoded off the loop (photo_jpeg.c on offload's threads), then written
 * with its chain event by one statement guarded by the chain head read just before (like a
 * correction or a sign-in). Images are served to whoever may see the order, and to the resident with
 * their key; the public 晒单 page is showcase.c's. */
#include "photos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "audit.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "offload.h"
#include "photo_jpeg.h"
#include "query.h"
#include "resident_proof.h"
#include "tracking_code.h"
#include "xalloc.h"

#define PHOTOS_PER_ORDER 6

static struct db_statement load_statement = DB_STATEMENT("photo_load",
    "SELECT o.state, o.team_id, o.tracking_code, encode(o.last_event_hash, 'hex') AS head, o.event_count,"
    "       (SELECT count(*) FROM order_photos p WHERE p.order_id = o.id) AS photos"
    "  FROM orders o WHERE o.id = $1::bigint",
    1);

/* $1 order, $2 n, $3 image (hex), $4 width, $5 height, $6 user, $7 role, $8 state, $9 prev, $10 hash,
 * $11 event time (µs), $12 version, $13 payload. */
static struct db_statement insert_statement = DB_STATEMENT("photo_insert",
    "WITH t AS (SELECT timestamptz 'epoch' + $11::bigint * interval '1 microsecond' AS at),"
    "upd AS ("
    "  UPDATE orders o SET last_event_hash = decode($10::text, 'hex'), event_count = o.event_count + 1"
    "   WHERE o.id = $1::bigint AND o.last_event_hash = decode($9::text, 'hex') AND o.state = $8::text"
    "  RETURNING o.id, o.event_count"
    "), ph AS ("
    "  INSERT INTO order_photos (order_id, n, image, width, height, uploaded_by, uploaded_at, event_seq)"
    "  SELECT upd.id, $2::smallint, decode($3::text, 'hex'), $4::int, $5::int, $6::bigint, t.at, upd.event_count"
    "    FROM upd, t"
    "  RETURNING id"
    "), ev AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role, note,"
    "                            at, prev_hash, hash, hash_version, payload)"
    "  SELECT upd.id, upd.event_count, 'photo', $8::text, $8::text, $6::bigint, $7::text, '', t.at,"
    "         decode($9::text, 'hex'), decode($10::text, 'hex'), $12::smallint, $13::text FROM upd, t"
    ")"
    "SELECT (SELECT count(*) FROM ph) AS written",
    13);

static struct db_statement list_statement = DB_STATEMENT("photo_list",
    "SELECT paidan_order_visible(o, $2::text, $3::bigint) AS visible,"
    "       json_build_object('items', paidan_photos_json(o.id, '/api/v1/orders/' || o.id || '/photos/'))::text AS photos"
    "  FROM orders o WHERE o.id = $1::bigint",
    3);

static struct db_statement get_statement = DB_STATEMENT("photo_get",
    "SELECT paidan_order_visible(o, $3::text, $4::bigint) AS visible, encode(p.image, 'hex') AS image"
    "  FROM orders o LEFT JOIN order_photos p ON p.order_id = o.id AND p.n = $2::smallint"
    " WHERE o.id = $1::bigint",
    4);

/* The resident's: by tracking code, and the key's hash ($2) or the 查我的点单 session's ($3). */
static struct db_statement track_list_statement = DB_STATEMENT("photo_track_list",
    "SELECT paidan_resident_may(o, $2::text, $3::text) AS allowed,"
    "       json_build_object('items', paidan_photos_json(o.id, '/api/v1/track/' || o.tracking_code || '/photos/'))::text"
    "         AS photos"
    "  FROM orders o WHERE o.tracking_code = $1::text",
    3);

static struct db_statement track_get_statement = DB_STATEMENT("photo_track_get",
    "SELECT paidan_resident_may(o, $2::text, $3::text) AS allowed, encode(p.image, 'hex') AS image"
    "  FROM orders o LEFT JOIN order_photos p ON p.order_id = o.id AND p.n = $4::smallint"
    " WHERE o.tracking_code = $1::text",
    4);

struct upload {
	struct request *r;
	unsigned char *in, *out;
	size_t in_len, out_len;
	int width, height;
	enum photo_result result;
	char sha256[crypto_hash_sha256_BYTES * 2 + 1];
};

static void
upload_free(void *p)
{
	struct upload *u = p;

	free(u->in);
	free(u->out);
	free(u);
}

/* On a worker thread: touches only the upload. */
static void
reencode_work(void *arg)
{
	struct upload *u = arg;
	unsigned char digest[crypto_hash_sha256_BYTES];

	u->result = photo_reencode(u->in, u->in_len, &u->out, &u->out_len, &u->width, &u->height);
	if (u->result == PHOTO_OK) {
		crypto_hash_sha256(digest, u->out, u->out_len);
		sodium_bin2hex(u->sha256, sizeof u->sha256, digest, sizeof digest);
	}
}

static void
reply_photos(struct request *r, const PGresult *res, int status)
{
	query_reply_cell(r, res, "photos", status);
}

static void
after_insert(struct request *r, const PGresult *res)
{
	reply_photos(r, res, 201);
}

static void
insert_done(struct request *r, const PGresult *res)
{
	struct query q;

	if (strcmp(query_cell(res, 0, "written"), "1") != 0) {
		api_error_reply(r, API_ERROR_STATE_CONFLICT, NULL);
		return;
	}
	/* Read after the write: the statement does not see its own inserts. */
	query_start_scoped(&q, r, &list_statement);
	query_run(&q, after_insert, NULL);
}

static void
load_done(struct request *r, const PGresult *res)
{
	struct upload *u = r->state;
	const char *state;
	char n[24], w[12], h[12], payload[160], *hex;
	struct audit_event event = {0};
	struct audit_link link;
	struct query q;
	long photos;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (query_cell_id(res, 0, "team_id") != r->user->scope_id) {
		api_error_reply(r, API_ERROR_ORDER_OUT_OF_SCOPE, NULL);
		return;
	}
	state = query_cell(res, 0, "state");
	if (strcmp(state, "in_progress") != 0 && strcmp(state, "completed") != 0) {
		api_error_reply_state(r, API_ERROR_STATE_CONFLICT, state);
		return;
	}
	photos = strtol(query_cell(res, 0, "photos"), NULL, 10);
	if (photos >= PHOTOS_PER_ORDER) {
		api_error_reply(r, API_ERROR_PHOTOS_FULL, NULL);
		return;
	}
	snprintf(n, sizeof n, "%ld", photos + 1);
	snprintf(w, sizeof w, "%d", u->width);
	snprintf(h, sizeof h, "%d", u->height);
	snprintf(payload, sizeof payload, "photo=%s;sha256=%s;size=%dx%d", n, u->sha256, u->width, u->height);
	event.tracking_code = query_cell(res, 0, "tracking_code");
	event.action = "photo";
	event.from_state = state;
	event.to_state = state;
	event.actor_user_id = r->user->id;
	event.actor_role = user_role_name(r->user->role);
	event.note = "";
	event.payload = payload;
	if (!audit_next(&event, query_cell(res, 0, "head"), atoi(query_cell(res, 0, "event_count")), &link)) {
		api_error_reply(r, API_ERROR_INTERNAL, NULL);
		return;
	}
	hex = http_alloc(r, u->out_len * 2 + 1);
	sodium_bin2hex(hex, u->out_len * 2 + 1, u->out, u->out_len);
	query_start(&q, r, &insert_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_text(&q, 2, n);
	query_text(&q, 3, hex);
	query_text(&q, 4, w);
	query_text(&q, 5, h);
	query_id(&q, 6, r->user->id);
	query_text(&q, 7, event.actor_role);
	query_text(&q, 8, state);
	query_text(&q, 9, link.prev_hex);
	query_text(&q, 10, link.hash_hex);
	query_text(&q, 11, link.at_us);
	query_text(&q, 12, link.version);
	query_text(&q, 13, payload);
	query_run(&q, insert_done, NULL);
}

/* Back on the loop. */
static void
reencode_done(void *arg)
{
	struct upload *u = arg;
	struct request *r = u->r;
	struct query q;

	switch (u->result) {
	case PHOTO_OK: break;
	case PHOTO_NOT_JPEG: api_error_reply(r, API_ERROR_PHOTO_NOT_JPEG, NULL); return;
	case PHOTO_TOO_BIG:
		api_reply_field(r, API_ERROR_PHOTO_REFUSED, "photo", photo_result_message(u->result));
		return;
	case PHOTO_FAILED: api_error_reply(r, API_ERROR_INTERNAL, NULL); return;
	}
	query_start(&q, r, &load_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_run(&q, load_done, NULL);
}

void
photos_upload(struct request *r)
{
	size_t len;
	const unsigned char *body = (const unsigned char *)http_body(r, &len);
	struct upload *u;

	if (len > PHOTO_MAX_BYTES) {
		api_error_reply(r, API_ERROR_PHOTO_TOO_LARGE, NULL);
		return;
	}
	/* Judged by the content before any work: a JPEG starts with SOI and a marker. */
	if (len < 4 || body[0] != 0xff || body[1] != 0xd8 || body[2] != 0xff) {
		api_error_reply(r, API_ERROR_PHOTO_NOT_JPEG, NULL);
		return;
	}
	u = http_state_new(r, sizeof *u, upload_free);
	u->r = r;
	u->in = xmalloc(len);
	memcpy(u->in, body, len);
	u->in_len = len;
	if (!offload_run(r->app->offload, reencode_work, reencode_done, u))
		api_error_reply(r, API_ERROR_BUSY, NULL); /* the workers' queue is full */
}

static void
list_done(struct request *r, const PGresult *res)
{
	if (!query_row_visible(r, res, API_ERROR_NO_SUCH_ORDER, API_ERROR_ORDER_OUT_OF_SCOPE))
		return;
	reply_photos(r, res, 200);
}

void
photos_list(struct request *r)
{
	struct query q;

	query_start_scoped(&q, r, &list_statement);
	query_run(&q, list_done, NULL);
}

void
photos_reply_jpeg(struct request *r, const char *hex, const char *cache_control)
{
	size_t hex_len, len = 0;
	unsigned char *bin;

	if (hex == NULL) {
		api_error_reply(r, API_ERROR_NO_SUCH_PHOTO, NULL);
		return;
	}
	hex_len = strlen(hex);
	bin = http_alloc(r, hex_len / 2 + 1);
	if (sodium_hex2bin(bin, hex_len / 2 + 1, hex, hex_len, NULL, &len, NULL) != 0)
		len = 0;
	http_set_header(r, "Cache-Control", cache_control);
	http_set_header(r, "X-Content-Type-Options", "nosniff");
	http_reply_text(r, 200, "image/jpeg", (const char *)bin, len);
}

/* The image of row 0 ("image", hex); 404 when there is none. */
static void
reply_image(struct request *r, const PGresult *res)
{
	photos_reply_jpeg(r, query_cell(res, 0, "image"), "private, max-age=86400");
}

static void
get_done(struct request *r, const PGresult *res)
{
	if (!query_row_visible(r, res, API_ERROR_NO_SUCH_ORDER, API_ERROR_ORDER_OUT_OF_SCOPE))
		return;
	reply_image(r, res);
}

/* {n}: 1..6, else 404. */
static const char *
photo_number(struct request *r)
{
	const char *n = http_path_param(r, "n");

	if (n == NULL || strlen(n) != 1 || n[0] < '1' || n[0] > '0' + PHOTOS_PER_ORDER) {
		api_error_reply(r, API_ERROR_NO_SUCH_PHOTO, NULL);
		return NULL;
	}
	return n;
}

void
photos_get(struct request *r)
{
	struct query q;
	const char *n = photo_number(r);

	if (n == NULL)
		return;
	query_start(&q, r, &get_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_text(&q, 2, n);
	query_text(&q, 3, user_role_name(r->user->role));
	query_id(&q, 4, r->user->scope_id);
	query_run(&q, get_done, NULL);
}

/* The tracking code and what the resident shows (key or phone session); false when it replied. */
static bool
resident(struct request *r, char code[TRACKING_CODE_LEN + 1], struct resident_proof *proof)
{
	if (!tracking_code_normalize(route_param(&r->match, "code"), code)) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return false;
	}
	if (!resident_proof_read(r, proof)) {
		api_reply_field(r, API_ERROR_FIELDS_INVALID, "resident_key",
		    "请用下单后得到的链接打开，或在“查我的点单”用下单电话登录 (the resident key is missing; or sign in "
		    "to 查我的点单)");
		return false;
	}
	return true;
}

static void
track_done(struct request *r, const PGresult *res, bool image)
{
	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_ORDER, NULL);
		return;
	}
	if (!query_cell_bool(res, 0, "allowed")) {
		api_error_reply(r, API_ERROR_RESIDENT_KEY_WRONG, NULL);
		return;
	}
	if (image)
		reply_image(r, res);
	else
		reply_photos(r, res, 200);
}

static void
track_list_done(struct request *r, const PGresult *res)
{
	track_done(r, res, false);
}

static void
track_get_done(struct request *r, const PGresult *res)
{
	track_done(r, res, true);
}

void
photos_track_list(struct request *r)
{
	char code[TRACKING_CODE_LEN + 1];
	struct resident_proof proof;
	struct query q;

	if (!resident(r, code, &proof))
		return;
	query_start(&q, r, &track_list_statement);
	query_text(&q, 1, code);
	query_text(&q, 2, resident_proof_key(&proof));
	query_text(&q, 3, resident_proof_session(&proof));
	query_run(&q, track_list_done, NULL);
}

void
photos_track_get(struct request *r)
{
	char code[TRACKING_CODE_LEN + 1];
	struct resident_proof proof;
	struct query q;
	const char *n;

	if (!resident(r, code, &proof) || (n = photo_number(r)) == NULL)
		return;
	query_start(&q, r, &track_get_statement);
	query_text(&q, 1, code);
	query_text(&q, 2, resident_proof_key(&proof));
	query_text(&q, 3, resident_proof_session(&proof));
	query_text(&q, 4, n);
	query_run(&q, track_get_done, NULL);
}
