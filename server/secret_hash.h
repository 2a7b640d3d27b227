/* secret_hash: what the database keeps of a secret a client holds (a session token, a resident key,
 * a stream token): BLAKE2b-256 of it, in lowercase hex. Unsalted and fast on purpose: these secrets
 * are 192 or more random bits, so no guessing finds one from its hash, and a look-up by hash stays
 * one index probe. Not for passwords (passwords.c: argon2id). */
#ifndef PAIDAN_SECRET_HASH_H
#define PAIDAN_SECRET_HASH_H

#define SECRET_HASH_HEX 65 /* 64 hex digits and a NUL */

/* out = hex(BLAKE2b-256(secret)), secret a NUL-terminated string. */
void secret_hash_hex(const char *secret, char out[SECRET_HASH_HEX]);

#endif
