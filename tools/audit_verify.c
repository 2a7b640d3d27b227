/* audit_verify: a command-line tool, so it may block; reads with a cursor to keep memory flat.
 *
 * For every order: each event's hash is recomputed in the format it was written in (v1 or v2) and
 * linked to the one before; the order's head must be its last event. For v2 chains the payloads are
 * compared with the tables as they are now: the order's own fields (personal ones through their
 * salted digest), the hours each completion recorded, the records each confirmation verified, the
 * rating, the corrections. Every difference is named; the walk goes on after one. */
#include "audit_verify.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "audit_admin.h"
#include "audit_certificates.h"
#include "config.h"
#include "db_blocking.h"
#include "query.h"
#include "validate.h"

#define FETCH "FETCH 1000 FROM events"
#define MAX_REPORTS 200 /* lines for each kind of chain: orders, the admin chain, the certificates' */

/* $1 the orders to walk (int8[]), NULL for every order. */
static struct db_statement events_statement = DB_STATEMENT("audit_verify_events",
    "DECLARE events NO SCROLL CURSOR FOR"
    " WITH o AS ("
    "   SELECT o.*,"
    "          'community=' || o.community_id || ';category=' || o.category_id || ';personal='"
    "            || COALESCE(encode(o.personal_digest, 'hex'), '')"
    "            || CASE WHEN o.entered_by IS NOT NULL"
    "                    THEN ';source=' || o.source || ';entered_by=' || o.entered_by"
    "                    WHEN o.service_id IS NOT NULL THEN ';source=menu;service=' || o.service_id"
    "                    ELSE '' END AS submit_expected,"
    "          paidan_audit_hours_text(o.id, false) AS hours_all,"
    "          paidan_audit_hours_text(o.id, true) AS hours_verified,"
    "          (SELECT 'rating=' || e.rating FROM evaluations e WHERE e.order_id = o.id) AS rating,"
    "          (SELECT e.comment FROM evaluations e WHERE e.order_id = o.id) AS comment,"
    "          (SELECT count(*) FROM service_records s WHERE s.order_id = o.id AND s.corrects_id IS NOT NULL)"
    "            AS corrections,"
    "          (SELECT count(*) FROM order_attendance a WHERE a.order_id = o.id) AS attendances,"
    "          (SELECT count(*) FROM order_photos p WHERE p.order_id = o.id) AS photos"
    "     FROM orders o WHERE $1::bigint[] IS NULL OR o.id = ANY ($1::bigint[])"
    " )"
    " SELECT e.id AS event_id, e.order_id, o.tracking_code, e.seq, e.action, e.from_state, e.to_state,"
    "        COALESCE(e.actor_user_id, 0) AS actor_user_id, e.actor_role, e.note,"
    "        (extract(epoch FROM e.at) * 1000000)::bigint AS at_us,"
    "        encode(e.prev_hash, 'hex') AS prev_hex, encode(e.hash, 'hex') AS hash_hex,"
    "        encode(o.last_event_hash, 'hex') AS head_hex,"
    "        o.event_count, e.hash_version, e.payload, o.work_no, o.submit_expected, o.hours_all,"
    "        o.hours_verified, o.rating, o.comment, encode(o.personal_salt, 'hex') AS salt_hex,"
    "        encode(o.personal_digest, 'hex') AS digest_hex, o.description, o.contact_name, o.contact_phone,"
    "        o.address, o.preferred_time, o.personal_erased_at IS NOT NULL AS erased,"
    "        (SELECT 'record=' || s.id || ';volunteer=' || s.volunteer_id || ';hours='"
    "                || to_char(s.hours, 'FM990.00') || ';replaces=' || s.corrects_id"
    "           FROM service_records s WHERE s.order_id = o.id AND s.event_seq = e.seq) AS correction,"
    "        o.corrections,"
    "        (SELECT paidan_attendance_payload(a) FROM order_attendance a"
    "          WHERE a.order_id = o.id AND a.event_seq = e.seq) AS attendance,"
    "        o.attendances,"
    "        (SELECT paidan_photo_payload(p) FROM order_photos p WHERE p.order_id = o.id AND p.event_seq = e.seq)"
    "          AS photo,"
    "        o.photos,"
    "        CASE WHEN e.action = 'complete' THEN"
    "          (SELECT COALESCE(string_agg(s.volunteer_id || ':' || to_char(s.hours, 'FM990.00'), ','"
    "                                      ORDER BY s.volunteer_id), '')"
    "             FROM service_records s"
    "            WHERE s.order_id = o.id AND s.corrects_id IS NULL AND s.recorded_at = e.at) END AS hours_at"
    "   FROM order_events e JOIN o ON o.id = e.order_id"
    "  ORDER BY e.order_id, e.seq",
    1);

