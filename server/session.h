/* session: the caller's session token (bearer or cookie) and who it belongs to. */
#ifndef PAIDAN_SESSION_H
#define PAIDAN_SESSION_H

#include <stdbool.h>

#include "secret_hash.h"

struct request;
struct auth_user;
struct db_reply;

#define SESSION_TOKEN_HASH_HEX SECRET_HASH_HEX

/* The session cookie's name: over https (--public-url) "__Host-paidan_session", which browsers keep
 * to this host and path and send only over TLS, else "paidan_session". */
const char *session_cookie_name(const struct request *r);
/* True when the cookie must be Secure (the public URL is https). */
bool session_cookie_secure(const struct request *r);

/* The BLAKE2b hash (hex) of the request's session token, from "Authorization: Bearer …" or the
 * cookie. False when the request carries none. */
bool session_request_token_hash(struct request *r, char hash[SESSION_TOKEN_HASH_HEX], bool *via_cookie);

/* The hash (hex) of a token text, secret_hash_hex: only hashes are stored. */
void session_token_hash(const char *token, char hash[SESSION_TOKEN_HASH_HEX]);

/* Looks up the request's session. done(r, user, csrf_ok) runs once: user is NULL when there is
 * no valid session; csrf_ok is false only for a cookie-authenticated write without the session's
 * X-CSRF-Token. When the database fails, done is not called: the request is answered (503). */
void session_find(struct request *r, void (*done)(struct request *r, const struct auth_user *user, bool csrf_ok));

#endif
