/* migrate: start-up and command-line only, so it may block. */
#include "migrate.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_blocking.h"
#include "query.h"
#include "xalloc.h"

/* Any fixed number: it names paidan's migration lock among other advisory locks. */
#define MIGRATION_LOCK "4711001"

/* The release before keeps serving while this one migrates (tests/ops/upgrade-drill.sh). A migration
 * that waited for a table's lock while holding others could close a cycle with a request, and
 * PostgreSQL would end it by failing the request (a 503 to a resident). So a migration waits for a
 * lock only briefly (well under deadlock_timeout, 1 s by default, after which the request side would
 * be the one chosen), then lets go of everything and starts the file again: about a minute in all. */
#define MIGRATION_LOCK_TIMEOUT "SET LOCAL lock_timeout = '100ms'"
#define MIGRATION_TRIES 200
#define MIGRATION_PAUSE_MS 200

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_migration_name(const char *name)
{
	size_t n = strlen(name);

	return n > 8 && name[0] >= '0' && name[0] <= '9' && name[1] >= '0' && name[1] <= '9' && name[2] >= '0' &&
	    name[2] <= '9' && name[3] == '_' && strcmp(name + n - 4, ".sql") == 0;
}

/* Sorted migration file names in dir; *count gets how many. Caller frees each and the array. */
static char **
list_migrations(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	*count = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (!is_migration_name(e->d_name))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, compare_names);
	*count = n;
	return names;
}

/* The bookkeeping statements (a migration file itself may hold many statements: exec_file runs it
 * whole with PQexec, which parameters cannot go through). */
static struct db_statement applied_one_statement =
    DB_STATEMENT("migrate_applied_one", "SELECT 1 FROM schema_migrations WHERE version = $1", 1);