static struct db_statement without_events_statement = DB_STATEMENT("audit_verify_without_events",
    "SELECT o.id, o.work_no FROM orders o"
    " WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id)"
    "   AND ($1::bigint[] IS NULL OR o.id = ANY ($1::bigint[])) ORDER BY o.id LIMIT 50",
    1);

struct walk {
	FILE *out;
	int reports;
	long long events, orders;
	/* the order being walked */
	long long order_id;
	char work_no[32];
	unsigned char prev[AUDIT_HASH_BYTES];
	int expected_seq;
	bool head_checked, v2, saw_complete, saw_confirm, saw_evaluate;
	int corrections_seen, corrections;
	int attendances_seen, attendances; /* 签到 / 签退 */
	int photos_seen, photos;
	char hours_all[4096];
	char hours_verified[4096];
	char last_complete[4200]; /* the payload of its latest completion (a dispute makes a second one) */
	bool has_rating;
};

static void report(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line naming the order and what is wrong with it. */
static void
report(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->reports++ >= MAX_REPORTS)
		return;
	fprintf(w->out, "BROKEN: order %lld (%s): ", w->order_id, w->work_no);
	va_start(ap, fmt);
	vfprintf(w->out, fmt, ap);
	va_end(ap);
	fputc('\n', w->out);
}

static void
report_event(struct walk *w, const PGresult *res, int i, const char *why)
{
	if (w->reports++ < MAX_REPORTS)
		fprintf(w->out, "BROKEN: event id %s (order %lld, seq %s, action %s): %s\n",
		    query_cell_text(res, i, "event_id"), w->order_id, query_cell_text(res, i, "seq"),
		    query_cell_text(res, i, "action"), why);
}

/* What must hold once all of an order's events were read. */
static void
finish_order(struct walk *w)
{
	if (w->order_id < 0)
		return;
	if (!w->head_checked)
		report(w, "events are missing at the end of its chain (its head names a later event)");
	if (w->v2 && w->hours_all[0] != '\0' && !w->saw_complete)
		report(w, "service records (%s) that no completion in its chain recorded", w->hours_all);
	if (w->v2 && w->saw_complete &&
	    (strncmp(w->last_complete, "hours=", 6) != 0 || strcmp(w->last_complete + 6, w->hours_all) != 0))
		report(w,
		    "service records changed, added or deleted: its last completion recorded \"%s\", the table holds \"hours=%s\"",
		    w->last_complete, w->hours_all);
	if (w->v2 && w->hours_verified[0] != '\0' && !w->saw_confirm)
		report(
		    w, "verified service records (%s) that no confirmation in its chain verified", w->hours_verified);
	if (w->v2 && w->corrections != w->corrections_seen)
		report(w, "%d corrections in the table, %d in its chain: one was added or deleted outside it",
		    w->corrections, w->corrections_seen);
	if (w->v2 && w->attendances != w->attendances_seen)
		report(w,
		    "%d sign-ins and sign-outs in the table, %d in its chain: one was added or deleted outside it",
		    w->attendances, w->attendances_seen);
	if (w->v2 && w->photos != w->photos_seen)
		report(w, "%d photos in the table, %d in its chain: one was added or deleted outside it", w->photos,
		    w->photos_seen);
	if (w->v2 && w->has_rating && !w->saw_evaluate)
		report(w, "an evaluation that no event in its chain recorded");
}

