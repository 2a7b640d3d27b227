/* routes: the table of every endpoint — method, path pattern, handler, roles, body. */
#ifndef PAIDAN_ROUTES_H
#define PAIDAN_ROUTES_H

#include <stddef.h>

#include "router.h"

/* The whole table; *count gets its length. */
const struct route *routes_table(size_t *count);

#endif
