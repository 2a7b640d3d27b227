/* track: GET /api/v1/track/{code} — the resident's status page data, personal details masked. */
#ifndef PAIDAN_TRACK_H
#define PAIDAN_TRACK_H

struct request;

/* Replies with state, timeline (roles, not staff names), reason, and what the
 * resident may do now ("cancel", "evaluate"); 404 for an unknown code. */
void track_get(struct request *r);

/* Replies 200 with the tracking view of the order with this (normalised) code. */
void track_reply(struct request *r, const char *code);

#endif
