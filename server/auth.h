/* auth: sessions — log in, log out, who am I. */
#ifndef PAIDAN_AUTH_H
#define PAIDAN_AUTH_H

struct request;

/* POST /api/v1/sessions {username, password}: token, CSRF token and cookie; 429 after repeated failures. */
void auth_login(struct request *r);
/* DELETE /api/v1/sessions/current */
void auth_logout(struct request *r);
/* GET /api/v1/me */
void auth_me(struct request *r);

#endif
