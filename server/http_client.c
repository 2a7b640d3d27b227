/* http_client: libcurl multi on libevent. curl tells us which sockets to watch (socket callback) and
 * when to call it back (timer callback); the loop tells curl what happened with
 * curl_multi_socket_action; finished transfers are read with curl_multi_info_read. */
#include "http_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "xalloc.h"

#define BODY_MAX (64 * 1024)

struct call {
	struct http_client *client;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	size_t body_len;
	http_client_done done;
	void *arg;
	char error[CURL_ERROR_SIZE];
	struct call *prev, *next;
};

struct http_client {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	char *ca_bundle;
	long timeout_ms, connect_timeout_ms;
	struct call *calls;
	int in_flight;
};

struct socket_watch {
	struct event *ev;
};

void
http_client_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void
call_unlink(struct call *c)
{
	struct http_client *client = c->client;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		client->calls = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	client->in_flight--;
}

static void
call_free(struct call *c)
{
	if (c->easy != NULL)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	free(c->body);
	free(c);
}

/* Hands the outcome to the caller, then frees the call. */
static void
call_finish(struct call *c, CURLcode result)
{
	struct http_client_response response = {0};
	long status = 0;

	if (result == CURLE_OK)
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	response.status = status;
	response.body = c->body != NULL ? c->body : "";
	response.body_len = c->body_len;
	response.error = result == CURLE_OK ? NULL : (c->error[0] != '\0' ? c->error : curl_easy_strerror(result));
	c->done(c->arg, &response);
	call_free(c);
}

static void
check_finished(struct http_client *client)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(client->multi, &left)) != NULL) {
		struct call *c = NULL;
		CURLcode result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		result = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		curl_multi_remove_handle(client->multi, c->easy);
		call_unlink(c);
		call_finish(c, result);
	}
}

static void
on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *client = arg;
	int running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(client->multi, fd, action, &running);
	check_finished(client);
	if (running <= 0)
		evtimer_del(client->timer);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *client = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(client->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_finished(client);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what curl wants, or stop watching it. */
static int
socket_callback(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *client = userp;
	struct socket_watch *w = socketp;
	short kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w != NULL) {
			event_free(w->ev);
			free(w);
		}
		return 0;
	}
	if (w == NULL) {
		w = xcalloc(1, sizeof *w);
		curl_multi_assign(client->multi, s, w);
	} else {
		event_free(w->ev);
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	w->ev = event_new(client->base, s, kind, on_socket_event, client);
	event_add(w->ev, NULL);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: call curl back after timeout_ms, or never (-1). */
static int
timer_callback(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_client *client = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(client->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(client->timer, &tv);
	return 0;
}

static size_t
write_callback(char *data, size_t size, size_t nmemb, void *userp)
{
	struct call *c = userp;
	size_t n = size * nmemb, keep = n;

	if (c->body_len + keep > BODY_MAX)
		keep = BODY_MAX - c->body_len;
	if (keep > 0) {
		c->body = xrealloc(c->body, c->body_len + keep + 1);
		memcpy(c->body + c->body_len, data, keep);
		c->body_len += keep;
		c->body[c->body_len] = '\0';
	}
	return n;
}

struct http_client *
http_client_new(struct event_base *base, const struct http_client_options *options)
{
	struct http_client *client = xcalloc(1, sizeof *client);

	client->base = base;
	client->multi = curl_multi_init();
	client->timer = evtimer_new(base, on_timeout, client);
	client->ca_bundle =
	    options->ca_bundle != NULL && options->ca_bundle[0] != '\0' ? xstrdup(options->ca_bundle) : NULL;
	client->timeout_ms = options->timeout_ms;
	client->connect_timeout_ms = options->connect_timeout_ms;
	curl_multi_setopt(client->multi, CURLMOPT_SOCKETFUNCTION, socket_callback);
	curl_multi_setopt(client->multi, CURLMOPT_SOCKETDATA, client);
	curl_multi_setopt(client->multi, CURLMOPT_TIMERFUNCTION, timer_callback);
	curl_multi_setopt(client->multi, CURLMOPT_TIMERDATA, client);
	if (options->max_in_flight > 0) {
		curl_multi_setopt(client->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)options->max_in_flight);
		/* Keep as many idle connections as may be in flight: by default the cache follows the number
		 * of handles added, so after each burst most connections were closed and the next burst paid
		 * a TLS handshake per message (the bench receiver saw 2,600 connections for 11,800 posts). */
		curl_multi_setopt(client->multi, CURLMOPT_MAXCONNECTS, (long)options->max_in_flight);
	}
	return client;
}

void
http_client_free(struct http_client *client)
{
	if (client == NULL)
		return;
	while (client->calls != NULL) {
		struct call *c = client->calls;
		curl_multi_remove_handle(client->multi, c->easy);
		call_unlink(c);
		snprintf(c->error, sizeof c->error, "client closed");
		call_finish(c, CURLE_ABORTED_BY_CALLBACK);
	}
	curl_multi_cleanup(client->multi);
	event_free(client->timer);
	free(client->ca_bundle);
	free(client);
}

struct deferred_failure {
	struct call *call;
	CURLcode result;
};

static void
deferred_fail(evutil_socket_t fd, short what, void *arg)
{
	struct deferred_failure *d = arg;

	(void)fd;
	(void)what;
	call_finish(d->call, d->result);
	free(d);
}

void
http_client_post(struct http_client *client, const char *url, const char *const *headers, const char *body,
    size_t body_len, http_client_done done, void *arg)
{
	struct call *c = xcalloc(1, sizeof *c);
	CURLcode rc = CURLE_OK;
	CURLMcode mrc;

	c->client = client;
	c->done = done;
	c->arg = arg;
	c->easy = curl_easy_init();
	for (int i = 0; headers != NULL && headers[i] != NULL; i++)
		c->headers = curl_slist_append(c->headers, headers[i]);
	/* An empty Expect stops curl waiting for "100 Continue" on larger bodies. */
	c->headers = curl_slist_append(c->headers, "Expect:");
	if (c->easy == NULL) {
		rc = CURLE_OUT_OF_MEMORY;
		goto fail;
	}
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, c->error);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, write_callback);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)body_len);
	curl_easy_setopt(c->easy, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, client->timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, client->connect_timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->easy, CURLOPT_USERAGENT, "paidan-notify/1");
	if (client->ca_bundle != NULL)
		curl_easy_setopt(c->easy, CURLOPT_CAINFO, client->ca_bundle);
	rc = curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "https");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c->easy, CURLOPT_URL, url);
	if (rc != CURLE_OK)
		goto fail;
	c->next = client->calls;
	if (c->next != NULL)
		c->next->prev = c;
	client->calls = c;
	client->in_flight++;
	mrc = curl_multi_add_handle(client->multi, c->easy);
	if (mrc != CURLM_OK) {
		call_unlink(c);
		snprintf(c->error, sizeof c->error, "%s", curl_multi_strerror(mrc));
		rc = CURLE_FAILED_INIT;
		goto fail;
	}
	return;
fail : {
	struct deferred_failure *d = xcalloc(1, sizeof *d);
	d->call = c;
	d->result = rc;
	event_base_once(client->base, -1, EV_TIMEOUT, deferred_fail, d, NULL);
}
}

int
http_client_in_flight(const struct http_client *client)
{
	return client->in_flight;
}
