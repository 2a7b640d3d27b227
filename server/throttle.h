/* throttle: failed attempts per key (a login username, a tracking code) counted in PostgreSQL so
 * that all processes share them; five failures within 15 minutes lock the key for 15 minutes. */
#ifndef PAIDAN_THROTTLE_H
#define PAIDAN_THROTTLE_H

#include "api_error.h"

struct request;

/* SQL expression (for a statement's select list) that is true while the key in parameter
 * $N is locked; use with THROTTLE_LOCKED_SQL("$1"). */
#define THROTTLE_LOCKED_SQL(param)                                                                                     \
	"COALESCE((SELECT f.locked_until > now() FROM login_failures f WHERE f.username = " param "), false)"

/* Records a failure for key, then calls when_locked(r) if this failure locked it (or it was
 * locked), else otherwise(r). Database errors are answered here. */
void throttle_failure(
    struct request *r, const char *key, void (*when_locked)(struct request *r), void (*otherwise)(struct request *r));

/* Replies error (a 429 row of the catalogue) with Retry-After: the key is locked. */
void throttle_reply_locked(struct request *r, enum api_error error);

#endif
