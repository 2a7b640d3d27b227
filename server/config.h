/* config: every setting once — default, PAIDAN_* variable, flag and help — in one table. */
#ifndef PAIDAN_CONFIG_H
#define PAIDAN_CONFIG_H

#include <stdio.h>

struct config {
	const char *listen;
	const char *database_url;
	const char *migrate_database_url; /* the owner's connection: serve migrates with it; "" = never */
	const char *static_dir;
	const char *sql_dir;
	const char *log_level;
	const char *demo_password;
	const char *issuer;
	const char *organizer;
	const char *organizer_phone;
	const char *certificate_handler;
	const char *certificate_contact;
	const char *id_key_file;
	const char *checkpoint_key_file; /* Ed25519 key signing audit checkpoints (outside the database) */
	const char *checkpoint_dir; /* where signed checkpoints are written */
	long checkpoint_interval_s; /* serve writes one this often; 0: never */
	const char *public_url; /* how users reach the server; https makes the session cookie Secure + __Host- */
	const char *metrics_allow; /* comma-separated client addresses besides loopback that may read /metrics */
	const char *trusted_proxy; /* comma-separated addresses whose X-Forwarded-For / X-Real-IP count */
	const char *ca_bundle;
	const char *sms_channel;
	const char *sms_webhook_url;
	const char *sms_webhook_secret_file;
	const char *tencent_sms_endpoint;
	const char *tencent_sms_credentials_file;
	const char *tencent_sms_app_id;
	const char *tencent_sms_sign_name;
	const char *tencent_sms_region;
	const char *tencent_sms_templates;
	const char *sms_quiet_hours;
	long workers;
	long db_pool_size;
	long db_pipeline_depth;
	long db_queue_max; /* fast reads */
	long db_slow_queue_max;
	long db_write_queue_max;
	long db_queue_timeout_ms;
	long statement_timeout_ms;
	long lock_timeout_ms;
	long db_call_timeout_ms;
	long db_connect_timeout_ms;
	long offload_queue_max;
	long max_body_bytes;
	long max_photo_body_bytes;
	long max_header_bytes;
	long http_timeout_s;
	long header_timeout_s;
	long min_body_rate;
	long max_connections;
	long max_streams;
	long shutdown_grace_ms;
	long sweep_interval_s;
	long session_hours;
	long session_cache_ms;
	long device_session_days;
	long login_max_per_user_address; /* attempts per username and address per window */
	long login_max_per_address; /* attempts per address per window (usernames not known there) */
	long login_max_per_user; /* attempts per username per window (from addresses not known for it) */
	long login_window_minutes;
	long password_queue_max; /* password hashes waiting or running before 503 */
	long orders_per_address_hour; /* anonymous 点单 per client address per hour */
	long open_orders_per_phone; /* open orders one phone number may have */
	long erase_after_days; /* personal data of orders closed this long ago is erased */
	long notify_sender;
	long notify_poll_ms;
	long notify_timeout_ms;
	long notify_retry_base_ms;
	long sms_daily_limit;
	long resident_session_hours;
};

/* Fills cfg from defaults, then the environment, then argv[first..argc) flags.
 * Unknown flags or bad values: writes a message to *cause (static storage) and
 * returns -1. String values point into argv, the environment or literals. */
int config_load(struct config *cfg, int argc, char **argv, int first, const char **cause);

/* Prints one line per setting: flag, variable, default and help. */
void config_print_help(FILE *out);

#endif
