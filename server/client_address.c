/* client_address: addresses are compared in canonical form (inet_pton, then inet_ntop). */
#include "client_address.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "app.h"
#include "config.h"
#include "http.h"

/* Canonical text of the address in text[0..len); false when it is not one. */
static bool
canonical(const char *text, size_t len, char out[CLIENT_ADDRESS_MAX])
{
	char buf[CLIENT_ADDRESS_MAX];
	unsigned char bin[16];

	while (len > 0 && (*text == ' ' || *text == '\t'))
		text++, len--;
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, bin) == 1)
		return inet_ntop(AF_INET, bin, out, CLIENT_ADDRESS_MAX) != NULL;
	if (inet_pton(AF_INET6, buf, bin) == 1)
		return inet_ntop(AF_INET6, bin, out, CLIENT_ADDRESS_MAX) != NULL;
	return false;
}

bool
client_address_listed(const char *list, const char *addr)
{
	char want[CLIENT_ADDRESS_MAX], item[CLIENT_ADDRESS_MAX];

	if (list == NULL || !canonical(addr, strlen(addr), want))
		return false;
	while (*list) {
		size_t n = strcspn(list, ",");
		if (canonical(list, n, item) && strcmp(item, want) == 0)
			return true;
		list += n;
		if (*list == ',')
			list++;
	}
	return false;
}

bool
client_address_from_headers(const char *real_ip, const char *forwarded_for, char out[CLIENT_ADDRESS_MAX])
{
	const char *last;

	if (real_ip != NULL && canonical(real_ip, strlen(real_ip), out))
		return true;
	if (forwarded_for == NULL)
		return false;
	last = strrchr(forwarded_for, ',');
	last = last ? last + 1 : forwarded_for;
	return canonical(last, strlen(last), out);
}

bool
client_address(const struct request *r, char out[CLIENT_ADDRESS_MAX])
{
	struct evhttp_connection *conn = evhttp_request_get_connection(r->req);
	char *peer = NULL;
	ev_uint16_t port = 0;
	char peer_text[CLIENT_ADDRESS_MAX];

	snprintf(out, CLIENT_ADDRESS_MAX, "unknown");
	if (conn == NULL)
		return false;
	evhttp_connection_get_peer(conn, &peer, &port);
	if (peer == NULL || !canonical(peer, strlen(peer), peer_text))
		return false;
	if (r->app->cfg->trusted_proxy[0] != '\0' && client_address_listed(r->app->cfg->trusted_proxy, peer_text) &&
	    client_address_from_headers(http_header(r, "X-Real-IP"), http_header(r, "X-Forwarded-For"), out))
		return true;
	snprintf(out, CLIENT_ADDRESS_MAX, "%s", peer_text);
	return true;
}
