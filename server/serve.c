/* serve: the parent forks the workers and forwards signals; each worker owns a loop, a pool and a listener. */
#include "serve.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "app.h"
#include "channels.h"
#include "checkpoint_daily.h"
#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "events.h"
#include "http.h"
#include "http_client.h"
#include "id_number.h"
#include "lib_log.h"
#include "log.h"
#include "metrics.h"
#include "not_found.h"
#include "offload.h"
#include "outbox.h"
#include "routes.h"
#include "session_cache.h"
#include "settings_record.h"
#include "socket_activation.h"
#include "sweep.h"
#include "tracking_code.h"

#define DRAIN_TICK_MS 20
/* Hashing what is still queued at shutdown: the queue is bounded, so this is a few seconds at most. */
#define OFFLOAD_STOP_WAIT_MS 30000
#define MAX_WORKERS 64

struct shutdown_state {
	struct app *app;
	struct events *events;
	struct event *tick;
	long long deadline_ms;
};

static long long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct shutdown_state *s = arg;
	int in_flight = http_server_in_flight(s->app->http);

	(void)fd;
	(void)what;
	if (in_flight == 0 || monotonic_ms() >= s->deadline_ms) {
		if (in_flight > 0)
			log_warn("shutdown grace period over", "requests_left", in_flight > 9 ? "many" : "some");
		event_base_loopbreak(s->app->base);
	}
}

static void
on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	struct shutdown_state *s = arg;
	struct timeval tick = {0, DRAIN_TICK_MS * 1000};

	(void)what;
	if (s->app->stopping)
		return;
	log_info("stopping: no new connections, finishing requests", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
	s->app->stopping = true;
	http_server_stop_accepting(s->app->http);
	outbox_stop_claiming(s->app->outbox);
	/* Live streams never finish by themselves: end them so the drain can. */
	events_close_streams(s->events);
	s->deadline_ms = monotonic_ms() + s->app->cfg->shutdown_grace_ms;
	event_add(s->tick, &tick);
}

