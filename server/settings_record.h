/* settings_record: the settings that decide who may do what (trusted proxies, who reads /metrics,
 * the public URL, session length, login and order limits, the retention period, the checkpoint
 * interval) live in the environment and flags, not the database; each process puts them in the admin
 * chain (sql/057) as a `settings` event when they differ from the last ones recorded, once the
 * database answers after start. So a change of settings, and when it took effect, is on record. */
#ifndef PAIDAN_SETTINGS_RECORD_H
#define PAIDAN_SETTINGS_RECORD_H

#include <stddef.h>

struct app;
struct config;
struct settings_record;

/* The canonical text of cfg's recorded settings, into out. */
void settings_record_text(const struct config *cfg, char *out, size_t size);

/* Tries every second until the database has answered once; owned by the caller. */
struct settings_record *settings_record_start(struct app *app);
void settings_record_stop(struct settings_record *s);

#endif
