/* audit_admin: `paidan audit verify`'s part for the admin chain (sql/057_admin_chain.sql) — every
 * event's SHA-256 link recomputed here, independently of the database's trigger, and what the chain
 * last recorded of each account and each hours correction compared with the tables. */
#ifndef PAIDAN_AUDIT_ADMIN_H
#define PAIDAN_AUDIT_ADMIN_H

#include <libpq-fe.h>
#include <stdio.h>

/* Walks the admin chain on conn (inside the caller's snapshot) and compares it with users and
 * service_records. Prints one BROKEN line per difference, at most max_lines of them; returns how many
 * differences there were (-1 when the database could not be read). *events gets the chain's length. */
int audit_admin_verify(PGconn *conn, FILE *out, int max_lines, long long *events);

#endif
