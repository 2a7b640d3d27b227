/* static_files: safe mapping first (pure), then open with O_NOFOLLOW under the static directory. */
#include "static_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/http.h>

#include "api_error.h"
#include "app.h"
#include "config.h"
#include "http.h"
#include "not_found.h"
#include "static_gzip.h"

struct content_type {
	const char *extension;
	const char *type;
};

static const struct content_type content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

const char *
static_files_content_type(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++) {
		size_t e = strlen(content_types[i].extension);
		if (n > e && strcasecmp(name + n - e, content_types[i].extension) == 0)
			return content_types[i].type;
	}
	return "application/octet-stream";
}

bool
static_files_map(const char *url_path, char *out, size_t out_size)
{
	const char *prefix = "resident";
	const char *rest = url_path;
	int written;

	if (url_path[0] != '/' || strchr(url_path, '\\') != NULL || strstr(url_path, "//") != NULL)
		return false;
	/* No segment may start with '.': that refuses "..", "." and hidden files alike. */
	for (const char *p = url_path; (p = strchr(p, '/')) != NULL; p++)
		if (p[1] == '.')
			return false;
	if (strncmp(url_path, "/console/", 9) == 0 || strcmp(url_path, "/console") == 0) {
		prefix = "console";
		rest = url_path + 8;
	} else if (strncmp(url_path, "/team/", 6) == 0 || strcmp(url_path, "/team") == 0) {
		prefix = "team";
		rest = url_path + 5;
	} else if (strncmp(url_path, "/common/", 8) == 0) {
		/* Modules the console and the team app share. */
		prefix = "common";
		rest = url_path + 7;
	} else if (strncmp(url_path, "/track/", 7) == 0) {
		/* The status page is one file that reads the code from its URL. */
		rest = "/track.html";
	}
	if (*rest == '\0' || rest[strlen(rest) - 1] == '/')
		written = snprintf(out, out_size, "%s%sindex.html", prefix, *rest ? rest : "/");
	else
		written = snprintf(out, out_size, "%s%s", prefix, rest);
	return written > 0 && (size_t)written < out_size;
}

bool
static_files_accepts_gzip(const char *accept_encoding)
{
	const char *p = accept_encoding;

	while (p != NULL && (p = strcasestr(p, "gzip")) != NULL) {
		const char *q = p + 4;
		bool starts = p == accept_encoding || p[-1] == ',' || p[-1] == ' ';
		p = q;
		if (!starts)
			continue;
		while (*q == ' ')
			q++;
		if (*q == ',' || *q == '\0')
			return true;
		if (*q != ';')
			continue;
		q++;
		while (*q == ' ')
			q++;
		/* q=0, q=0.0, q=0.00…: refused. */
		if (strncmp(q, "q=0", 3) == 0 && strspn(q + 3, ".0") == strcspn(q + 3, ", "))
			return false;
		return true;
	}
	return false;
}

/* Whether If-None-Match names etag (a list, weak or strong, or "*"). */
static bool
etag_matches(const char *if_none_match, const char *etag)
{
	return if_none_match != NULL && (strstr(if_none_match, etag) != NULL || strcmp(if_none_match, "*") == 0);
}

void
static_files_serve(struct request *r)
{
	char relative[512], full[1024], etag[72];
	const unsigned char *gz = NULL;
	const char *content_type;
	size_t gz_len = 0;
	struct stat st;
	int fd;

	if (!static_files_map(r->path, relative, sizeof relative)) {
		api_error_reply(r, API_ERROR_PATH_INVALID, NULL);
		return;
	}
	if ((size_t)snprintf(full, sizeof full, "%s/%s", r->app->cfg->static_dir, relative) >= sizeof full) {
		not_found_reply(r);
		return;
	}
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		not_found_reply(r);
		return;
	}
	content_type = static_files_content_type(relative);
	if (static_gzip_worth_it(content_type, (size_t)st.st_size)) {
		/* Caches between here and the client must keep the two encodings apart. */
		http_set_header(r, "Vary", "Accept-Encoding");
		if (static_files_accepts_gzip(http_header(r, "Accept-Encoding")))
			gz = static_gzip_find(r->app->offload, relative, &st, fd, &gz_len);
	}
	/* One strong validator per representation: the gzip copy's differs from the file's. */
	snprintf(etag, sizeof etag, "\"%llx-%llx%s\"", (unsigned long long)st.st_mtime, (unsigned long long)st.st_size,
	    gz != NULL ? "-gz" : "");
	http_set_header(r, "ETag", etag);
	/* HTML and the service worker must be revalidated so updates reach phones; the rest may be cached briefly. */
	if (strstr(relative, ".html") != NULL || strstr(relative, "sw.js") != NULL)
		http_set_header(r, "Cache-Control", "no-cache");
	else
		http_set_header(r, "Cache-Control", "public, max-age=300");
	if (etag_matches(http_header(r, "If-None-Match"), etag)) {
		close(fd);
		http_reply_empty(r, 304);
		return;
	}
	if (gz != NULL) {
		close(fd);
		http_set_header(r, "Content-Encoding", "gzip");
		http_reply_text(r, 200, content_type, (const char *)gz, gz_len);
		return;
	}
	http_reply_file(r, 200, fd, (size_t)st.st_size, content_type);
}
