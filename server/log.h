/* log: one key=value line per event on stderr, control characters escaped. */
#ifndef PAIDAN_LOG_H
#define PAIDAN_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct event_base;

/* Lines below warn wait in a buffer written once per turn of this loop (or when full); NULL writes
 * what waits and goes back to writing each line at once (call it before freeing the loop). */
void log_use_loop(struct event_base *base);
/* Writes what waits now. */
void log_flush(void);

/* Lines below this level are dropped. */
void log_set_level(enum log_level level);

/* Writes "ts=… level=… pid=… msg=<msg>" then each key=value pair given as
 * alternating const char * arguments ending with NULL. Values are quoted and
 * escaped when they hold spaces, quotes or control characters. */
void log_event(enum log_level level, const char *msg, ...);

#define log_info(...) log_event(LOG_INFO, __VA_ARGS__, (const char *)NULL)
#define log_warn(...) log_event(LOG_WARN, __VA_ARGS__, (const char *)NULL)
#define log_error(...) log_event(LOG_ERROR, __VA_ARGS__, (const char *)NULL)
#define log_debug(...) log_event(LOG_DEBUG, __VA_ARGS__, (const char *)NULL)

/* Appends value to buf (size n) escaped for a log line; returns buf. */
char *log_escape(const char *value, char *buf, size_t n);

#endif
