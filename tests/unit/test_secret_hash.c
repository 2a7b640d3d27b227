/* secret_hash: BLAKE2b-256 in hex, as the sessions, resident keys and stream tokens are stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "resident_key.h"
#include "secret_hash.h"
#include "session.h"

/* RFC 7693's BLAKE2b with a 32-byte digest: the reference values (Python's hashlib.blake2b too). */
static void
known_values(void **state)
{
	char out[SECRET_HASH_HEX];

	(void)state;
	secret_hash_hex("abc", out);
	assert_string_equal(out, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
	secret_hash_hex("", out);
	assert_string_equal(out, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

static void
same_secret_same_hash_other_secret_other_hash(void **state)
{
	char a[SECRET_HASH_HEX], b[SECRET_HASH_HEX], c[SECRET_HASH_HEX];

	(void)state;
	secret_hash_hex("a-session-token", a);
	secret_hash_hex("a-session-token", b);
	secret_hash_hex("a-session-tokem", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), SECRET_HASH_HEX - 1);
	assert_int_equal(strspn(a, "0123456789abcdef"), SECRET_HASH_HEX - 1);
}

/* Sessions and resident keys are stored in this one form: rows written before stay found. */
static void
sessions_and_resident_keys_use_it(void **state)
{
	char direct[SECRET_HASH_HEX], session[SESSION_TOKEN_HASH_HEX], key[RESIDENT_KEY_HASH_HEX];

	(void)state;
	secret_hash_hex("Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4", direct);
	session_token_hash("Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4", session);
	resident_key_hash_hex("Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4", key);
	assert_string_equal(session, direct);
	assert_string_equal(key, direct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(known_values),
	    cmocka_unit_test(same_secret_same_hash_other_secret_other_hash),
	    cmocka_unit_test(sessions_and_resident_keys_use_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
