/* Unit tests of server/static_files.c and static_gzip.c: URL → file mapping never leaves the static directory; content types; gzip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <zlib.h>

#include "static_files.h"
#include "static_gzip.h"

static void
paths_map_into_the_three_clients(void **state)
{
	static const struct {
		const char *url, *file;
	} cases[] = {
	    {"/", "resident/index.html"},
	    {"/app.js", "resident/app.js"},
	    {"/style.css", "resident/style.css"},
	    {"/console/", "console/index.html"},
	    {"/console", "console/index.html"},
	    {"/console/app.js", "console/app.js"},
	    {"/console/sub/", "console/sub/index.html"},
	    {"/team/", "team/index.html"},
	    {"/team", "team/index.html"},
	    {"/team/app.js", "team/app.js"},
	    {"/team/sw.js", "team/sw.js"},
	    {"/common/sse.js", "common/sse.js"},
	    {"/x/", "resident/x/index.html"},
	    {"/img/logo.v2.svg", "resident/img/logo.v2.svg"},
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(out, 'x', sizeof out);
		if (!static_files_map(cases[i].url, out, sizeof out))
			fail_msg("\"%s\" refused", cases[i].url);
		assert_string_equal(out, cases[i].file);
	}
}

static void
every_tracking_page_is_the_one_status_page(void **state)
{
	static const char *urls[] = {"/track/ABC", "/track/ABCDEFGHJK", "/track/", "/track/abc-def/", "/track/查询"};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		if (!static_files_map(urls[i], out, sizeof out))
			fail_msg("\"%s\" refused", urls[i]);
		assert_string_equal(out, "resident/track.html");
	}
}

static void
folder_prefixes_match_whole_segments_only(void **state)
{
	char out[256];

	(void)state;
	assert_true(static_files_map("/consolex", out, sizeof out));
	assert_string_equal(out, "resident/consolex");
	assert_true(static_files_map("/teams/app.js", out, sizeof out));
	assert_string_equal(out, "resident/teams/app.js");
	assert_true(static_files_map("/trackx/ABC", out, sizeof out));
	assert_string_equal(out, "resident/trackx/ABC");
}

static void
escaping_and_hidden_paths_are_refused(void **state)
{
	static const char *bad[] = {"/../etc/passwd", "/a/../../x", "/.env", "//x", "/a\\b", "//etc/passwd",
	    "/console/../../x", "/team/../../../etc/passwd", "/track/../x", "/a\\..\\b", "\\", "relative", "",
	    "/team/.git/config", "/./x", "/.", "/..", "/a/.", "/a/..", "/a//b", "/console//app.js", "/.well-known/x",
	    "/a/.hidden/b"};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (static_files_map(bad[i], out, sizeof out))
			fail_msg("\"%s\" mapped to %s", bad[i], out);
}

static void
a_result_that_does_not_fit_is_refused_not_truncated(void **state)
{
	const char *want = "resident/app.js";
	char out[64];

	(void)state;
	assert_true(static_files_map("/app.js", out, strlen(want) + 1));
	assert_string_equal(out, want);
	assert_false(static_files_map("/app.js", out, strlen(want)));
	assert_false(static_files_map("/", out, strlen("resident/index.html")));
	assert_true(static_files_map("/", out, strlen("resident/index.html") + 1));
	assert_string_equal(out, "resident/index.html");
}

static void
content_types_follow_the_extension(void **state)
{
	static const struct {
		const char *name, *type;
	} cases[] = {
	    {"resident/index.html", "text/html; charset=utf-8"},
	    {"app.js", "text/javascript; charset=utf-8"},
	    {"mod.mjs", "text/javascript; charset=utf-8"},
	    {"style.css", "text/css; charset=utf-8"},
	    {"data.json", "application/json; charset=utf-8"},
	    {"manifest.webmanifest", "application/manifest+json"},
	    {"icon.svg", "image/svg+xml"},
	    {"icon.png", "image/png"},
	    {"favicon.ico", "image/x-icon"},
	    {"robots.txt", "text/plain; charset=utf-8"},
	    {"font.woff2", "font/woff2"},
	    {"x.bin", "application/octet-stream"},
	    {"Makefile", "application/octet-stream"},
	    {"html", "application/octet-stream"},
	    {".html", "application/octet-stream"},
	    {"app.js.map", "application/octet-stream"},
	    {"index.html.bak", "application/octet-stream"},
	    {"", "application/octet-stream"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(static_files_content_type(cases[i].name), cases[i].type);
}

static void
gzip_is_taken_only_when_listed_and_not_refused(void **state)
{
	static const struct {
		const char *header;
		bool takes;
	} cases[] = {
	    {"gzip", true},
	    {"gzip, deflate, br", true},
	    {"deflate, gzip", true},
	    {"br;q=1.0, gzip;q=0.8", true},
	    {"GZIP", true},
	    {"gzip; q=0.5", true},
	    {"gzip;q=0", false},
	    {"gzip;q=0.0", false},
	    {"gzip; q=0.000, deflate", false},
	    {"identity", false},
	    {"x-gzip2", false},
	    {"notgzip", false},
	    {"gzipped", false},
	    {"", false},
	};

	(void)state;
	assert_false(static_files_accepts_gzip(NULL));
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(static_files_accepts_gzip(cases[i].header), cases[i].takes);
}

static void
compressed_files_inflate_to_the_original_and_only_when_smaller(void **state)
{
	unsigned char text[4096], back[4096], noise[512], *gz;
	size_t gz_len;
	uLongf back_len = sizeof back;
	z_stream z;

	(void)state;
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (unsigned char)"<p>点单 order </p>\n"[i % 20];
	gz = static_gzip_compress(text, sizeof text, &gz_len);
	assert_non_null(gz);
	assert_true(gz_len < sizeof text / 10);
	assert_int_equal(gz[0], 0x1f); /* the gzip magic */
	assert_int_equal(gz[1], 0x8b);
	assert_int_equal(gz[4] | gz[5] | gz[6] | gz[7], 0); /* no time stamp: the same bytes each time */
	memset(&z, 0, sizeof z);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)gz_len;
	z.next_out = back;
	z.avail_out = (uInt)back_len;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, sizeof text);
	inflateEnd(&z);
	assert_memory_equal(back, text, sizeof text);
	free(gz);

	randombytes_buf(noise, sizeof noise);
	assert_null(static_gzip_compress(noise, sizeof noise, &gz_len));
	assert_true(static_gzip_worth_it("text/javascript; charset=utf-8", 1000));
	assert_true(static_gzip_worth_it("image/svg+xml", 1000));
	assert_false(static_gzip_worth_it("image/png", 100000));
	assert_false(static_gzip_worth_it("text/html; charset=utf-8", 100));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(paths_map_into_the_three_clients),
	    cmocka_unit_test(every_tracking_page_is_the_one_status_page),
	    cmocka_unit_test(folder_prefixes_match_whole_segments_only),
	    cmocka_unit_test(escaping_and_hidden_paths_are_refused),
	    cmocka_unit_test(a_result_that_does_not_fit_is_refused_not_truncated),
	    cmocka_unit_test(content_types_follow_the_extension),
	    cmocka_unit_test(gzip_is_taken_only_when_listed_and_not_refused),
	    cmocka_unit_test(compressed_files_inflate_to_the_original_and_only_when_smaller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
