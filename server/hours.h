/* hours: a volunteer's service-hour ledger and its corrections. */
#ifndef PAIDAN_HOURS_H
#define PAIDAN_HOURS_H

struct request;

/* GET /api/v1/volunteers/{id}/hours — the volunteer, a team account of their team, or an admin:
 * every verified record and totals by year (corrected records marked superseded). */
void hours_ledger(struct request *r);

/* POST /api/v1/service-records/{id}/corrections {hours, reason} (admin): a new verified record
 * that replaces record {id}; the original row is never changed. 201 with the new ledger. */
void hours_correct(struct request *r);

#endif
