/* form_pages: the server-rendered pages a browser without JavaScript gets after posting the form. */
#ifndef PAIDAN_FORM_PAGES_H
#define PAIDAN_FORM_PAGES_H

#include <json-c/json.h>

/* A page with the tracking code, big, and a link to its status page. order_json
 * is the order as the API returns it. Returns a string the caller frees. */
char *form_page_submitted(const char *order_json);

/* A page listing what to fix (fields: name → message) with a way back to the form.
 * Returns a string the caller frees. */
char *form_page_errors(struct json_object *fields);

/* The 点单 form as plain HTML from the catalog JSON, for browsers without JavaScript: it posts
 * urlencoded to /api/v1/orders. Returns a string the caller frees. */
char *form_page_order_form(const char *catalog_json);

/* Appends text to out (a growing string) escaped for HTML. */
void html_escape_append(char **out, size_t *len, size_t *cap, const char *text);

#endif
