/* throttle: attempts counted in PostgreSQL before the work they ask for, so that all processes share
 * the counts and parallel requests cannot slip past a check made before a count. Logins count under
 * three keys (sql/052_login_attempts.sql says which and why); anonymous 点单 per client address per
 * hour, and open orders per phone number. */
#ifndef PAIDAN_THROTTLE_H
#define PAIDAN_THROTTLE_H

#include "api_error.h"
#include "db.h"

struct request;

/* Counts a login attempt by username from address and reads the account, in one statement. done(r,
 * reply) gets one row: user_id (NULL when there is no such user), password_hash, disabled, allowed
 * (no limit is passed: the password may be checked), wait (seconds until the blocking window ends). */
void throttle_login_attempt(struct request *r, const char *username, const char *address, db_callback done);

/* The CTE parts a successful login's statement adds: clear the pair key of username $U from address
 * $A, remember the address as known for the username. Use as THROTTLE_LOGIN_SUCCESS_CTE("$5", "$7"). */
#define THROTTLE_LOGIN_SUCCESS_CTE(user, addr)                                                                         \
	"cleared AS (DELETE FROM login_attempts WHERE key = 'pair:' || " user " || '|' || " addr "),"                  \
	" known AS (INSERT INTO login_known_addresses (username, address) VALUES (" user ", " addr ")"                 \
	"           ON CONFLICT (username, address) DO UPDATE SET last_success = now())"

/* Counts an anonymous order from address (NULL: a signed-in worker, not counted per address) and
 * checks the open orders of phone (a replayed Idempotency-Key passes both); then calls allowed(r), or
 * replies 429 with Retry-After and a message saying when to try again. */
void throttle_submit_attempt(struct request *r, const char *address, const char *phone, const char *idempotency_key,
    void (*allowed)(struct request *r));

/* Replies 429 too_many_attempts with Retry-After: seconds (at least 1), message saying when to retry. */
void throttle_reply_limited(struct request *r, long seconds, const char *message);

/* Password checks run since start (what a burst of guesses cost), for /metrics. */
unsigned long throttle_password_checks(void);
void throttle_count_password_check(void);

#endif