/* Raises the descriptor limit to the hard limit: every connection costs one. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
serve_process(const struct config *cfg)
{
	struct app app = {0};
	struct shutdown_state stop = {0};
	struct event *sigterm, *sigint;
	struct sweep *sweep;
	const char *cause = NULL;
	struct checkpoint_daily *checkpoints;
	struct settings_record *settings;
	struct db_pool_options db_options = {
	    .conninfo = cfg->database_url,
	    .size = (int)cfg->db_pool_size,
	    .queue_max = {(int)cfg->db_queue_max, (int)cfg->db_slow_queue_max, (int)cfg->db_write_queue_max},
	    .queue_timeout_ms = (int)cfg->db_queue_timeout_ms,
	    .statement_timeout_ms = (int)cfg->statement_timeout_ms,
	    .lock_timeout_ms = (int)cfg->lock_timeout_ms,
	    .call_timeout_ms = (int)cfg->db_call_timeout_ms,
	    .connect_timeout_ms = (int)cfg->db_connect_timeout_ms,
	    .pipeline_depth = (int)cfg->db_pipeline_depth,
	};

	struct http_server_options http_options = {
	    .listen = cfg->listen,
	    .max_header_bytes = (size_t)cfg->max_header_bytes,
	    .max_body_bytes = (size_t)cfg->max_body_bytes,
	    .max_photo_body_bytes = (size_t)cfg->max_photo_body_bytes,
	    .timeout_s = cfg->http_timeout_s,
	    .max_connections = cfg->max_connections,
	    .redact_path = tracking_code_redact_path,
	    .header_timeout_s = cfg->header_timeout_s,
	    .min_body_rate = cfg->min_body_rate,
	    .not_found = not_found_reply,
	};
	size_t nroutes;
	const struct route *routes = routes_table(&nroutes);

	app.cfg = cfg;
	lib_log_libevent();
	app.base = event_base_new();
	if (app.base == NULL) {
		log_error("cannot create the event loop");
		return 1;
	}
	log_use_loop(app.base);
	app.channels = channels_new(app.base, cfg, &cause);
	if (app.channels == NULL) {
		log_error("notification settings are wrong; not serving", "reason", cause);
		log_use_loop(NULL);
		event_base_free(app.base);
		return 1;
	}
	app.db = db_pool_new(app.base, &db_options);
	app.offload = offload_new(app.base, 2, (int)cfg->offload_queue_max);
	app.http = http_server_start(app.base, &http_options, routes, nroutes, dispatch_request, &app);
	if (app.http == NULL) {
		channels_free(app.channels);
		offload_free(app.offload, OFFLOAD_STOP_WAIT_MS);
		db_pool_free(app.db);
		log_use_loop(NULL);
		event_base_free(app.base);
		return 1;
	}
	stop.app = &app;
	stop.tick = event_new(app.base, -1, EV_PERSIST, drain_tick, &stop);
	sigterm = evsignal_new(app.base, SIGTERM, on_stop_signal, &stop);
	sigint = evsignal_new(app.base, SIGINT, on_stop_signal, &stop);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	sweep = sweep_start(&app);
	session_cache_set_ttl_ms(app.cfg->session_cache_ms);
	checkpoints = checkpoint_daily_start(&app);
	settings = settings_record_start(&app);
	stop.events = events_start(&app);
	if (cfg->notify_sender)
		app.outbox = outbox_start(&app);

	event_base_dispatch(app.base);

	/* Offloaded work and the pool first: what they still owe is answered while evhttp holds the requests. */
	events_close_streams(stop.events);
	outbox_stop_claiming(app.outbox);
	channels_free(app.channels); /* calls in flight end; their rows come back when the lease lapses */
	offload_free(app.offload, OFFLOAD_STOP_WAIT_MS);
	db_pool_free(app.db);
	sweep_stop(sweep);
	outbox_free(app.outbox);
	checkpoint_daily_stop(checkpoints);
	settings_record_stop(settings); /* after the pool, like the sweep: its query's failure calls back */
	events_free(stop.events); /* after the pool: its failed queries still call back into the sweep */
	http_server_free(app.http);
	event_free(sigterm);
	event_free(sigint);
	event_free(stop.tick);
	session_cache_free();
	log_use_loop(NULL); /* what the last turns logged is written before the loop goes */
	event_base_free(app.base);
	log_info("stopped");
	return 0;
}

static volatile sig_atomic_t parent_stopping;
static pid_t worker_pids[MAX_WORKERS];
static int worker_count;

static void
forward_signal(int sig)
{
	parent_stopping = 1;
	for (int i = 0; i < worker_count; i++)
		if (worker_pids[i] > 0)
			kill(worker_pids[i], sig);
}

static pid_t
start_worker(const struct config *cfg)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		_exit(serve_process(cfg));
	}
	return pid;
}

/* The parent only forks, forwards SIGTERM/SIGINT, and restarts a worker that crashed. */
static int
serve_workers(const struct config *cfg)
{
	struct sigaction sa;
	int exit_code = 0, alive;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	worker_count = (int)cfg->workers;
	for (int i = 0; i < worker_count; i++)
		worker_pids[i] = start_worker(cfg);
	alive = worker_count;
	while (alive > 0) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < worker_count; i++) {
			if (worker_pids[i] != pid)
				continue;
			if (!parent_stopping && WIFSIGNALED(status)) {
				log_error("worker died; starting another");
				sleep(1);
				worker_pids[i] = start_worker(cfg);
				break;
			}
			worker_pids[i] = 0;
			alive--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				exit_code = 1;
		}
	}
	return exit_code;
}

int
serve_run(const struct config *cfg)
{
	size_t nroutes;
	const struct route *routes = routes_table(&nroutes);

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	socket_activation_take(); /* before the workers fork: they share systemd's socket */
	metrics_init(routes, nroutes); /* shared by the workers */
	http_client_global_init();
	if (!id_number_key_load_or_create(cfg->id_key_file))
		return 1;
	if (cfg->workers <= 1)
		return serve_process(cfg);
	return serve_workers(cfg);
}
