/* photo_jpeg: a JPEG carrying EXIF (a GPS position, say) comes back as a JPEG without it, the same
 * size; what is not a JPEG, a damaged one, or one too large a side is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <turbojpeg.h>

#include "photo_jpeg.h"

/* A w × h JPEG made here, with an APP1 "Exif" segment after SOI holding a marker text. */
static unsigned char *
make_jpeg(int w, int h, bool exif, size_t *len)
{
	unsigned char *px = malloc((size_t)w * h * 3), *jpeg = NULL, *out;
	unsigned long n = 0;
	static const char secret[] = "GPS 25.1234N 114.9876E";
	tjhandle t = tjInitCompress();

	for (int i = 0; i < w * h * 3; i++)
		px[i] = (unsigned char)(i * 7);
	assert_int_equal(tjCompress2(t, px, w, 0, h, TJPF_RGB, &jpeg, &n, TJSAMP_420, 80, 0), 0);
	tjDestroy(t);
	free(px);
	if (!exif) {
		out = malloc(n);
		memcpy(out, jpeg, n);
		*len = n;
	} else {
		size_t seg = 2 + 6 + sizeof secret; /* length field + "Exif\0\0" + text */
		out = malloc(n + 2 + seg);
		memcpy(out, jpeg, 2); /* SOI */
		out[2] = 0xff;
		out[3] = 0xe1;
		out[4] = (unsigned char)(seg >> 8);
		out[5] = (unsigned char)(seg & 0xff);
		memcpy(out + 6, "Exif\0\0", 6);
		memcpy(out + 12, secret, sizeof secret);
		memcpy(out + 2 + 2 + seg, jpeg + 2, n - 2);
		*len = n + 2 + seg;
	}
	tjFree(jpeg);
	return out;
}

static bool
contains(const unsigned char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

static void
metadata_does_not_survive(void **state)
{
	size_t len, out_len = 0;
	unsigned char *in = make_jpeg(64, 48, true, &len), *out = NULL;
	int w = 0, h = 0;

	(void)state;
	assert_true(contains(in, len, "GPS 25.1234N"));
	assert_int_equal(photo_reencode(in, len, &out, &out_len, &w, &h), PHOTO_OK);
	assert_int_equal(w, 64);
	assert_int_equal(h, 48);
	assert_true(out_len > 100);
	assert_true(out[0] == 0xff && out[1] == 0xd8);
	assert_false(contains(out, out_len, "GPS 25.1234N"));
	assert_false(contains(out, out_len, "Exif"));
	free(in);
	free(out);
}

static void
not_a_jpeg_or_damaged(void **state)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0};
	size_t len, out_len;
	unsigned char *in = make_jpeg(64, 48, false, &len), *out = NULL;
	int w, h;

	(void)state;
	assert_int_equal(photo_reencode(png, sizeof png, &out, &out_len, &w, &h), PHOTO_NOT_JPEG);
	assert_int_equal(photo_reencode((const unsigned char *)"hello", 5, &out, &out_len, &w, &h), PHOTO_NOT_JPEG);
	/* Cut in half: the header reads, the picture does not. */
	assert_int_equal(photo_reencode(in, len / 2, &out, &out_len, &w, &h), PHOTO_NOT_JPEG);
	assert_null(out);
	free(in);
}

static void
too_large(void **state)
{
	size_t len, out_len;
	unsigned char *in = make_jpeg(PHOTO_MAX_SIDE + 1, 8, false, &len), *out = NULL;
	int w, h;

	(void)state;
	assert_int_equal(photo_reencode(in, len, &out, &out_len, &w, &h), PHOTO_TOO_BIG);
	free(in);
	in = make_jpeg(PHOTO_MAX_SIDE, 8, false, &len);
	assert_int_equal(photo_reencode(in, len, &out, &out_len, &w, &h), PHOTO_OK);
	free(out);
	assert_int_equal(photo_reencode(in, PHOTO_MAX_BYTES + 1, &out, &out_len, &w, &h), PHOTO_TOO_BIG);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(metadata_does_not_survive),
	    cmocka_unit_test(not_a_jpeg_or_damaged),
	    cmocka_unit_test(too_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
