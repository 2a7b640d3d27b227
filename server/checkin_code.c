/* checkin_code: HOTP (RFC 4226) over HMAC-SHA-256 with the minute as the counter. libsodium gives
 * the HMAC and the constant-time comparison. */
#include "checkin_code.h"

#include "phone_time.h"

#include <sodium.h>
#include <string.h>

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void
code_of_step(const unsigned char secret[CHECKIN_SECRET_BYTES], int64_t step, char out[CHECKIN_DIGITS + 1])
{
	unsigned char counter[8], mac[crypto_auth_hmacsha256_BYTES];
	uint32_t value;
	int offset;

	for (int i = 7; i >= 0; i--) {
		counter[i] = (unsigned char)(step & 0xff);
		step >>= 8;
	}
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, secret, CHECKIN_SECRET_BYTES);
	crypto_auth_hmacsha256_update(&st, counter, sizeof counter);
	crypto_auth_hmacsha256_final(&st, mac);
	offset = mac[sizeof mac - 1] & 0x0f;
	value = ((uint32_t)(mac[offset] & 0x7f) << 24) | ((uint32_t)mac[offset + 1] << 16) |
	    ((uint32_t)mac[offset + 2] << 8) | mac[offset + 3];
	value %= 1000000u;
	for (int i = CHECKIN_DIGITS - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
	out[CHECKIN_DIGITS] = '\0';
	sodium_memzero(mac, sizeof mac);
}

void
checkin_code_at(const unsigned char secret[CHECKIN_SECRET_BYTES], int64_t unix_seconds, char out[CHECKIN_DIGITS + 1])
{
	code_of_step(secret, floor_div(unix_seconds, CHECKIN_STEP_SECONDS), out);
}

enum checkin_result
checkin_code_verify(const unsigned char secret[CHECKIN_SECRET_BYTES], const struct checkin_claim *claim,
    int64_t server_now_ms, int64_t not_before_ms, int64_t *taken_at_ms)
{
	int64_t taken = 0, step, first_step;
	bool match = false;

	if (claim->code == NULL || strlen(claim->code) != CHECKIN_DIGITS)
		return CHECKIN_MALFORMED;
	for (int i = 0; i < CHECKIN_DIGITS; i++)
		if (claim->code[i] < '0' || claim->code[i] > '9')
			return CHECKIN_MALFORMED;
	switch (phone_time_to_server(claim->taken_at_ms, claim->sent_at_ms, server_now_ms, &taken)) {
	case PHONE_TIME_OK: break;
	case PHONE_TIME_MALFORMED: return CHECKIN_MALFORMED;
	case PHONE_TIME_CLOCK_OFF: return CHECKIN_CLOCK_OFF;
	case PHONE_TIME_TOO_OLD: return CHECKIN_TOO_OLD;
	}
	step = floor_div(taken, CHECKIN_STEP_SECONDS * 1000);
	/* No code of a minute wholly before the acceptance. */
	first_step = floor_div(not_before_ms, CHECKIN_STEP_SECONDS * 1000);
	for (int64_t s = step - CHECKIN_STEP_TOLERANCE; s <= step + CHECKIN_STEP_TOLERANCE; s++) {
		char expected[CHECKIN_DIGITS + 1];
		if (s < first_step)
			continue;
		code_of_step(secret, s, expected);
		/* Every candidate is compared, in constant time, so timing tells nothing. */
		match |= sodium_memcmp(expected, claim->code, CHECKIN_DIGITS) == 0;
	}
	if (!match)
		return CHECKIN_WRONG;
	*taken_at_ms = taken;
	return CHECKIN_VERIFIED;
}

const char *
checkin_result_message(enum checkin_result result)
{
	switch (result) {
	case CHECKIN_VERIFIED: return "已到场核验 (verified on site)";
	case CHECKIN_MALFORMED: return "签到码应为 6 位数字，并附上获取时间 (6 digits and the time they were taken)";
	case CHECKIN_CLOCK_OFF: return "手机时间与服务器相差太多，请校准手机时间 (the phone's clock is too far off)";
	case CHECKIN_TOO_OLD: return "签到码已过期：获取后太久才提交 (the code was taken too long ago)";
	case CHECKIN_WRONG: return "签到码不正确或已过期，请看居民手机上的最新签到码 (wrong or expired code)";
	}
	return "";
}
