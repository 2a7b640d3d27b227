/* health: liveness never touches the database; readiness does, but never waits for a dead one. */
#include "health.h"

#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "api_error.h"
#include "app.h"
#include "client_address.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "offload.h"
#include "throttle.h"

static struct db_statement ping_statement = DB_STATEMENT("ping", "SELECT 1", 0);

void
health_live(struct request *r)
{
	static const char body[] = "{\"status\":\"ok\"}";

	http_reply_json_text(r, 200, body, sizeof body - 1);
}

static void
reply_not_ready(struct request *r)
{
	http_set_header(r, "Retry-After", "2");
	api_error_reply(r, API_ERROR_DATABASE_NOT_READY, NULL);
}

static void
ping_done(void *arg, const struct db_reply *reply)
{
	static const char body[] = "{\"status\":\"ready\"}";
	struct request *r = arg;

	if (reply->status != DB_OK) {
		reply_not_ready(r);
		return;
	}
	http_reply_json_text(r, 200, body, sizeof body - 1);
}

void
health_ready(struct request *r)
{
	if (r->app->stopping || !db_pool_ready(r->app->db)) {
		reply_not_ready(r);
		return;
	}
	db_query(r->app->db, &ping_statement, NULL, ping_done, r);
}

/* Loopback (the client as client_address names it, so not nginx on the same host) or --metrics-allow. */
static bool
metrics_allowed(const struct request *r)
{
	char address[CLIENT_ADDRESS_MAX];

	if (!client_address(r, address))
		return false;
	return strcmp(address, "::1") == 0 || strncmp(address, "127.", 4) == 0 ||
	    client_address_listed(r->app->cfg->metrics_allow, address);
}

void
health_metrics(struct request *r)
{
	struct db_pool_stats stats;
	struct evbuffer *text;

	if (!metrics_allowed(r)) {
		api_error_reply(r, API_ERROR_OPERATORS_ONLY, NULL);
		return;
	}
	text = evbuffer_new();
	db_pool_get_stats(r->app->db, &stats);
	/* The pool's numbers are this worker's; metrics_render's are the whole server's. */
	evbuffer_add_printf(text,
	    "# TYPE paidan_db_connections_up gauge\npaidan_db_connections_up %d\n"
	    "# TYPE paidan_db_queued gauge\npaidan_db_queued %d\n"
	    "# TYPE paidan_db_queries_total counter\npaidan_db_queries_total %lu\n"
	    "# TYPE paidan_db_refused_busy_total counter\npaidan_db_refused_busy_total %lu\n"
	    "# TYPE paidan_db_refused_unavailable_total counter\npaidan_db_refused_unavailable_total %lu\n"
	    "# TYPE paidan_db_connects_total counter\npaidan_db_connects_total %lu\n"
	    "# TYPE paidan_password_checks_total counter\npaidan_password_checks_total %lu\n"
	    "# TYPE paidan_password_queue gauge\npaidan_password_queue %d\n",
	    stats.connections_up, stats.queued, stats.queries, stats.refused_busy, stats.refused_unavailable,
	    stats.reconnects, throttle_password_checks(), offload_in_flight(r->app->offload));
	metrics_render(text);
	http_reply_text(
	    r, 200, "text/plain; version=0.0.4", (const char *)evbuffer_pullup(text, -1), evbuffer_get_length(text));
	evbuffer_free(text);
}
