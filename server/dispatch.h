/* dispatch: the application's door for every routed request — path ids, session, CSRF and role,
 * as the route table declares them — before the route's handler runs. */
#ifndef PAIDAN_DISPATCH_H
#define PAIDAN_DISPATCH_H

struct request;

/* The gate handed to the HTTP engine: refuses with 400/401/403 itself, or sets r->user and
 * calls the route's handler. */
void dispatch_request(struct request *r);

#endif
