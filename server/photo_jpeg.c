/* photo_jpeg: TurboJPEG (libjpeg-turbo's simple API) for both directions. */
#include "photo_jpeg.h"

#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

enum photo_result
photo_reencode(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len, int *width, int *height)
{
	tjhandle dec = NULL, enc = NULL;
	unsigned char *pixels = NULL, *jpeg = NULL;
	unsigned long jpeg_len = 0;
	int w, h, subsamp, colorspace;
	enum photo_result result = PHOTO_FAILED;

	*out = NULL;
	if (len > PHOTO_MAX_BYTES)
		return PHOTO_TOO_BIG;
	/* The content decides: a JPEG starts with SOI and a marker. */
	if (len < 4 || in[0] != 0xff || in[1] != 0xd8 || in[2] != 0xff)
		return PHOTO_NOT_JPEG;
	dec = tjInitDecompress();
	if (dec == NULL)
		return PHOTO_FAILED;
	if (tjDecompressHeader3(dec, in, (unsigned long)len, &w, &h, &subsamp, &colorspace) != 0 || w <= 0 || h <= 0) {
		result = PHOTO_NOT_JPEG;
		goto done;
	}
	if (w > PHOTO_MAX_SIDE || h > PHOTO_MAX_SIDE) {
		result = PHOTO_TOO_BIG;
		goto done;
	}
	pixels = malloc((size_t)w * (size_t)h * 3);
	if (pixels == NULL)
		goto done;
	/* A damaged picture is refused rather than kept half grey. */
	if (tjDecompress2(dec, in, (unsigned long)len, pixels, w, 0, h, TJPF_RGB,
	        TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING) != 0) {
		result = PHOTO_NOT_JPEG;
		goto done;
	}
	enc = tjInitCompress();
	if (enc == NULL ||
	    tjCompress2(
	        enc, pixels, w, 0, h, TJPF_RGB, &jpeg, &jpeg_len, TJSAMP_420, PHOTO_QUALITY, TJFLAG_ACCURATEDCT) != 0)
		goto done;
	*out = malloc(jpeg_len);
	if (*out == NULL)
		goto done;
	memcpy(*out, jpeg, jpeg_len);
	*out_len = jpeg_len;
	*width = w;
	*height = h;
	result = PHOTO_OK;
done:
	if (jpeg != NULL)
		tjFree(jpeg);
	free(pixels);
	if (enc != NULL)
		tjDestroy(enc);
	tjDestroy(dec);
	return result;
}

const char *
photo_result_message(enum photo_result result)
{
	switch (result) {
	case PHOTO_OK: return "";
	case PHOTO_NOT_JPEG: return "照片须为 JPEG 图片 (the photo must be a JPEG image)";
	case PHOTO_TOO_BIG:
		return "照片太大：最长边不超过 1600 像素、不超过 2 MiB (at most 1600 pixels a side and 2 MiB)";
	case PHOTO_FAILED: return "照片处理失败，请重试 (the photo could not be processed; try again)";
	}
	return "";
}
