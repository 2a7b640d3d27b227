/* resident_proof: the resident's key or phone session, read from a request (see the header). */
#include "resident_proof.h"

#include <string.h>

#include "http.h"
#include "resident_login.h"

bool
resident_proof_read(struct request *r, struct resident_proof *proof)
{
	const char *key = http_header(r, "X-Resident-Key");

	proof->key_hash[0] = '\0';
	if (key != NULL && resident_key_valid(key, strlen(key)))
		resident_key_hash_hex(key, proof->key_hash);
	if (!resident_session_hash(r, proof->session_hash))
		proof->session_hash[0] = '\0';
	return proof->key_hash[0] != '\0' || proof->session_hash[0] != '\0';
}

const char *
resident_proof_key(const struct resident_proof *proof)
{
	return proof->key_hash[0] != '\0' ? proof->key_hash : NULL;
}

const char *
resident_proof_session(const struct resident_proof *proof)
{
	return proof->session_hash[0] != '\0' ? proof->session_hash : NULL;
}