static struct db_statement record_statement =
    DB_STATEMENT("migrate_record", "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2);
static struct db_statement migrated_statement =
    DB_STATEMENT("migrate_migrated", "SELECT to_regclass('schema_migrations') IS NOT NULL AS migrated", 0);
static struct db_statement applied_statement = DB_STATEMENT("migrate_applied",
    "SELECT coalesce(array_agg(version ORDER BY version), '{}')::text AS versions FROM schema_migrations", 0);
static struct db_statement none_applied_statement =
    DB_STATEMENT("migrate_none_applied", "SELECT '{}'::text AS versions", 0);

/* Runs a migration file. A lock it could not get in time, or a deadlock, sets *busy (and is not
 * reported while quiet_busy: the file is tried again); any other error is reported. */
static bool
exec_file(PGconn *conn, const char *sql, bool quiet_busy, bool *busy)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType status = PQresultStatus(res);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;

	*busy = !ok && state != NULL && (strcmp(state, "55P03") == 0 || strcmp(state, "40P01") == 0);
	if (!ok && !(*busy && quiet_busy))
		fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

static bool
apply_one(PGconn *conn, const char *dir, const char *name, FILE *out)
{
	char path[1024], version[4] = {name[0], name[1], name[2], '\0'};
	struct query q;
	PGresult *res;
	char *sql;
	bool ok;

	query_start_pool(&q, NULL, &applied_one_statement);
	query_text(&q, 1, version);
	res = db_blocking_run(conn, &q);
	if (res == NULL)
		return false;
	ok = PQntuples(res) > 0;
	PQclear(res);
	if (ok)
		return true;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	sql = read_file(path, NULL);
	if (sql == NULL) {
		fprintf(stderr, "paidan: cannot read %s\n", path);
		return false;
	}
	for (int try = 1;; try++) {
		bool busy = false;

		ok = db_blocking_exec(conn, "BEGIN") && db_blocking_exec(conn, MIGRATION_LOCK_TIMEOUT) &&
		    exec_file(conn, sql, try < MIGRATION_TRIES, &busy);
		if (ok) {
			query_start_pool(&q, NULL, &record_statement);
			query_text(&q, 1, version);
			query_text(&q, 2, name);
			res = db_blocking_run(conn, &q);
			ok = res != NULL;
			PQclear(res);
		}
		ok = ok && db_blocking_exec(conn, "COMMIT");
		if (ok || !busy || try >= MIGRATION_TRIES)
			break;
		db_blocking_exec(conn, "ROLLBACK");
		if (try == 1)
			fprintf(stderr, "paidan: %s waits for tables in use; trying again\n", name);
		nanosleep(&(struct timespec){.tv_nsec = MIGRATION_PAUSE_MS * 1000000L}, NULL);
	}
	if (!ok) {
		fprintf(stderr, "paidan: migration %s failed\n", name);
		db_blocking_exec(conn, "ROLLBACK");
	} else if (out != NULL) {
		fprintf(out, "applied %s\n", name);
	}
	free(sql);
	return ok;
}

bool
migrate_run(const char *conninfo, const char *sql_dir, FILE *out)
{
	PGconn *conn = db_blocking_connect(conninfo);
	char **names;
	size_t count;
	bool ok = true;

	if (conn == NULL)
		return false;
	names = list_migrations(sql_dir, &count);
	if (count == 0) {
		fprintf(stderr, "paidan: no migrations found in %s (set --sql-dir)\n", sql_dir);
		PQfinish(conn);
		free(names);
		return false;
	}
	ok = db_blocking_exec(conn, "SET client_min_messages = warning") &&
	    db_blocking_exec(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")") &&
	    db_blocking_exec(conn,
	        "CREATE TABLE IF NOT EXISTS schema_migrations ("
	        "version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
	for (size_t i = 0; i < count; i++) {
		if (ok)
			ok = apply_one(conn, sql_dir, names[i], out);
		free(names[i]);
	}
	free(names);
	db_blocking_exec(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")");
	PQfinish(conn);
	return ok;
}

/* Whether names[0..count) holds a file of this version. */
static bool
has_version(char **names, size_t count, const char *version)
{
	for (size_t i = 0; i < count; i++)
		if (strncmp(names[i], version, 3) == 0)
			return true;
	return false;
}

int
migrate_check(const char *conninfo, const char *sql_dir, FILE *out)
{
	PGconn *conn = db_blocking_connect(conninfo);
	PGresult *exists, *applied = NULL;
	char **names;
	size_t count;
	int pending = 0;

	if (conn == NULL)
		return -1;
	names = list_migrations(sql_dir, &count);
	if (count == 0) {
		fprintf(stderr, "paidan: no migrations found in %s (set --sql-dir)\n", sql_dir);
		PQfinish(conn);
		free(names);
		return -1;
	}
	exists = db_blocking_run_plain(conn, &migrated_statement);
	if (exists != NULL && query_cell_bool(exists, 0, "migrated"))
		applied = db_blocking_run_plain(conn, &applied_statement);
	else if (exists != NULL) /* never migrated */
		applied = db_blocking_run_plain(conn, &none_applied_statement);
	PQclear(exists);
	if (applied == NULL) {
		for (size_t i = 0; i < count; i++)
			free(names[i]);
		free(names);
		PQfinish(conn);
		return -1;
	}
	{
		const char *list = query_cell_text(applied, 0, "versions"); /* {001,002,...} */
		for (size_t i = 0; i < count; i++) {
			char version[4] = {names[i][0], names[i][1], names[i][2], '\0'};
			if (strstr(list, version) == NULL) {
				fprintf(out, "would apply %s\n", names[i]);
				pending++;
			}
		}
		for (const char *p = list + 1; strlen(p) >= 3; p += 4)
			if (!has_version(names, count, (char[4]){p[0], p[1], p[2], '\0'}))
				fprintf(out, "applied but not in %s: %.3s (a newer release migrated this database)\n",
				    sql_dir, p);
	}
	PQclear(applied);
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	PQfinish(conn);
	return pending;
}
