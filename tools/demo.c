/* demo: a command-line tool, so it may block. Account scopes are looked up by the demo's names. */
#include "demo.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db_blocking.h"
#include "passwords.h"
#include "query.h"

struct demo_account {
	const char *username;
	const char *display_name;
	const char *role;
	const char *what;
};

static const struct demo_account accounts[] = {
    {"demo-admin", "县科协管理员（示例）", "admin", "county admin: everything, dashboards, registry"},
    {"demo-community", "历市镇样例社区工作人员（示例）", "community", "community worker: dispatch, reject, confirm"},
    {"demo-department", "县科协工作人员（示例）", "department", "department staff: claim, return, offer"},
    {"demo-team", "县科协科普志愿服务队队长（示例）", "team", "team lead: accept, start, complete"},
    {"demo-volunteer", "志愿者 DN-V-0001（示例）", "volunteer", "volunteer: own jobs, hours, certificate"},
};

static struct db_statement upsert_account = DB_STATEMENT("demo_upsert_account",
    "SELECT (paidan_user_create($1, $2, $3, $4,"
    "  CASE WHEN $4 = 'community' THEN (SELECT c.id FROM communities c JOIN towns t ON t.id = c.town_id"
    "       WHERE t.name = '历市镇' ORDER BY c.sort_order, c.id LIMIT 1) END,"
    "  CASE WHEN $4 = 'department' THEN (SELECT id FROM departments WHERE name = '县科协') END,"
    "  CASE WHEN $4 = 'team' THEN (SELECT min(t.id) FROM teams t JOIN departments d ON d.id = t.department_id"
    "       WHERE d.name = '县科协') END,"
    "  CASE WHEN $4 = 'volunteer' THEN (SELECT id FROM volunteers WHERE volunteer_no = 'DN-V-0001') END,"
    "  true)).id",
    4);

bool
demo_load(const struct config *cfg, FILE *out)
{
	char path[1024], hash[PASSWORD_HASH_MAX];
	PGconn *conn;
	char *sql;
	bool ok;

	if (strlen(cfg->demo_password) < PASSWORD_MIN_LEN) {
		fprintf(stderr, "paidan: PAIDAN_DEMO_PASSWORD must have at least %d characters\n", PASSWORD_MIN_LEN);
		return false;
	}
	snprintf(path, sizeof path, "%s/demo/demo.sql", cfg->sql_dir);
	sql = read_file(path, NULL);
	if (sql == NULL) {
		fprintf(stderr, "paidan: cannot read %s (set --sql-dir)\n", path);
		return false;
	}
	conn = db_blocking_connect(cfg->database_url);
	if (conn == NULL) {
		free(sql);
		return false;
	}
	ok = db_blocking_exec(conn, "SET client_min_messages = warning") && db_blocking_exec(conn, "BEGIN") &&
	    db_blocking_exec(conn, sql);
	free(sql);
	for (size_t i = 0; ok && i < sizeof accounts / sizeof accounts[0]; i++) {
		struct query q;
		PGresult *res;
		if (!password_hash(cfg->demo_password, hash)) {
			ok = false;
			break;
		}
		query_start_pool(&q, NULL, &upsert_account);
		query_text(&q, 1, accounts[i].username);
		query_text(&q, 2, hash);
		query_text(&q, 3, accounts[i].display_name);
		query_text(&q, 4, accounts[i].role);
		res = db_blocking_run(conn, &q);
		ok = res != NULL;
		PQclear(res);
	}
	ok = ok && db_blocking_exec(conn, "COMMIT");
	if (!ok) {
		db_blocking_exec(conn, "ROLLBACK");
		PQfinish(conn);
		fprintf(stderr, "paidan: the demo county was not loaded\n");
		return false;
	}
	PQfinish(conn);
	fprintf(out,
	    "demo county loaded (定南县: 7 towns with sample communities, departments, categories, teams, volunteers)\n");
	fprintf(out, "demo accounts (password from PAIDAN_DEMO_PASSWORD%s):\n",
	    getenv("PAIDAN_DEMO_PASSWORD") ? "" : ", default paidan-demo");
	for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++)
		fprintf(out, "  %-16s %-11s %s\n", accounts[i].username, accounts[i].role, accounts[i].what);
	return true;
}
