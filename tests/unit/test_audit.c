/* Unit tests of server/audit.c: the hash chain of order events covers every field, unambiguously. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "audit.h"

static const struct audit_event base = {
    .tracking_code = "ABCDEFGHJK",
    .seq = 3,
    .action = "claim",
    .from_state = "dispatched",
    .to_state = "claimed",
    .actor_user_id = 7,
    .actor_role = "department",
    .note = "王阿姨家的水管",
    .at_us = 1700000000123456,
};

static void
hash_of(const struct audit_event *e, const unsigned char prev[AUDIT_HASH_BYTES], unsigned char out[AUDIT_HASH_BYTES])
{
	memset(out, 0xAA, AUDIT_HASH_BYTES);
	audit_hash(e, prev, out);
}

static void
assert_hashes_differ(const struct audit_event *a, const struct audit_event *b, const char *what)
{
	unsigned char ha[AUDIT_HASH_BYTES], hb[AUDIT_HASH_BYTES];

	hash_of(a, audit_genesis, ha);
	hash_of(b, audit_genesis, hb);
	if (memcmp(ha, hb, AUDIT_HASH_BYTES) == 0)
		fail_msg("same hash when %s", what);
}

/* The documented layout, rebuilt with libsodium alone: stored chains depend on it never changing. */
static void
field(crypto_generichash_state *st, const char *value)
{
	size_t n = strlen(value);
	unsigned char len[4] = {
	    (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};

	crypto_generichash_update(st, len, 4);
	crypto_generichash_update(st, (const unsigned char *)value, n);
}

static void
the_hash_is_deterministic(void **state)
{
	unsigned char h0[AUDIT_HASH_BYTES], h1[AUDIT_HASH_BYTES];
	struct audit_event copy = base;
	char note[64];

	(void)state;
	hash_of(&base, audit_genesis, h0);
	/* Equal content at other addresses hashes the same. */
	snprintf(note, sizeof note, "%s", base.note);
	copy.note = note;
	hash_of(&copy, audit_genesis, h1);
	assert_memory_equal(h0, h1, AUDIT_HASH_BYTES);
}

static void
the_hash_is_blake2b_256_of_the_length_prefixed_fields(void **state)
{
	crypto_generichash_state st;
	unsigned char want[AUDIT_HASH_BYTES], got[AUDIT_HASH_BYTES], prev[AUDIT_HASH_BYTES];

	(void)state;
	for (size_t i = 0; i < sizeof prev; i++)
		prev[i] = (unsigned char)i;
	crypto_generichash_init(&st, NULL, 0, AUDIT_HASH_BYTES);
	field(&st, "paidan-audit-v1");
	crypto_generichash_update(&st, prev, sizeof prev);
	field(&st, "ABCDEFGHJK");
	field(&st, "3");
	field(&st, "claim");
	field(&st, "dispatched");
	field(&st, "claimed");
	field(&st, "7");
	field(&st, "department");
	field(&st, "王阿姨家的水管");
	field(&st, "1700000000123456");
	crypto_generichash_final(&st, want, sizeof want);
	hash_of(&base, prev, got);
	assert_memory_equal(got, want, AUDIT_HASH_BYTES);
}

static void
a_change_to_any_single_field_changes_the_hash(void **state)
{
	struct audit_event e;

	(void)state;
	e = base;
	e.tracking_code = "ABCDEFGHJM";
	assert_hashes_differ(&base, &e, "tracking_code changes");
	e = base;
	e.seq = 4;
	assert_hashes_differ(&base, &e, "seq changes");
	e = base;
	e.seq = -3;
	assert_hashes_differ(&base, &e, "seq changes sign");
	e = base;
	e.action = "claiM";
	assert_hashes_differ(&base, &e, "action changes");
	e = base;
	e.from_state = "submitted";
	assert_hashes_differ(&base, &e, "from_state changes");
	e = base;
	e.to_state = "claimeD";
	assert_hashes_differ(&base, &e, "to_state changes");
	e = base;
	e.actor_user_id = 8;
	assert_hashes_differ(&base, &e, "actor_user_id changes");
	e = base;
	e.actor_user_id = 0;
	assert_hashes_differ(&base, &e, "actor_user_id becomes 0");
	e = base;
	e.actor_role = "admin";
	assert_hashes_differ(&base, &e, "actor_role changes");
	e = base;
	e.note = "王阿姨家的水管。";
	assert_hashes_differ(&base, &e, "note grows");
	e = base;
	e.note = "";
	assert_hashes_differ(&base, &e, "note empties");
	e = base;
	e.at_us = base.at_us + 1;
	assert_hashes_differ(&base, &e, "at_us moves by a microsecond");
}

static void
moving_bytes_between_fields_changes_the_hash(void **state)
{
	struct audit_event a = base, b = base;

	(void)state;
	a.action = "ab";
	a.note = "c";
	b.action = "a";
	b.note = "bc";
	assert_hashes_differ(&a, &b, "action \"ab\" + note \"c\" vs \"a\" + \"bc\"");
	/* Fields hashed next to each other. */
	a = base;
	b = base;
	a.from_state = "ab";
	a.to_state = "c";
	b.from_state = "a";
	b.to_state = "bc";
	assert_hashes_differ(&a, &b, "from_state/to_state share bytes differently");
	a = base;
	b = base;
	a.action = "claimd";
	a.from_state = "ispatched";
	b.action = "claim";
	b.from_state = "dispatched";
	assert_hashes_differ(&a, &b, "a byte moves from from_state to action");
	a = base;
	b = base;
	a.actor_role = "";
	a.note = "department";
	b.actor_role = "department";
	b.note = "";
	assert_hashes_differ(&a, &b, "a whole value moves to the next field");
	/* Digits of numbers next to text: seq 31 + action "laim" vs seq 3 + action "1laim". */
	a = base;
	b = base;
	a.seq = 31;
	a.action = "laim";
	b.seq = 3;
	b.action = "1laim";
	assert_hashes_differ(&a, &b, "a digit moves from seq to action");
}

static void
null_strings_hash_like_empty_ones(void **state)
{
	struct audit_event with_null = base, with_empty = base;
	unsigned char h0[AUDIT_HASH_BYTES], h1[AUDIT_HASH_BYTES];

	(void)state;
	with_null.from_state = NULL;
	with_null.actor_role = NULL;
	with_null.note = NULL;
	with_empty.from_state = "";
	with_empty.actor_role = "";
	with_empty.note = "";
	hash_of(&with_null, audit_genesis, h0);
	hash_of(&with_empty, audit_genesis, h1);
	assert_memory_equal(h0, h1, AUDIT_HASH_BYTES);
	hash_of(&base, audit_genesis, h1);
	assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
}

static void
the_previous_hash_is_part_of_the_hash(void **state)
{
	unsigned char h0[AUDIT_HASH_BYTES], h1[AUDIT_HASH_BYTES], prev[AUDIT_HASH_BYTES];

	(void)state;
	hash_of(&base, audit_genesis, h0);
	memcpy(prev, audit_genesis, sizeof prev);
	prev[AUDIT_HASH_BYTES - 1] ^= 1;
	hash_of(&base, prev, h1);
	assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
	memset(prev, 0xFF, sizeof prev);
	hash_of(&base, prev, h1);
	assert_memory_not_equal(h0, h1, AUDIT_HASH_BYTES);
}

static void
a_chain_depends_on_every_earlier_event(void **state)
{
	struct audit_event first = base, second = base, altered = base;
	unsigned char h1[AUDIT_HASH_BYTES], h2[AUDIT_HASH_BYTES], h1_altered[AUDIT_HASH_BYTES],
	    h2_after_altered[AUDIT_HASH_BYTES];

	(void)state;
	first.seq = 1;
	first.action = "submit";
	first.from_state = NULL;
	first.to_state = "submitted";
	first.actor_user_id = 0;
	first.actor_role = "resident";
	second.seq = 2;
	altered = first;
	altered.note = "edited later";
	hash_of(&first, audit_genesis, h1);
	hash_of(&second, h1, h2);
	hash_of(&altered, audit_genesis, h1_altered);
	hash_of(&second, h1_altered, h2_after_altered);
	assert_memory_not_equal(h2, h2_after_altered, AUDIT_HASH_BYTES);
}

static void
the_genesis_hash_is_all_zero(void **state)
{
	unsigned char zero[AUDIT_HASH_BYTES] = {0};

	(void)state;
	assert_memory_equal(audit_genesis, zero, AUDIT_HASH_BYTES);
}

static void
hex_is_64_lowercase_digits_in_byte_order(void **state)
{
	unsigned char bytes[AUDIT_HASH_BYTES];
	char hex[AUDIT_HASH_HEX];

	(void)state;
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(i * 8 + 7);
	memset(hex, 'x', sizeof hex);
	audit_to_hex(bytes, hex);
	assert_string_equal(hex, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
	audit_to_hex(audit_genesis, hex);
	assert_string_equal(hex, "0000000000000000000000000000000000000000000000000000000000000000");
	memset(bytes, 0xAB, sizeof bytes);
	audit_to_hex(bytes, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(strspn(hex, "ab"), 64);
}

/* v2 covers the payload; v1 (stored chains) ignores it, so old chains still verify. */
static void
version_2_covers_the_payload_and_version_1_stays_as_it_was(void **state)
{
	struct audit_event v1 = base, v1_with_payload = base, v2a = base, v2b = base;
	unsigned char h1[AUDIT_HASH_BYTES], h1p[AUDIT_HASH_BYTES], ha[AUDIT_HASH_BYTES], hb[AUDIT_HASH_BYTES];

	(void)state;
	v1_with_payload.payload = "hours=7:2.50";
	v2a.version = AUDIT_VERSION_2;
	v2a.payload = "hours=7:2.50";
	v2b.version = AUDIT_VERSION_2;
	v2b.payload = "hours=7:24.00";
	hash_of(&v1, audit_genesis, h1);
	hash_of(&v1_with_payload, audit_genesis, h1p);
	hash_of(&v2a, audit_genesis, ha);
	hash_of(&v2b, audit_genesis, hb);
	assert_memory_equal(h1, h1p, AUDIT_HASH_BYTES);
	assert_memory_not_equal(h1, ha, AUDIT_HASH_BYTES);
	assert_memory_not_equal(ha, hb, AUDIT_HASH_BYTES);
}

/* audit_next is the one writer: it numbers the event, stamps it, and links it to the head given. */
static void
next_link_follows_the_head_it_was_given(void **state)
{
	struct audit_event first = base, second = base;
	struct audit_link l1, l2;
	unsigned char prev[AUDIT_HASH_BYTES], expect[AUDIT_HASH_BYTES];
	char hex[AUDIT_HASH_HEX];

	(void)state;
	first.payload = "";
	second.payload = "rating=5";
	assert_true(audit_next(&first, NULL, 0, &l1));
	assert_string_equal(l1.seq, "1");
	assert_string_equal(l1.version, "2");
	assert_string_equal(l1.prev_hex, "0000000000000000000000000000000000000000000000000000000000000000");
	assert_true(audit_next(&second, l1.hash_hex, 1, &l2));
	assert_string_equal(l2.seq, "2");
	assert_string_equal(l2.prev_hex, l1.hash_hex);
	sodium_hex2bin(prev, sizeof prev, l1.hash_hex, 64, NULL, NULL, NULL);
	audit_hash(&second, prev, expect);
	audit_to_hex(expect, hex);
	assert_string_equal(l2.hash_hex, hex);
	assert_false(audit_next(&second, "not-a-hash", 1, &l2));
}

/* The personal digest is keyed by the salt: without it, a phone number cannot be tried against it. */
static void
personal_digest_depends_on_salt_and_every_field(void **state)
{
	unsigned char salt_a[16] = {1}, salt_b[16] = {2};
	const char *fields[5] = {"修电脑", "王阿姨", "13912345678", "历市镇", "上午"};
	const char *changed[5] = {"修电脑", "王阿姨", "13912345679", "历市镇", "上午"};
	char a[AUDIT_HASH_HEX], b[AUDIT_HASH_HEX], c[AUDIT_HASH_HEX], again[AUDIT_HASH_HEX];

	(void)state;
	audit_personal_digest(salt_a, fields, a);
	audit_personal_digest(salt_b, fields, b);
	audit_personal_digest(salt_a, changed, c);
	audit_personal_digest(salt_a, fields, again);
	assert_string_equal(a, again);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_hash_is_deterministic),
	    cmocka_unit_test(the_hash_is_blake2b_256_of_the_length_prefixed_fields),
	    cmocka_unit_test(a_change_to_any_single_field_changes_the_hash),
	    cmocka_unit_test(moving_bytes_between_fields_changes_the_hash),
	    cmocka_unit_test(null_strings_hash_like_empty_ones),
	    cmocka_unit_test(the_previous_hash_is_part_of_the_hash),
	    cmocka_unit_test(a_chain_depends_on_every_earlier_event),
	    cmocka_unit_test(the_genesis_hash_is_all_zero),
	    cmocka_unit_test(hex_is_64_lowercase_digits_in_byte_order),
	    cmocka_unit_test(version_2_covers_the_payload_and_version_1_stays_as_it_was),
	    cmocka_unit_test(next_link_follows_the_head_it_was_given),
	    cmocka_unit_test(personal_digest_depends_on_salt_and_every_field),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
