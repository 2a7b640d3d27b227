/* Unit tests of server/config.c: defaults < PAIDAN_* environment < flags, and refusals that name the setting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

extern char **environ;

/* Each test starts from an environment without any PAIDAN_* variable. */
static int
clear_paidan_environment(void **state)
{
	char name[256];

	(void)state;
	for (;;) {
		char **e;
		for (e = environ; *e != NULL; e++)
			if (strncmp(*e, "PAIDAN_", 7) == 0)
				break;
		if (*e == NULL)
			return 0;
		snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
		if (unsetenv(name) != 0)
			return -1;
	}
}

/* Loads from argv (a NULL-terminated list, read from index 0); returns config_load's result. */
static int
load(struct config *cfg, char **argv, const char **cause)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	*cause = NULL;
	memset(cfg, 0x5A, sizeof *cfg);
	return config_load(cfg, argc, argv, 0, cause);
}

/* Expects argv to be refused with a message holding every one of the NULL-terminated words. */
static void
assert_refused_saying(char **argv, const char *const *words)
{
	struct config cfg;
	const char *cause;

	if (load(&cfg, argv, &cause) == 0)
		fail_msg("accepted %s", argv[0] != NULL ? argv[0] : "(no arguments)");
	assert_non_null(cause);
	for (size_t i = 0; words[i] != NULL; i++)
		if (strstr(cause, words[i]) == NULL)
			fail_msg("message \"%s\" does not say \"%s\"", cause, words[i]);
}

