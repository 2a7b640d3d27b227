/* track: what anyone holding a tracking code may see of an order — state, the timeline by role,
 * the reasons meant for the resident; no name, no phone digits, no staff notes. Acting on the order
 * needs the resident key as well (order_actions). */
#ifndef PAIDAN_TRACK_H
#define PAIDAN_TRACK_H

struct request;

/* GET /api/v1/track/{code}: state, timeline (roles, not staff names), reason, and what the
 * resident may do now ("cancel", "evaluate"); 404 for an unknown code. */
void track_get(struct request *r);

/* GET /form/track/{code}?key=…: the same as an HTML page for browsers without JavaScript; with the
 * resident key in the query, its cancel and 评单 forms post the key back. */
void track_page(struct request *r);

/* Replies 200 with the tracking view of the order with this (normalised) code. */
void track_reply(struct request *r, const char *code);

/* "/form/track/CODE?key=KEY" (without the query when key is NULL or empty); the caller frees it. */
char *track_page_link(const char *code, const char *key);

#endif
