/* lib_log: libevent's and libpq's messages as log lines. */
#include "lib_log.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"

static void
libevent_message(int severity, const char *msg)
{
	enum log_level level = severity == EVENT_LOG_DEBUG ? LOG_DEBUG
	    : severity == EVENT_LOG_MSG                    ? LOG_INFO
	    : severity == EVENT_LOG_WARN                   ? LOG_WARN
	                                                   : LOG_ERROR;

	log_event(level, "libevent", "message", msg, (const char *)NULL);
}

void
lib_log_libevent(void)
{
	event_set_log_callback(libevent_message);
}

/* A notice's severity as a log level: the server's DEBUG/LOG/INFO/NOTICE are not problems. */
static enum log_level
notice_level(const char *severity)
{
	if (severity == NULL)
		return LOG_WARN;
	if (strcmp(severity, "WARNING") == 0)
		return LOG_WARN;
	if (strcmp(severity, "DEBUG") == 0 || strcmp(severity, "LOG") == 0)
		return LOG_DEBUG;
	if (strcmp(severity, "NOTICE") == 0 || strcmp(severity, "INFO") == 0)
		return LOG_INFO;
	return LOG_ERROR;
}

static void
libpq_notice(void *arg, const PGresult *res)
{
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char message[1024];
	size_t n;

	(void)arg;
	/* libpq's own notices carry only the whole text, ending in a newline */
	snprintf(message, sizeof message, "%s", primary ? primary : PQresultErrorMessage(res));
	n = strlen(message);
	while (n > 0 && message[n - 1] == '\n')
		message[--n] = '\0';
	log_event(notice_level(severity), "database notice", "severity", severity ? severity : "", "sqlstate",
	    sqlstate ? sqlstate : "", "message", message, (const char *)NULL);
}

void
lib_log_libpq(PGconn *conn)
{
	PQsetNoticeReceiver(conn, libpq_notice, NULL);
}
