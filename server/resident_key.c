/* resident_key: libsodium does the randomness and the sealing (XSalsa20-Poly1305); secret_hash.c the
 * stored hash. */
#include "resident_key.h"

#include <string.h>

#include <sodium.h>

#include "secret_hash.h"

#define SEAL_CONTEXT "paidan-resident-key-seal-v1"

_Static_assert(
    sodium_base64_ENCODED_LEN(RESIDENT_KEY_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == RESIDENT_KEY_LEN + 1,
    "RESIDENT_KEY_LEN must match the encoded length");

void
resident_key_generate(char out[RESIDENT_KEY_LEN + 1])
{
	unsigned char raw[RESIDENT_KEY_BYTES];

	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, RESIDENT_KEY_LEN + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

bool
resident_key_valid(const char *text, size_t len)
{
	if (text == NULL || len != RESIDENT_KEY_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
		        c == '_'))
			return false;
	}
	return true;
}

void
resident_key_hash_hex(const char *key, char out[RESIDENT_KEY_HASH_HEX])
{
	secret_hash_hex(key, out);
}

static void
seal_key(const char *idempotency_key, unsigned char out[crypto_secretbox_KEYBYTES])
{
	crypto_generichash(out, crypto_secretbox_KEYBYTES, (const unsigned char *)idempotency_key,
	    strlen(idempotency_key), (const unsigned char *)SEAL_CONTEXT, strlen(SEAL_CONTEXT));
}

void
resident_key_seal(const char *key, const char *idempotency_key, char out[RESIDENT_KEY_SEALED_HEX])
{
	unsigned char k[crypto_secretbox_KEYBYTES];
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + RESIDENT_KEY_LEN];

	seal_key(idempotency_key, k);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)key, RESIDENT_KEY_LEN, box, k);
	sodium_bin2hex(out, RESIDENT_KEY_SEALED_HEX, box, sizeof box);
	sodium_memzero(k, sizeof k);
}

bool
resident_key_open(const char *sealed_hex, const char *idempotency_key, char out[RESIDENT_KEY_LEN + 1])
{
	unsigned char k[crypto_secretbox_KEYBYTES];
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + RESIDENT_KEY_LEN];
	size_t n;
	bool ok;

	if (sealed_hex == NULL ||
	    sodium_hex2bin(box, sizeof box, sealed_hex, strlen(sealed_hex), NULL, &n, NULL) != 0 || n != sizeof box)
		return false;
	seal_key(idempotency_key, k);
	ok = crypto_secretbox_open_easy((unsigned char *)out, box + crypto_secretbox_NONCEBYTES,
	         sizeof box - crypto_secretbox_NONCEBYTES, box, k) == 0;
	sodium_memzero(k, sizeof k);
	out[ok ? RESIDENT_KEY_LEN : 0] = '\0';
	return ok && resident_key_valid(out, RESIDENT_KEY_LEN);
}
