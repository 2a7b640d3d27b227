/* audit_certificates: see the header. SHA-256 here (libsodium) and in PostgreSQL (sha256()) over the
 * same bytes: the previous link's hash, then the link's text in UTF-8. */
#include "audit_certificates.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const char links_query[] =
    "SELECT r.id, r.chain_seq, encode(r.chain_hash, 'hex'), c.number,"
    "       paidan_certificate_link_text(r.chain_seq, c.id, c.number, c.verify_code, c.volunteer_id, c.total_hours,"
    "                                    c.content, c.seal_id, r.requested_by, r.issued_new, r.requested_at)"
    "  FROM certificate_requests r JOIN certificates c ON c.id = r.certificate_id"
    " ORDER BY r.chain_seq NULLS FIRST, r.id";

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
	PGresult *res = PQexec(conn, links_query), *head;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		const char *text = PQgetvalue(res, i, 4);
		crypto_hash_sha256_state st;
		if (PQgetisnull(res, i, 1)) {
			report(&t, "the ask %s for certificate %s is not in the chain (added outside it)",
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 3));
			continue;
		}
		if (atoll(PQgetvalue(res, i, 1)) != expected)
			report(&t, "link %lld is missing or out of order (found %s)", expected, PQgetvalue(res, i, 1));
		expected = atoll(PQgetvalue(res, i, 1)) + 1;
		crypto_hash_sha256_init(&st);
		crypto_hash_sha256_update(&st, prev, sizeof prev);
		crypto_hash_sha256_update(&st, (const unsigned char *)text, strlen(text));
		crypto_hash_sha256_final(&st, computed);
		sodium_bin2hex(hex, sizeof hex, computed, sizeof computed);
		if (strcmp(hex, PQgetvalue(res, i, 2)) != 0)
			report(&t,
			    "link %s (certificate %s) does not match its hash: the certificate or the ask changed",
			    PQgetvalue(res, i, 1), PQgetvalue(res, i, 3));
		/* Go on from what is stored, so one bad link is reported once. */
		sodium_hex2bin(
		    prev, sizeof prev, PQgetvalue(res, i, 2), strlen(PQgetvalue(res, i, 2)), NULL, NULL, NULL);
		links++;
	}
	PQclear(res);
	head = PQexec(conn, "SELECT seq, encode(hash, 'hex') FROM certificate_chain WHERE id = 1");
	if (PQresultStatus(head) == PGRES_TUPLES_OK && PQntuples(head) == 1) {
		sodium_bin2hex(hex, sizeof hex, prev, sizeof prev);
		if (atoll(PQgetvalue(head, 0, 0)) != expected - 1 ||
		    (links > 0 && strcmp(hex, PQgetvalue(head, 0, 1)) != 0))
			report(&t, "its head (link %s) is not its last link (%lld): links were deleted at the end",
			    PQgetvalue(head, 0, 0), expected - 1);
	}
	PQclear(head);
	res = PQexec(conn,
	    "SELECT c.number FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM certificate_requests r"
	    " WHERE r.certificate_id = c.id AND r.issued_new) ORDER BY c.id LIMIT 50");
	for (int i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
		report(&t, "certificate %s was never issued through the chain", PQgetvalue(res, i, 0));
	PQclear(res);
	if (t.broken == 0)
		fprintf(out, "certificates' chain intact: %lld asks\n", links);
	return t.broken;
}
