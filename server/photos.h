/* photos: photos of the service (晒单) — up to 6 per order, uploaded by the team one at a time as the
 * raw JPEG body (≤ 2 MiB, ≤ 1600 px a side), re-encoded so no metadata survives, kept in PostgreSQL,
 * each an event of the order's audit chain carrying its SHA-256. */
#ifndef PAIDAN_PHOTOS_H
#define PAIDAN_PHOTOS_H

struct request;

/* POST /api/v1/orders/{id}/photos — the order's team, while in progress or completed → 201 {items}. */
void photos_upload(struct request *r);
/* GET /api/v1/orders/{id}/photos — whoever may see the order → {items: [{n, url, width, height, sha256, uploaded_at}]}. */
void photos_list(struct request *r);
/* GET /api/v1/orders/{id}/photos/{n} — the image. */
void photos_get(struct request *r);
/* GET /api/v1/track/{code}/photos and /photos/{n} — the resident, with X-Resident-Key. */
void photos_track_list(struct request *r);
void photos_track_get(struct request *r);

/* Replies the JPEG whose bytes are hex (a bytea as PostgreSQL prints it), with that Cache-Control;
 * 404 (no such photo) when hex is NULL. */
void photos_reply_jpeg(struct request *r, const char *hex, const char *cache_control);

#endif
