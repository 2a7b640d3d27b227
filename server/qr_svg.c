/* qr_svg: libqrencode makes the matrix; this only draws it, one SVG path of unit squares, built on
 * the one string builder (evbuffer, text.c). */
#include "qr_svg.h"

#include <event2/buffer.h>
#include <qrencode.h>

#include "text.h"

#define QUIET_ZONE 4

char *
qr_svg(const char *text, int size_mm, const char *title)
{
	QRcode *code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	struct evbuffer *b;
	int side;

	if (code == NULL)
		return NULL;
	b = evbuffer_new();
	side = code->width + 2 * QUIET_ZONE;
	evbuffer_add_printf(b,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" role=\"img\" viewBox=\"0 0 %d %d\" "
	    "width=\"%dmm\" height=\"%dmm\" shape-rendering=\"crispEdges\"><title>",
	    side, side, size_mm, size_mm);
	text_html_escape(b, title);
	evbuffer_add_printf(
	    b, "</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"", side, side);
	/* Runs of dark modules on a row become one rectangle: a shorter path than a square each. */
	for (int y = 0; y < code->width; y++) {
		for (int x = 0; x < code->width;) {
			int run = 0;
			while (x + run < code->width && (code->data[y * code->width + x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			evbuffer_add_printf(b, "M%d %dh%dv1h-%dz", x + QUIET_ZONE, y + QUIET_ZONE, run, run);
			x += run;
		}
	}
	text_add(b, "\"/></svg>");
	QRcode_free(code);
	return text_take(b, NULL);
}
