/* submit_statements: the statements of POST /api/v1/orders (orders_submit.c). */
#ifndef PAIDAN_SUBMIT_STATEMENTS_H
#define PAIDAN_SUBMIT_STATEMENTS_H

#include "db.h"

/* $1 idempotency key, $2 request hash, $3 tracking code, $4 community, $5 category, $6 description,
 * $7 name, $8 phone, $9 address, $10 preferred time, $11 time (µs), $12 the submit event's hash,
 * $13 its previous (genesis), $14 the resident key's hash, $15 the key sealed under the idempotency
 * key, $16 personal salt, $17 personal digest, $18 payload, $19 hash version, $20 SMS consent,
 * $21 source, $22 entered by, $23 the actor's role → the order as its resident first sees it. */
extern struct db_statement submit_statement;
/* The part of a 点单's statement that orders_submit and menu_book share: after a new_order CTE (its
 * id), the idempotency key ($1, $2, $15) and the first columns of the order's INSERT. */
#define SUBMIT_KEY_AND_ORDER_COLUMNS                                                                                   \
	"), key AS ("                                                                                                  \
	"  INSERT INTO idempotency_keys (key, request_hash, order_id, resident_key_sealed)"                            \
	"  SELECT $1::text, decode($2, 'hex'), id, decode($15, 'hex') FROM new_order WHERE $1::text IS NOT NULL"       \
	"), inserted AS ("                                                                                             \
	"  INSERT INTO orders (id, tracking_code, community_id, category_id, description, contact_name,"               \
	"                      contact_phone, address, preferred_time, created_at, updated_at, due_at,"                \
	"                      last_event_hash, resident_key_hash, personal_salt, personal_digest,"
/* $1 key, $2 request hash → same body?, the order, the sealed resident key. */
extern struct db_statement submit_replay_statement;

#endif
