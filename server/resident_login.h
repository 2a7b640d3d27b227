/* resident_login: "查我的点单" — a resident who lost the tracking code proves the phone number with a
 * 6-digit SMS code (one a minute, five a day per phone, valid five minutes, five wrong tries void
 * it; the code is never logged or stored in clear) and gets an HttpOnly session cookie limited to
 * that phone's orders. */
#ifndef PAIDAN_RESIDENT_LOGIN_H
#define PAIDAN_RESIDENT_LOGIN_H

#include <stdbool.h>

struct request;

/* POST /api/v1/resident/codes {phone} → 202 {expires_in}; 429 when asked too often. The answer is
 * the same whether or not the phone has orders (an SMS goes only when it has). */
void resident_codes_create(struct request *r);
/* POST /api/v1/resident/sessions {phone, code} → 201 {phone (masked), expires_at} and the cookie
 * paidan_resident; 422 for a wrong, expired or voided code. */
void resident_sessions_create(struct request *r);
/* GET /api/v1/resident/orders (the resident cookie) → {items: [{tracking_code, state, category_name,
 * community_name, team_name, created_at, updated_at}]}; {phone: null, items: []} without a session */
void resident_orders(struct request *r);

/* The hash (hex) of the request's resident session cookie into out; false when it has none. Resident
 * actions (cancel, 评单) accept such a session of the order's phone instead of the phone's tail. */
bool resident_session_hash(struct request *r, char out[65]);

#endif