static void
defaults_fill_every_setting(void **state)
{
	char *argv[] = {NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
	assert_string_equal(cfg.database_url, "postgresql:///paidan");
	assert_string_equal(cfg.static_dir, "./clients");
	assert_string_equal(cfg.sql_dir, "./sql");
	assert_string_equal(cfg.log_level, "info");
	assert_string_equal(cfg.demo_password, "paidan-demo");
	assert_string_equal(cfg.issuer, "县科学技术协会");
	assert_string_equal(cfg.id_key_file, "./var/id.key");
	assert_int_equal(cfg.workers, 1);
	assert_int_equal(cfg.db_pool_size, 4);
	assert_int_equal(cfg.db_queue_max, 512);
	assert_int_equal(cfg.db_queue_timeout_ms, 2000);
	assert_int_equal(cfg.statement_timeout_ms, 10000);
	assert_int_equal(cfg.lock_timeout_ms, 5000);
	assert_int_equal(cfg.max_body_bytes, 1048576);
	assert_int_equal(cfg.max_header_bytes, 8192);
	assert_int_equal(cfg.http_timeout_s, 30);
	assert_int_equal(cfg.max_connections, 4096);
	assert_int_equal(cfg.max_streams, 2000);
	assert_int_equal(cfg.shutdown_grace_ms, 5000);
	assert_int_equal(cfg.sweep_interval_s, 60);
	assert_int_equal(cfg.session_hours, 12);
}

static void
the_environment_overrides_the_defaults(void **state)
{
	char *argv[] = {NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	setenv("PAIDAN_LISTEN", "0.0.0.0:9000", 1);
	setenv("PAIDAN_WORKERS", "8", 1);
	setenv("PAIDAN_SESSION_HOURS", "720", 1);
	setenv("PAIDAN_ISSUER", "某县民政局", 1);
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_string_equal(cfg.listen, "0.0.0.0:9000");
	assert_int_equal(cfg.workers, 8);
	assert_int_equal(cfg.session_hours, 720);
	assert_string_equal(cfg.issuer, "某县民政局");
	/* The rest keep their defaults. */
	assert_int_equal(cfg.db_pool_size, 4);
	assert_string_equal(cfg.log_level, "info");
}

static void
an_empty_environment_variable_is_ignored(void **state)
{
	char *argv[] = {NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	setenv("PAIDAN_WORKERS", "", 1);
	setenv("PAIDAN_LISTEN", "", 1);
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_int_equal(cfg.workers, 1);
	assert_string_equal(cfg.listen, "127.0.0.1:8080");
}

static void
flags_take_their_value_after_a_space(void **state)
{
	char *argv[] = {"--listen", "[::1]:8081", "--workers", "3", "--log-level", "debug", NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_string_equal(cfg.listen, "[::1]:8081");
	assert_int_equal(cfg.workers, 3);
	assert_string_equal(cfg.log_level, "debug");
}

static void
flags_take_their_value_after_an_equals_sign(void **state)
{
	char *argv[] = {"--listen=[::1]:8081", "--workers=3", "--max-body-bytes=65536", NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_string_equal(cfg.listen, "[::1]:8081");
	assert_int_equal(cfg.workers, 3);
	assert_int_equal(cfg.max_body_bytes, 65536);
}

static void
a_value_after_equals_may_hold_equals_signs(void **state)
{
	char *argv[] = {"--database-url=host=db port=5432 dbname=paidan", NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_string_equal(cfg.database_url, "host=db port=5432 dbname=paidan");
}

static void
flags_override_the_environment(void **state)
{
	char *argv[] = {"--workers", "5", "--listen=127.0.0.1:1", NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	setenv("PAIDAN_WORKERS", "8", 1);
	setenv("PAIDAN_LISTEN", "0.0.0.0:9000", 1);
	setenv("PAIDAN_DB_POOL_SIZE", "9", 1);
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_int_equal(cfg.workers, 5);
	assert_string_equal(cfg.listen, "127.0.0.1:1");
	assert_int_equal(cfg.db_pool_size, 9);
}

static void
a_later_flag_wins_over_an_earlier_one(void **state)
{
	char *argv[] = {"--workers=2", "--workers", "6", NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	assert_int_equal(load(&cfg, argv, &cause), 0);
	assert_int_equal(cfg.workers, 6);
}

static void
arguments_before_first_are_not_read(void **state)
{
	char *argv[] = {"paidan", "serve", "--workers=2", NULL};
	struct config cfg;
	const char *cause = NULL;

	(void)state;
	memset(&cfg, 0, sizeof cfg);
	assert_int_equal(config_load(&cfg, 3, argv, 2, &cause), 0);
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(config_load(&cfg, 3, argv, 3, &cause), 0);
	assert_int_equal(cfg.workers, 1);
}

static void
number_limits_are_inclusive(void **state)
{
	char *lowest[] = {
	    "--workers=1", "--shutdown-grace-ms=0", "--max-body-bytes=1024", "--max-connections=16", NULL};
	char *highest[] = {"--workers=64", "--shutdown-grace-ms=60000", "--max-body-bytes=16777216",
	    "--max-connections=1000000", NULL};
	struct config cfg;
	const char *cause;

	(void)state;
	assert_int_equal(load(&cfg, lowest, &cause), 0);
	assert_int_equal(cfg.workers, 1);
	assert_int_equal(cfg.shutdown_grace_ms, 0);
	assert_int_equal(cfg.max_body_bytes, 1024);
	assert_int_equal(cfg.max_connections, 16);
	assert_int_equal(load(&cfg, highest, &cause), 0);
	assert_int_equal(cfg.workers, 64);
	assert_int_equal(cfg.shutdown_grace_ms, 60000);
	assert_int_equal(cfg.max_body_bytes, 16777216);
	assert_int_equal(cfg.max_connections, 1000000);
}

static void
out_of_range_numbers_are_refused_naming_the_flag(void **state)
{
	static const struct {
		const char *flag, *value;
	} cases[] = {{"--workers", "0"}, {"--workers", "65"}, {"--workers", "-1"}, {"--session-hours", "721"},
	    {"--max-body-bytes", "1023"}, {"--max-body-bytes", "16777217"}, {"--shutdown-grace-ms", "-1"},
	    {"--http-timeout-s", "0"}, {"--db-queue-timeout-ms", "9"}};
	char joined[128];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *spaced[] = {(char *)cases[i].flag, (char *)cases[i].value, NULL};
		char *equals[] = {joined, NULL};
		const char *words[] = {cases[i].flag, cases[i].value, NULL};
		snprintf(joined, sizeof joined, "%s=%s", cases[i].flag, cases[i].value);
		assert_refused_saying(spaced, words);
		assert_refused_saying(equals, words);
	}
}

static void
non_numeric_values_are_refused_naming_the_flag(void **state)
{
	static const char *values[] = {"abc", "5x", "", "1.5", "0x10", "5 ", "1e3", "99999999999999999999999", "四"};
	char joined[128];

	(void)state;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		char *spaced[] = {"--db-pool-size", (char *)values[i], NULL};
		char *equals[] = {joined, NULL};
		const char *words[] = {"--db-pool-size", "whole number", NULL};
		snprintf(joined, sizeof joined, "--db-pool-size=%s", values[i]);
		assert_refused_saying(spaced, words);
		assert_refused_saying(equals, words);
	}
}

static void
a_bad_environment_value_is_refused_naming_the_variable(void **state)
{
	char *argv[] = {NULL};
	const char *words[] = {"PAIDAN_SWEEP_INTERVAL_S", "soon", NULL};
	const char *range[] = {"PAIDAN_WORKERS", "65", NULL};

	(void)state;
	setenv("PAIDAN_SWEEP_INTERVAL_S", "soon", 1);
	assert_refused_saying(argv, words);
	unsetenv("PAIDAN_SWEEP_INTERVAL_S");
	setenv("PAIDAN_WORKERS", "65", 1);
	assert_refused_saying(argv, range);
}

static void
unknown_flags_are_refused_naming_them(void **state)
{
	char *nope[] = {"--nope", NULL};
	char *nope_value[] = {"--nope=1", NULL};
	char *near[] = {"--worker", "2", NULL};
	char *longer[] = {"--workers-max=2", NULL};
	char *dashes[] = {"--", NULL};
	const char *say_nope[] = {"--nope", NULL};
	const char *say_near[] = {"--worker", NULL};
	const char *say_longer[] = {"--workers-max", NULL};
	const char *say_unknown[] = {"unknown", NULL};

	(void)state;
	assert_refused_saying(nope, say_nope);
	assert_refused_saying(nope_value, say_nope);
	assert_refused_saying(near, say_near);
	assert_refused_saying(longer, say_longer);
	assert_refused_saying(dashes, say_unknown);
}

static void
a_flag_without_its_value_is_refused(void **state)
{
	char *number[] = {"--workers", NULL};
	char *text[] = {"--workers=2", "--listen", NULL};
	const char *say_workers[] = {"--workers", "value", NULL};
	const char *say_listen[] = {"--listen", "value", NULL};

	(void)state;
	assert_refused_saying(number, say_workers);
	assert_refused_saying(text, say_listen);
}

static void
arguments_that_are_not_flags_are_refused(void **state)
{
	char *word[] = {"serve", NULL};
	char *short_flag[] = {"-w", "2", NULL};
	char *after[] = {"--workers", "2", "extra", NULL};
	const char *say_word[] = {"serve", NULL};
	const char *say_short[] = {"-w", NULL};
	const char *say_extra[] = {"extra", NULL};

	(void)state;
	assert_refused_saying(word, say_word);
	assert_refused_saying(short_flag, say_short);
	assert_refused_saying(after, say_extra);
}

static void
the_help_lists_every_flag_with_its_variable(void **state)
{
	static const char *expected[] = {"--listen", "PAIDAN_LISTEN", "--database-url", "PAIDAN_DATABASE_URL",
	    "--static-dir", "--sql-dir", "--log-level", "--demo-password", "--issuer", "--id-key-file", "--workers",
	    "PAIDAN_WORKERS", "--db-pool-size", "--db-queue-max", "--db-slow-queue-max", "--db-write-queue-max",
	    "--db-queue-timeout-ms", "--statement-timeout-ms", "--lock-timeout-ms", "--max-body-bytes",
	    "--max-header-bytes", "--http-timeout-s", "--max-connections", "--max-streams", "PAIDAN_MAX_STREAMS",
	    "--shutdown-grace-ms", "--sweep-interval-s", "--session-hours", "PAIDAN_SESSION_HOURS", "127.0.0.1:8080"};
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	(void)state;
	assert_non_null(out);
	config_print_help(out);
	assert_int_equal(fclose(out), 0);
	assert_non_null(text);
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		if (strstr(text, expected[i]) == NULL)
			fail_msg("help does not mention %s", expected[i]);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(defaults_fill_every_setting, clear_paidan_environment),
	    cmocka_unit_test_setup(the_environment_overrides_the_defaults, clear_paidan_environment),
	    cmocka_unit_test_setup(an_empty_environment_variable_is_ignored, clear_paidan_environment),
	    cmocka_unit_test_setup(flags_take_their_value_after_a_space, clear_paidan_environment),
	    cmocka_unit_test_setup(flags_take_their_value_after_an_equals_sign, clear_paidan_environment),
	    cmocka_unit_test_setup(a_value_after_equals_may_hold_equals_signs, clear_paidan_environment),
	    cmocka_unit_test_setup(flags_override_the_environment, clear_paidan_environment),
	    cmocka_unit_test_setup(a_later_flag_wins_over_an_earlier_one, clear_paidan_environment),
	    cmocka_unit_test_setup(arguments_before_first_are_not_read, clear_paidan_environment),
	    cmocka_unit_test_setup(number_limits_are_inclusive, clear_paidan_environment),
	    cmocka_unit_test_setup(out_of_range_numbers_are_refused_naming_the_flag, clear_paidan_environment),
	    cmocka_unit_test_setup(non_numeric_values_are_refused_naming_the_flag, clear_paidan_environment),
	    cmocka_unit_test_setup(a_bad_environment_value_is_refused_naming_the_variable, clear_paidan_environment),
	    cmocka_unit_test_setup(unknown_flags_are_refused_naming_them, clear_paidan_environment),
	    cmocka_unit_test_setup(a_flag_without_its_value_is_refused, clear_paidan_environment),
	    cmocka_unit_test_setup(arguments_that_are_not_flags_are_refused, clear_paidan_environment),
	    cmocka_unit_test_setup(the_help_lists_every_flag_with_its_variable, clear_paidan_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
