/* catalog: GET /api/v1/catalog — towns with communities, categories, departments for the resident form. */
#ifndef PAIDAN_CATALOG_H
#define PAIDAN_CATALOG_H

struct request;

/* Replies with the whole catalog, built by one query. */
void catalog_get(struct request *r);

/* GET /form — the 点单 form rendered on the server, for browsers without JavaScript. */
void catalog_form_page(struct request *r);

#endif
