/* photo_jpeg: a service photo's bytes made safe to keep — a JPEG (judged by its content) of at most
 * PHOTO_MAX_SIDE pixels a side, decoded to pixels and encoded again with libjpeg-turbo, so nothing
 * but the picture survives (no EXIF, GPS, maker notes or trailing data). Pure and slow (tens of
 * milliseconds): run it off the event loop. */
#ifndef PAIDAN_PHOTO_JPEG_H
#define PAIDAN_PHOTO_JPEG_H

#include <stddef.h>

#define PHOTO_MAX_BYTES (2 * 1024 * 1024)
#define PHOTO_MAX_SIDE 1600
#define PHOTO_QUALITY 85

enum photo_result {
	PHOTO_OK,
	PHOTO_NOT_JPEG, /* not a JPEG, or one libjpeg-turbo cannot decode */
	PHOTO_TOO_BIG, /* more than PHOTO_MAX_SIDE pixels a side (or PHOTO_MAX_BYTES) */
	PHOTO_FAILED, /* out of memory, or the encoder failed */
};

/* Re-encodes in (len bytes). On PHOTO_OK *out (malloc'd; the caller frees) holds the new JPEG of
 * *out_len bytes, *width × *height pixels. */
enum photo_result photo_reencode(
    const unsigned char *in, size_t len, unsigned char **out, size_t *out_len, int *width, int *height);

/* People's words for a result (Chinese, English in brackets). */
const char *photo_result_message(enum photo_result result);

#endif