/* The v2 payload of event i against the tables. */
static void
check_payload(struct walk *w, const PGresult *res, int i)
{
	const char *action = query_cell_text(res, i, "action"), *payload = query_cell_text(res, i, "payload");
	char expected[4200];

	if (strcmp(action, "submit") == 0) {
		snprintf(expected, sizeof expected, "%s", query_cell_text(res, i, "submit_expected"));
		if (strcmp(payload, expected) != 0)
			report(w,
			    "its community, category or personal digest changed: the chain says \"%s\", the order \"%s\"",
			    payload, expected);
		if (!query_cell_null(res, i, "salt_hex")) {
			unsigned char salt[16];
			char digest[AUDIT_HASH_HEX];
			const char *fields[5] = {query_cell_text(res, i, "description"),
			    query_cell_text(res, i, "contact_name"), query_cell_text(res, i, "contact_phone"),
			    query_cell_text(res, i, "address"), query_cell_text(res, i, "preferred_time")};
			sodium_hex2bin(salt, sizeof salt, query_cell_text(res, i, "salt_hex"), 32, NULL, NULL, NULL);
			audit_personal_digest(salt, fields, digest);
			if (strcmp(digest, query_cell_text(res, i, "digest_hex")) != 0)
				report(w, "its description or contact details changed after it was submitted");
		} else if (strcmp(query_cell_text(res, i, "erased"), "t") != 0) {
			report(w, "its personal data's salt is gone but the order was never erased");
		}
	} else if (strcmp(action, "complete") == 0) {
		w->saw_complete = true;
		snprintf(w->last_complete, sizeof w->last_complete, "%s", payload);
		/* Each completion against the records it wrote; a disputed completion's stay, marked. */
		snprintf(expected, sizeof expected, "hours=%s", query_cell_text(res, i, "hours_at"));
		if (strcmp(payload, expected) != 0)
			report(w,
			    "service records changed, added or deleted: its completion recorded \"%s\", the table holds \"%s\"",
			    payload, expected);
	} else if (strcmp(action, "confirm") == 0) {
		w->saw_confirm = true;
		snprintf(expected, sizeof expected, "verified=%s", query_cell_text(res, i, "hours_verified"));
		if (strcmp(payload, expected) != 0)
			report(w,
			    "verified records changed, added or deleted: its confirmation recorded \"%s\", the table holds \"%s\"",
			    payload, expected);
	} else if (strcmp(action, "evaluate") == 0) {
		size_t n = strlen(query_cell_text(res, i, "rating"));
		w->saw_evaluate = true;
		if (query_cell_null(res, i, "rating"))
			report(w, "its evaluation was deleted (the chain recorded \"%s\")", payload);
		else if (strncmp(payload, query_cell_text(res, i, "rating"), n) != 0 ||
		    (payload[n] != '\0' && payload[n] != ';'))
			report(w, "its rating changed: the chain says \"%s\", the table \"%s\"", payload,
			    query_cell_text(res, i, "rating"));
		else if (strcmp(query_cell_text(res, i, "comment"), query_cell_text(res, i, "note")) != 0)
			report(w, "its evaluation's comment changed");
	} else if (strcmp(action, "photo") == 0) {
		w->photos_seen++;
		if (query_cell_null(res, i, "photo"))
			report(w, "the photo its chain recorded (\"%s\") is missing from the table", payload);
		else if (strcmp(payload, query_cell_text(res, i, "photo")) != 0)
			report(w, "a photo changed: the chain says \"%s\", the table \"%s\"", payload,
			    query_cell_text(res, i, "photo"));
	} else if (strcmp(action, "sign_in") == 0 || strcmp(action, "sign_out") == 0) {
		w->attendances_seen++;
		if (query_cell_null(res, i, "attendance"))
			report(w, "the sign-in or sign-out its chain recorded (\"%s\") is missing from the table",
			    payload);
		else if (strcmp(payload, query_cell_text(res, i, "attendance")) != 0)
			report(w, "a sign-in or sign-out changed: the chain says \"%s\", the table \"%s\"", payload,
			    query_cell_text(res, i, "attendance"));
	} else if (strcmp(action, "correct") == 0) {
		w->corrections_seen++;
		if (query_cell_null(res, i, "correction"))
			report(w, "the correction its chain recorded (\"%s\") is missing from the table", payload);
		else if (strcmp(payload, query_cell_text(res, i, "correction")) != 0)
			report(w, "a correction changed: the chain says \"%s\", the table \"%s\"", payload,
			    query_cell_text(res, i, "correction"));
	}
}

