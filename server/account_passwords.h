/* account_passwords: staff change their own password; an admin resets anyone's. Either way every
 * session of that user ends (and with them their live-update streams). Handlers run with r->user set. */
#ifndef PAIDAN_ACCOUNT_PASSWORDS_H
#define PAIDAN_ACCOUNT_PASSWORDS_H

struct request;

/* POST /api/v1/me/password {current_password, new_password (8–128)} → 204; 403 when the current
 * password is wrong (at most 5 tries per 15 minutes, then 429). */
void account_password_change(struct request *r);

/* POST /api/v1/users/{id}/password {new_password} (admin) → 204; 404 for no such user. */
void account_password_reset(struct request *r);

#endif
