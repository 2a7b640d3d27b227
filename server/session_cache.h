/* session_cache: who a session token belongs to, kept a few seconds in this process so that a
 * signed-in request needs no look-up of its own. An entry is dropped when the database announces
 * that its session ended or its user changed (events.c hears those notes, sql/055 and sql/023),
 * all are dropped when that announcement channel was down (a note may have been missed), and none
 * is used while it is down or past its session's end; so a session still ends within seconds in
 * every process. */
#ifndef PAIDAN_SESSION_CACHE_H
#define PAIDAN_SESSION_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "order_model.h"

struct session_cached {
	int64_t user_id;
	enum user_role role;
	int64_t scope_id;
	int64_t expires_at; /* the session's end, seconds since the epoch */
	const char *csrf; /* the cache's memory: copy what outlives the call */
	const char *json; /* /me's user object, likewise */
};

/* How long an entry is used (0: the cache is off). */
void session_cache_set_ttl_ms(long ttl_ms);

/* The entry for a session (the hex of its token's hash), if there is a fresh one; now_ms is the wall
 * clock in milliseconds (the session's end is a wall-clock time). */
bool session_cache_get(const char *session, int64_t now_ms, struct session_cached *out);

/* Counts the forgetting: a look-up notes it when it is sent, and what it found is remembered only
 * if nothing was forgotten meanwhile (a session-end note may overtake the answer it makes stale). */
uint64_t session_cache_generation(void);

/* Remembers what the database said of a session, asked at generation `asked`. */
void session_cache_put(const char *session, int64_t now_ms, uint64_t asked, const struct session_cached *entry);

/* A session ended; a user was disabled or changed; everything (the note channel was down). */
void session_cache_forget_session(const char *session);
void session_cache_forget_user(int64_t user_id);
void session_cache_forget_all(void);

/* Frees every entry (at exit). */
void session_cache_free(void);

#endif