static void
walk_event(struct walk *w, const PGresult *res, int i)
{
	long long order_id = query_cell_id(res, i, "order_id");
	unsigned char computed[AUDIT_HASH_BYTES], stored[AUDIT_HASH_BYTES], stored_prev[AUDIT_HASH_BYTES];
	struct audit_event e = {
	    .version = query_cell_int(res, i, "hash_version"),
	    .tracking_code = query_cell_text(res, i, "tracking_code"),
	    .seq = query_cell_int(res, i, "seq"),
	    .action = query_cell_text(res, i, "action"),
	    .from_state = query_cell_text(res, i, "from_state"),
	    .to_state = query_cell_text(res, i, "to_state"),
	    .actor_user_id = query_cell_id(res, i, "actor_user_id"),
	    .actor_role = query_cell_text(res, i, "actor_role"),
	    .note = query_cell_text(res, i, "note"),
	    .at_us = query_cell_id(res, i, "at_us"),
	    .payload = query_cell_text(res, i, "payload"),
	};
	const char *why = NULL;

	if (order_id != w->order_id) {
		finish_order(w);
		w->order_id = order_id;
		snprintf(w->work_no, sizeof w->work_no, "%s", query_cell_text(res, i, "work_no"));
		memcpy(w->prev, audit_genesis, sizeof w->prev);
		w->expected_seq = 1;
		w->head_checked = false;
		w->v2 = e.version == AUDIT_VERSION_2 && e.seq == 1;
		w->saw_complete = w->saw_confirm = w->saw_evaluate = false;
		w->corrections_seen = 0;
		w->corrections = query_cell_int(res, i, "corrections");
		w->attendances_seen = 0;
		w->attendances = query_cell_int(res, i, "attendances");
		w->photos_seen = 0;
		w->photos = query_cell_int(res, i, "photos");
		snprintf(w->hours_all, sizeof w->hours_all, "%s", query_cell_text(res, i, "hours_all"));
		snprintf(w->hours_verified, sizeof w->hours_verified, "%s", query_cell_text(res, i, "hours_verified"));
		w->has_rating = !query_cell_null(res, i, "rating");
		w->orders++;
	}
	sodium_hex2bin(stored, sizeof stored, query_cell_text(res, i, "hash_hex"), 64, NULL, NULL, NULL);
	sodium_hex2bin(stored_prev, sizeof stored_prev, query_cell_text(res, i, "prev_hex"), 64, NULL, NULL, NULL);
	if (e.seq != w->expected_seq)
		why = "an event is missing or out of order";
	else if (sodium_memcmp(stored_prev, w->prev, sizeof stored_prev) != 0)
		why = "prev_hash is not the previous event's hash";
	if (why == NULL) {
		audit_hash(&e, w->prev, computed);
		if (sodium_memcmp(computed, stored, sizeof stored) != 0)
			why = "the event's content does not match its hash (changed after it was written)";
	}
	if (why != NULL)
		report_event(w, res, i, why);
	if (e.version == AUDIT_VERSION_2)
		check_payload(w, res, i);
	/* Go on from what is stored, so one bad link is reported once and the rest still checked. */
	memcpy(w->prev, stored, sizeof w->prev);
	w->expected_seq = e.seq + 1;
	if (e.seq == query_cell_int(res, i, "event_count")) {
		if (strcmp(query_cell_text(res, i, "hash_hex"), query_cell_text(res, i, "head_hex")) != 0)
			report(w, "its chain head does not match its last event");
		w->head_checked = true;
	}
	w->events++;
}

