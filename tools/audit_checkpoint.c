/* audit_checkpoint: a command-line tool, so it may block. The file is text: a header, one line per
 * chain head, then the Ed25519 signature of everything before it.
 *
 *   paidan audit checkpoint v1
 *   made_at 2026-11-30T07:30:00Z
 *   public_key <hex>
 *   order <id> <events> <head hex>
 *   …
 *   signature <hex>
 */
#include "audit_checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "db_blocking.h"
#include "xalloc.h"

#define HEADER "paidan audit checkpoint v1\n"
#define PK_HEX (crypto_sign_PUBLICKEYBYTES * 2 + 1)
#define SK_HEX (crypto_sign_SECRETKEYBYTES * 2 + 1)
#define SIG_HEX (crypto_sign_BYTES * 2 + 1)

struct text {
	char *data;
	size_t len, cap;
};

static void
text_add(struct text *t, const char *s)
{
	size_t n = strlen(s);

	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->data = xrealloc(t->data, t->cap);
	}
	memcpy(t->data + t->len, s, n + 1);
	t->len += n;
}

static bool
write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	bool ok;

	if (fd < 0) {
		fprintf(stderr, "paidan: cannot create %s: %s\n", path, strerror(errno));
		return false;
	}
	ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok)
		fprintf(stderr, "paidan: cannot write %s\n", path);
	return ok;
}

/* Now in UTC: RFC 3339, or compact for file names. */
static void
utc_stamp(char *out, size_t size, bool compact)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	if (compact)
		strftime(out, size, "%Y%m%dT%H%M%SZ", &tm);
	else
		strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads the secret key (hex) into sk; false when missing or malformed. */
static bool
load_secret_key(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	size_t len, bin_len;
	char *hex = read_file(path, &len);
	bool ok;

	if (hex == NULL)
		return false;
	ok = sodium_hex2bin(sk, crypto_sign_SECRETKEYBYTES, hex, len, " \n", &bin_len, NULL) == 0 &&
	    bin_len == crypto_sign_SECRETKEYBYTES;
	sodium_memzero(hex, len);
	free(hex);
	return ok;
}

static bool
make_key(const char *path)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char pk_hex[PK_HEX + 1], sk_hex[SK_HEX + 1], pub_path[4096];
	bool ok;

	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(sk_hex, SK_HEX, sk, sizeof sk);
	sodium_bin2hex(pk_hex, PK_HEX, pk, sizeof pk);
	strcat(sk_hex, "\n");
	strcat(pk_hex, "\n");
	snprintf(pub_path, sizeof pub_path, "%s.pub", path);
	ok = write_file(path, sk_hex, strlen(sk_hex), 0600) && write_file(pub_path, pk_hex, strlen(pk_hex), 0644);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(sk_hex, sizeof sk_hex);
	return ok;
}

/* Retires the current key: FILE.pub → FILE.<time>.pub, FILE removed. */
static bool
retire_key(const char *path)
{
	char pub_path[4096], retired[4096], stamp[32];

	utc_stamp(stamp, sizeof stamp, true);
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
	unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
	char line[256], pk_hex[PK_HEX], sig_hex[SIG_HEX], path[4096], stamp[32];
	struct text t = {0};
	PGconn *conn;
	PGresult *res;
	int rc = 2;

	if (rotate && access(cfg->checkpoint_key_file, F_OK) == 0 && !retire_key(cfg->checkpoint_key_file))
		return 2;
	if (access(cfg->checkpoint_key_file, F_OK) != 0 && !make_key(cfg->checkpoint_key_file))
		return 2;
	if (!load_secret_key(cfg->checkpoint_key_file, sk)) {
		fprintf(stderr, "paidan: cannot read the checkpoint key %s\n", cfg->checkpoint_key_file);
		return 2;
	}
	if ((conn = db_blocking_connect(cfg->database_url)) == NULL)
		goto done;
	res = PQexec(conn, "SELECT id, event_count, encode(last_event_hash, 'hex') FROM orders ORDER BY id");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		goto done;
	}
	text_add(&t, HEADER);
	utc_stamp(stamp, sizeof stamp, false);
	snprintf(line, sizeof line, "made_at %s\n", stamp);
	text_add(&t, line);
	sodium_bin2hex(pk_hex, sizeof pk_hex, sk + crypto_sign_SECRETKEYBYTES - crypto_sign_PUBLICKEYBYTES,
	    crypto_sign_PUBLICKEYBYTES);
	snprintf(line, sizeof line, "public_key %s\n", pk_hex);
	text_add(&t, line);
	for (int i = 0; i < PQntuples(res); i++) {
		snprintf(line, sizeof line, "order %s %s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2));
		text_add(&t, line);
	}
	PQclear(res);
	PQfinish(conn);
	crypto_sign_detached(sig, NULL, (const unsigned char *)t.data, t.len, sk);
	sodium_bin2hex(sig_hex, sizeof sig_hex, sig, sizeof sig);
	snprintf(line, sizeof line, "signature %s\n", sig_hex);
	text_add(&t, line);
	mkdir(cfg->checkpoint_dir, 0755);
	utc_stamp(stamp, sizeof stamp, true);
	snprintf(path, sizeof path, "%s/checkpoint-%s-%d.txt", cfg->checkpoint_dir, stamp, (int)getpid());
	if (write_file(path, t.data, t.len, 0644)) {
		fprintf(out, "%s\n", path);
		rc = 0;
	}
done:
	sodium_memzero(sk, sizeof sk);
	free(t.data);
	return rc;
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

static int
check_heads(PGconn *conn, char *body, FILE *out)
{
	int problems = 0;

	for (char *line = body, *next; line && *line; line = next) {
		char id[24], count[16], head[72];
		const char *values[2] = {id, count};
		PGresult *res;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "order %23s %15s %71s", id, count, head) != 3)
			continue;
		res = db_blocking_query(conn,
		    "SELECT o.work_no, o.event_count, encode(e.hash, 'hex')"
		    "  FROM orders o LEFT JOIN order_events e ON e.order_id = o.id AND e.seq = $2::int"
		    " WHERE o.id = $1::bigint",
		    2, values);
		if (res == NULL)
			return problems + 1;
		if (PQntuples(res) == 0)
			fprintf(
			    out, "BROKEN: order %s was deleted after the checkpoint (it had %s events)\n", id, count),
			    problems++;
		else if (atoi(PQgetvalue(res, 0, 1)) < atoi(count) || PQgetisnull(res, 0, 2))
			fprintf(out, "BROKEN: order %s (%s): its chain was cut: %s events now, %s at the checkpoint\n",
			    id, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), count),
			    problems++;
		else if (strcmp(PQgetvalue(res, 0, 2), head) != 0)
			fprintf(out,
			    "BROKEN: order %s (%s): its chain was rewritten: event %s is not the one the checkpoint "
			    "signed\n",
			    id, PQgetvalue(res, 0, 0), count),
			    problems++;
		PQclear(res);
	}
	return problems;
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
	if (strncmp(text, HEADER, strlen(HEADER)) != 0 || sig_line == NULL || pk_line == NULL ||
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
