/* catalog: GET /api/v1/catalog — towns with communities, categories, departments for the resident form. */
#ifndef PAIDAN_CATALOG_H
#define PAIDAN_CATALOG_H

struct request;

/* Replies with the whole catalog, built by one query. */
void catalog_get(struct request *r);

#endif
