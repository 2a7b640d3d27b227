/* config: defaults < environment < flags, from one table. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum setting_type { SETTING_STRING, SETTING_LONG };

struct setting {
	const char *flag;
	const char *env;
	const char *fallback;
	enum setting_type type;
	size_t offset;
	long min, max;
	const char *help;
};

#define STR(field) SETTING_STRING, offsetof(struct config, field), 0, 0
#define NUM(field, lo, hi) SETTING_LONG, offsetof(struct config, field), lo, hi

static const struct setting settings[] = {
    {"--listen", "PAIDAN_LISTEN", "127.0.0.1:8080", STR(listen), "address:port to serve HTTP on"},
    {"--database-url", "PAIDAN_DATABASE_URL", "postgresql:///paidan", STR(database_url), "libpq conninfo or URI"},
    {"--migrate-database-url", "PAIDAN_MIGRATE_DATABASE_URL", "", STR(migrate_database_url),
        "the tables' owner: `serve` migrates with it before serving (without it, it does not migrate)"},
    {"--static-dir", "PAIDAN_STATIC_DIR", "./clients", STR(static_dir), "web clients to serve"},
    {"--sql-dir", "PAIDAN_SQL_DIR", "./sql", STR(sql_dir), "migrations (NNN_*.sql) and demo/"},
    {"--log-level", "PAIDAN_LOG_LEVEL", "info", STR(log_level), "debug, info, warn or error"},
    {"--demo-password", "PAIDAN_DEMO_PASSWORD", "paidan-demo", STR(demo_password), "password of the demo accounts"},
    {"--issuer", "PAIDAN_ISSUER", "县科学技术协会", STR(issuer), "organisation named on service-record certificates"},
    {"--organizer", "PAIDAN_ORGANIZER", "县科学技术协会", STR(organizer),
        "who runs the service, named to residents on the order form (the catalog's organizer)"},
    {"--organizer-phone", "PAIDAN_ORGANIZER_PHONE", "", STR(organizer_phone),
        "a number residents may call with questions, shown on the order form (none: they are told to ask their community)"},
    {"--certificate-handler", "PAIDAN_CERTIFICATE_HANDLER", "", STR(certificate_handler),
        "经办人 on certificates: the issuing organisation's designated handler (never the person who asks)"},
    {"--certificate-contact", "PAIDAN_CERTIFICATE_CONTACT", "", STR(certificate_contact),
        "the handler's contact telephone printed on certificates"},
    {"--id-key-file", "PAIDAN_ID_KEY_FILE", "./var/id.key", STR(id_key_file),
        "32-byte key encrypting ID-card numbers (made at first start; back it up)"},
    {"--checkpoint-key-file", "PAIDAN_CHECKPOINT_KEY_FILE", "./var/checkpoint.key", STR(checkpoint_key_file),
        "Ed25519 key that signs audit checkpoints (made when missing; keep it off the database host)"},
    {"--checkpoint-dir", "PAIDAN_CHECKPOINT_DIR", "./var/checkpoints", STR(checkpoint_dir),
        "where signed audit checkpoints are written (copy them off the database host)"},
    {"--checkpoint-interval-s", "PAIDAN_CHECKPOINT_INTERVAL_S", "86400", NUM(checkpoint_interval_s, 0, 31536000),
        "serve writes a signed audit checkpoint this often (0: never)"},
    {"--public-url", "PAIDAN_PUBLIC_URL", "http://127.0.0.1:8080", STR(public_url),
        "how users reach the server (the links in SMS and group messages, certificates' QR codes); with https the session cookie is Secure and __Host- prefixed"},
    {"--metrics-allow", "PAIDAN_METRICS_ALLOW", "", STR(metrics_allow),
        "comma-separated client addresses, besides loopback, that may read /metrics"},
    {"--trusted-proxy", "PAIDAN_TRUSTED_PROXY", "", STR(trusted_proxy),
        "comma-separated proxy addresses whose X-Forwarded-For / X-Real-IP name the client (else the socket does)"},
    {"--workers", "PAIDAN_WORKERS", "1", NUM(workers, 1, 64), "processes sharing the port (SO_REUSEPORT)"},
    {"--db-pool-size", "PAIDAN_DB_POOL_SIZE", "4", NUM(db_pool_size, 1, 64), "database connections per process"},
    {"--db-pipeline-depth", "PAIDAN_DB_PIPELINE_DEPTH", "1", NUM(db_pipeline_depth, 1, 64),
        "fast reads in flight on one database connection (libpq pipeline mode) when none is idle; 1: one at a time"},
    {"--db-queue-max", "PAIDAN_DB_QUEUE_MAX", "512", NUM(db_queue_max, 1, 100000),
        "fast reads (one order, the catalog) waiting for a connection before 503"},
    {"--db-slow-queue-max", "PAIDAN_DB_SLOW_QUEUE_MAX", "64", NUM(db_slow_queue_max, 1, 100000),
        "slow reads (lists, statistics, exports) waiting for a connection before 503"},
    {"--db-write-queue-max", "PAIDAN_DB_WRITE_QUEUE_MAX", "256", NUM(db_write_queue_max, 1, 100000),
        "writes waiting for a connection before 503"},
    {"--db-queue-timeout-ms", "PAIDAN_DB_QUEUE_TIMEOUT_MS", "2000", NUM(db_queue_timeout_ms, 10, 60000),
        "longest wait for a connection before 503"},
    {"--statement-timeout-ms", "PAIDAN_STATEMENT_TIMEOUT_MS", "10000", NUM(statement_timeout_ms, 100, 600000),
        "PostgreSQL statement_timeout"},
    {"--lock-timeout-ms", "PAIDAN_LOCK_TIMEOUT_MS", "5000", NUM(lock_timeout_ms, 100, 600000),
        "PostgreSQL lock_timeout"},
    {"--db-call-timeout-ms", "PAIDAN_DB_CALL_TIMEOUT_MS", "0", NUM(db_call_timeout_ms, 0, 600000),
        "deadline for each database call (0: the statement timeout + 1000); past it 503, the call is cancelled"},
    {"--db-connect-timeout-ms", "PAIDAN_DB_CONNECT_TIMEOUT_MS", "5000", NUM(db_connect_timeout_ms, 100, 600000),
        "deadline for making a database connection"},
    {"--offload-queue-max", "PAIDAN_OFFLOAD_QUEUE_MAX", "64", NUM(offload_queue_max, 1, 100000),
        "jobs (password hashes, static-file compression) waiting for a worker thread before 503"},
    {"--max-body-bytes", "PAIDAN_MAX_BODY_BYTES", "1048576", NUM(max_body_bytes, 1024, 16777216),
        "largest request body (413 past it), unless the route has an allowance of its own"},
    {"--max-photo-body-bytes", "PAIDAN_MAX_PHOTO_BODY_BYTES", "2097152", NUM(max_photo_body_bytes, 1024, 16777216),
        "largest body of a service-photo upload (413 past it; the photo itself is at most 2 MiB)"},
    {"--max-header-bytes", "PAIDAN_MAX_HEADER_BYTES", "8192", NUM(max_header_bytes, 1024, 65536),
        "largest request head"},
    {"--http-timeout-s", "PAIDAN_HTTP_TIMEOUT_S", "30", NUM(http_timeout_s, 1, 3600), "idle read/write timeout"},
    {"--header-timeout-s", "PAIDAN_HEADER_TIMEOUT_S", "10", NUM(header_timeout_s, 1, 600),
        "a request head must arrive whole within this, however it trickles in"},
    {"--min-body-rate", "PAIDAN_MIN_BODY_RATE", "1000", NUM(min_body_rate, 1, 100000000),
        "bytes per second a request body must average after --header-timeout-s of grace"},
    {"--max-connections", "PAIDAN_MAX_CONNECTIONS", "4096", NUM(max_connections, 16, 1000000),
        "open HTTP connections per process; past it the oldest still sending its head, or idle, is closed"},
    {"--max-streams", "PAIDAN_MAX_STREAMS", "2000", NUM(max_streams, 0, 1000000),
        "open live-update streams per process before 503"},
    {"--shutdown-grace-ms", "PAIDAN_SHUTDOWN_GRACE_MS", "5000", NUM(shutdown_grace_ms, 0, 60000),
        "time in-flight requests get on SIGTERM"},
    {"--sweep-interval-s", "PAIDAN_SWEEP_INTERVAL_S", "60", NUM(sweep_interval_s, 1, 86400),
        "how often overdue orders are escalated"},
    {"--session-hours", "PAIDAN_SESSION_HOURS", "12", NUM(session_hours, 1, 720), "login session lifetime"},
    {"--session-cache-ms", "PAIDAN_SESSION_CACHE_MS", "5000", NUM(session_cache_ms, 0, 60000),
        "how long a process reuses a session look-up (0: never)"},
    {"--device-session-days", "PAIDAN_DEVICE_SESSION_DAYS", "30", NUM(device_session_days, 1, 90),
        "session lifetime of a team or volunteer account that logs in with remember_device (its own phone)"},
    {"--login-max-per-user-address", "PAIDAN_LOGIN_MAX_PER_USER_ADDRESS", "5", NUM(login_max_per_user_address, 1, 1000),
        "login attempts per username from one address per window"},
    {"--login-max-per-address", "PAIDAN_LOGIN_MAX_PER_ADDRESS", "100", NUM(login_max_per_address, 1, 1000000),
        "login attempts from one address per window (accounts not known there)"},
    {"--login-max-per-user", "PAIDAN_LOGIN_MAX_PER_USER", "50", NUM(login_max_per_user, 1, 1000000),
        "login attempts per username per window, from addresses it never logged in from"},
    {"--login-window-minutes", "PAIDAN_LOGIN_WINDOW_MINUTES", "15", NUM(login_window_minutes, 1, 1440),
        "the window the login limits count in"},
    {"--password-queue-max", "PAIDAN_PASSWORD_QUEUE_MAX", "32", NUM(password_queue_max, 1, 10000),
        "password hashes waiting or running before logins get 503"},
    {"--orders-per-address-hour", "PAIDAN_ORDERS_PER_ADDRESS_HOUR", "20", NUM(orders_per_address_hour, 1, 100000000),
        "anonymous orders from one client address per hour"},
    {"--erase-after-days", "PAIDAN_ERASE_AFTER_DAYS", "730", NUM(erase_after_days, 0, 36500),
        "personal data (name, phone, address, description) of orders closed this many days ago is erased"},
    {"--open-orders-per-phone", "PAIDAN_OPEN_ORDERS_PER_PHONE", "5", NUM(open_orders_per_phone, 1, 100000000),
        "open orders one phone number may have"},
    {"--notify-sender", "PAIDAN_NOTIFY_SENDER", "1", NUM(notify_sender, 0, 1),
        "1: this process sends notifications; 0: it only writes events (another process sends)"},
    {"--notify-poll-ms", "PAIDAN_NOTIFY_POLL_MS", "2000", NUM(notify_poll_ms, 50, 600000),
        "how often the sender looks for new events and due notifications"},
    {"--notify-timeout-ms", "PAIDAN_NOTIFY_TIMEOUT_MS", "10000", NUM(notify_timeout_ms, 100, 120000),
        "longest outbound call to an SMS provider or group robot"},
    {"--notify-retry-base-ms", "PAIDAN_NOTIFY_RETRY_BASE_MS", "30000", NUM(notify_retry_base_ms, 10, 3600000),
        "first retry delay, doubling each time (at most an hour); a notification fails after a day"},
    {"--ca-bundle", "PAIDAN_CA_BUNDLE", "", STR(ca_bundle),
        "PEM file of CAs trusted for outbound HTTPS (empty: the system's)"},
    {"--sms-channel", "PAIDAN_SMS_CHANNEL", "none", STR(sms_channel),
        "none (log what would be sent), webhook (signed JSON) or tencent (Tencent Cloud SMS)"},
    {"--sms-webhook-url", "PAIDAN_SMS_WEBHOOK_URL", "", STR(sms_webhook_url), "https URL the webhook channel posts to"},
    {"--sms-webhook-secret-file", "PAIDAN_SMS_WEBHOOK_SECRET_FILE", "", STR(sms_webhook_secret_file),
        "file holding the webhook's HMAC-SHA256 key"},
    {"--tencent-sms-endpoint", "PAIDAN_TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com",
        STR(tencent_sms_endpoint), "Tencent Cloud SMS API endpoint"},
    {"--tencent-sms-credentials-file", "PAIDAN_TENCENT_SMS_CREDENTIALS_FILE", "", STR(tencent_sms_credentials_file),
        "file with the SecretId on its first line and the SecretKey on its second"},
    {"--tencent-sms-app-id", "PAIDAN_TENCENT_SMS_APP_ID", "", STR(tencent_sms_app_id), "SmsSdkAppId"},
    {"--tencent-sms-sign-name", "PAIDAN_TENCENT_SMS_SIGN_NAME", "", STR(tencent_sms_sign_name),
        "approved SMS signature"},
    {"--tencent-sms-region", "PAIDAN_TENCENT_SMS_REGION", "ap-guangzhou", STR(tencent_sms_region), "API region"},
    {"--tencent-sms-templates", "PAIDAN_TENCENT_SMS_TEMPLATES", "", STR(tencent_sms_templates),
        "approved template ids by name: accepted=123,completed=124,… (every SMS template)"},
    {"--sms-quiet-hours", "PAIDAN_SMS_QUIET_HOURS", "22:00-08:00", STR(sms_quiet_hours),
        "Beijing time when SMS wait for morning (escalations excepted); equal ends: none"},
    {"--sms-daily-limit", "PAIDAN_SMS_DAILY_LIMIT", "5", NUM(sms_daily_limit, 1, 1000),
        "SMS per phone per Beijing day; more wait for the next morning (escalations excepted)"},
    {"--resident-session-hours", "PAIDAN_RESIDENT_SESSION_HOURS", "4", NUM(resident_session_hours, 1, 72),
        "lifetime of a resident's session opened with an SMS code"},
};

static int
setting_apply(struct config *cfg, const struct setting *s, const char *value, const char **cause)
{
	static char message[256];
	char *end;
	long n;

	if (s->type == SETTING_STRING) {
		*(const char **)((char *)cfg + s->offset) = value;
		return 0;
	}
	errno = 0;
	n = strtol(value, &end, 10);
	/* strtol would also take leading spaces and a '+'. */
	if (errno != 0 || end == value || *end != '\0' || !(value[0] == '-' || (value[0] >= '0' && value[0] <= '9')) ||
	    n < s->min || n > s->max) {
		snprintf(message, sizeof message, "%s (%s) must be a whole number from %ld to %ld, not \"%.40s\"",
		    s->flag, s->env, s->min, s->max, value);
		*cause = message;
		return -1;
	}
	*(long *)((char *)cfg + s->offset) = n;
	return 0;
}

