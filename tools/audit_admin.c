/* audit_admin: a command-line tool's part, so it may block. The link is recomputed in C with
 * libsodium (the format is written in sql/057_admin_chain.sql), so a changed trigger or function in
 * the database cannot vouch for its own chain. */
#include "audit_admin.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "db_blocking.h"
#include "query.h"

#define HASH_BYTES crypto_hash_sha256_BYTES

struct admin_walk {
	FILE *out;
	int max_lines;
	int problems;
};

static void say(struct admin_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct admin_walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->problems++ >= w->max_lines)
		return;
	fputs("BROKEN: ", w->out);
	va_start(ap, fmt);
	vfprintf(w->out, fmt, ap);
	va_end(ap);
	fputc('\n', w->out);
}

/* field(t) = 4-byte big-endian byte length || bytes, as paidan_admin_field in sql/057. */
static void
field(crypto_hash_sha256_state *st, const char *value)
{
	size_t n = strlen(value);
	unsigned char len[4] = {
	    (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};

	crypto_hash_sha256_update(st, len, sizeof len);
	crypto_hash_sha256_update(st, (const unsigned char *)value, n);
}

/* The columns an event's hash covers after its previous hash, in sql/057's order. */
static const char *const hashed[] = {"seq", "at_us", "actor", "actor_role", "action", "target", "payload"};

static void
walk_chain(struct admin_walk *w, const PGresult *res)
{
	unsigned char prev[HASH_BYTES] = {0}, stored[HASH_BYTES], stored_prev[HASH_BYTES], computed[HASH_BYTES];
	long long expected = 1;

	for (int i = 0; i < PQntuples(res); i++) {
		long long seq = query_cell_id(res, i, "seq");
		const char *action = query_cell_text(res, i, "action"), *target = query_cell_text(res, i, "target");
		crypto_hash_sha256_state st;

		sodium_hex2bin(
		    stored, sizeof stored, query_cell_text(res, i, "hash"), 2 * HASH_BYTES, NULL, NULL, NULL);
		sodium_hex2bin(stored_prev, sizeof stored_prev, query_cell_text(res, i, "prev_hash"), 2 * HASH_BYTES,
		    NULL, NULL, NULL);
		crypto_hash_sha256_init(&st);
		field(&st, "paidan-admin-v1");
		crypto_hash_sha256_update(&st, stored_prev, sizeof stored_prev);
		for (size_t c = 0; c < sizeof hashed / sizeof *hashed; c++)
			field(&st, query_cell_text(res, i, hashed[c]));
		crypto_hash_sha256_final(&st, computed);
		if (seq != expected)
			say(w, "admin chain: events %lld to %lld are missing (deleted)", expected, seq - 1);
		else if (sodium_memcmp(stored_prev, prev, sizeof prev) != 0)
			say(w, "admin chain: event %lld (%s %s) does not link to the event before it", seq, action,
			    target);
		if (sodium_memcmp(computed, stored, sizeof stored) != 0)
			say(w,
			    "admin chain: event %lld (%s %s) was changed after it was written (it no longer matches its hash)",
			    seq, action, target);
		memcpy(prev, stored, sizeof prev);
		expected = seq + 1;
	}
}

/* Names the keys of two "k=v;k=v" texts whose values differ, into out. */
static void
differences(const char *chain, const char *table, char *out, size_t size)
{
	char *a = strdup(chain), *save = NULL;
	size_t used = 0;

	out[0] = '\0';
	for (char *kv = strtok_r(a, ";", &save); kv != NULL; kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '='), key[64];
		const char *found, *now, *end;
		size_t klen;
		if (eq == NULL || (klen = (size_t)(eq - kv)) >= sizeof key - 1)
			continue;
		memcpy(key, kv, klen);
		key[klen] = '=';
		key[klen + 1] = '\0';
		for (found = table; (found = strstr(found, key)) != NULL && found != table && found[-1] != ';'; found++)
			;
		now = found ? found + klen + 1 : "";
		end = found ? now + strcspn(now, ";") : now;
		if (found != NULL && (size_t)(end - now) == strlen(eq + 1) && strncmp(now, eq + 1, strlen(eq + 1)) == 0)
			continue;
		key[klen] = '\0';
		if (strcmp(key, "password") == 0)
			used += (size_t)snprintf(
			    out + used, used < size ? size - used : 0, "%sthe password was changed", used ? "; " : "");
		else
			used += (size_t)snprintf(out + used, used < size ? size - used : 0,
			    "%s%s: the chain says \"%s\", the table \"%.*s\"", used ? "; " : "", key, eq + 1,
			    (int)(end - now), now);
	}
	free(a);
}

