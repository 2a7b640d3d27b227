/* main: the one binary — serve (default), migrate, demo, user add. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_checkpoint.h"
#include "audit_verify.h"
#include "config.h"
#include "db_resolve.h"
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
	      "usage: paidan [COMMAND] [OPTIONS]\n"
	      "       paidan --help | --version\n\n"
	      "commands:\n"
	      "  serve        serve HTTP (the default); migrates first when given --migrate-database-url\n"
	      "  migrate      apply the missing sql/NNN_*.sql migrations\n"
	      "  migrate --check\n"
	      "               list the migrations that would run (exit 1 when some would), apply nothing\n"
	      "  demo         load the demo county and its accounts (idempotent)\n"
	      "  user add     create an account; the password is read from standard input\n"
	      "  import volunteers FILE.csv\n"
	      "               register volunteers from a CSV file, all or nothing\n"
	      "  audit verify [--checkpoint FILE] [--order ID]...\n"
	      "               check every order's audit hash chain and what it recorded; names every\n"
	      "               difference; with a signed checkpoint, also cut, deleted or rewritten chains;\n"
	      "               with --order, only those orders' chains\n"
	      "  audit checkpoint [--rotate-key]\n"
	      "               sign all chain heads with the checkpoint key; write the file; print its path\n\n"
	      "options (each also from its environment variable):\n",
	    out);
	config_print_help(out);
}

/* Serves with the database's host names resolved now, before the loop (db_resolve.h). */
static int
serve_resolved(struct config *cfg)
{
	char cause[300], *conninfo = db_resolve_hosts(cfg->database_url, cause, sizeof cause);
	int rc;

	if (conninfo == NULL) {
		log_error("not serving", "cause", cause);
		return 1;
	}
	cfg->database_url = conninfo;
	rc = serve_run(cfg);
	free(conninfo);
	return rc;
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
	const char *command = "serve", *cause, *audit_action = "verify", *checkpoint_file = NULL;
	struct config cfg;
	int first = 1;
	bool rotate_key = false;
	char orders[1024] = ""; /* audit verify --order: "{id,id…}", "" for every order */

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
	if (argc > first && strcmp(argv[first], "--version") == 0) {
		puts("paidan " PAIDAN_VERSION);
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
		if (argc < 3 || (strcmp(argv[2], "verify") != 0 && strcmp(argv[2], "checkpoint") != 0)) {
			fputs(
			    "usage: paidan audit verify [--checkpoint FILE] [--order ID]... [--database-url URL]\n"
			    "       paidan audit checkpoint [--rotate-key] [--checkpoint-key-file F] [--checkpoint-dir D]\n",
			    stderr);
			return 2;
		}
		audit_action = argv[2];
		first = 3;
		/* The command's own options; the rest are settings. */
		for (int i = first; i < argc; i++) {
			if (strcmp(argv[i], "--checkpoint") == 0 && i + 1 < argc &&
			    strcmp(audit_action, "verify") == 0) {
				checkpoint_file = argv[i + 1];
				memmove(argv + i, argv + i + 2, (size_t)(argc - i - 2) * sizeof *argv);
				argc -= 2;
				i--;
			} else if (strcmp(argv[i], "--order") == 0 && i + 1 < argc &&
			    strcmp(audit_action, "verify") == 0) {
				if (!audit_verify_add_order(orders, sizeof orders, argv[i + 1])) {
					fprintf(stderr,
					    "paidan: --order takes an order id (up to 40 of them): \"%s\"\n",
					    argv[i + 1]);
					return 2;
				}
				memmove(argv + i, argv + i + 2, (size_t)(argc - i - 2) * sizeof *argv);
				argc -= 2;
				i--;
			} else if (strcmp(argv[i], "--rotate-key") == 0 && strcmp(audit_action, "checkpoint") == 0) {
				rotate_key = true;
				memmove(argv + i, argv + i + 1, (size_t)(argc - i - 1) * sizeof *argv);
				argc--;
				i--;
			}
		}
	}
	if (config_load(&cfg, argc, argv, first, &cause) < 0) {
		fprintf(stderr, "paidan: %s\n", cause);
		return 2;
	}
	log_set_level(parse_level(cfg.log_level));
	if (strcmp(command, "serve") == 0) {
		/* Before any loop runs: migrating blocks, and the serving code never calls tools/. Migrations
		 * need the owner's connection; the server's own role may only read and write rows. */
		if (cfg.migrate_database_url[0] != '\0' && !migrate_run(cfg.migrate_database_url, cfg.sql_dir, NULL)) {
			log_error("migrations failed; not serving");
			return 1;
		}
		return serve_resolved(&cfg);
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
	if (strcmp(command, "audit") == 0 && strcmp(audit_action, "checkpoint") == 0)
		return audit_checkpoint_run(&cfg, rotate_key, stdout);
	if (strcmp(command, "audit") == 0) {
		int rc = audit_verify_run(&cfg, orders[0] ? orders : NULL, stdout), problems;
		if (checkpoint_file == NULL || rc == 2)
			return rc;
		problems = audit_checkpoint_check(&cfg, checkpoint_file, stdout);
		if (problems < 0)
			return 1;
		if (problems == 0)
			printf("checkpoint %s holds: no chain was cut, deleted or rewritten since\n", checkpoint_file);
		return rc || problems > 0;
	}
	if (strcmp(command, "demo") == 0)
		return demo_load(&cfg, stdout) ? 0 : 1;
	fprintf(stderr, "paidan: unknown command \"%s\"\n\n", command);
	usage(stderr);
	return 2;
}
