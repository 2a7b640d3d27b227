/* Unit tests of server/static_files.c: URL → file mapping never leaves the static directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "static_files.h"

static void
paths_map_into_the_three_clients(void **state)
{
	static const struct { const char *url, *file; } cases[] = {
		{"/", "resident/index.html"}, {"/app.js", "resident/app.js"}, {"/console/", "console/index.html"},
		{"/console", "console/index.html"}, {"/console/app.js", "console/app.js"}, {"/team/", "team/index.html"},
		{"/team/sw.js", "team/sw.js"}, {"/track/ABCDEFGHJK", "resident/track.html"},
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_true(static_files_map(cases[i].url, out, sizeof out));
		assert_string_equal(out, cases[i].file);
	}
}

static void
escaping_and_hidden_paths_are_refused(void **state)
{
	static const char *bad[] = {"/../etc/passwd", "/a/../../x", "/.env", "/console/../../x", "//etc/passwd",
		"/a\\..\\b", "relative", "/team/.git/config", "/./x"};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(static_files_map(bad[i], out, sizeof out));
}

static void
content_types_follow_the_extension(void **state)
{
	(void)state;
	assert_string_equal(static_files_content_type("a/index.html"), "text/html; charset=utf-8");
	assert_string_equal(static_files_content_type("app.js"), "text/javascript; charset=utf-8");
	assert_string_equal(static_files_content_type("style.css"), "text/css; charset=utf-8");
	assert_string_equal(static_files_content_type("manifest.webmanifest"), "application/manifest+json");
	assert_string_equal(static_files_content_type("icon.svg"), "image/svg+xml");
	assert_string_equal(static_files_content_type("x.bin"), "application/octet-stream");
	assert_string_equal(static_files_content_type("html"), "application/octet-stream");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths_map_into_the_three_clients),
		cmocka_unit_test(escaping_and_hidden_paths_are_refused),
		cmocka_unit_test(content_types_follow_the_extension),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
