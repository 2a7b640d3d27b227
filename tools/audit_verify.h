/* audit_verify: `paidan audit verify` — recomputes every order's event hash chain. */
#ifndef PAIDAN_AUDIT_VERIFY_H
#define PAIDAN_AUDIT_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct config;

/* Walks order_events per order in seq order; prints the first broken link (event
 * id, order, seq and why) or a summary. orders, an array literal such as "{3,7}" (or NULL for all),
 * limits the walk to those orders' chains, and then the admin and certificates' chains are not
 * walked. Returns 0 when intact, 1 when broken, 2 on error. */
int audit_verify_run(const struct config *cfg, const char *orders, FILE *out);

/* Adds the order id text to the array literal orders (size bytes, "" at first); false when text is
 * not an id or the list is full. */
bool audit_verify_add_order(char *orders, size_t size, const char *text);

#endif
