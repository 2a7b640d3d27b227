/* audit: the hash chain of order_events — BLAKE2b over the previous hash and the event's content —
 * and the one place that computes the next link (submit, every action, the sweep call audit_next). */
#ifndef PAIDAN_AUDIT_H
#define PAIDAN_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_BYTES 32
#define AUDIT_HASH_HEX (AUDIT_HASH_BYTES * 2 + 1)

/* Hash formats. v1 (chains written before migration 051): the event's own fields. v2 adds the
 * payload: what the event recorded beyond its state change (the order's fields at submit, the hours
 * of a completion, the records a confirmation verified, a rating, a correction). */
#define AUDIT_VERSION_1 1
#define AUDIT_VERSION_2 2
#define AUDIT_VERSION_CURRENT AUDIT_VERSION_2

/* One audit event as hashed. NULL strings hash like "". */
struct audit_event {
	int version; /* AUDIT_VERSION_*; 0 means 1 */
	const char *tracking_code; /* names the order: known before the row has an id */
	int seq; /* 1 for the submission, then +1 per event */
	const char *action;
	const char *from_state;
	const char *to_state;
	int64_t actor_user_id; /* 0 when no account acted (resident, system) */
	const char *actor_role;
	const char *note;
	int64_t at_us; /* microseconds since the epoch, as stored */
	const char *payload; /* v2 only: canonical text of what the event recorded (audit_payload_*) */
};

/* out = BLAKE2b-256(prev || fields of e, each length-prefixed), in e's format. */
void audit_hash(
    const struct audit_event *e, const unsigned char prev[AUDIT_HASH_BYTES], unsigned char out[AUDIT_HASH_BYTES]);

/* The hash before the first event of every order: all zero. */
extern const unsigned char audit_genesis[AUDIT_HASH_BYTES];

/* Writes bytes as lowercase hex with a NUL. */
void audit_to_hex(const unsigned char bytes[AUDIT_HASH_BYTES], char out[AUDIT_HASH_HEX]);

/* The next link of an order's chain, as text for statement parameters. */
struct audit_link {
	char seq[12];
	char at_us[24];
	char version[4];
	char prev_hex[AUDIT_HASH_HEX];
	char hash_hex[AUDIT_HASH_HEX];
};

/* The one writer of the chain: makes e the event after the head prev_hex (NULL: the first event)
 * of a chain that has prev_count events — sets e->version to the current format, e->seq and e->at_us
 * (now) — and fills link. False when prev_hex is not a hash. */
bool audit_next(struct audit_event *e, const char *prev_hex, int prev_count, struct audit_link *link);

/* The salted digest of an order's personal fields (description, name, phone, address, preferred
 * time): what the chain holds of them, so that erasing them (and the salt) leaves it verifiable. */
void audit_personal_digest(const unsigned char salt[16], const char *const fields[5], char out[AUDIT_HASH_HEX]);

#endif
