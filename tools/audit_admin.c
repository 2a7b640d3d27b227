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

enum { A_SEQ, A_AT_US, A_ACTOR, A_ROLE, A_ACTION, A_TARGET, A_PAYLOAD, A_PREV, A_HASH };

static void
walk_chain(struct admin_walk *w, const PGresult *res)
{
	unsigned char prev[HASH_BYTES] = {0}, stored[HASH_BYTES], stored_prev[HASH_BYTES], computed[HASH_BYTES];
	long long expected = 1;

	for (int i = 0; i < PQntuples(res); i++) {
		long long seq = atoll(PQgetvalue(res, i, A_SEQ));
		crypto_hash_sha256_state st;

		sodium_hex2bin(stored, sizeof stored, PQgetvalue(res, i, A_HASH), 2 * HASH_BYTES, NULL, NULL, NULL);
		sodium_hex2bin(
		    stored_prev, sizeof stored_prev, PQgetvalue(res, i, A_PREV), 2 * HASH_BYTES, NULL, NULL, NULL);
		crypto_hash_sha256_init(&st);
		field(&st, "paidan-admin-v1");
		crypto_hash_sha256_update(&st, stored_prev, sizeof stored_prev);
		for (int c = A_SEQ; c <= A_PAYLOAD; c++)
			field(&st, PQgetvalue(res, i, c));
		crypto_hash_sha256_final(&st, computed);
		if (seq != expected)
			say(w, "admin chain: events %lld to %lld are missing (deleted)", expected, seq - 1);
		else if (sodium_memcmp(stored_prev, prev, sizeof prev) != 0)
			say(w, "admin chain: event %lld (%s %s) does not link to the event before it", seq,
			    PQgetvalue(res, i, A_ACTION), PQgetvalue(res, i, A_TARGET));
		if (sodium_memcmp(computed, stored, sizeof stored) != 0)
			say(w,
			    "admin chain: event %lld (%s %s) was changed after it was written (it no longer matches its hash)",
			    seq, PQgetvalue(res, i, A_ACTION), PQgetvalue(res, i, A_TARGET));
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

enum { S_TARGET, S_NAME, S_SEQ, S_CHAIN, S_TABLE };

/* Rows where what the chain last recorded of a target differs from the table. */
static void
compare_state(struct admin_walk *w, const PGresult *res, const char *what)
{
	for (int i = 0; i < PQntuples(res); i++) {
		const char *target = PQgetvalue(res, i, S_TARGET), *name = PQgetvalue(res, i, S_NAME);
		char diff[1024];

		if (PQgetisnull(res, i, S_CHAIN))
			say(w, "%s %s (%s) was made outside the admin chain: no event records it", what, target, name);
		else if (PQgetisnull(res, i, S_TABLE))
			say(w, "%s %s was deleted outside the admin chain (its last event, %s, recorded \"%s\")", what,
			    target, PQgetvalue(res, i, S_SEQ), PQgetvalue(res, i, S_CHAIN));
		else {
			differences(PQgetvalue(res, i, S_CHAIN), PQgetvalue(res, i, S_TABLE), diff, sizeof diff);
			say(w, "%s %s (%s) was changed outside the admin chain (last recorded by event %s): %s", what,
			    target, name, PQgetvalue(res, i, S_SEQ), diff[0] ? diff : "its recorded state differs");
		}
	}
}

static const char chain_query[] =
    "SELECT seq, (extract(epoch FROM at) * 1000000)::bigint, COALESCE(actor_user_id, 0), actor_role, action,"
    "       target, payload, encode(prev_hash, 'hex'), encode(hash, 'hex')"
    "  FROM admin_events ORDER BY seq";

/* What the chain last said of each account, against the account as it is. */
static const char accounts_query[] =
    "WITH last AS (SELECT DISTINCT ON (target) target, seq, payload FROM admin_events"
    "               WHERE target LIKE 'user:%' ORDER BY target, seq DESC),"
    " cur AS (SELECT 'user:' || u.id AS target, u.username, paidan_admin_user_state(u) AS state FROM users u)"
    "SELECT COALESCE(c.target, l.target), c.username, l.seq, l.payload, c.state"
    "  FROM cur c FULL JOIN last l ON l.target = c.target"
    " WHERE l.payload IS DISTINCT FROM c.state ORDER BY 1";

static const char corrections_query[] =
    "WITH last AS (SELECT DISTINCT ON (target) target, seq, payload FROM admin_events"
    "               WHERE target LIKE 'service_record:%' ORDER BY target, seq DESC),"
    " cur AS (SELECT 'service_record:' || s.id AS target, 'volunteer ' || s.volunteer_id AS who,"
    "                'record=' || s.id || ';volunteer=' || s.volunteer_id || ';hours='"
    "                || to_char(s.hours, 'FM990.00') || ';replaces=' || s.corrects_id AS state"
    "           FROM service_records s WHERE s.corrects_id IS NOT NULL)"
    "SELECT COALESCE(c.target, l.target), c.who, l.seq, l.payload, c.state"
    "  FROM cur c FULL JOIN last l ON l.target = c.target"
    " WHERE l.payload IS DISTINCT FROM c.state ORDER BY 1";

int
audit_admin_verify(PGconn *conn, FILE *out, int max_lines, long long *events)
{
	struct admin_walk w = {.out = out, .max_lines = max_lines};
	const char *queries[3] = {chain_query, accounts_query, corrections_query};

	*events = 0;
	for (int q = 0; q < 3; q++) {
		PGresult *res = db_blocking_query(conn, queries[q], 0, NULL);
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
