/* limits_api: the county's work limits and per-category offer deadlines, for administrators. */
#ifndef PAIDAN_LIMITS_API_H
#define PAIDAN_LIMITS_API_H

#include "http.h"

/* GET /api/v1/settings/limits */
void limits_get(struct request *r);
/* PUT /api/v1/settings/limits — recorded in the admin chain by the same statement. */
void limits_put(struct request *r);

#endif
