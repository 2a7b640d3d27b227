/* log: structured lines on stderr. Each write(2) holds whole lines only, so workers do not
 * interleave. Inside a loop (log_use_loop), lines below warn gather in a buffer written once per loop
 * turn or when full; a warning or error goes out at once, after what is gathered. Outside a loop, and
 * from any other thread, every line is written as it comes. */
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#define LOG_LINE_MAX 4096
#define LOG_BUFFER (64 * 1024)

static enum log_level min_level = LOG_INFO;
static const char *level_names[] = {"debug", "info", "warn", "error"};
static char buffer[LOG_BUFFER];
static size_t buffered;
static struct event *flush_event; /* set while a loop is in use; pending while lines wait */
static int pid; /* of the process using the loop; 0: ask getpid */
static pthread_t loop_thread; /* lines from any other thread are written at once */

void
log_set_level(enum log_level level)
{
	min_level = level;
}

static int
needs_quotes(const char *value)
{
	if (*value == '\0')
		return 1;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return 1;
	return 0;
}

char *
log_escape(const char *value, char *buf, size_t n)
{
	size_t used = 0;
	int quote = needs_quotes(value);

	if (n == 0)
		return buf;
#define PUT(c)                                                                                                         \
	do {                                                                                                           \
		if (used + 1 < n)                                                                                      \
			buf[used++] = (char)(c);                                                                       \
	} while (0)
	if (quote)
		PUT('"');
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '"' || *p == '\\') {
			PUT('\\');
			PUT(*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			char hex[5];
			snprintf(hex, sizeof hex, "\\x%02x", *p);
			for (int i = 0; hex[i]; i++)
				PUT(hex[i]);
		} else {
			PUT(*p);
		}
	}
	if (quote)
		PUT('"');
#undef PUT
	buf[used] = '\0';
	return buf;
}

static void
write_all(const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, data, len);
		if (n <= 0)
			return; /* nowhere left to report it */
		data += n;
		len -= (size_t)n;
	}
}

void
log_flush(void)
{
	write_all(buffer, buffered);
	buffered = 0;
}

static void
flush_now(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush();
}

void
log_use_loop(struct event_base *base)
{
	log_flush();
	if (flush_event != NULL)
		event_free(flush_event);
	flush_event = base != NULL ? evtimer_new(base, flush_now, NULL) : NULL;
	pid = base != NULL ? (int)getpid() : 0;
	loop_thread = pthread_self();
}

/* "YYYY-MM-DDTHH:MM:SS" of the current second, formatted once per second. */
static const char *
second_text(time_t sec)
{
	static _Thread_local time_t last = -1;
	static _Thread_local char text[64];
	struct tm tm;

	if (sec != last) {
		gmtime_r(&sec, &tm);
		snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		last = sec;
	}
	return text;
}

static void
emit(enum log_level level, const char *line, size_t len)
{
	if (flush_event == NULL || !pthread_equal(pthread_self(), loop_thread)) {
		write_all(line, len);
		return;
	}
	if (level >= LOG_WARN) {
		log_flush();
		write_all(line, len);
		return;
	}
	if (buffered + len > sizeof buffer)
		log_flush();
	memcpy(buffer + buffered, line, len);
	buffered += len;
	if (!evtimer_pending(flush_event, NULL)) {
		struct timeval now = {0, 0};
		evtimer_add(flush_event, &now); /* runs on the loop's next turn */
	}
}

void
log_event(enum log_level level, const char *msg, ...)
{
	char line[LOG_LINE_MAX], escaped[1024];
	size_t used;
	struct timespec ts;
	va_list ap;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	used = (size_t)snprintf(line, sizeof line, "ts=%s.%03ldZ level=%s pid=%d msg=%s", second_text(ts.tv_sec),
	    ts.tv_nsec / 1000000, level_names[level], pid ? pid : (int)getpid(),
	    log_escape(msg, escaped, sizeof escaped));
	va_start(ap, msg);
	for (;;) {
		const char *key = va_arg(ap, const char *);
		const char *value;
		if (key == NULL || used >= sizeof line - 2)
			break;
		value = va_arg(ap, const char *);
		used += (size_t)snprintf(line + used, sizeof line - used, " %s=%s", key,
		    log_escape(value ? value : "", escaped, sizeof escaped));
	}
	va_end(ap);
	if (used > sizeof line - 2)
		used = sizeof line - 2;
	line[used++] = '\n';
	emit(level, line, used);
}
