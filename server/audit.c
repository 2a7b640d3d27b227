/* audit: length-prefixed fields so that no two different events hash the same input. */
#include "audit.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

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

	snprintf(seq, sizeof seq, "%d", e->seq);
	snprintf(actor, sizeof actor, "%" PRId64, e->actor_user_id);
	snprintf(at, sizeof at, "%" PRId64, e->at_us);
	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	hash_field(&st, "paidan-audit-v1");
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
	crypto_generichash_final(&st, out, AUDIT_HASH_BYTES);
}

void
audit_to_hex(const unsigned char bytes[AUDIT_HASH_BYTES], char out[AUDIT_HASH_HEX])
{
	sodium_bin2hex(out, AUDIT_HASH_HEX, bytes, AUDIT_HASH_BYTES);
}
