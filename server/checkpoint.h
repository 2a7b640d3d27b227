/* checkpoint: a signed audit checkpoint — the set of all chain heads signed with an Ed25519 key kept
 * outside the database, written as a file outside it. One format, made here for both writers:
 * `paidan audit checkpoint` (tools/audit_checkpoint.c) and the server's daily one
 * (checkpoint_daily.c, on an offload thread). These functions block on files: never call them on the
 * event loop. The file is text:
 *
 *   paidan audit checkpoint v1
 *   made_at 2026-11-30T07:30:00Z
 *   public_key <hex>
 *   order <id> <events> <head hex>        one line per order whose head event is there
 *   admin <events> <head hex>             the admin chain (sql/057), when it has events
 *   signature <hex>                       Ed25519 over every byte before this line
 */
#ifndef PAIDAN_CHECKPOINT_H
#define PAIDAN_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#define CHECKPOINT_HEADER "paidan audit checkpoint v1\n"

/* The chain heads as the checkpoint's lines, one text cell built by PostgreSQL (one statement, so
 * every head is from one snapshot). An order's head is its last event as order_events holds it (seq =
 * the order's event count): what a later verify can find again. An order without that event (rows
 * loaded by hand, or a chain already cut) has no head to sign: `paidan audit verify` names it, and
 * signing its columns would make every later comparison call its chain cut since the checkpoint. */
#define CHECKPOINT_HEADS_SQL                                                                                           \
	"SELECT COALESCE((SELECT string_agg('order ' || o.id || ' ' || o.event_count || ' '"                           \
	"                                   || encode(e.hash, 'hex') || E'\\n', '' ORDER BY o.id)"                     \
	"                   FROM orders o JOIN order_events e ON e.order_id = o.id AND e.seq = o.event_count), '')"    \
	"    || COALESCE((SELECT 'admin ' || seq || ' ' || encode(hash, 'hex') || E'\\n'"                              \
	"                   FROM admin_events ORDER BY seq DESC LIMIT 1), '') AS heads"

/* Makes the key pair when key_file is missing (key_file, mode 0600, and key_file.pub). False with
 * the reason in why (static text, or errno's). */
bool checkpoint_key_ensure(const char *key_file, const char **why);

/* Signs heads (the lines CHECKPOINT_HEADS_SQL returns) with the key in key_file and writes a new
 * checkpoint file under dir (made when missing); its path goes into path. False with the reason in
 * why. */
bool checkpoint_write(
    const char *key_file, const char *dir, const char *heads, char *path, size_t path_size, const char **why);

#endif