int
config_load(struct config *cfg, int argc, char **argv, int first, const char **cause)
{
	static char message[256];
	size_t count = sizeof settings / sizeof settings[0];

	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < count; i++) {
		const char *env = getenv(settings[i].env);
		if (setting_apply(cfg, &settings[i], settings[i].fallback, cause) < 0)
			return -1;
		if (env != NULL && *env != '\0' && setting_apply(cfg, &settings[i], env, cause) < 0)
			return -1;
	}
	for (int a = first; a < argc; a++) {
		const char *arg = argv[a], *value = NULL;
		size_t flag_len;
		const struct setting *found = NULL;

		if (strncmp(arg, "--", 2) != 0) {
			snprintf(message, sizeof message, "unexpected argument \"%.60s\"", arg);
			*cause = message;
			return -1;
		}
		flag_len = strcspn(arg, "=");
		for (size_t i = 0; i < count; i++)
			if (strlen(settings[i].flag) == flag_len && strncmp(settings[i].flag, arg, flag_len) == 0)
				found = &settings[i];
		if (found == NULL) {
			snprintf(message, sizeof message, "unknown option \"%.*s\" (see --help)",
			    (int)(flag_len > 60 ? 60 : flag_len), arg);
			*cause = message;
			return -1;
		}
		if (arg[flag_len] == '=')
			value = arg + flag_len + 1;
		else if (a + 1 < argc)
			value = argv[++a];
		else {
			snprintf(message, sizeof message, "%s needs a value", found->flag);
			*cause = message;
			return -1;
		}
		if (setting_apply(cfg, found, value, cause) < 0)
			return -1;
	}
	return 0;
}

void
config_print_help(FILE *out)
{
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		fprintf(out, "  %-24s %-30s %s (default %s)\n", settings[i].flag, settings[i].env, settings[i].help,
		    settings[i].fallback);
}
