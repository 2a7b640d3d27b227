/* secret_hash: libsodium's crypto_generichash (BLAKE2b) with a 32-byte output and no key. */
#include "secret_hash.h"

#include <string.h>

#include <sodium.h>

void
secret_hash_hex(const char *secret, char out[SECRET_HASH_HEX])
{
	unsigned char hash[32];

	crypto_generichash(hash, sizeof hash, (const unsigned char *)secret, strlen(secret), NULL, 0);
	sodium_bin2hex(out, SECRET_HASH_HEX, hash, sizeof hash);
}