/* Rows where what the chain last recorded of a target differs from the table. */
static void
compare_state(struct admin_walk *w, const PGresult *res, const char *what)
{
	for (int i = 0; i < PQntuples(res); i++) {
		const char *target = query_cell_text(res, i, "target"), *name = query_cell_text(res, i, "name");
		const char *seq = query_cell_text(res, i, "seq"), *chain = query_cell(res, i, "chain");
		const char *table = query_cell(res, i, "table_state");
		char diff[1024];

		if (chain == NULL)
			say(w, "%s %s (%s) was made outside the admin chain: no event records it", what, target, name);
		else if (table == NULL)
			say(w, "%s %s was deleted outside the admin chain (its last event, %s, recorded \"%s\")", what,
			    target, seq, chain);
		else {
			differences(chain, table, diff, sizeof diff);
			say(w, "%s %s (%s) was changed outside the admin chain (last recorded by event %s): %s", what,
			    target, name, seq, diff[0] ? diff : "its recorded state differs");
		}
	}
}

static struct db_statement chain_statement = DB_STATEMENT("audit_admin_chain",
    "SELECT seq, (extract(epoch FROM at) * 1000000)::bigint AS at_us, COALESCE(actor_user_id, 0) AS actor,"
    "       actor_role, action, target, payload, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash"
    "  FROM admin_events ORDER BY seq",
    0);

/* What the chain last said of each account, against the account as it is. */
static struct db_statement accounts_statement = DB_STATEMENT("audit_admin_accounts",
    "WITH last AS (SELECT DISTINCT ON (target) target, seq, payload FROM admin_events"
    "               WHERE target LIKE 'user:%' ORDER BY target, seq DESC),"
    " cur AS (SELECT 'user:' || u.id AS target, u.username, paidan_admin_user_state(u) AS state FROM users u)"
    "SELECT COALESCE(c.target, l.target) AS target, c.username AS name, l.seq, l.payload AS chain,"
    "       c.state AS table_state"
    "  FROM cur c FULL JOIN last l ON l.target = c.target"
    " WHERE l.payload IS DISTINCT FROM c.state ORDER BY 1",
    0);

static struct db_statement corrections_statement = DB_STATEMENT("audit_admin_corrections",
    "WITH last AS (SELECT DISTINCT ON (target) target, seq, payload FROM admin_events"
    "               WHERE target LIKE 'service_record:%' ORDER BY target, seq DESC),"
    " cur AS (SELECT 'service_record:' || s.id AS target, 'volunteer ' || s.volunteer_id AS who,"
    "                'record=' || s.id || ';volunteer=' || s.volunteer_id || ';hours='"
    "                || to_char(s.hours, 'FM990.00') || ';replaces=' || s.corrects_id AS state"
    "           FROM service_records s WHERE s.corrects_id IS NOT NULL)"
    "SELECT COALESCE(c.target, l.target) AS target, c.who AS name, l.seq, l.payload AS chain,"
    "       c.state AS table_state"
    "  FROM cur c FULL JOIN last l ON l.target = c.target"
    " WHERE l.payload IS DISTINCT FROM c.state ORDER BY 1",
    0);

int
audit_admin_verify(PGconn *conn, FILE *out, int max_lines, long long *events)
{
	struct admin_walk w = {.out = out, .max_lines = max_lines};
	struct db_statement *statements[3] = {&chain_statement, &accounts_statement, &corrections_statement};

	*events = 0;
	for (int q = 0; q < 3; q++) {
		PGresult *res = db_blocking_run_plain(conn, statements[q]);
		if (res == NULL)
			return -1;
		if (q == 0) {
			*events = PQntuples(res);
			walk_chain(&w, res);
		} else {
			compare_state(&w, res, q == 1 ? "account" : "hours correction");
		}
		PQclear(res);
	}
	return w.problems;
}
