/* stats: GET /api/v1/stats/summary — orders per state, time per stage, overdue, hours and
 * satisfaction over a date range, scoped like the orders the user may see; and that date range,
 * which the CSV exports (export.c) read the same way. */
#ifndef PAIDAN_STATS_H
#define PAIDAN_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "validate.h"

struct request;

/* Longest range, in days counted inclusively (three years, one of them leap). */
#define STATS_RANGE_MAX_DAYS 1096
/* Days the range covers when from is not given: the last 30, today included. */
#define STATS_RANGE_DEFAULT_DAYS 30

/* A range of calendar days in Asia/Shanghai, both ends included, as YYYY-MM-DD. */
struct stats_range {
	char from[11];
	char to[11];
};

/* Parses a strict YYYY-MM-DD (years 1970–9999, a real calendar day) into days since 1970-01-01. */
bool stats_parse_date(const char *text, int64_t *days);
/* Writes days since 1970-01-01 as YYYY-MM-DD; out size >= 11. */
void stats_format_date(int64_t days, char out[11]);
/* Today in Asia/Shanghai (UTC+8 all year), as days since 1970-01-01. */
int64_t stats_today(void);

/* Checks from/to (NULL or "" = not given: to defaults to today, from to 29 days before to) and
 * fills *range; on a bad value records it in errors (naming "from" or "to") and returns false. */
bool stats_range_check(
    const char *from, const char *to, int64_t today, struct stats_range *range, struct field_errors *errors);

/* The range in r's query string; on a bad one replies 422 (which frees r) and returns false. */
bool stats_range_from_query(struct request *r, struct stats_range *range);

/* GET /api/v1/stats/summary?from=&to= (admin, community, department, team). */
void stats_summary(struct request *r);

#endif
