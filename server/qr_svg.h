/* qr_svg: a QR code (libqrencode) as an inline SVG image, for pages that must print crisply. */
#ifndef PAIDAN_QR_SVG_H
#define PAIDAN_QR_SVG_H

/* The QR code of text (error correction level M, the smallest version that fits) as an <svg>
 * element of size_mm millimetres square, with the 4-module quiet zone the standard asks for and
 * title as its accessible name (escaped here). Returns a string the caller frees, or NULL when
 * text is too long for a QR code. */
char *qr_svg(const char *text, int size_mm, const char *title);

#endif
