/* static_gzip: gzip copies of static files, made once per file version on a worker thread and kept in memory. */
#ifndef PAIDAN_STATIC_GZIP_H
#define PAIDAN_STATIC_GZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct offload;

/* Compresses in[0..len) into a gzip member (zlib, best compression, no name or time in the
 * header, so the same input gives the same bytes). Returns a malloc'd buffer the caller frees and
 * its length in *out_len; NULL when the result would not be smaller than the input. Pure. */
unsigned char *static_gzip_compress(const unsigned char *in, size_t len, size_t *out_len);

/* Whether a file of this content type and size is worth compressing (text, 256 B to 4 MiB). */
bool static_gzip_worth_it(const char *content_type, size_t size);

/* The gzip copy of the file at key (the path under the static directory) in the version st
 * describes (device, inode, size, modification time). Returns the bytes, borrowed until control
 * returns to the loop, with their length in *len; NULL while there is none, and then, unless a job
 * for that version is under way already or the cache is full (8 MiB), starts one: offload reads
 * the open file fd through a duplicate (fd stays the caller's) and compresses it, and later
 * requests find it. Loop only; the cache belongs to this process and lives until it exits. */
const unsigned char *static_gzip_find(
    struct offload *offload, const char *key, const struct stat *st, int fd, size_t *len);

#endif
