/* db: a pool of non-blocking libpq connections driven by libevent, with a bounded wait queue.
 *
 * Nothing here blocks: connections are made with PQconnectStartParams/PQconnectPoll,
 * statements are prepared lazily per connection and run with PQsendQueryPrepared,
 * results are read when the socket is readable. A statement waiting on a lock holds up
 * only its own connection: slow reads and writes run one per connection; fast reads may
 * be pipelined, several on a busy connection of fast reads, when none is idle (db_share.h).
 * Connecting and every statement have a deadline: a database that stops answering costs a
 * request at most call_timeout_ms, and the connection is cancelled, dropped and made again. */
#ifndef PAIDAN_DB_H
#define PAIDAN_DB_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "db_share.h"

struct db_pool;

/* A statement prepared once per connection. Define one per query as a static
 * with DB_STATEMENT; the pool numbers it on first use. */
struct db_statement {
	const char *name;
	const char *sql;
	int nparams;
	int index; /* -1 until first used */
};
#define DB_STATEMENT(name, sql, nparams)                                                                               \
	{                                                                                                              \
		name, sql, nparams, -1                                                                                 \
	}

enum db_status {
	DB_OK, /* result holds the rows (or the command's status) */
	DB_SQL_ERROR, /* the statement failed: sqlstate, message, constraint */
	DB_UNAVAILABLE, /* no connection to the database, or it was lost or timed out mid-statement (a
	                   write may then have committed) */
	DB_BUSY, /* the wait queue is full or the wait took too long */
};

struct db_reply {
	enum db_status status;
	const PGresult *result; /* DB_OK: borrowed, valid only during the callback */
	const char *sqlstate; /* DB_SQL_ERROR, else "" */
	const char *message; /* DB_SQL_ERROR or DB_UNAVAILABLE: for the log, not for users */
	const char *constraint; /* DB_SQL_ERROR: the violated constraint's name, or "" */
};

/* Called exactly once per db_query, from the event loop, or before db_query
 * returns when the query is refused at once (no database, queue full): the
 * caller must not touch arg after calling db_query. */
typedef void (*db_callback)(void *arg, const struct db_reply *reply);

struct db_pool_options {
	const char *conninfo; /* libpq URI or key=value string */
	int size;
	int queue_max[DB_CLASSES]; /* statements of each class waiting for a connection (db_share.h) */
	int queue_timeout_ms;
	int statement_timeout_ms;
	int lock_timeout_ms;
	int call_timeout_ms; /* a statement sent and not answered by then is cancelled */
	int connect_timeout_ms; /* a connection not up by then is dropped and tried again */
	bool fail_at_start; /* refuse at once before a first connection is up (tests), instead of waiting */
	int pipeline_depth; /* fast reads in flight on one connection in pipeline mode; 0 or 1: no pipeline */
};

/* Starts connecting `size` connections in the background; returns the pool (owned
 * by the caller, freed with db_pool_free). */
struct db_pool *db_pool_new(struct event_base *base, const struct db_pool_options *options);

/* Fails every waiting and running query with DB_UNAVAILABLE, closes the connections, frees. */
void db_pool_free(struct db_pool *pool);

/* The class the statements db_query is called for from now on belong to; returns the class it
 * replaces, for the caller to put back. Dispatch sets a route's class (routes.c) around its
 * handler, and the pool sets each statement's class around its callback, so every statement of a
 * request runs in its route's class. Elsewhere (timers, the sweep, hashing results): writes. */
enum db_class db_pool_use_class(struct db_pool *pool, enum db_class c);

/* Runs stmt with text parameters (NULL entries are SQL NULL; values are copied), in the class
 * db_pool_use_class set: DB_BUSY at once when that class's queue is full. */
void db_query(struct db_pool *pool, struct db_statement *stmt, const char *const *values, db_callback cb, void *arg);

/* db_query that gives up after within_ms in all, waiting included (DB_BUSY while waiting,
 * DB_UNAVAILABLE once sent): for probes such as /readyz that must answer quickly. */
void db_query_within(struct db_pool *pool, struct db_statement *stmt, const char *const *values, int within_ms,
    db_callback cb, void *arg);

/* Opens one more connection, dedicated to LISTEN channel: on_notify(arg, payload) runs on the
 * loop for each notification; on_listen_start(arg) each time the LISTEN is (re)established,
 * since notifications sent while it was down are lost. channel is a constant, not input. */
void db_listen(struct db_pool *pool, const char *channel, void (*on_notify)(void *arg, const char *payload),
    void (*on_listen_start)(void *arg), void *arg);

/* True while the db_listen connection is listening (notifications are being heard). */
bool db_listening(const struct db_pool *pool);

/* True when at least one connection is up. */
bool db_pool_ready(const struct db_pool *pool);
/* Statements wait for a connection, or half the connections (at least two) are running: background
 * work (the notification sender) should leave the database to requests for now. */
bool db_pool_busy(const struct db_pool *pool);

/* Counters for /metrics. */
struct db_pool_stats {
	int connections_up;
	int queued;
	unsigned long queries;
	unsigned long refused_busy;
	unsigned long refused_unavailable;
	unsigned long reconnects;
	unsigned long call_timeouts; /* statements past their deadline */
	unsigned long connect_timeouts;
	unsigned long cancels_sent;
	unsigned long cancels_dropped; /* the canceller's queue was full */
	unsigned long pipelined; /* statements sent behind others still in flight on their connection */
	int running_by_class[DB_CLASSES]; /* statements in flight */
	int queued_by_class[DB_CLASSES];
	unsigned long refused_busy_by_class[DB_CLASSES]; /* queue full, or waited too long */
};
void db_pool_get_stats(const struct db_pool *pool, struct db_pool_stats *stats);

/* Text of a cell, or NULL for SQL NULL. */
const char *db_value(const PGresult *result, int row, int col);

/* The libpq keyword arrays shared by the pool and the command-line tools:
 * conninfo expanded, then application_name, TimeZone=UTC, client_encoding=UTF8
 * and the given timeouts (0 = server default). */
void db_connect_params(const char *conninfo, int statement_timeout_ms, int lock_timeout_ms, const char *keywords[8],
    const char *values[8], char options_buf[128]);

#endif
