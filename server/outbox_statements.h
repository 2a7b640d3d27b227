/* outbox_statements: the statements outbox.c runs on its own connection. */
#ifndef PAIDAN_OUTBOX_STATEMENTS_H
#define PAIDAN_OUTBOX_STATEMENTS_H

#include "db.h"

/* $1 how many, $2 lease (ms), $3 the Beijing day's start (Unix s): due and lapsed rows, now sending;
 * columns by the enum below. */
extern struct db_statement outbox_claim_statement;
enum outbox_claim_column {
	OUTBOX_COL_ID,
	OUTBOX_COL_CHANNEL,
	OUTBOX_COL_RECIPIENT,
	OUTBOX_COL_TEMPLATE,
	OUTBOX_COL_PARAMS,
	OUTBOX_COL_TEXT,
	OUTBOX_COL_KEY,
	OUTBOX_COL_ATTEMPTS,
	OUTBOX_COL_URGENT,
	OUTBOX_COL_DEADLINE,
	OUTBOX_COL_SENT_TODAY,
	OUTBOX_COL_ROBOT_KIND,
	OUTBOX_COL_ROBOT_URL,
	OUTBOX_COL_ROBOT_SECRET
};

/* $1 ids, $2 providers (arrays of the same length): delivered. */
extern struct db_statement outbox_sent_statement;
/* $1 id, $2 attempts, $3 error, $4 provider, $5 delay (ms): pending again. */
extern struct db_statement outbox_retry_statement;
/* $1 id, $2 attempts, $3 error, $4 provider: failed for good (the console resends). */
extern struct db_statement outbox_failed_statement;
/* $1 id, $2 attempts, $3 until (Unix s), $4 why: an SMS held (quiet hours, daily limit), not an attempt. */
extern struct db_statement outbox_hold_statement;

#endif
