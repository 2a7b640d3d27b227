/* audit_certificates: the certificates' chain (sql/065_certificate_chain.sql), walked by `paidan
 * audit verify` inside its read-only snapshot. */
#ifndef PAIDAN_AUDIT_CERTIFICATES_H
#define PAIDAN_AUDIT_CERTIFICATES_H

#include <libpq-fe.h>
#include <stdio.h>

/* Recomputes every link from the certificates and asks as they are now and compares it with the
 * stored one and the head; each difference is one "BROKEN: …" line on out (at most max_lines).
 * Returns the number of differences, or -1 when the database could not be read. */
int audit_certificates_verify(PGconn *conn, FILE *out, int max_lines);

#endif
