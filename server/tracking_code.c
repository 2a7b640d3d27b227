/* tracking_code: 10 symbols of a 31-letter alphabet, about 49 bits. Actions also need the phone's last four digits. */
#include "tracking_code.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ALPHABET_SIZE (sizeof TRACKING_CODE_ALPHABET - 1)
/* A byte below this is a uniform symbol (byte % ALPHABET_SIZE); the few above it are drawn again. */
#define BYTE_LIMIT (256 - 256 % ALPHABET_SIZE)

/* One draw of random bytes per code (a second only when several bytes were out of range). */
void
tracking_code_generate(char out[TRACKING_CODE_LEN + 1])
{
	unsigned char bytes[TRACKING_CODE_LEN + 6];
	int n = 0;

	while (n < TRACKING_CODE_LEN) {
		randombytes_buf(bytes, sizeof bytes);
		for (size_t i = 0; i < sizeof bytes && n < TRACKING_CODE_LEN; i++)
			if (bytes[i] < BYTE_LIMIT)
				out[n++] = TRACKING_CODE_ALPHABET[bytes[i] % ALPHABET_SIZE];
	}
	out[TRACKING_CODE_LEN] = '\0';
}

bool
tracking_code_normalize(const char *input, char out[TRACKING_CODE_LEN + 1])
{
	size_t n = 0;

	for (const char *p = input; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '-')
			continue;
		c = (char)toupper((unsigned char)c);
		if (c == '\0' || strchr(TRACKING_CODE_ALPHABET, c) == NULL || n == TRACKING_CODE_LEN)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == TRACKING_CODE_LEN;
}

void
tracking_code_redact_path(const char *path, char *out, size_t size)
{
	const char *mark = strstr(path, "/track/");
	size_t keep, rest;

	if (mark == NULL) {
		snprintf(out, size, "%s", path);
		return;
	}
	keep = (size_t)(mark - path) + strlen("/track/");
	rest = strcspn(path + keep, "/");
	snprintf(out, size, "%.*s%s%s", (int)keep, path, rest > 0 ? "…" : "", path + keep + rest);
}
