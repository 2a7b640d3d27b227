/* track_stream: live updates for a resident's own order. The status page trades the resident key
 * (in a POST body, never a URL) for a short-lived stream token, then opens the order's stream with
 * that token in the Authorization header. */
#ifndef PAIDAN_TRACK_STREAM_H
#define PAIDAN_TRACK_STREAM_H

struct request;

/* POST /api/v1/track/{code}/stream-token {resident_key} → 201 {token, expires_at}: the token opens
 * this order's stream until expires_at (two minutes); 403 for a wrong key. */
void track_stream_token(struct request *r);

/* GET /api/v1/track/{code}/events with "Authorization: Bearer <stream token>": Server-Sent Events of
 * this order ({event_id, order_id, action, from, state, at}); Last-Event-ID resumes; the stream ends
 * after an hour and the page asks for a new token. 401 for a missing, wrong or expired token. */
void track_events(struct request *r);

#endif
