/* serve: `paidan serve` — one event loop per worker process on one port (main.c migrates first). */
#ifndef PAIDAN_SERVE_H
#define PAIDAN_SERVE_H

struct config;

/* Runs until SIGTERM/SIGINT, then lets in-flight requests finish (up to
 * cfg->shutdown_grace_ms). Returns the process exit code. */
int serve_run(const struct config *cfg);

#endif
