/* db_internal: what db.c (the pool and its wait queue), db_conn.c (one connection's state machine)
 * and db_flight.c (the statements a connection has in flight) share. Private to the pool's files:
 * everything else uses db.h. */
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
	/* While in flight (db_flight.c): */
	PGresult *result; /* the first error, else the last result so far */
	bool prepares; /* sent with its statement's prepare (pipeline mode) */
	bool sent; /* its Execute was queued whole: it may have run, so it is never run again */
	int results;
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
	struct event *timer; /* the connect deadline, then the oldest statement's deadline (the earliest) */
	int backoff_ms;
	/* Statements sent and not yet answered, oldest first (linked by next): at most one unless in
	 * pipeline mode, where up to the pipeline depth. */
	struct db_job *first, *last;
	int in_flight;
	long long head_since_ms; /* when first became the oldest */
	bool pipeline; /* in libpq's pipeline mode */
	unsigned char prepared[DB_MAX_STATEMENTS]; /* prepared here, or its prepare is in flight */
	bool is_listener; /* runs LISTEN and delivers notifications; never takes jobs */
	bool listen_failed;
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
	struct db_share_conn *pipeline_view; /* scratch for db_share_pipeline_pick, one per connection */
	bool closing;
	bool ever_up; /* until a first connection is up, statements wait for it instead of failing */
	struct db_pool_stats stats;
};

long long db_now_ms(void);
/* The deadline job gets when sent now: its own, or call_timeout_ms from now if that is sooner. */
long long db_job_deadline(const struct db_pool *pool, const struct db_job *job, long long now);

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
void db_conn_set_state(struct db_conn *c, enum conn_state next);
void db_conn_timer(struct db_conn *c, long long ms);
/* Sends what libpq's buffer holds; false when that lost the connection. */
bool db_conn_flush(struct db_conn *c);
/* The connection broke: its statements fail (or wait again, if they never ran); it reconnects. */
void db_conn_lost(struct db_conn *c, const char *why);
/* db_cancel.c: asks the server to stop c's statement, off the loop; the connection is dropped anyway. */
void db_conn_cancel(struct db_conn *c);
/* Fails c's statements in flight with DB_UNAVAILABLE, closes and frees it. */
void db_conn_close(struct db_conn *c);

/* db_flight.c: the statements a connection has in flight. */
/* Sends job on c: idle, or in pipeline mode behind what it has in flight (db_share_pipeline_pick). */
void db_conn_send(struct db_conn *c, struct db_job *job);
/* Reads the results that are in and answers their statements, oldest first. */
void db_flight_read(struct db_conn *c);
/* Takes every statement off c, oldest first (linked by next), for c's owner to answer. */
struct db_job *db_flight_take(struct db_conn *c);

#endif
