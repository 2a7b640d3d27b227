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
/* $1 key, $2 request hash → same body?, the order, the sealed resident key. */
extern struct db_statement submit_replay_statement;

#endif
