/* id_number: resident ID-card numbers (居民身份证号码, GB 11643) — checked, masked for display, encrypted
 * for storage and hashed with a key for uniqueness. The plain number never reaches the database. */
#ifndef PAIDAN_ID_NUMBER_H
#define PAIDAN_ID_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

#define ID_NUMBER_LEN 18
/* "\x" + hex of nonce, MAC and the 18 characters, NUL: a bytea literal for a text parameter. */
#define ID_NUMBER_SEALED_TEXT 128
/* "\x" + hex of a 32-byte BLAKE2b hash, NUL. */
#define ID_NUMBER_HASH_TEXT 68

/* Loads the 32-byte key in path, or when the file is missing creates it first (random, mode 0600,
 * written aside and linked into place so processes starting together agree on one key). Call once
 * before serving or importing; false with the reason logged when the file cannot be read or made,
 * or does not hold exactly 32 bytes. */
bool id_number_key_load_or_create(const char *path);

/* Checks text[0..len) as an 18-character ID number: 17 digits and a check digit (digit or X, a
 * lower-case x is taken as X) that matches GB 11643's ISO 7064 MOD 11-2, and a real birth date.
 * Returns NULL and writes the normalised number to out, or returns what is wrong (static text,
 * Chinese with English in brackets). */
const char *id_number_problem(const char *text, size_t len, char out[ID_NUMBER_LEN + 1]);

/* The number for display: the first four and last four characters, ten stars between. */
void id_number_mask(const char *id, char out[ID_NUMBER_LEN + 1]);

/* Encrypts a checked number (secretbox, random nonce) into a bytea literal; false without a key. */
bool id_number_seal(const char *id, char out[ID_NUMBER_SEALED_TEXT]);

/* The keyed BLAKE2b hash of a checked number as a bytea literal (the same number always gives the
 * same hash under one key); false without a key. */
bool id_number_hash(const char *id, char out[ID_NUMBER_HASH_TEXT]);

/* Decrypts a bytea literal made by id_number_seal; false when it is not one or the key differs.
 * For the key holder's tools and tests: the server never shows the number. */
bool id_number_open(const char *sealed, char out[ID_NUMBER_LEN + 1]);

#endif
