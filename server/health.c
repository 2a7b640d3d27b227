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
#include "events.h"
#include "http.h"
#include "http_guard.h"
#include "metrics.h"
#include "offload.h"
#include "throttle.h"

/* /readyz answers within this even when the database has stopped answering (its probe gives up). */
#define READY_PROBE_MS 500

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
	db_query_within(r->app->db, &ping_statement, NULL, READY_PROBE_MS, ping_done, r);
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
	struct offload_stats hashing;
	struct events_stats streams;
	struct http_guard_stats edge;
	struct evbuffer *text;

	if (!metrics_allowed(r)) {
		api_error_reply(r, API_ERROR_OPERATORS_ONLY, NULL);
		return;
	}
	text = evbuffer_new();
	db_pool_get_stats(r->app->db, &stats);
	offload_get_stats(r->app->offload, &hashing);
	events_get_stats(&streams);
	http_server_get_guard_stats(r->app->http, &edge);
	/* The pool's, queues' and edge's numbers are this worker's; metrics_render's are the whole server's. */
	evbuffer_add_printf(text,
	    "# TYPE paidan_db_connections_up gauge\npaidan_db_connections_up %d\n"
	    "# TYPE paidan_db_queued gauge\npaidan_db_queued %d\n"
	    "# TYPE paidan_db_queries_total counter\npaidan_db_queries_total %lu\n"
	    "# TYPE paidan_db_pipelined_total counter\npaidan_db_pipelined_total %lu\n"
	    "# TYPE paidan_db_refused_busy_total counter\npaidan_db_refused_busy_total %lu\n"
	    "# TYPE paidan_db_refused_unavailable_total counter\npaidan_db_refused_unavailable_total %lu\n"
	    "# TYPE paidan_db_connects_total counter\npaidan_db_connects_total %lu\n"
	    "# TYPE paidan_password_checks_total counter\npaidan_password_checks_total %lu\n"
	    "# TYPE paidan_password_queue gauge\npaidan_password_queue %d\n"
	    "# TYPE paidan_db_call_timeouts_total counter\npaidan_db_call_timeouts_total %lu\n"
	    "# TYPE paidan_db_connect_timeouts_total counter\npaidan_db_connect_timeouts_total %lu\n"
	    "# TYPE paidan_db_cancels_total counter\npaidan_db_cancels_total %lu\n"
	    "# TYPE paidan_db_cancels_dropped_total counter\npaidan_db_cancels_dropped_total %lu\n"
	    "# TYPE paidan_hashing_queued gauge\npaidan_hashing_queued %d\n"
	    "# TYPE paidan_hashing_refused_total counter\npaidan_hashing_refused_total %lu\n"
	    "# TYPE paidan_streams_refused_total counter\n"
	    "paidan_streams_refused_total{cap=\"process\"} %lu\npaidan_streams_refused_total{cap=\"user\"} %lu\n"
	    "# TYPE paidan_http_connections gauge\npaidan_http_connections %ld\n"
	    "# TYPE paidan_http_connections_closing gauge\npaidan_http_connections_closing %ld\n"
	    "# TYPE paidan_http_connections_accepted_total counter\npaidan_http_connections_accepted_total %lu\n"
	    "# TYPE paidan_http_connections_evicted_total counter\npaidan_http_connections_evicted_total %lu\n"
	    "# TYPE paidan_http_connections_refused_total counter\npaidan_http_connections_refused_total %lu\n"
	    "# TYPE paidan_http_head_timeouts_total counter\npaidan_http_head_timeouts_total %lu\n"
	    "# TYPE paidan_http_body_timeouts_total counter\npaidan_http_body_timeouts_total %lu\n"
	    "# TYPE paidan_http_refused_heads_total counter\npaidan_http_refused_heads_total %lu\n"
	    "# TYPE paidan_http_error_pages_replaced_total counter\npaidan_http_error_pages_replaced_total %lu\n",
	    stats.connections_up, stats.queued, stats.queries, stats.pipelined, stats.refused_busy,
	    stats.refused_unavailable, stats.reconnects, throttle_password_checks(), offload_in_flight(r->app->offload),
	    stats.call_timeouts, stats.connect_timeouts, stats.cancels_sent, stats.cancels_dropped, hashing.queued,
	    hashing.refused, streams.refused_process, streams.refused_user, edge.open, edge.closing, edge.accepted,
	    edge.evicted, edge.refused, edge.head_timeouts, edge.body_timeouts, edge.refused_heads, edge.error_pages);
	evbuffer_add_printf(text,
	    "# TYPE paidan_db_class_running gauge\n# TYPE paidan_db_class_queued gauge\n"
	    "# TYPE paidan_db_class_refused_busy_total counter\n");
	for (int c = 0; c < DB_CLASSES; c++)
		evbuffer_add_printf(text,
		    "paidan_db_class_running{class=\"%s\"} %d\npaidan_db_class_queued{class=\"%s\"} %d\n"
		    "paidan_db_class_refused_busy_total{class=\"%s\"} %lu\n",
		    db_class_name((enum db_class)c), stats.running_by_class[c], db_class_name((enum db_class)c),
		    stats.queued_by_class[c], db_class_name((enum db_class)c), stats.refused_busy_by_class[c]);
	metrics_render(text);
	http_reply_text(
	    r, 200, "text/plain; version=0.0.4", (const char *)evbuffer_pullup(text, -1), evbuffer_get_length(text));
	evbuffer_free(text);
}
