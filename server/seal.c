/* seal: stored in PostgreSQL (small, and backed up with what it seals). The type is decided by the
 * content, never by the Content-Type the client claims; the hash is computed by the database. */
#include "seal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "api_error.h"
#include "api_reply.h"
#include "app.h"
#include "auth_user.h"
#include "db.h"
#include "http.h"
#include "query.h"
#include "xalloc.h"

static struct db_statement insert_statement = DB_STATEMENT("seal_insert",
    "WITH img AS (SELECT decode($1, 'hex') AS b)"
    "INSERT INTO certificate_seals (content_type, image, sha256, uploaded_by)"
    "SELECT $2, b, encode(sha256(b), 'hex'), $3::bigint FROM img"
    " RETURNING json_build_object('id', id, 'url', '/seals/' || id, 'content_type', content_type,"
    "                             'sha256', sha256, 'uploaded_at', uploaded_at)::text AS seal",
    3);

static struct db_statement get_statement = DB_STATEMENT("seal_get",
    "SELECT content_type, encode(image, 'hex') AS image_hex FROM certificate_seals WHERE id = $1::bigint", 1);

const char *
seal_image_type(const unsigned char *data, size_t len)
{
	static const unsigned char png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	if (len >= sizeof png && memcmp(data, png, sizeof png) == 0)
		return "image/png";
	if (len >= 4 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff && data[len - 2] == 0xff &&
	    data[len - 1] == 0xd9)
		return "image/jpeg";
	return NULL;
}

static void
upload_authenticated(struct request *r)
{
	size_t len;
	const unsigned char *body = (const unsigned char *)http_body(r, &len);
	const char *type = seal_image_type(body, len);
	char *hex;
	struct query q;

	if (len > SEAL_MAX_BYTES) {
		api_error_reply(r, API_ERROR_SEAL_TOO_LARGE, NULL);
		return;
	}
	if (type == NULL) {
		api_error_reply(r, API_ERROR_SEAL_NOT_AN_IMAGE, NULL);
		return;
	}
	hex = xmalloc(len * 2 + 1);
	sodium_bin2hex(hex, len * 2 + 1, body, len);
	query_start(&q, r, &insert_statement);
	query_text(&q, 1, hex);
	query_text(&q, 2, type);
	query_id(&q, 3, r->user->id);
	query_run_reply(&q, "seal", 201);
	free(hex);
}

void
seal_upload(struct request *r)
{
	upload_authenticated(r);
}

static void
get_done(struct request *r, const PGresult *res)
{
	const char *hex;
	size_t hex_len, len;
	unsigned char *bin;

	if (PQntuples(res) == 0) {
		api_error_reply(r, API_ERROR_NO_SUCH_SEAL, NULL);
		return;
	}
	hex = query_cell(res, 0, "image_hex");
	hex_len = strlen(hex);
	bin = xmalloc(hex_len / 2 + 1);
	if (sodium_hex2bin(bin, hex_len / 2 + 1, hex, hex_len, NULL, &len, NULL) != 0)
		len = 0;
	http_set_header(r, "Cache-Control", "public, max-age=31536000, immutable");
	http_reply_text(r, 200, query_cell(res, 0, "content_type"), (const char *)bin, len);
	free(bin);
}

void
seal_get(struct request *r)
{
	struct query q;

	query_start(&q, r, &get_statement);
	query_text(&q, 1, http_path_param(r, "id"));
	query_run(&q, get_done, NULL);
}
