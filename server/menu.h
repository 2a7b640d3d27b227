/* menu: the service menu (服务清单) — publish, list and withdraw standing services. */
#ifndef PAIDAN_MENU_H
#define PAIDAN_MENU_H

#include "http.h"

/* GET /api/v1/services?town_id=&category_id=&team_id= — the open services, public. */
void menu_list(struct request *r);
/* POST /api/v1/services — a team (its own) or department (its teams') publishes one. */
void menu_publish(struct request *r);
/* POST /api/v1/services/{id}/withdraw — no more bookings; those made stay. */
void menu_withdraw(struct request *r);

#endif
