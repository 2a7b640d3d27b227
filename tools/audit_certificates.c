/* audit_certificates: see the header. SHA-256 here (libsodium) and in PostgreSQL (sha256()) over the
 * same bytes: the previous link's hash, then the link's text in UTF-8. */
#include "audit_certificates.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db_blocking.h"
#include "query.h"

static struct db_statement links_statement = DB_STATEMENT("audit_certificates_links",
    "SELECT r.id, r.chain_seq, encode(r.chain_hash, 'hex') AS chain_hash, c.number,"
    "       paidan_certificate_link_text(r.chain_seq, c.id, c.number, c.verify_code, c.volunteer_id, c.total_hours,"
    "                                    c.content, c.seal_id, r.requested_by, r.issued_new, r.requested_at) AS text"
    "  FROM certificate_requests r JOIN certificates c ON c.id = r.certificate_id"
    " ORDER BY r.chain_seq NULLS FIRST, r.id",
    0);

static struct db_statement head_statement = DB_STATEMENT(
    "audit_certificates_head", "SELECT seq, encode(hash, 'hex') AS hash FROM certificate_chain WHERE id = 1", 0);

static struct db_statement unissued_statement = DB_STATEMENT("audit_certificates_unissued",
    "SELECT c.number FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM certificate_requests r"
    " WHERE r.certificate_id = c.id AND r.issued_new) ORDER BY c.id LIMIT 50",
    0);

struct tally {
	FILE *out;
	int max_lines, broken;
};

static void report(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
report(struct tally *t, const char *fmt, ...)
{
	va_list ap;

	if (t->broken++ >= t->max_lines)
		return;
	fputs("BROKEN: certificates' chain: ", t->out);
	va_start(ap, fmt);
	vfprintf(t->out, fmt, ap);
	va_end(ap);
	fputc('\n', t->out);
}

int
audit_certificates_verify(PGconn *conn, FILE *out, int max_lines)
{
	struct tally t = {.out = out, .max_lines = max_lines};
	unsigned char prev[crypto_hash_sha256_BYTES] = {0}, computed[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	long long expected = 1, links = 0;
	PGresult *res = db_blocking_run_plain(conn, &links_statement), *head;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *text = query_cell_text(res, i, "text"), *seq = query_cell(res, i, "chain_seq");
		const char *number = query_cell_text(res, i, "number"), *hash = query_cell_text(res, i, "chain_hash");
		crypto_hash_sha256_state st;
		if (seq == NULL) {
			report(&t, "the ask %s for certificate %s is not in the chain (added outside it)",
			    query_cell_text(res, i, "id"), number);
			continue;
		}
		if (atoll(seq) != expected)
			report(&t, "link %lld is missing or out of order (found %s)", expected, seq);
		expected = atoll(seq) + 1;
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, prev, sizeof prev);
		crypto_hash_sha256_update(&st, (const unsigned char *)text, strlen(text));
		crypto_hash_sha256_final(&st, computed);
		sodium_bin2hex(hex, sizeof hex, computed, sizeof computed);
		if (strcmp(hex, hash) != 0)
			report(&t,
			    "link %s (certificate %s) does not match its hash: the certificate or the ask changed", seq,
			    number);
		/* Go on from what is stored, so one bad link is reported once. */
		sodium_hex2bin(prev, sizeof prev, hash, strlen(hash), NULL, NULL, NULL);
		links++;
	}
	PQclear(res);
	head = db_blocking_run_plain(conn, &head_statement);
	if (head != NULL && PQntuples(head) == 1) {
		sodium_bin2hex(hex, sizeof hex, prev, sizeof prev);
		if (query_cell_id(head, 0, "seq") != expected - 1 ||
		    (links > 0 && strcmp(hex, query_cell_text(head, 0, "hash")) != 0))
			report(&t, "its head (link %s) is not its last link (%lld): links were deleted at the end",
			    query_cell_text(head, 0, "seq"), expected - 1);
	}
	PQclear(head);
	res = db_blocking_run_plain(conn, &unissued_statement);
	for (int i = 0; res != NULL && i < PQntuples(res); i++)
		report(&t, "certificate %s was never issued through the chain", query_cell_text(res, i, "number"));
	PQclear(res);
	if (t.broken == 0)
		fprintf(out, "certificates' chain intact: %lld asks\n", links);
	return t.broken;
}
