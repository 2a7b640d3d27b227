/* db_resolve: host → hostaddr in the connection string, once, before the loop. */
#include "db_resolve.h"

#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <libpq-fe.h>

#include "text.h"
#include "xalloc.h"

#define ADDRS_MAX 8

static int
system_resolver(const char *name, char addrs[][64], int max, char *cause, size_t cause_size)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *list, *a;
	int n = 0, rc = getaddrinfo(name, NULL, &hints, &list);

	if (rc != 0) {
		snprintf(cause, cause_size, "cannot resolve database host %s: %s", name, gai_strerror(rc));
		return -1;
	}
	for (a = list; a != NULL && n < max; a = a->ai_next) {
		bool seen = false;
		if (getnameinfo(a->ai_addr, a->ai_addrlen, addrs[n], 64, NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		for (int i = 0; i < n; i++)
			seen = seen || strcmp(addrs[i], addrs[n]) == 0;
		if (!seen)
			n++;
	}
	freeaddrinfo(list);
	if (n == 0)
		snprintf(cause, cause_size, "database host %s has no address", name);
	return n > 0 ? n : -1;
}

/* key='value' with \ and ' escaped, as libpq's key=value syntax wants. */
static void
add_setting(struct evbuffer *out, const char *key, const char *value)
{
	evbuffer_add_printf(out, "%s%s='", evbuffer_get_length(out) ? " " : "", key);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '\'')
			evbuffer_add(out, "\\", 1);
		evbuffer_add(out, p, 1);
	}
	evbuffer_add(out, "'", 1);
}

/* key='the list', and frees list. */
static void
add_list(struct evbuffer *out, const char *key, struct evbuffer *list)
{
	char *text = text_take(list, NULL);

	add_setting(out, key, text);
	free(text);
}

/* The i-th comma-separated item of list (NULL or "" → ""), copied into item. */
static void
list_item(const char *list, int i, char *item, size_t size)
{
	const char *p = list ? list : "";
	size_t n;

	for (; i > 0 && p != NULL; i--)
		p = (p = strchr(p, ',')) ? p + 1 : NULL;
	n = p ? strcspn(p, ",") : 0;
	snprintf(item, size, "%.*s", (int)n, p ? p : "");
}

static int
list_count(const char *list)
{
	int n = 1;

	for (const char *p = list; *p; p++)
		n += *p == ',';
	return n;
}

static bool
is_name(const char *host)
{
	return host[0] != '\0' && host[0] != '/' && host[0] != '@';
}

char *
db_resolve_hosts_with(const char *conninfo, db_resolver resolve, char *cause, size_t cause_size)
{
	const char *host = NULL, *hostaddr = NULL, *port = NULL;
	struct evbuffer *out, *hosts, *addrs, *ports;
	PQconninfoOption *options, *o;
	char *error = NULL, name[256], port_item[32], found[ADDRS_MAX][64];
	bool any_name = false, failed = false;
	int nhosts;

	if ((options = PQconninfoParse(conninfo, &error)) == NULL) {
		snprintf(cause, cause_size, "database URL: %s", error ? error : "out of memory");
		PQfreemem(error);
		return NULL;
	}
	for (o = options; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	nhosts = host ? list_count(host) : 0;
	for (int i = 0; i < nhosts; i++) {
		list_item(host, i, name, sizeof name);
		any_name = any_name || is_name(name);
	}
	if (!any_name || (hostaddr != NULL && *hostaddr)) {
		PQconninfoFree(options);
		return xstrdup(conninfo);
	}
	out = evbuffer_new();
	hosts = evbuffer_new();
	addrs = evbuffer_new();
	ports = evbuffer_new();
	for (int i = 0; i < nhosts; i++) {
		int n = 1;
		list_item(host, i, name, sizeof name);
		/* one port for all hosts, or one per host */
		list_item(port, port && list_count(port) > 1 ? i : 0, port_item, sizeof port_item);
		if (is_name(name)) {
			if ((n = resolve(name, found, ADDRS_MAX, cause, cause_size)) < 0) {
				failed = true;
				break;
			}
		} else {
			found[0][0] = '\0'; /* a socket directory: libpq connects to it without resolving */
		}
		for (int a = 0; a < n; a++) {
			const char *comma = evbuffer_get_length(hosts) ? "," : "";
			evbuffer_add_printf(hosts, "%s%s", comma, name);
			evbuffer_add_printf(addrs, "%s%s", comma, found[a]);
			evbuffer_add_printf(ports, "%s%s", comma, port_item);
		}
	}
	if (failed) {
		evbuffer_free(out);
		evbuffer_free(hosts);
		evbuffer_free(addrs);
		evbuffer_free(ports);
		PQconninfoFree(options);
		return NULL;
	}
	for (o = options; o->keyword != NULL; o++)
		if (o->val != NULL && strcmp(o->keyword, "host") != 0 && strcmp(o->keyword, "hostaddr") != 0 &&
		    strcmp(o->keyword, "port") != 0)
			add_setting(out, o->keyword, o->val);
	if (port != NULL)
		add_list(out, "port", ports);
	else
		evbuffer_free(ports);
	PQconninfoFree(options);
	add_list(out, "host", hosts);
	add_list(out, "hostaddr", addrs);
	return text_take(out, NULL);
}

char *
db_resolve_hosts(const char *conninfo, char *cause, size_t cause_size)
{
	return db_resolve_hosts_with(conninfo, system_resolver, cause, cause_size);
}
