/* routes: every endpoint in one table, like a command table. */
#include "routes.h"

#include <event2/http.h>

#include "catalog.h"
#include "health.h"
#include "orders_submit.h"

#define GET (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define POST EVHTTP_REQ_POST

static const struct route routes[] = {
	{GET, "/healthz", health_live},
	{GET, "/readyz", health_ready},
	{GET, "/metrics", health_metrics},
	{GET, "/api/v1/catalog", catalog_get},
	{POST, "/api/v1/orders", orders_submit},
};

const struct route *
routes_table(size_t *count)
{
	*count = sizeof routes / sizeof routes[0];
	return routes;
}
