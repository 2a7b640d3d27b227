/* fuzz_http: whole raw requests through the real server — the connection guard, evhttp, routing
 * and the handlers — over a loopback socket, one connection per input. The database is
 * unreachable (every query is refused at once), so handlers take their error paths. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "app.h"
#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "http.h"
#include "log.h"
#include "offload.h"
#include "routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct app app;
static struct config cfg;
static int port;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
start_once(void)
{
	static char listen[32];
	char *argv[] = {"fuzz_http", NULL};
	const char *cause;
	struct db_pool_options db = {.conninfo = "host=/nonexistent-paidan-fuzz dbname=none",
	    .size = 1,
	    .queue_max = {16, 16, 16},
	    .queue_timeout_ms = 100,
	    .statement_timeout_ms = 1000,
	    .lock_timeout_ms = 1000,
	    .fail_at_start = true};

	signal(SIGPIPE, SIG_IGN);
	setenv("PAIDAN_STATIC_DIR", "clients", 0);
	if (config_load(&cfg, 1, argv, 1, &cause) < 0)
		abort();
	log_set_level(LOG_ERROR);
	app.cfg = &cfg;
	app.base = event_base_new();
	app.db = db_pool_new(app.base, &db);
	app.offload = offload_new(app.base, 1, 4);
	for (int attempt = 0; attempt < 50 && app.http == NULL; attempt++) {
		struct http_server_options options = {.listen = listen,
		    .max_header_bytes = (size_t)cfg.max_header_bytes,
		    .max_body_bytes = (size_t)cfg.max_body_bytes,
		    .max_photo_body_bytes = (size_t)cfg.max_photo_body_bytes,
		    .timeout_s = cfg.http_timeout_s,
		    .max_connections = cfg.max_connections,
		    .header_timeout_s = cfg.header_timeout_s,
		    .min_body_rate = cfg.min_body_rate};
		size_t nroutes;
		const struct route *routes = routes_table(&nroutes);
		port = 20000 + (int)((getpid() * 7 + attempt * 131) % 20000);
		snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
		app.http = http_server_start(app.base, &options, routes, nroutes, dispatch_request, &app);
	}
	if (app.http == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in addr;
	int fd;
	long long deadline;
	char sink[4096];

	if (app.base == NULL)
		start_once();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	connect(fd, (struct sockaddr *)&addr, sizeof addr); /* loopback: in progress, done by the loop */
	deadline = now_ms() + 200;
	for (size_t sent = 0; now_ms() < deadline;) {
		ssize_t n;
		event_base_loop(app.base, EVLOOP_NONBLOCK);
		if (sent < size) {
			n = write(fd, data + sent, size - sent);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != ENOTCONN)
				break;
			if (sent == size)
				shutdown(fd, SHUT_WR);
			continue;
		}
		n = read(fd, sink, sizeof sink);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break; /* the server closed the connection: the input is done with */
	}
	close(fd);
	/* Let the server see the close and free what the connection held. */
	for (int i = 0; i < 20; i++)
		event_base_loop(app.base, EVLOOP_NONBLOCK);
	return 0;
}
