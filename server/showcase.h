/* showcase: the public 晒单 page of closed orders whose resident agreed (photos, rating, comment; no
 * personal data), and the resident's consent. */
#ifndef PAIDAN_SHOWCASE_H
#define PAIDAN_SHOWCASE_H

struct request;

/* POST /api/v1/track/{code}/showcase — the resident: {resident_key, shown: true|false}, once the
 * order is completed or closed → {shown}. */
void showcase_consent(struct request *r);
/* GET /showcase — the public page. */
void showcase_page(struct request *r);
/* GET /showcase/photos/{id} — a photo of a shown, closed order. */
void showcase_photo(struct request *r);

#endif
