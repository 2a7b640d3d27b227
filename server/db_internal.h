/* db_internal: what db.c (the pool and its wait queue) and db_conn.c (one connection's state
 * machine) share. Private to those two files: everything else uses db.h. */
#ifndef PAIDAN_DB_INTERNAL_H
#define PAIDAN_DB_INTERNAL_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "db.h"

#define DB_MAX_STATEMENTS 256

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_IDLE, CONN_PREPARING, CONN_QUERYING };

struct db_job {
	struct db_job *next;
	struct db_statement *stmt;
	char **values;
	db_callback cb;
	void *arg;
	long long queued_ms;
	long long deadline_ms; /* the caller's own limit, else set at the first send (absolute, monotonic) */
	enum db_class klass;
	struct db_pool *pool;
};

struct db_conn {
	struct db_pool *pool;
	int number;
	PGconn *pg;
	enum conn_state state;
	/* While connecting: one-shot events on the current PQsocket (it may change). */
	struct event *connecting_io;
	/* Once up: read interest armed once for the connection's life, write interest only while
	 * PQflush has data left, so a statement costs no epoll_ctl at all. */
	struct event *read_io, *write_io;
	bool writing;
	struct event *retry;
	struct event *timer; /* the connect deadline, then each statement's deadline */
	int backoff_ms;
	struct db_job *job;
	PGresult *result;
	unsigned char prepared[DB_MAX_STATEMENTS];
	bool is_listener; /* runs LISTEN and delivers notifications; never takes jobs */
};

struct db_pool {
	struct event_base *base;
	struct db_pool_options options;
	char *conninfo;
	struct db_conn *conns;
	struct db_queue {
		struct db_job *head, *tail;
		int length;
	} queues[DB_CLASSES];
	enum db_class current; /* the class db_query gives its statements (db_pool_use_class) */
	struct event *queue_timer;
	struct db_conn *listener;
	char *listen_sql;
	void (*on_notify)(void *arg, const char *payload);
	void (*on_listen_start)(void *arg);
	void *notify_arg;
	struct offload *canceller; /* PQcancel blocks: it runs on a thread of its own */
	bool closing;
	bool ever_up; /* until a first connection is up, statements wait for it instead of failing */
	struct db_pool_stats stats;
};

long long db_now_ms(void);

/* db.c: the wait queue and the jobs. */
void db_job_fail(struct db_job *job, enum db_status status, const char *message);
void db_job_finish(struct db_job *job, const struct db_reply *reply);
void db_queue_push_head(struct db_pool *pool, struct db_job *job);
void db_pool_fail_queue(struct db_pool *pool, const char *message);
/* Hands waiting statements to idle connections, as far as each class's share allows. */
void db_pool_start_waiting(struct db_pool *pool);
int db_pool_connections_up(const struct db_pool *pool);

/* db_conn.c: one connection. */
bool db_conn_is_up(const struct db_conn *c);
void db_conn_init(struct db_pool *pool, struct db_conn *c, int number);
/* Starts connecting in the background (with its own deadline). */
void db_conn_connect(struct db_conn *c);
/* Sends job on an idle connection (preparing its statement first if needed). */
void db_conn_send(struct db_conn *c, struct db_job *job);
/* db_cancel.c: asks the server to stop c's statement, off the loop; the connection is dropped anyway. */
void db_conn_cancel(struct db_conn *c);
/* Fails c's running job with DB_UNAVAILABLE, closes and frees it. */
void db_conn_close(struct db_conn *c);

#endif
