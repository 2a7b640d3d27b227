/* migrate: applies sql/NNN_*.sql in order under an advisory lock, recorded in schema_migrations. */
#ifndef PAIDAN_MIGRATE_H
#define PAIDAN_MIGRATE_H

#include <stdbool.h>
#include <stdio.h>

/* Applies what is missing, each file in its own transaction; prints each applied
 * version to out (may be NULL). Several processes may call it at once: the
 * advisory lock makes the others wait, then find nothing to do. */
bool migrate_run(const char *conninfo, const char *sql_dir, FILE *out);

/* Applies nothing: prints to out each migration in sql_dir the database has not applied ("would
 * apply NNN_name.sql") and each it has applied that sql_dir lacks (a newer release ran here), under
 * a read-only transaction. Returns how many would apply, or -1 when the database cannot be read. */
int migrate_check(const char *conninfo, const char *sql_dir, FILE *out);

#endif
