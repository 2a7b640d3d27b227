/* app: what one serving process shares between requests — loop, settings, database pool. */
#ifndef PAIDAN_APP_H
#define PAIDAN_APP_H

#include <event2/event.h>
#include <stdbool.h>

struct config;
struct db_pool;
struct http_server;
struct offload;
struct channels;
struct outbox;

struct app {
	struct event_base *base;
	const struct config *cfg;
	struct db_pool *db;
	struct http_server *http;
	struct offload *offload; /* argon2id off the loop */
	struct channels *channels; /* SMS and group robots */
	struct outbox *outbox; /* the notification sender, or NULL when --notify-sender 0 */
	bool stopping;
};

#endif
