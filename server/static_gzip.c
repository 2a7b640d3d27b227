/* static_gzip: one entry per path, replaced when the file changes; compression never runs on the loop. */
#include "static_gzip.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"
#include "offload.h"
#include "xalloc.h"

#define MIN_BYTES 256
#define MAX_FILE_BYTES (4u << 20)
#define MAX_CACHE_BYTES (8u << 20)

struct gzip_entry {
	struct gzip_entry *next;
	char *key;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	unsigned char *gz; /* NULL while the job runs, or when compressing did not pay */
	size_t gz_len;
	bool pending;
	bool useless; /* compressed once and it was not smaller: serve the file as it is */
};

struct gzip_job {
	struct gzip_entry *entry;
	int fd;
	size_t size;
	unsigned char *gz;
	size_t gz_len;
};

static struct gzip_entry *entries;
static size_t cached_bytes;

unsigned char *
static_gzip_compress(const unsigned char *in, size_t len, size_t *out_len)
{
	z_stream z;
	unsigned char *out;
	size_t bound;
	int rc;

	memset(&z, 0, sizeof z);
	/* windowBits 15 + 16: a gzip wrapper; deflate writes no name and a zero time stamp. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	bound = deflateBound(&z, (uLong)len);
	out = xmalloc(bound);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END || *out_len >= len) {
		free(out);
		return NULL;
	}
	return out;
}

bool
static_gzip_worth_it(const char *content_type, size_t size)
{
	if (size < MIN_BYTES || size > MAX_FILE_BYTES)
		return false;
	return strncmp(content_type, "text/", 5) == 0 || strncmp(content_type, "application/json", 16) == 0 ||
	    strncmp(content_type, "application/manifest+json", 25) == 0 || strcmp(content_type, "image/svg+xml") == 0 ||
	    strcmp(content_type, "image/x-icon") == 0;
}

static bool
same_version(const struct gzip_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
	    e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Worker thread: only the job's own fields. */
static void
job_work(void *arg)
{
	struct gzip_job *job = arg;
	unsigned char *in = xmalloc(job->size > 0 ? job->size : 1);
	size_t got = 0;

	while (got < job->size) {
		ssize_t n = pread(job->fd, in + got, job->size - got, (off_t)got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(job->fd);
	if (got == job->size)
		job->gz = static_gzip_compress(in, got, &job->gz_len);
	free(in);
}

static void
job_done(void *arg)
{
	struct gzip_job *job = arg;
	struct gzip_entry *e = job->entry;

	e->pending = false;
	if (job->gz != NULL && cached_bytes + job->gz_len <= MAX_CACHE_BYTES) {
		e->gz = job->gz;
		e->gz_len = job->gz_len;
		cached_bytes += job->gz_len;
		log_debug("static file compressed", "path", e->key);
	} else {
		free(job->gz);
		e->useless = job->gz == NULL;
	}
	free(job);
}

static struct gzip_entry *
entry_for(const char *key)
{
	struct gzip_entry *e;

	for (e = entries; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	e = xcalloc(1, sizeof *e);
	e->key = xstrdup(key);
	e->next = entries;
	entries = e;
	return e;
}

const unsigned char *
static_gzip_find(struct offload *offload, const char *key, const struct stat *st, int fd, size_t *len)
{
	struct gzip_entry *e = entry_for(key);
	struct gzip_job *job;

	if (e->pending || cached_bytes >= MAX_CACHE_BYTES)
		return NULL;
	if (same_version(e, st)) {
		*len = e->gz_len;
		return e->gz;
	}
	/* A new file, or a new version of it: drop the old copy and make one. */
	cached_bytes -= e->gz_len;
	free(e->gz);
	e->gz = NULL;
	e->gz_len = 0;
	e->useless = false;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	job = xcalloc(1, sizeof *job);
	job->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (job->fd < 0) {
		free(job);
		return NULL;
	}
	e->pending = true;
	job->entry = e;
	job->size = (size_t)st->st_size;
	if (!offload_run(offload, job_work, job_done, job)) { /* the queue is full: a later request tries again */
		close(job->fd);
		free(job);
		e->pending = false;
		e->ino = 0;
	}
	return NULL;
}
