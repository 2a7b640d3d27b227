/* main: the one binary — serve (default), migrate, demo, user add. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_verify.h"
#include "config.h"
#include "demo.h"
#include "import_volunteers.h"
#include "log.h"
#include "migrate.h"
#include "serve.h"
#include "user_add.h"

static void
usage(FILE *out)
{
	fputs("paidan — order-claiming service for science-and-technology volunteer work (派单)\n\n"
	      "usage: paidan [COMMAND] [OPTIONS]\n\n"
	      "commands:\n"
	      "  serve        migrate, then serve HTTP (the default)\n"
	      "  migrate      apply the missing sql/NNN_*.sql migrations\n"
	      "  migrate --check\n"
	      "               list the migrations that would run (exit 1 when some would), apply nothing\n"
	      "  demo         load the demo county and its accounts (idempotent)\n"
	      "  user add     create an account; the password is read from standard input\n"
	      "  import volunteers FILE.csv\n"
	      "               register volunteers from a CSV file, all or nothing\n"
	      "  audit verify check every order's audit hash chain; prints the first broken link\n\n"
	      "options (each also from its environment variable):\n",
	    out);
	config_print_help(out);
}

static enum log_level
parse_level(const char *name)
{
	if (strcmp(name, "debug") == 0)
		return LOG_DEBUG;
	if (strcmp(name, "warn") == 0)
		return LOG_WARN;
	if (strcmp(name, "error") == 0)
		return LOG_ERROR;
	return LOG_INFO;
}

int
main(int argc, char **argv)
{
	const char *command = "serve", *cause;
	struct config cfg;
	int first = 1;

	if (sodium_init() < 0) {
		fputs("paidan: libsodium failed to initialise\n", stderr);
		return 1;
	}
	if (argc > 1 && argv[1][0] != '-') {
		command = argv[1];
		first = 2;
	}
	if (argc > first && (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (strcmp(command, "user") == 0) {
		if (argc < 3 || strcmp(argv[2], "add") != 0) {
			fputs("usage: paidan user add --role ROLE --username NAME ... (see paidan user add --help)\n",
			    stderr);
			return 2;
		}
		return user_add_main(argc - 3, argv + 3);
	}
	if (strcmp(command, "import") == 0) {
		if (argc < 3 || strcmp(argv[2], "volunteers") != 0) {
			fputs(
			    "usage: paidan import volunteers FILE.csv [--database-url URL] (see paidan import volunteers --help)\n",
			    stderr);
			return 2;
		}
		return import_volunteers_main(argc - 3, argv + 3);
	}
	bool check = false;
	if (strcmp(command, "migrate") == 0 && argc > first && strcmp(argv[first], "--check") == 0) {
		check = true;
		first++;
	}
	if (strcmp(command, "audit") == 0) {
		if (argc < 3 || strcmp(argv[2], "verify") != 0) {
			fputs("usage: paidan audit verify [--database-url URL]\n", stderr);
			return 2;
		}
		first = 3;
	}
	if (config_load(&cfg, argc, argv, first, &cause) < 0) {
		fprintf(stderr, "paidan: %s\n", cause);
		return 2;
	}
	log_set_level(parse_level(cfg.log_level));
	if (strcmp(command, "serve") == 0) {
		/* Before any loop runs: migrating blocks, and the serving code never calls tools/. */
		if (!migrate_run(cfg.database_url, cfg.sql_dir, NULL)) {
			log_error("migrations failed; not serving");
			return 1;
		}
		return serve_run(&cfg);
	}
	if (strcmp(command, "migrate") == 0 && check) {
		int pending = migrate_check(cfg.database_url, cfg.sql_dir, stdout);
		if (pending == 0)
			puts("migrations up to date");
		return pending < 0 ? 2 : pending > 0 ? 1 : 0;
	}
	if (strcmp(command, "migrate") == 0) {
		if (!migrate_run(cfg.database_url, cfg.sql_dir, stdout))
			return 1;
		puts("migrations up to date");
		return 0;
	}
	if (strcmp(command, "audit") == 0)
		return audit_verify_run(&cfg, stdout);
	if (strcmp(command, "demo") == 0)
		return demo_load(&cfg, stdout) ? 0 : 1;
	fprintf(stderr, "paidan: unknown command \"%s\"\n\n", command);
	usage(stderr);
	return 2;
}
