/* audit: the hash chain of order_events — BLAKE2b over the previous hash and the event's content. */
#ifndef PAIDAN_AUDIT_H
#define PAIDAN_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_BYTES 32
#define AUDIT_HASH_HEX (AUDIT_HASH_BYTES * 2 + 1)

/* One audit event as hashed. NULL strings hash like "". */
struct audit_event {
	const char *tracking_code; /* names the order: known before the row has an id */
	int seq; /* 1 for the submission, then +1 per event */
	const char *action;
	const char *from_state;
	const char *to_state;
	int64_t actor_user_id; /* 0 when no account acted (resident, system) */
	const char *actor_role;
	const char *note;
	int64_t at_us; /* microseconds since the epoch, as stored */
};

/* out = BLAKE2b-256(prev || fields of e, each length-prefixed). */
void audit_hash(
    const struct audit_event *e, const unsigned char prev[AUDIT_HASH_BYTES], unsigned char out[AUDIT_HASH_BYTES]);

/* The hash before the first event of every order: all zero. */
extern const unsigned char audit_genesis[AUDIT_HASH_BYTES];

/* Writes bytes as lowercase hex with a NUL. */
void audit_to_hex(const unsigned char bytes[AUDIT_HASH_BYTES], char out[AUDIT_HASH_HEX]);

#endif
