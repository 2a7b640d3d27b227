/* metrics: fixed arrays in one MAP_SHARED mapping, updated with relaxed atomic adds, so the numbers
 * are the whole server's whichever worker answers the scrape. */
#include "metrics.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "router.h"

#define MAX_ROUTES 128
#define NBUCKETS 13 /* and +Inf */

static const double bucket_seconds[NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static const unsigned methods[] = {EVHTTP_REQ_GET, EVHTTP_REQ_HEAD, EVHTTP_REQ_POST, EVHTTP_REQ_PUT, EVHTTP_REQ_PATCH,
    EVHTTP_REQ_DELETE, EVHTTP_REQ_OPTIONS};
static const char *const method_names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"};
#define NMETHODS (sizeof method_names / sizeof method_names[0])
_Static_assert(sizeof methods / sizeof methods[0] + 1 == NMETHODS, "one name per method and one for the rest");

/* Every status the server answers with; anything else is counted under its class ("5xx"). */
static const int statuses[] = {200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409, 410, 411, 413, 414,
    415, 422, 429, 431, 500, 501, 502, 503, 504};
#define NSTATUSES (sizeof statuses / sizeof statuses[0])
#define NSLOTS (NSTATUSES + 5) /* then 1xx … 5xx */

struct histogram {
	uint64_t buckets[NBUCKETS + 1];
	uint64_t count;
	uint64_t sum_us;
};

struct shared {
	uint64_t requests[MAX_ROUTES + 1][NMETHODS][NSLOTS];
	struct histogram latency[MAX_ROUTES + 1][NMETHODS];
	struct histogram db_call, db_queue_wait;
	int64_t streams_open;
	uint64_t streams_total, escalations;
	uint64_t notify[METRICS_CHANNEL_COUNT][3]; /* by enum metrics_notify_outcome */
	int64_t notify_backlog[METRICS_CHANNEL_COUNT], notify_failed[METRICS_CHANNEL_COUNT];
};

static const char *const channel_names[METRICS_CHANNEL_COUNT] = {"sms", "robot"};

static struct shared *shared;
static const struct route *route_table;
static size_t route_count;

bool
metrics_init(const struct route *routes, size_t count)
{
	void *p;

	if (count > MAX_ROUTES)
		count = MAX_ROUTES; /* the rest are counted with the unmatched paths */
	p = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	shared = p;
	route_table = routes;
	route_count = count;
	return true;
}

static void
add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static void
observe(struct histogram *h, long long us)
{
	size_t i = 0;

	if (us < 0)
		us = 0;
	while (i < NBUCKETS && (double)us > bucket_seconds[i] * 1e6)
		i++;
	add(&h->buckets[i], 1); /* the first bucket that holds it; rendering accumulates */
	add(&h->count, 1);
	add(&h->sum_us, (uint64_t)us);
}

static size_t
status_slot(int status)
{
	for (size_t i = 0; i < NSTATUSES; i++)
		if (statuses[i] == status)
			return i;
	if (status < 100 || status > 599)
		status = 500;
	return NSTATUSES + (size_t)(status / 100 - 1);
}

static size_t
method_slot(unsigned method)
{
	for (size_t i = 0; i < NMETHODS - 1; i++)
		if (methods[i] == method)
			return i;
	return NMETHODS - 1;
}

void
metrics_request(const struct route *route, unsigned method, int status, long long us, bool stream)
{
	size_t r = route_count, m = method_slot(method);

	if (shared == NULL)
		return;
	if (route != NULL && route >= route_table && route < route_table + route_count)
		r = (size_t)(route - route_table);
	add(&shared->requests[r][m][status_slot(status)], 1);
	if (stream)
		__atomic_fetch_sub(&shared->streams_open, 1, __ATOMIC_RELAXED);
	else /* a stream's length is how long someone watched, not how fast we answered */
		observe(&shared->latency[r][m], us);
}

void
metrics_stream_opened(void)
{
	if (shared == NULL)
		return;
	__atomic_fetch_add(&shared->streams_open, 1, __ATOMIC_RELAXED);
	add(&shared->streams_total, 1);
}

void
metrics_db_call(long long queued_ms, long long now_ms)
{
	if (shared != NULL)
		observe(&shared->db_call, (now_ms - queued_ms) * 1000);
}

void
metrics_db_queue_wait(long long waited_ms)
{
	if (shared != NULL)
		observe(&shared->db_queue_wait, waited_ms * 1000);
}

void
metrics_escalated(void)
{
	if (shared != NULL)
		add(&shared->escalations, 1);
}

void
metrics_notify(enum metrics_channel channel, enum metrics_notify_outcome outcome)
{
	if (shared != NULL && channel < METRICS_CHANNEL_COUNT && outcome <= METRICS_NOTIFY_FAILED)
		add(&shared->notify[channel][outcome], 1);
}

void
metrics_notify_backlog(enum metrics_channel channel, long backlog, long failed)
{
	if (shared == NULL || channel >= METRICS_CHANNEL_COUNT)
		return;
	__atomic_store_n(&shared->notify_backlog[channel], (int64_t)backlog, __ATOMIC_RELAXED);
	__atomic_store_n(&shared->notify_failed[channel], (int64_t)failed, __ATOMIC_RELAXED);
}

static uint64_t
load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void
status_label(size_t slot, char *out, size_t size)
{
	if (slot < NSTATUSES)
		snprintf(out, size, "%d", statuses[slot]);
	else
		snprintf(out, size, "%dxx", (int)(slot - NSTATUSES + 1));
}

/* Series of one histogram; labels is "" or `route="…",method="…"` (no braces). */
static void
render_histogram(struct evbuffer *out, const char *name, const char *labels, const struct histogram *h)
{
	uint64_t cumulative = 0;
	const char *sep = labels[0] ? "," : "";

	for (size_t i = 0; i <= NBUCKETS; i++) {
		cumulative += load(&h->buckets[i]);
		if (i < NBUCKETS)
			evbuffer_add_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
			    bucket_seconds[i], (unsigned long long)cumulative);
		else
			evbuffer_add_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
			    (unsigned long long)cumulative);
	}
	evbuffer_add_printf(out, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
	    (double)load(&h->sum_us) / 1e6);
	evbuffer_add_printf(out, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
	    (unsigned long long)load(&h->count));
}

