/* export: GET /api/v1/export/orders.csv and /hours.csv — CSV for Excel (UTF-8 with a BOM, CRLF,
 * RFC 4180 quoting, formulas neutralised), streamed in keyset pages rather than built in memory. */
#ifndef PAIDAN_EXPORT_H
#define PAIDAN_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

struct request;
struct evbuffer;

/* Appends one field: a ',' first unless first, then value[0..len) quoted when it holds ',', '"',
 * CR or LF (quotes doubled), with a leading apostrophe when it starts with = + - @ or a tab or CR
 * so that a spreadsheet does not read it as a formula. The text goes to an evbuffer, the server's
 * one string builder. */
void export_csv_field(struct evbuffer *out, const char *value, size_t len, bool first);
/* Ends the row with CRLF. */
void export_csv_end_row(struct evbuffer *out);

/* GET /api/v1/export/orders.csv?from=&to= (admin): one line per order created in the range. */
void export_orders(struct request *r);
/* GET /api/v1/export/hours.csv?from=&to= (admin): one line per service record of those orders. */
void export_hours(struct request *r);

#endif
