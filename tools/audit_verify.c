/* audit_verify: a command-line tool, so it may block; reads with a cursor to keep memory flat. */
#include "audit_verify.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "config.h"
#include "db_blocking.h"

#define FETCH "FETCH 1000 FROM events"

int
audit_verify_run(const struct config *cfg, FILE *out)
{
	PGconn *conn = db_blocking_connect(cfg->database_url);
	unsigned char prev[AUDIT_HASH_BYTES], computed[AUDIT_HASH_BYTES], stored[AUDIT_HASH_BYTES];
	long long current_order = -1, events = 0, orders = 0;
	int expected_seq = 1;
	bool head_checked = true;
	char head[AUDIT_HASH_HEX];
	int broken = 0;

	if (conn == NULL)
		return 2;
	if (!db_blocking_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") ||
	    !db_blocking_exec(conn,
	        "DECLARE events NO SCROLL CURSOR FOR"
	        " SELECT e.id, e.order_id, o.tracking_code, e.seq, e.action, e.from_state, e.to_state,"
	        "        COALESCE(e.actor_user_id, 0), e.actor_role, e.note,"
	        "        (extract(epoch FROM e.at) * 1000000)::bigint,"
	        "        encode(e.prev_hash, 'hex'), encode(e.hash, 'hex'), encode(o.last_event_hash, 'hex'),"
	        "        o.event_count"
	        "   FROM order_events e JOIN orders o ON o.id = e.order_id"
	        "  ORDER BY e.order_id, e.seq")) {
		PQfinish(conn);
		return 2;
	}
	while (!broken) {
		PGresult *res = PQexec(conn, FETCH);
		int rows;
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
			PQclear(res);
			PQfinish(conn);
			return 2;
		}
		rows = PQntuples(res);
		if (rows == 0) {
			PQclear(res);
			break;
		}
		for (int i = 0; i < rows && !broken; i++) {
			long long order_id = atoll(PQgetvalue(res, i, 1));
			struct audit_event e = {
			    .tracking_code = PQgetvalue(res, i, 2),
			    .seq = atoi(PQgetvalue(res, i, 3)),
			    .action = PQgetvalue(res, i, 4),
			    .from_state = PQgetvalue(res, i, 5),
			    .to_state = PQgetvalue(res, i, 6),
			    .actor_user_id = atoll(PQgetvalue(res, i, 7)),
			    .actor_role = PQgetvalue(res, i, 8),
			    .note = PQgetvalue(res, i, 9),
			    .at_us = atoll(PQgetvalue(res, i, 10)),
			};
			const char *why = NULL;

			if (order_id != current_order) {
				if (current_order >= 0 && !head_checked) {
					fprintf(out, "BROKEN: order %lld: events are missing at the end of its chain\n",
					    current_order);
					broken = 1;
					break;
				}
				head_checked = false;
				current_order = order_id;
				memcpy(prev, audit_genesis, sizeof prev);
				expected_seq = 1;
				orders++;
			}
			if (e.seq != expected_seq)
				why = "an event is missing or out of order";
			sodium_hex2bin(stored, sizeof stored, PQgetvalue(res, i, 12), 64, NULL, NULL, NULL);
			if (why == NULL) {
				unsigned char stored_prev[AUDIT_HASH_BYTES];
				sodium_hex2bin(
				    stored_prev, sizeof stored_prev, PQgetvalue(res, i, 11), 64, NULL, NULL, NULL);
				if (sodium_memcmp(stored_prev, prev, sizeof prev) != 0)
					why = "prev_hash is not the previous event's hash";
			}
			if (why == NULL) {
				audit_hash(&e, prev, computed);
				if (sodium_memcmp(computed, stored, sizeof stored) != 0)
					why =
					    "the event's content does not match its hash (changed after it was written)";
			}
			if (why != NULL) {
				fprintf(out, "BROKEN: event id %s (order %lld, seq %d, action %s): %s\n",
				    PQgetvalue(res, i, 0), order_id, e.seq, e.action, why);
				broken = 1;
				break;
			}
			memcpy(prev, computed, sizeof prev);
			/* The order's head (what the next transition is guarded by) must be its last event's hash. */
			if (e.seq == atoi(PQgetvalue(res, i, 14))) {
				audit_to_hex(computed, head);
				if (strcmp(head, PQgetvalue(res, i, 13)) != 0) {
					fprintf(out,
					    "BROKEN: order %lld: its chain head does not match its last event\n",
					    order_id);
					broken = 1;
					break;
				}
				head_checked = true;
			}
			expected_seq++;
			events++;
		}
		PQclear(res);
	}
	if (!broken) {
		/* An order whose chain has no events at all never appears in the walk above. */
		PGresult *res = PQexec(conn,
		    "SELECT o.id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id)"
		    " ORDER BY o.id LIMIT 1");
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
			fprintf(out, "BROKEN: order %s has no audit events at all\n", PQgetvalue(res, 0, 0));
			broken = 1;
		}
		PQclear(res);
	}
	db_blocking_exec(conn, "COMMIT");
	PQfinish(conn);
	if (!broken && !head_checked) {
		fprintf(out, "BROKEN: order %lld: events are missing at the end of its chain\n", current_order);
		broken = 1;
	}
	if (!broken)
		fprintf(out, "audit chain intact: %lld events in %lld orders\n", events, orders);
	return broken;
}
