/* config: every setting once — default, PAIDAN_* variable, flag and help — in one table. */
#ifndef PAIDAN_CONFIG_H
#define PAIDAN_CONFIG_H

#include <stdio.h>

struct config {
	const char *listen;
	const char *database_url;
	const char *static_dir;
	const char *sql_dir;
	const char *log_level;
	const char *demo_password;
	const char *issuer;
	const char *id_key_file;
	long workers;
	long db_pool_size;
	long db_queue_max;
	long db_queue_timeout_ms;
	long statement_timeout_ms;
	long lock_timeout_ms;
	long max_body_bytes;
	long max_header_bytes;
	long http_timeout_s;
	long max_connections;
	long max_streams;
	long shutdown_grace_ms;
	long sweep_interval_s;
	long session_hours;
};

/* Fills cfg from defaults, then the environment, then argv[first..argc) flags.
 * Unknown flags or bad values: writes a message to *cause (static storage) and
 * returns -1. String values point into argv, the environment or literals. */
int config_load(struct config *cfg, int argc, char **argv, int first, const char **cause);

/* Prints one line per setting: flag, variable, default and help. */
void config_print_help(FILE *out);

#endif
