/* client_address: who is on the other end — the socket's peer, or, when that peer is a configured
 * trusted proxy (--trusted-proxy), the address the proxy names in X-Real-IP or X-Forwarded-For.
 * Headers from anyone else are ignored: a client cannot pick its own address. */
#ifndef PAIDAN_CLIENT_ADDRESS_H
#define PAIDAN_CLIENT_ADDRESS_H

#include <stdbool.h>

struct request;

#define CLIENT_ADDRESS_MAX 46 /* INET6_ADDRSTRLEN */

/* Writes the client's address (canonical text) to out; false (out "unknown") when there is none. */
bool client_address(const struct request *r, char out[CLIENT_ADDRESS_MAX]);

/* True when addr (text) is one of the comma-separated addresses in list. Pure, for tests. */
bool client_address_listed(const char *list, const char *addr);

/* The client named by a proxy's headers: X-Real-IP when it is an address, else the last (rightmost,
 * the one the proxy itself added) entry of X-Forwarded-For. False when neither names an address. */
bool client_address_from_headers(const char *real_ip, const char *forwarded_for, char out[CLIENT_ADDRESS_MAX]);

#endif
