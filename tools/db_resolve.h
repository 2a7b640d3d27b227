/* db_resolve: the database's host names resolved once at start-up, before the event loop runs, so the
 * server's non-blocking connections (db.c) never resolve a name on the loop: libpq resolves `host`
 * synchronously inside PQconnectPoll unless `hostaddr` gives the address. */
#ifndef PAIDAN_DB_RESOLVE_H
#define PAIDAN_DB_RESOLVE_H

#include <stddef.h>

/* Returns conninfo (key=value or URI) rewritten as key=value with `hostaddr` set for each `host` given
 * by name — one host entry per address the name has, so libpq still tries each in turn — or a copy
 * of conninfo when it names no host, names only socket directories, or sets hostaddr itself. The
 * caller frees it. NULL, with the reason in cause, when conninfo does not parse or a name does not
 * resolve. Blocks (getaddrinfo): start-up only. */
char *db_resolve_hosts(const char *conninfo, char *cause, size_t cause_size);

/* The same rewrite with a given resolver (for tests): resolve(name, addrs, max) fills up to max
 * numeric addresses (each at most 64 bytes) and returns how many, or -1 with a reason. */
typedef int (*db_resolver)(const char *name, char addrs[][64], int max, char *cause, size_t cause_size);
char *db_resolve_hosts_with(const char *conninfo, db_resolver resolve, char *cause, size_t cause_size);

#endif
