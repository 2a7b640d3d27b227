/* health: GET /healthz (the process answers) and GET /readyz (the database answers too). */
#ifndef PAIDAN_HEALTH_H
#define PAIDAN_HEALTH_H

struct request;

void health_live(struct request *r);
/* 503 at once when no database connection is up, else 200 after a round trip. */
void health_ready(struct request *r);
/* GET /metrics: Prometheus text of this process's counters. */
void health_metrics(struct request *r);

#endif
