/* audit_checkpoint: `paidan audit checkpoint` signs the set of all chain heads with an Ed25519 key kept
 * outside the database and writes the signed checkpoint outside it too; `paidan audit verify
 * --checkpoint FILE` then finds what was done to the chains after it: a cut tail, a deleted order, a
 * rewritten (recomputed) chain. */
#ifndef PAIDAN_AUDIT_CHECKPOINT_H
#define PAIDAN_AUDIT_CHECKPOINT_H

#include <stdbool.h>
#include <stdio.h>

struct config;

/* Makes the key pair when missing (FILE, mode 0600, and FILE.pub); with rotate, retires the current
 * key first (its public half stays as FILE.<time>.pub, so older checkpoints still verify). Writes
 * a checkpoint file under cfg->checkpoint_dir and prints its path. Returns 0, or 2 on error. */
int audit_checkpoint_run(const struct config *cfg, bool rotate, FILE *out);

/* Checks the checkpoint in path: its signature by a trusted key (FILE.pub or a retired FILE.*.pub
 * beside cfg->checkpoint_key_file), then every chain head it holds against the database. Prints one
 * BROKEN line per difference; returns how many (0 when all hold), or -1 when the file cannot be
 * trusted or read. */
int audit_checkpoint_check(const struct config *cfg, const char *path, FILE *out);

#endif
