/* user_add: a command-line tool, so it may block (argon2id, libpq). */
#include "user_add.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db_blocking.h"
#include "passwords.h"
#include "query.h"
#include "validate.h"

static const char *scope_flags[] = {"--community-id", "--department-id", "--team-id", "--volunteer-id"};
static const char *roles_with_scope[] = {"community", "department", "team", "volunteer"};

/* $1 username, $2 password hash, $3 display name, $4 role, $5–$8 community, department, team and
 * volunteer ids (NULL but the role's). */
static struct db_statement create_statement =
    DB_STATEMENT("user_add", "SELECT (paidan_user_create($1, $2, $3, $4, $5, $6, $7, $8)).id", 8);

static void
usage(FILE *out)
{
	fputs("usage: paidan user add --role ROLE --username NAME [--display-name TEXT]\n"
	      "                       [--community-id N | --department-id N | --team-id N | --volunteer-id N]\n"
	      "                       [--database-url URL]\n"
	      "ROLE is admin, community, department, team or volunteer; the matching id is required.\n"
	      "The password (8 to 128 characters) is read from standard input.\n",
	    out);
}

int
user_add_main(int argc, char **argv)
{
	const char *role = NULL, *username = NULL, *display = NULL, *scope[4] = {0};
	char *rest[8], password[PASSWORD_MAX_LEN + 2], hash[PASSWORD_HASH_MAX];
	int nrest = 0;
	struct config cfg;
	const char *cause;
	PGconn *conn;
	PGresult *res;
	struct query q;
	size_t len;
	int64_t id;

	/* Every option takes a value: the words come in pairs. */
	for (int i = 0; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int matched = 0;
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		if (strcmp(a, "--role") == 0)
			role = v, matched = 1;
		else if (strcmp(a, "--username") == 0)
			username = v, matched = 1;
		else if (strcmp(a, "--display-name") == 0)
			display = v, matched = 1;
		for (int s = 0; s < 4; s++)
			if (strcmp(a, scope_flags[s]) == 0)
				scope[s] = v, matched = 1;
		if (!matched) {
			if (nrest + 2 > (int)(sizeof rest / sizeof rest[0])) {
				usage(stderr);
				return 2;
			}
			rest[nrest++] = argv[i];
			rest[nrest++] = argv[i + 1];
		}
	}
	if (config_load(&cfg, nrest, rest, 0, &cause) < 0) {
		fprintf(stderr, "paidan: %s\n", cause);
		return 2;
	}
	if (role == NULL || username == NULL) {
		usage(stderr);
		return 2;
	}
	for (int s = 0; s < 4; s++) {
		bool needed = strcmp(role, roles_with_scope[s]) == 0;
		if (needed != (scope[s] != NULL) || (scope[s] != NULL && !parse_id(scope[s], &id))) {
			fprintf(stderr, "paidan: role %s %s %s with a positive id\n", role,
			    needed ? "needs" : "does not take", scope_flags[s]);
			return 2;
		}
	}
	if (strcmp(role, "admin") != 0 && scope[0] == NULL && scope[1] == NULL && scope[2] == NULL &&
	    scope[3] == NULL) {
		fprintf(stderr, "paidan: unknown role \"%s\"\n", role);
		return 2;
	}
	if (fgets(password, sizeof password, stdin) == NULL) {
		fprintf(stderr, "paidan: no password on standard input\n");
		return 2;
	}
	len = strcspn(password, "\r\n");
	password[len] = '\0';
	if (len < PASSWORD_MIN_LEN || len > PASSWORD_MAX_LEN) {
		fprintf(
		    stderr, "paidan: the password must have %d to %d characters\n", PASSWORD_MIN_LEN, PASSWORD_MAX_LEN);
		return 2;
	}
	if (!password_hash(password, hash)) {
		fprintf(stderr, "paidan: out of memory hashing the password\n");
		return 1;
	}
	sodium_memzero(password, sizeof password);
	conn = db_blocking_connect(cfg.database_url);
	if (conn == NULL)
		return 1;
	query_start_pool(&q, NULL, &create_statement);
	query_text(&q, 1, username);
	query_text(&q, 2, hash);
	query_text(&q, 3, display ? display : username);
	query_text(&q, 4, role);
	for (int i = 0; i < 4; i++)
		query_text(&q, 5 + i, scope[i]);
	res = db_blocking_run(conn, &q);
	if (res == NULL) {
		PQfinish(conn);
		return 1;
	}
	printf("created user %s (id %s, role %s)\n", username, query_cell(res, 0, "id"), role);
	PQclear(res);
	PQfinish(conn);
	return 0;
}
