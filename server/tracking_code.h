/* tracking_code: the resident's capability to follow an order — random, read aloud without mix-ups. */
#ifndef PAIDAN_TRACKING_CODE_H
#define PAIDAN_TRACKING_CODE_H

#include <stdbool.h>
#include <stddef.h>

#define TRACKING_CODE_LEN 10
/* No 0/O, 1/I/L: nothing that sounds or looks like another character. */
#define TRACKING_CODE_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

/* Writes TRACKING_CODE_LEN random characters and a NUL (libsodium, uniform). */
void tracking_code_generate(char out[TRACKING_CODE_LEN + 1]);

/* Canonical form of what a person typed: case folded, spaces and dashes
 * dropped. False when it cannot be a tracking code. */
bool tracking_code_normalize(const char *input, char out[TRACKING_CODE_LEN + 1]);

/* The path with what follows "/track/" (up to the next '/') replaced by "…": tracking codes stay out
 * of the access log. Writes at most size bytes to out, NUL included. */
void tracking_code_redact_path(const char *path, char *out, size_t size);

#endif
