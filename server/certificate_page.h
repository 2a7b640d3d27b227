/* certificate_page: the 志愿服务记录证明 as an A4 page, and the pages of /verify. Pure: strings in,
 * a page out. */
#ifndef PAIDAN_CERTIFICATE_PAGE_H
#define PAIDAN_CERTIFICATE_PAGE_H

#include <stdbool.h>

struct certificate_view {
	const char *number;
	const char *verify_code;
	const char *issued; /* the date, as it prints */
	const char *content_json; /* what was certified, frozen at issue (paidan_ledger_json plus issuer,
	                           * handled_by, handler_contact, star_level) */
	const char *verify_url; /* the full URL the QR code carries */
	const char *seal_url; /* the seal image, or NULL when the issuer had none */
	bool verify_banner; /* the verify page: says the certificate is genuine above it */
};

/* The page; the caller frees it. */
char *certificate_page(const struct certificate_view *view);

/* /verify: a box to type a code into. given (may be NULL) is what was typed when it matched no
 * certificate, shown with the reason. The caller frees the page. */
char *certificate_verify_form(const char *given);

/* 一星 … 五星 for 1 … 5, "" otherwise. */
const char *star_level_name(int level);

#endif
