/* order_statements: the two statements of an order action — the read that checks it and the one
 * guarded transition — and the only place that knows their parameters' numbers. */
#ifndef PAIDAN_ORDER_STATEMENTS_H
#define PAIDAN_ORDER_STATEMENTS_H

#include <stdint.h>

#include "audit.h"
#include "query.h"

/* Reads one order by id (id > 0) or by tracking code; team_id > 0 asks whether that team was
 * offered it; resident_session (the hash of a 查我的点单 cookie, or NULL) whether that session holds
 * the order's phone. Columns: id, state, community_id, department_id, team_id, tracking_code,
 * head (the last event's hash, hex), event_count, offered, resident_key_hash (hex), hours_text (the
 * recorded hours as the chain writes them), phone_session, checkin_secret (hex; NULL before the
 * resident's code was first shown), accepted_ms, checkin_failures (the codes refused so far), spans
 * ("volunteer:minutes,…"; "" when nobody signed in), span_tolerance (the minutes a claim may pass its
 * span by without a reason), booking (a booking from the service menu). */
void order_load_query(struct query *q, struct request *r, int64_t id, const char *tracking_code, int64_t team_id,
    const char *resident_session);

/* What one transition writes. Texts are borrowed until order_transition_query returns; NULL ones
 * (and ids of 0) are SQL NULL. */
struct order_transition {
	int64_t order_id;
	const char *from; /* the state read: part of the guard */
	const char *to;
	const char *action;
	const struct audit_link *link; /* the next link after the head read: part of the guard */
	int64_t actor_id;
	const char *actor_role;
	const char *note;
	int64_t scope_id; /* community, department or team: part of the guard */
	const char *department_id; /* dispatch */
	const char *team_ids; /* offer */
	const char *volunteer_ids; /* complete */
	const char *hours;
	const char *over_span_reasons; /* complete: {"<volunteer id>": reason} */
	const char *rating; /* evaluate */
	const char *resident_key_hash; /* a resident's guard */
	const char *payload;
};

/* The guarded transition. Its row (column "order": the order as staff see it) comes back only when
 * the guard (state, chain head, scope) held; no row when it did not. */
void order_transition_query(struct query *q, struct request *r, const struct order_transition *t);

#endif
