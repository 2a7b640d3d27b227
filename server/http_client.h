/* http_client: outbound HTTPS for the notification channels, on libcurl's multi interface driven by
 * the libevent loop through curl's socket and timer callbacks. Nothing blocks: DNS is curl's own
 * (threaded) resolver, connects and TLS run on the loop. Certificates are always verified (against
 * the CA bundle setting, else the system store); only https URLs are fetched, redirects are not
 * followed, and every call has a total and a connect timeout. */
#ifndef PAIDAN_HTTP_CLIENT_H
#define PAIDAN_HTTP_CLIENT_H

#include <event2/event.h>
#include <stddef.h>

struct http_client;

struct http_client_options {
	const char *ca_bundle; /* PEM file of trusted CAs; NULL or "" for the system store */
	long timeout_ms; /* whole call */
	long connect_timeout_ms;
	int max_in_flight; /* calls running at once; more wait in curl's queue */
};

struct http_client_response {
	long status; /* HTTP status, 0 when no answer came */
	const char *body; /* NUL-terminated, at most 64 KiB kept; borrowed for the callback */
	size_t body_len;
	const char *error; /* NULL when an answer came, else why not (curl's words) */
};

/* Called exactly once per call, from the event loop (never from inside http_client_post). */
typedef void (*http_client_done)(void *arg, const struct http_client_response *response);

/* Calls curl_global_init once: call at start-up, before threads. */
void http_client_global_init(void);

/* A client whose transfers run on base; owned by the caller. */
struct http_client *http_client_new(struct event_base *base, const struct http_client_options *options);

/* Ends every call in flight, calling each done with error "client closed", and frees. */
void http_client_free(struct http_client *client);

/* POSTs body (copied) to url with headers ("Name: value" strings, copied; NULL-terminated
 * array or NULL). done(arg, response) follows on the loop. */
void http_client_post(struct http_client *client, const char *url, const char *const *headers, const char *body,
    size_t body_len, http_client_done done, void *arg);

/* Calls not finished yet. */
int http_client_in_flight(const struct http_client *client);

#endif
