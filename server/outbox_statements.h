/* outbox_statements: the statements outbox.c runs on its own connection. */
#ifndef PAIDAN_OUTBOX_STATEMENTS_H
#define PAIDAN_OUTBOX_STATEMENTS_H

#include "db.h"
#include "query_cell.h"

/* $1 how many, $2 lease (ms), $3 the Beijing day's start (Unix s): due and lapsed rows, now sending,
 * with these columns (deadline in Unix s; sent_today the SMS sent to the recipient today; the robot's
 * kind, url and secret for a robot message). */
extern struct db_statement outbox_claim_statement;
#define OUTBOX_CLAIM_COLUMNS(X)                                                                                        \
	X(id)                                                                                                          \
	X(channel)                                                                                                     \
	X(recipient)                                                                                                   \
	X(template)                                                                                                    \
	X(params)                                                                                                      \
	X(text)                                                                                                        \
	X(idempotency_key)                                                                                             \
	X(attempts)                                                                                                    \
	X(urgent)                                                                                                      \
	X(deadline)                                                                                                    \
	X(sent_today)                                                                                                  \
	X(kind)                                                                                                        \
	X(url)                                                                                                         \
	X(secret)
QUERY_COLUMNS(outbox_claim_columns, OUTBOX_CLAIM_COLUMNS)

/* $1 ids, $2 providers (arrays of the same length): delivered. */
extern struct db_statement outbox_sent_statement;
/* $1 id, $2 attempts, $3 error, $4 provider, $5 delay (ms): pending again. */
extern struct db_statement outbox_retry_statement;
/* $1 id, $2 attempts, $3 error, $4 provider: failed for good (the console resends). */
extern struct db_statement outbox_failed_statement;
/* $1 id, $2 attempts, $3 until (Unix s), $4 why: an SMS held (quiet hours, daily limit), not an attempt. */
extern struct db_statement outbox_hold_statement;

#endif
