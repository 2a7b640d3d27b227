/* resident_key: the resident's own secret for acting on their order (cancel, 评单). Made at submit,
 * shown once, stored only as a hash. A replayed submit gets it back from a copy sealed under the
 * Idempotency-Key, which only the submitter holds. */
#ifndef PAIDAN_RESIDENT_KEY_H
#define PAIDAN_RESIDENT_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "secret_hash.h"

#define RESIDENT_KEY_BYTES 24 /* 192 bits */
#define RESIDENT_KEY_LEN 32 /* URL-safe base64 without padding */
#define RESIDENT_KEY_HASH_HEX SECRET_HASH_HEX
/* Hex of nonce || secretbox(key): (24 + 16 + RESIDENT_KEY_LEN) bytes. */
#define RESIDENT_KEY_SEALED_HEX ((24 + 16 + RESIDENT_KEY_LEN) * 2 + 1)

/* Writes a fresh random key (RESIDENT_KEY_LEN characters of A-Z a-z 0-9 - _) and a NUL. */
void resident_key_generate(char out[RESIDENT_KEY_LEN + 1]);

/* True when text (len bytes) has a key's form. */
bool resident_key_valid(const char *text, size_t len);

/* The stored form: secret_hash_hex of the key. */
void resident_key_hash_hex(const char *key, char out[RESIDENT_KEY_HASH_HEX]);

/* Seals key under a key derived from the Idempotency-Key; lowercase hex. */
void resident_key_seal(const char *key, const char *idempotency_key, char out[RESIDENT_KEY_SEALED_HEX]);

/* Opens what resident_key_seal made; false when it was not sealed under this Idempotency-Key. */
bool resident_key_open(const char *sealed_hex, const char *idempotency_key, char out[RESIDENT_KEY_LEN + 1]);

#endif
