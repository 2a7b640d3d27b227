/* list_page: one page of a registry list — ?limit=&cursor= in, {"items": [...], "next_cursor"} out. */
#ifndef PAIDAN_LIST_PAGE_H
#define PAIDAN_LIST_PAGE_H

#include <libpq-fe.h>

#include "validate.h"

struct request;

#define LIST_PAGE_DEFAULT 20
#define LIST_PAGE_MAX 100

struct list_page {
	int limit;
	char fetch[16]; /* limit + 1, the statement's LIMIT: one row more tells whether a next page exists */
	char cursor[24]; /* the last id of the previous page, "" on the first page */
};

/* Reads ?limit= (1–100, default 20) and ?cursor= (a positive id, as a previous page gave it) of r;
 * records bad values in errors under their names. */
void list_page_read(struct request *r, struct field_errors *errors, struct list_page *page);

/* The cursor as a statement parameter: NULL on the first page. */
const char *list_page_cursor(const struct list_page *page);

/* Replies 200 with the first page->limit rows' column item (JSON text) as items, and as next_cursor
 * the column cursor of the last row shown when res holds more rows than that, else null. */
void list_page_reply(
    struct request *r, const PGresult *res, const struct list_page *page, const char *item, const char *cursor);

/* The same envelope for lists with their own cursor: {"items": column item of the first limit rows,
 * "next_cursor": next_cursor or null}. */
void list_page_send(struct request *r, const PGresult *res, const char *item, int limit, const char *next_cursor);

#endif
