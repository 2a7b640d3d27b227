/* log: structured lines on stderr; one write(2) per line so workers do not interleave. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static const char *level_names[] = {"debug", "info", "warn", "error"};

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

void
log_event(enum log_level level, const char *msg, ...)
{
	char line[4096], escaped[1024];
	size_t used;
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	used = (size_t)snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s pid=%d msg=%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
	    level_names[level], (int)getpid(), log_escape(msg, escaped, sizeof escaped));
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
	if (write(STDERR_FILENO, line, used) < 0) {
		/* nowhere left to report it */
	}
}
