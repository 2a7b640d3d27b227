/* resident_proof: what a request shows to be an order's resident on the tracking page — the resident
 * key (X-Resident-Key) or a 查我的点单 session cookie of the order's phone. The rule that decides is
 * SQL's paidan_resident_may(order, key hash, session hash) (sql/087), which the check-in code, the
 * photos and the resident's actions all ask. */
#ifndef PAIDAN_RESIDENT_PROOF_H
#define PAIDAN_RESIDENT_PROOF_H

#include <stdbool.h>

#include "resident_key.h"

struct request;

struct resident_proof {
	char key_hash[RESIDENT_KEY_HASH_HEX]; /* "" when no (well-formed) key was shown */
	char session_hash[65]; /* "" when the request has no 查我的点单 session cookie */
};

/* Reads both from r. False when it shows neither (a malformed key counts as none); the caller then
 * answers 422 naming resident_key. */
bool resident_proof_read(struct request *r, struct resident_proof *proof);

/* The two statement parameters ($key_hash, $session_hash of paidan_resident_may): each NULL when absent. */
const char *resident_proof_key(const struct resident_proof *proof);
const char *resident_proof_session(const struct resident_proof *proof);

#endif