static void
render_notify(struct evbuffer *out)
{
	static const struct {
		const char *name, *help;
	} outcomes[3] = {
	    {"paidan_notify_deliveries_total", "Notifications delivered."},
	    {"paidan_notify_attempt_failures_total", "Delivery attempts that failed (each is retried or given up)."},
	    {"paidan_notify_failures_total", "Notifications given up on (state failed; the console resends)."},
	};

	evbuffer_add_printf(out,
	    "# HELP paidan_notify_backlog Notifications pending or being sent, as the sender last counted.\n"
	    "# TYPE paidan_notify_backlog gauge\n");
	for (int c = 0; c < METRICS_CHANNEL_COUNT; c++)
		evbuffer_add_printf(out, "paidan_notify_backlog{channel=\"%s\"} %lld\n", channel_names[c],
		    (long long)__atomic_load_n(&shared->notify_backlog[c], __ATOMIC_RELAXED));
	evbuffer_add_printf(out,
	    "# HELP paidan_notify_failed Notifications in the failed state, as the sender last counted.\n"
	    "# TYPE paidan_notify_failed gauge\n");
	for (int c = 0; c < METRICS_CHANNEL_COUNT; c++)
		evbuffer_add_printf(out, "paidan_notify_failed{channel=\"%s\"} %lld\n", channel_names[c],
		    (long long)__atomic_load_n(&shared->notify_failed[c], __ATOMIC_RELAXED));
	for (int k = 0; k < 3; k++) {
		evbuffer_add_printf(
		    out, "# HELP %s %s\n# TYPE %s counter\n", outcomes[k].name, outcomes[k].help, outcomes[k].name);
		for (int c = 0; c < METRICS_CHANNEL_COUNT; c++)
			evbuffer_add_printf(out, "%s{channel=\"%s\"} %llu\n", outcomes[k].name, channel_names[c],
			    (unsigned long long)load(&shared->notify[c][k]));
	}
}

void
metrics_render(struct evbuffer *out)
{
	char labels[256], status[8];

	if (shared == NULL)
		return;
	evbuffer_add_printf(out,
	    "# HELP paidan_http_requests_total Requests answered, by route pattern, method and status.\n"
	    "# TYPE paidan_http_requests_total counter\n");
	for (size_t r = 0; r <= route_count; r++)
		for (size_t m = 0; m < NMETHODS; m++)
			for (size_t s = 0; s < NSLOTS; s++) {
				uint64_t n = load(&shared->requests[r][m][s]);
				if (n == 0)
					continue;
				status_label(s, status, sizeof status);
				evbuffer_add_printf(out,
				    "paidan_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
				    r < route_count ? route_table[r].pattern : "other", method_names[m], status,
				    (unsigned long long)n);
			}
	evbuffer_add_printf(out,
	    "# HELP paidan_http_request_duration_seconds Time from a request's arrival to its reply (live streams left out).\n"
	    "# TYPE paidan_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= route_count; r++)
		for (size_t m = 0; m < NMETHODS; m++) {
			if (load(&shared->latency[r][m].count) == 0)
				continue;
			snprintf(labels, sizeof labels, "route=\"%s\",method=\"%s\"",
			    r < route_count ? route_table[r].pattern : "other", method_names[m]);
			render_histogram(out, "paidan_http_request_duration_seconds", labels, &shared->latency[r][m]);
		}
	evbuffer_add_printf(out,
	    "# HELP paidan_db_call_duration_seconds From submitting a statement to its result, queue wait included (ms resolution).\n"
	    "# TYPE paidan_db_call_duration_seconds histogram\n");
	render_histogram(out, "paidan_db_call_duration_seconds", "", &shared->db_call);
	evbuffer_add_printf(out,
	    "# HELP paidan_db_queue_wait_seconds Time a statement waited for a free connection (ms resolution).\n"
	    "# TYPE paidan_db_queue_wait_seconds histogram\n");
	render_histogram(out, "paidan_db_queue_wait_seconds", "", &shared->db_queue_wait);
	evbuffer_add_printf(out,
	    "# HELP paidan_live_streams Open live-update (SSE) streams.\n# TYPE paidan_live_streams gauge\npaidan_live_streams %lld\n"
	    "# HELP paidan_live_streams_total Live-update streams opened.\n# TYPE paidan_live_streams_total counter\npaidan_live_streams_total %llu\n"
	    "# HELP paidan_escalations_total Overdue orders escalated by the sweep.\n# TYPE paidan_escalations_total counter\npaidan_escalations_total %llu\n",
	    (long long)__atomic_load_n(&shared->streams_open, __ATOMIC_RELAXED),
	    (unsigned long long)load(&shared->streams_total), (unsigned long long)load(&shared->escalations));
	render_notify(out);
}
