/* seal: the issuing organisation's seal image (印章), uploaded by an admin, printed on certificates. */
#ifndef PAIDAN_SEAL_H
#define PAIDAN_SEAL_H

#include <stdbool.h>
#include <stddef.h>

struct request;

#define SEAL_MAX_BYTES (512 * 1024)

/* The image type of data judged by its first bytes: "image/png", "image/jpeg", or NULL. */
const char *seal_image_type(const unsigned char *data, size_t len);

/* PUT /api/v1/certificate-seal — admin: the raw PNG or JPEG as the body (at most 512 KiB). It becomes
 * the seal of certificates issued from now on → 201 {id, url, content_type, sha256}. */
void seal_upload(struct request *r);

/* GET /seals/{id} — anyone: the image (seals never change, so it may be cached for good). */
void seal_get(struct request *r);

#endif
