/* static_files: the web clients from --static-dir, gzip-compressed when asked, with validators, cache headers and no path escape. */
#ifndef PAIDAN_STATIC_FILES_H
#define PAIDAN_STATIC_FILES_H

#include <stdbool.h>
#include <stddef.h>

struct request;

/* Serves r->path from the static directory (GET/HEAD): "/" and other paths
 * map into resident/, "/console/…", "/team/…" and "/common/…" (shared modules) into their folders, a folder
 * to its index.html. Replies 404 when there is no such file and 400 when the
 * path tries to leave the directory. */
void static_files_serve(struct request *r);

/* Maps a URL path to a path relative to the static directory. Returns false when
 * the path is unsafe (.., NUL, backslash, hidden files). Pure; for tests. */
bool static_files_map(const char *url_path, char *out, size_t out_size);

/* Whether an Accept-Encoding value takes gzip: "gzip" listed as a whole token and not refused
 * with q=0. NULL takes nothing. Pure; for tests. */
bool static_files_accepts_gzip(const char *accept_encoding);

/* Content type for a file name by its extension. */
const char *static_files_content_type(const char *name);

#endif
