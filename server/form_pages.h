/* form_pages: the server-rendered pages a browser without JavaScript gets after posting the form. */
#ifndef PAIDAN_FORM_PAGES_H
#define PAIDAN_FORM_PAGES_H

#include <json-c/json.h>

/* A page with the tracking code, big, and the link to its status page that carries the resident
 * key (order: as the submit returns it, with resident_key). Returns a string the caller frees. */
char *form_page_submitted(struct json_object *order);

/* The tracking view (track.c's JSON) as a page; with the resident key (may be NULL or ""), forms
 * to cancel and rate that post it back. Returns a string the caller frees. */
char *form_page_track(struct json_object *view, const char *code, const char *key);

/* A page with a title, a sentence and a link back. Returns a string the caller frees. */
char *form_page_message(const char *title, const char *message, const char *back_link);

/* A page listing what to fix (fields: name → message) with a way back to the form.
 * Returns a string the caller frees. */
char *form_page_errors(struct json_object *fields);

/* The 点单 form as plain HTML from the catalog JSON, for browsers without JavaScript: it posts
 * urlencoded to /api/v1/orders. Returns a string the caller frees. */
char *form_page_order_form(const char *catalog_json);

#endif
