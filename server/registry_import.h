/* registry_import: POST /api/v1/volunteers/import — the console's volunteer import. The body is the CSV
 * file itself (text/csv, at most VOLUNTEER_IMPORT_MAX_BYTES, UTF-8 with or without a BOM), checked with
 * the rules `paidan import volunteers` uses (volunteer_csv.h, volunteer_import.h) and imported all or
 * nothing; the answer is the line-by-line report (201, or 422 with the report when a line is bad). A
 * retried upload with the same Idempotency-Key answers the first one's report (200,
 * Idempotent-Replayed: true); without a key the phones and ID numbers already registered keep a
 * second upload from registering anyone twice. */
#ifndef PAIDAN_REGISTRY_IMPORT_H
#define PAIDAN_REGISTRY_IMPORT_H

#define VOLUNTEER_IMPORT_MAX_BYTES (256 * 1024)

struct request;

void volunteers_import(struct request *r);

#endif
