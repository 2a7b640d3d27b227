/* passwords: argon2id hashing (libsodium, interactive limits). Slow on purpose (~90 ms):
 * call from command-line tools or a worker thread, never on the event loop. */
#ifndef PAIDAN_PASSWORDS_H
#define PAIDAN_PASSWORDS_H

#include <sodium.h>
#include <stdbool.h>

#define PASSWORD_HASH_MAX crypto_pwhash_STRBYTES
#define PASSWORD_MIN_LEN 8
#define PASSWORD_MAX_LEN 128

/* Writes the argon2id string for password into out. False only when out of memory. */
bool password_hash(const char *password, char out[PASSWORD_HASH_MAX]);

/* True when password matches the stored argon2id string. */
bool password_verify(const char *stored, const char *password);

#endif
