/* not_found: the HTML page is a static file (clients/resident/404.html, no script), sent with 404. */
#include "not_found.h"

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

#define PAGE "resident/404.html"

bool
not_found_wants_html(unsigned method, const char *path, const char *accept)
{
	if ((method & (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)) == 0 || path == NULL || accept == NULL)
		return false;
	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
		return false;
	/* Browsers name text/html first when they navigate; fetch() and curl send * / * or JSON. */
	return strcasestr(accept, "text/html") != NULL;
}

void
not_found_reply(struct request *r)
{
	char full[1024];
	struct stat st;
	int fd;

	if (!not_found_wants_html(r->method, r->path, http_header(r, "Accept")) ||
	    (size_t)snprintf(full, sizeof full, "%s/" PAGE, r->app->cfg->static_dir) >= sizeof full) {
		api_error_reply(r, API_ERROR_NOT_FOUND, NULL);
		return;
	}
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		api_error_reply(r, API_ERROR_NOT_FOUND, NULL);
		return;
	}
	http_set_header(r, "Cache-Control", "no-cache");
	http_reply_file(r, 404, fd, (size_t)st.st_size, "text/html; charset=utf-8");
}
