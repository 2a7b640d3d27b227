/* audit: length-prefixed fields so that no two different events hash the same input. */
#include "audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const unsigned char audit_genesis[AUDIT_HASH_BYTES];

static void
hash_field(crypto_generichash_state *st, const char *value)
{
	unsigned char len[4];
	size_t n = value ? strlen(value) : 0;

	len[0] = (unsigned char)(n >> 24);
	len[1] = (unsigned char)(n >> 16);
	len[2] = (unsigned char)(n >> 8);
	len[3] = (unsigned char)n;
	crypto_generichash_update(st, len, sizeof len);
	if (n > 0)
		crypto_generichash_update(st, (const unsigned char *)value, n);
}

void
audit_hash(const struct audit_event *e, const unsigned char prev[AUDIT_HASH_BYTES], unsigned char out[AUDIT_HASH_BYTES])
{
	crypto_generichash_state st;
	char seq[16], actor[24], at[24];
	bool v2 = e->version == AUDIT_VERSION_2;

	snprintf(seq, sizeof seq, "%d", e->seq);
	snprintf(actor, sizeof actor, "%" PRId64, e->actor_user_id);
	snprintf(at, sizeof at, "%" PRId64, e->at_us);
	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	hash_field(&st, v2 ? "paidan-audit-v2" : "paidan-audit-v1");
	crypto_generichash_update(&st, prev, AUDIT_HASH_BYTES);
	hash_field(&st, e->tracking_code);
	hash_field(&st, seq);
	hash_field(&st, e->action);
	hash_field(&st, e->from_state);
	hash_field(&st, e->to_state);
	hash_field(&st, actor);
	hash_field(&st, e->actor_role);
	hash_field(&st, e->note);
	hash_field(&st, at);
	if (v2)
		hash_field(&st, e->payload);
	crypto_generichash_final(&st, out, AUDIT_HASH_BYTES);
}

void
audit_to_hex(const unsigned char bytes[AUDIT_HASH_BYTES], char out[AUDIT_HASH_HEX])
{
	sodium_bin2hex(out, AUDIT_HASH_HEX, bytes, AUDIT_HASH_BYTES);
}

bool
audit_next(struct audit_event *e, const char *prev_hex, int prev_count, struct audit_link *link)
{
	unsigned char prev[AUDIT_HASH_BYTES], hash[AUDIT_HASH_BYTES];
	struct timespec ts;
	size_t n;

	if (prev_hex == NULL)
		memcpy(prev, audit_genesis, sizeof prev);
	else if (sodium_hex2bin(prev, sizeof prev, prev_hex, strlen(prev_hex), NULL, &n, NULL) != 0 || n != sizeof prev)
		return false;
	clock_gettime(CLOCK_REALTIME, &ts);
	e->version = AUDIT_VERSION_CURRENT;
	e->seq = prev_count + 1;
	e->at_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	audit_hash(e, prev, hash);
	snprintf(link->seq, sizeof link->seq, "%d", e->seq);
	snprintf(link->at_us, sizeof link->at_us, "%" PRId64, e->at_us);
	snprintf(link->version, sizeof link->version, "%d", e->version);
	audit_to_hex(prev, link->prev_hex);
	audit_to_hex(hash, link->hash_hex);
	return true;
}

void
audit_personal_digest(const unsigned char salt[16], const char *const fields[5], char out[AUDIT_HASH_HEX])
{
	crypto_generichash_state st;
	unsigned char hash[AUDIT_HASH_BYTES];

	crypto_generichash_init(&st, salt, 16, AUDIT_HASH_BYTES);
	hash_field(&st, "paidan-personal-v1");
	for (int i = 0; i < 5; i++)
		hash_field(&st, fields[i]);
	crypto_generichash_final(&st, hash, AUDIT_HASH_BYTES);
	audit_to_hex(hash, out);
}
