/* audit_verify: `paidan audit verify` — recomputes every order's event hash chain. */
#ifndef PAIDAN_AUDIT_VERIFY_H
#define PAIDAN_AUDIT_VERIFY_H

#include <stdio.h>

struct config;

/* Walks order_events per order in seq order; prints the first broken link (event
 * id, order, seq and why) or a summary. Returns 0 when intact, 1 when broken, 2 on error. */
int audit_verify_run(const struct config *cfg, FILE *out);

#endif
