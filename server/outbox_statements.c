/* outbox_statements: the SQL of the notification sender (outbox.c): claiming due rows under a lease,
 * and recording each outcome. */
#include "outbox_statements.h"

struct db_statement outbox_claim_statement = DB_STATEMENT("outbox_claim",
    "WITH due AS ("
    "  SELECT id FROM notifications WHERE state = 'pending' AND next_attempt_at <= now()"
    "   ORDER BY next_attempt_at LIMIT $1::int FOR UPDATE SKIP LOCKED"
    "), lapsed AS ("
    "  SELECT id FROM notifications WHERE state = 'sending' AND lease_until < now()"
    "   LIMIT $1::int FOR UPDATE SKIP LOCKED"
    ")"
    "UPDATE notifications n SET state = 'sending', attempts = n.attempts + 1,"
    "       lease_until = now() + $2::bigint * interval '1 millisecond'"
    "  FROM (SELECT id FROM due UNION SELECT id FROM lapsed LIMIT $1::int) k"
    " WHERE n.id = k.id "
    "RETURNING n.id, n.channel, n.recipient, n.template, n.params::text, n.text, n.idempotency_key,"
    "       n.attempts, n.urgent, extract(epoch FROM n.deadline_at)::bigint AS deadline,"
    "       CASE WHEN n.channel = 'sms' THEN (SELECT count(*) FROM notifications s"
    "             WHERE s.channel = 'sms' AND s.state = 'sent' AND s.recipient = n.recipient"
    "               AND s.sent_at >= to_timestamp($3::bigint)) ELSE 0 END AS sent_today,"
    "       (SELECT r.kind FROM robot_webhooks r WHERE n.channel = 'robot' AND r.scope || ':' || r.scope_id = n.recipient),"
    "       (SELECT r.url FROM robot_webhooks r WHERE n.channel = 'robot' AND r.scope || ':' || r.scope_id = n.recipient),"
    "       (SELECT r.secret FROM robot_webhooks r WHERE n.channel = 'robot' AND r.scope || ':' || r.scope_id = n.recipient)",
    3);

/* Deliveries are recorded as sent in batches: one statement (and one commit) for many. */
struct db_statement outbox_sent_statement = DB_STATEMENT("outbox_sent",
    "UPDATE notifications n SET state = 'sent', sent_at = now(), lease_until = NULL, last_error = NULL,"
    "       provider = u.provider"
    "  FROM unnest($1::bigint[], $2::text[]) AS u (id, provider)"
    " WHERE n.id = u.id AND n.state IN ('sending', 'pending')",
    2);
struct db_statement outbox_retry_statement = DB_STATEMENT("outbox_retry",
    "UPDATE notifications SET state = 'pending', lease_until = NULL, last_error = $3, provider = $4,"
    "       next_attempt_at = now() + $5::bigint * interval '1 millisecond'"
    " WHERE id = $1::bigint AND state = 'sending' AND attempts = $2::int",
    5);
struct db_statement outbox_failed_statement = DB_STATEMENT("outbox_failed",
    "UPDATE notifications SET state = 'failed', lease_until = NULL, last_error = $3, provider = $4"
    " WHERE id = $1::bigint AND state = 'sending' AND attempts = $2::int",
    4);
struct db_statement outbox_hold_statement = DB_STATEMENT("outbox_hold",
    "UPDATE notifications SET state = 'pending', lease_until = NULL, attempts = attempts - 1,"
    "       next_attempt_at = to_timestamp($3::bigint), last_error = $4"
    " WHERE id = $1::bigint AND state = 'sending' AND attempts = $2::int",
    4);
