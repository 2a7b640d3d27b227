/* audit_checkpoint: a command-line tool, so it may block. The file's format and its signing are
 * server/checkpoint.c's (the server writes the same file once a day by itself). */
#include "audit_checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "checkpoint.h"
#include "config.h"
#include "db_blocking.h"
#include "query.h"
#include "text.h"
#include "xalloc.h"

#define PK_HEX (crypto_sign_PUBLICKEYBYTES * 2 + 1)

static struct db_statement heads_statement = DB_STATEMENT("audit_checkpoint_heads", CHECKPOINT_HEADS_SQL, 0);

/* Retires the current key: FILE.pub → FILE.<time>.pub, FILE removed. */
static bool
retire_key(const char *path)
{
	char pub_path[4096], retired[4096], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(pub_path, sizeof pub_path, "%s.pub", path);
	snprintf(retired, sizeof retired, "%s.%s.pub", path, stamp);
	if (rename(pub_path, retired) != 0 || unlink(path) != 0) {
		fprintf(stderr, "paidan: cannot retire the checkpoint key %s: %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

int
audit_checkpoint_run(const struct config *cfg, bool rotate, FILE *out)
{
	char path[4096];
	const char *why = NULL;
	PGconn *conn;
	PGresult *res;
	bool ok;

	if (rotate && access(cfg->checkpoint_key_file, F_OK) == 0 && !retire_key(cfg->checkpoint_key_file))
		return 2;
	if ((conn = db_blocking_connect(cfg->database_url)) == NULL)
		return 2;
	res = db_blocking_run_plain(conn, &heads_statement);
	PQfinish(conn);
	if (res == NULL)
		return 2;
	ok = checkpoint_write(
	    cfg->checkpoint_key_file, cfg->checkpoint_dir, query_cell_text(res, 0, "heads"), path, sizeof path, &why);
	PQclear(res);
	if (!ok) {
		fprintf(stderr, "paidan: cannot write a checkpoint (key %s, directory %s): %s\n",
		    cfg->checkpoint_key_file, cfg->checkpoint_dir, why);
		return 2;
	}
	fprintf(out, "%s\n", path);
	return 0;
}

/* True when pk_hex is the content of FILE.pub or of a retired FILE.*.pub. */
static bool
key_trusted(const char *key_file, const char *pk_hex)
{
	char *copy_dir = xstrdup(key_file), *copy_base = xstrdup(key_file);
	const char *dir = dirname(copy_dir), *base = basename(copy_base);
	size_t base_len = strlen(base);
	DIR *d = opendir(dir);
	struct dirent *e;
	bool trusted = false;

	while (d != NULL && !trusted && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), len;
		char path[4096], *text;
		if (n < base_len + 4 || strncmp(e->d_name, base, base_len) != 0 || e->d_name[base_len] != '.' ||
		    strcmp(e->d_name + n - 4, ".pub") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if ((text = read_file(path, &len)) == NULL)
			continue;
		trusted = len >= PK_HEX - 1 && strncmp(text, pk_hex, PK_HEX - 1) == 0;
		free(text);
	}
	if (d != NULL)
		closedir(d);
	free(copy_dir);
	free(copy_base);
	return trusted;
}

/* Every order head of the checkpoint against the database in one statement: the checkpoint's lines
 * go in as three arrays, and only the orders that differ come back. */
static struct db_statement orders_statement = DB_STATEMENT("audit_checkpoint_orders",
    "SELECT c.id, c.n, o.work_no, o.event_count, o.id IS NULL AS deleted, e.hash IS NULL AS cut"
    "  FROM unnest($1::bigint[], $2::int[], $3::text[]) AS c (id, n, head)"
    "  LEFT JOIN orders o ON o.id = c.id"
    "  LEFT JOIN order_events e ON e.order_id = c.id AND e.seq = c.n"
    " WHERE o.id IS NULL OR e.hash IS NULL OR o.event_count < c.n OR encode(e.hash, 'hex') <> c.head"
    " ORDER BY c.id",
    3);

static struct db_statement admin_statement = DB_STATEMENT("audit_checkpoint_admin",
    "SELECT (SELECT max(seq) FROM admin_events) AS events, encode(hash, 'hex') AS hash FROM admin_events"
    " WHERE seq = $1::bigint"
    " UNION ALL SELECT (SELECT max(seq) FROM admin_events), NULL"
    " WHERE NOT EXISTS (SELECT 1 FROM admin_events WHERE seq = $1::bigint)",
    1);

static int
check_orders(PGconn *conn, struct evbuffer *ids, struct evbuffer *counts, struct evbuffer *heads, FILE *out)
{
	char *id_list = text_take(ids, NULL), *count_list = text_take(counts, NULL),
	     *head_list = text_take(heads, NULL);
	struct query q;
	PGresult *res;
	int problems = 0;

	id_list[0] = count_list[0] = head_list[0] = '{';
	query_start_pool(&q, NULL, &orders_statement);
	query_text(&q, 1, id_list);
	query_text(&q, 2, count_list);
	query_text(&q, 3, head_list);
	res = db_blocking_run(conn, &q);
	free(id_list);
	free(count_list);
	free(head_list);
	if (res == NULL)
		return 1;
	for (int i = 0; i < PQntuples(res); i++, problems++) {
		const char *id = query_cell_text(res, i, "id"), *count = query_cell_text(res, i, "n");
		const char *work_no = query_cell_text(res, i, "work_no"), *now = query_cell_text(res, i, "event_count");
		if (query_cell_bool(res, i, "deleted"))
			fprintf(
			    out, "BROKEN: order %s was deleted after the checkpoint (it had %s events)\n", id, count);
		else if (atoi(now) < atoi(count) || query_cell_bool(res, i, "cut"))
			fprintf(out, "BROKEN: order %s (%s): its chain was cut: %s events now, %s at the checkpoint\n",
			    id, work_no, now, count);
		else
			fprintf(out,
			    "BROKEN: order %s (%s): its chain was rewritten: event %s is not the one the checkpoint signed\n",
			    id, work_no, count);
	}
	PQclear(res);
	return problems;
}

static int
check_admin(PGconn *conn, const char *count, const char *head, FILE *out)
{
	struct query q;
	PGresult *res;
	int problems = 0;

	query_start_pool(&q, NULL, &admin_statement);
	query_text(&q, 1, count);
	if ((res = db_blocking_run(conn, &q)) == NULL)
		return 1;
	if (query_cell_null(res, 0, "hash"))
		fprintf(out, "BROKEN: the admin chain was cut: %s events now, %s at the checkpoint\n",
		    query_cell_null(res, 0, "events") ? "0" : query_cell_text(res, 0, "events"), count),
		    problems++;
	else if (strcmp(query_cell_text(res, 0, "hash"), head) != 0)
		fprintf(out, "BROKEN: the admin chain was rewritten: event %s is not the one the checkpoint signed\n",
		    count),
		    problems++;
	PQclear(res);
	return problems;
}

static int
check_heads(PGconn *conn, char *body, FILE *out)
{
	struct evbuffer *ids = evbuffer_new(), *counts = evbuffer_new(), *heads = evbuffer_new();
	int problems = 0;

	/* Each array starts with a ',' that check_orders turns into '{'. */
	evbuffer_add(ids, ",", 1);
	evbuffer_add(counts, ",", 1);
	evbuffer_add(heads, ",", 1);
	for (char *line = body, *next; line && *line; line = next) {
		char id[24], count[24], head[72];
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "order %23[0-9] %23[0-9] %71[0-9a-f]", id, count, head) == 3) {
			evbuffer_add_printf(ids, "%s%s", evbuffer_get_length(ids) > 1 ? "," : "", id);
			evbuffer_add_printf(counts, "%s%s", evbuffer_get_length(counts) > 1 ? "," : "", count);
			evbuffer_add_printf(heads, "%s%s", evbuffer_get_length(heads) > 1 ? "," : "", head);
		} else if (sscanf(line, "admin %23[0-9] %71[0-9a-f]", count, head) == 2) {
			problems += check_admin(conn, count, head, out);
		}
	}
	evbuffer_add(ids, "}", 1);
	evbuffer_add(counts, "}", 1);
	evbuffer_add(heads, "}", 1);
	return problems + check_orders(conn, ids, counts, heads, out);
}

int
audit_checkpoint_check(const struct config *cfg, const char *path, FILE *out)
{
	size_t len, signed_len;
	char *text = read_file(path, &len), *sig_line, *pk_line, pk_hex[PK_HEX];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
	PGconn *conn;
	int problems;

	if (text == NULL) {
		fprintf(stderr, "paidan: cannot read the checkpoint %s\n", path);
		return -1;
	}
	sig_line = strstr(text, "\nsignature ");
	pk_line = strstr(text, "\npublic_key ");
	if (strncmp(text, CHECKPOINT_HEADER, strlen(CHECKPOINT_HEADER)) != 0 || sig_line == NULL || pk_line == NULL ||
	    sscanf(pk_line, "\npublic_key %64s", pk_hex) != 1 ||
	    sodium_hex2bin(pk, sizeof pk, pk_hex, strlen(pk_hex), NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(
	        sig, sizeof sig, sig_line + strlen("\nsignature "), 2 * crypto_sign_BYTES, NULL, NULL, NULL) != 0) {
		fprintf(out, "BROKEN: %s is not a checkpoint\n", path);
		free(text);
		return -1;
	}
	signed_len = (size_t)(sig_line - text) + 1;
	if (!key_trusted(cfg->checkpoint_key_file, pk_hex)) {
		fprintf(out, "BROKEN: %s is signed by a key that is not ours (%s.pub or a retired one)\n", path,
		    cfg->checkpoint_key_file);
		free(text);
		return -1;
	}
	if (crypto_sign_verify_detached(sig, (const unsigned char *)text, signed_len, pk) != 0) {
		fprintf(out, "BROKEN: %s: its signature does not match its content (the file was changed)\n", path);
		free(text);
		return -1;
	}
	text[signed_len] = '\0';
	if ((conn = db_blocking_connect(cfg->database_url)) == NULL) {
		free(text);
		return -1;
	}
	problems = check_heads(conn, text, out);
	PQfinish(conn);
	free(text);
	return problems;
}
