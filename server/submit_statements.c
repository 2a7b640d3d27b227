/* submit_statements: the SQL of a 点单 (orders_submit.c): the one statement that writes the order,
 * its first audit event and the idempotency key together, and the replay of a repeated key. */
#include "submit_statements.h"

struct db_statement submit_statement = DB_STATEMENT("orders_submit",
    "WITH new_order AS ("
    "  SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id" SUBMIT_KEY_AND_ORDER_COLUMNS
    "                      sms_consent, source, entered_by)"
    "  SELECT n.id, $3, $4, $5, $6, $7, $8, $9, $10, t.at, t.at,"
    "         t.at + paidan_stage_hours($5, 'submitted') * interval '1 hour', decode($12, 'hex'),"
    "         decode($14, 'hex'), decode($16, 'hex'), decode($17, 'hex'), $20::boolean, $21::text, $22::bigint"
    "    FROM new_order n,"
    "         (SELECT timestamptz 'epoch' + $11::bigint * interval '1 microsecond' AS at) t"
    "  RETURNING *"
    "), event AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role, note,"
    "                            at, prev_hash, hash, hash_version, payload)"
    "  SELECT id, 1, 'submit', NULL, 'submitted', $22::bigint, $23::text, '', created_at, decode($13, 'hex'),"
    "         last_event_hash, $19::smallint, $18 FROM inserted"
    ")"
    "SELECT paidan_order_submitted_json(inserted::orders)::text AS submitted FROM inserted",
    23);

struct db_statement submit_replay_statement = DB_STATEMENT("orders_submit_replay",
    "SELECT k.request_hash = decode($2, 'hex') AS same_request, paidan_order_submitted_json(o)::text AS submitted,"
    "       encode(k.resident_key_sealed, 'hex') AS sealed_key"
    "  FROM idempotency_keys k JOIN orders o ON o.id = k.order_id"
    " WHERE k.key = $1",
    2);