/* Rows that no event covers: orders without events, records and evaluations of orders whose chain
 * never mentions them are found per order above; this finds whole orders. */
static void
check_orders_without_events(PGconn *conn, const char *orders, struct walk *w)
{
	struct query q;
	PGresult *res;

	query_start_pool(&q, NULL, &without_events_statement);
	query_text(&q, 1, orders);
	res = db_blocking_run(conn, &q);
	for (int i = 0; res != NULL && i < PQntuples(res); i++) {
		if (w->reports++ < MAX_REPORTS)
			fprintf(w->out, "BROKEN: order %s (%s) has no audit events at all\n",
			    query_cell_text(res, i, "id"), query_cell_text(res, i, "work_no"));
	}
	PQclear(res);
}

/* How many of n reports were not printed. */
static int
beyond_max(int n)
{
	return n > MAX_REPORTS ? n - MAX_REPORTS : 0;
}

bool
audit_verify_add_order(char *orders, size_t size, const char *text)
{
	size_t used = strlen(orders);
	int64_t id;
	int n;

	if (!parse_id(text, &id) || used + 24 > size)
		return false;
	n = snprintf(orders + (used ? used - 1 : 0), size - used, "%s%lld}", used ? "," : "{", (long long)id);
	return n > 0;
}

int
audit_verify_run(const struct config *cfg, const char *orders, FILE *out)
{
	PGconn *conn = db_blocking_connect(cfg->database_url);
	struct walk w = {.out = out, .order_id = -1};
	long long admin_events = 0;
	int admin = 0, certificates = 0, hidden;
	struct query q;
	PGresult *declared;

	if (conn == NULL)
		return 2;
	if (!db_blocking_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
		PQfinish(conn);
		return 2;
	}
	query_start_pool(&q, NULL, &events_statement);
	query_text(&q, 1, orders);
	declared = db_blocking_run(conn, &q);
	if (declared == NULL) {
		PQfinish(conn);
		return 2;
	}
	PQclear(declared);
	for (;;) {
		PGresult *res = PQexec(conn, FETCH);
		int rows;
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "paidan: %s", PQerrorMessage(conn));
			PQclear(res);
			PQfinish(conn);
			return 2;
		}
		rows = PQntuples(res);
		for (int i = 0; i < rows; i++)
			walk_event(&w, res, i);
		PQclear(res);
		if (rows == 0)
			break;
	}
	finish_order(&w);
	check_orders_without_events(conn, orders, &w);
	/* Each chain has its own lines: broken orders, however many, never hide the admin chain's or the
	 * certificates' breaks. */
	if (orders == NULL) {
		admin = audit_admin_verify(conn, out, MAX_REPORTS, &admin_events);
		certificates = audit_certificates_verify(conn, out, MAX_REPORTS);
	}
	db_blocking_exec(conn, "COMMIT");
	PQfinish(conn);
	if (admin < 0 || certificates < 0)
		return 2;
	hidden = beyond_max(w.reports) + beyond_max(admin) + beyond_max(certificates);
	w.reports += admin + certificates;
	if (hidden > 0)
		fprintf(out, "… and %d more\n", hidden);
	if (w.reports == 0)
		fprintf(out, "audit chain intact: %lld events in %lld orders\n", w.events, w.orders);
	if (w.reports == 0 && orders == NULL)
		fprintf(out, "admin chain intact: %lld events\n", admin_events);
	return w.reports > 0;
}
