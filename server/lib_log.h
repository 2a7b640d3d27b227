/* lib_log: what the libraries say goes through log.c as key=value lines, not raw to standard error —
 * libevent's own messages (event_set_log_callback) and the database's notices and warnings (a libpq
 * notice receiver on each connection). */
#ifndef PAIDAN_LIB_LOG_H
#define PAIDAN_LIB_LOG_H

#include <libpq-fe.h>

/* Sends libevent's messages to the log; once, before the first event base. */
void lib_log_libevent(void);

/* Sends conn's notices (NOTICE, WARNING, … from the server, and libpq's own) to the log. */
void lib_log_libpq(PGconn *conn);

#endif
