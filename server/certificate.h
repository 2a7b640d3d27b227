/* certificate: printable service-record certificates and their public verification page. */
#ifndef PAIDAN_CERTIFICATE_H
#define PAIDAN_CERTIFICATE_H

struct request;

/* GET /api/v1/volunteers/{id}/certificate — the volunteer, their team account or an admin:
 * issues a numbered certificate of the verified hours and replies with the A4 HTML page
 * (headers X-Certificate-Number and X-Verify-Code name it). */
void certificate_issue(struct request *r);

/* GET /verify/{code} — anyone: whether the certificate is genuine and what it certified. */
void certificate_verify(struct request *r);

#endif
