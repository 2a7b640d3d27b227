/* db: a pool of non-blocking libpq connections driven by libevent, with a bounded wait queue.
 *
 * Nothing here blocks: connections are made with PQconnectStartParams/PQconnectPoll,
 * statements are prepared lazily per connection and run with PQsendQueryPrepared,
 * results are read when the socket is readable. One statement per connection at a
 * time, so a statement waiting on a lock holds up only its own connection. */
#ifndef PAIDAN_DB_H
#define PAIDAN_DB_H

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdbool.h>

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
	DB_UNAVAILABLE, /* no connection to the database, or it was lost mid-statement */
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
	int queue_max;
	int queue_timeout_ms;
	int statement_timeout_ms;
	int lock_timeout_ms;
};

/* Starts connecting `size` connections in the background; returns the pool (owned
 * by the caller, freed with db_pool_free). */
struct db_pool *db_pool_new(struct event_base *base, const struct db_pool_options *options);

/* Fails every waiting and running query with DB_UNAVAILABLE, closes the connections, frees. */
void db_pool_free(struct db_pool *pool);

/* Runs stmt with text parameters (NULL entries are SQL NULL; values are copied). */
void db_query(struct db_pool *pool, struct db_statement *stmt, const char *const *values, db_callback cb, void *arg);

/* Opens one more connection, dedicated to LISTEN channel: on_notify(arg, payload) runs on the
 * loop for each notification; on_listen_start(arg) each time the LISTEN is (re)established,
 * since notifications sent while it was down are lost. channel is a constant, not input. */
void db_listen(struct db_pool *pool, const char *channel, void (*on_notify)(void *arg, const char *payload),
    void (*on_listen_start)(void *arg), void *arg);

/* True while the db_listen connection is listening (notifications are being heard). */
bool db_listening(const struct db_pool *pool);

/* True when at least one connection is up. */
bool db_pool_ready(const struct db_pool *pool);

/* Counters for /metrics. */
struct db_pool_stats {
	int connections_up;
	int queued;
	unsigned long queries;
	unsigned long refused_busy;
	unsigned long refused_unavailable;
	unsigned long reconnects;
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
