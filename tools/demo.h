/* demo: `paidan demo` — loads the demo county (sql/demo/demo.sql) and one account per role, idempotently. */
#ifndef PAIDAN_DEMO_H
#define PAIDAN_DEMO_H

#include <stdbool.h>
#include <stdio.h>

struct config;

/* Runs the demo SQL in one transaction, then creates or refreshes the demo
 * accounts with cfg->demo_password; lists them on out. */
bool demo_load(const struct config *cfg, FILE *out);

#endif
