/* menu_book: a resident books a place on a service of the menu. The booking is an order made by
 * orders_submit.c exactly as a 点单 is (the same fields, checks, idempotency, limits, tracking code
 * and resident key); what differs is here: the service's category, and the one statement that takes
 * a place. That statement locks the service's row first, so of two residents booking the last place
 * at once the second sees it taken and joins the waiting list; the submit event's hash is computed
 * in C for both outcomes and the statement keeps the one that happened. */
#include "menu_book.h"

#include <string.h>

#include "audit.h"
#include "submit_statements.h"

struct db_statement menu_book_service_statement = DB_STATEMENT("menu_book_service",
    "SELECT s.category_id, paidan_service_open(s) AS open FROM services s WHERE s.id = $1::bigint", 1);

/* orders_submit's 23 parameters, then $24 the service and $25 the submit event's hash when the
 * booking joins the waiting list ($12 is its hash when it takes a place). */
struct db_statement menu_book_statement = DB_STATEMENT("menu_book",
    "WITH svc AS ("
    "  SELECT s.id, s.team_id, s.department_id, s.booked < s.capacity AS took, paidan_service_due(s) AS due"
    "    FROM services s WHERE s.id = $24::bigint AND s.category_id = $5::bigint"
    "     AND paidan_check(paidan_service_open(s), 'service')"
    "     FOR UPDATE"
    "), counted AS ("
    "  UPDATE services s SET booked = s.booked + CASE WHEN svc.took THEN 1 ELSE 0 END,"
    "                        waiting = s.waiting + CASE WHEN svc.took THEN 0 ELSE 1 END"
    "    FROM svc WHERE s.id = svc.id"
    "  RETURNING s.id"
    "), new_order AS ("
    "  SELECT nextval(pg_get_serial_sequence('orders', 'id')) AS id FROM counted" SUBMIT_KEY_AND_ORDER_COLUMNS
    "                      sms_consent, source, entered_by, service_id, state, department_id, team_id,"
    "                      accepted_at)"
    "  SELECT n.id, $3, $4, $5, $6, $7, $8, $9, $10, t.at, t.at, CASE WHEN svc.took THEN svc.due END,"
    "         decode(CASE WHEN svc.took THEN $12 ELSE $25 END, 'hex'),"
    "         decode($14, 'hex'), decode($16, 'hex'), decode($17, 'hex'), $20::boolean, $21::text, NULL, svc.id,"
    "         CASE WHEN svc.took THEN 'accepted' ELSE 'waitlisted' END, svc.department_id,"
    "         CASE WHEN svc.took THEN svc.team_id END, CASE WHEN svc.took THEN t.at END"
    "    FROM new_order n, svc,"
    "         (SELECT timestamptz 'epoch' + $11::bigint * interval '1 microsecond' AS at) t"
    "  RETURNING *"
    "), event AS ("
    "  INSERT INTO order_events (order_id, seq, action, from_state, to_state, actor_user_id, actor_role, note,"
    "                            at, prev_hash, hash, hash_version, payload)"
    "  SELECT id, 1, 'submit', NULL, state, $22::bigint, $23::text, '', created_at, decode($13, 'hex'),"
    "         last_event_hash, $19::smallint, $18 FROM inserted"
    ")"
    "SELECT paidan_order_submitted_json(inserted::orders)::text AS submitted FROM inserted",
    25);

void
menu_book_payload(
    char *out, size_t size, const char *community, const char *category, const char *digest, const char *service)
{
	snprintf(out, size, "community=%s;category=%s;personal=%s;source=menu;service=%s", community, category, digest,
	    service);
}

void
menu_book_waiting_hash(const struct audit_event *booked, char out[AUDIT_HASH_HEX])
{
	struct audit_event waiting = *booked;
	unsigned char hash[AUDIT_HASH_BYTES];

	waiting.to_state = "waitlisted";
	audit_hash(&waiting, audit_genesis, hash);
	audit_to_hex(hash, out);
}
