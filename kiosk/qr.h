/* qr: a link as a QR code drawn with text characters.
 *
 * Pure: libqrencode in, lines of text out.  No curses, no I/O.  The code is
 * always error-correction level M (or better) with the full 4-module quiet
 * zone included in the lines, so whoever draws them only has to paint
 * "ink" dark and everything else light. */
#ifndef KIOSK_QR_H
#define KIOSK_QR_H

#include "kerr.h"

enum qr_style {
	QR_HALFBLOCK, /* UTF-8: two module rows per line, one column per module (▀ ▄ █ space) */
	QR_ASCII,     /* "##" per dark module, "  " per light one, one line per module row */
};

struct qr_lines {
	int n;        /* number of lines */
	int cols;     /* display columns of every line (all the same) */
	int modules;  /* modules per side, quiet zone included */
	char **line;  /* n NUL-terminated lines (UTF-8 or ASCII) */
};

#define QR_QUIET 4 /* quiet zone, modules on each side */

/* Encode text (a URL) and render it in style.  *out is owned by the caller
 * (qr_free).  K_EINVAL for empty text or text too long for a QR code. */
krc qr_render(const char *text, enum qr_style style, struct qr_lines **out, struct kerr *err);

/* qr_free(NULL) is a no-op. */
void qr_free(struct qr_lines *q);

#endif
