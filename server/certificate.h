/* certificate: service-record certificates, their shareable pages and public verification. */
#ifndef PAIDAN_CERTIFICATE_H
#define PAIDAN_CERTIFICATE_H

struct request;

/* GET /api/v1/volunteers/{id}/certificate — the volunteer, their team account or an admin: the
 * certificate of the verified hours as they stand, as the A4 HTML page (headers
 * X-Certificate-Number, X-Verify-Code and Content-Location name it). The same verified records give
 * the same certificate; only new verified records give a new number. Every ask is recorded. */
void certificate_issue(struct request *r);

/* POST /api/v1/volunteers/{id}/certificates — the same, answered with JSON {number, verify_code,
 * url, verify_url, issued_at, total_hours, star_level, new}: 201 when a new number was issued, else 200. */
void certificate_issue_json(struct request *r);

/* GET /certificates/{code} — anyone with the code: the certificate page, to print or share. */
void certificate_show(struct request *r);

/* GET /verify/{code} — anyone: whether the certificate is genuine and what it certified. */
void certificate_verify(struct request *r);

/* GET /verify[?code=] — a box to type a code; with ?code= the same as /verify/{code}. */
void certificate_verify_form_get(struct request *r);

#endif
