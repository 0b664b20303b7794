/* qr: renders a link as a QR code in text (see qr.h).
 *
 * Owns only the conversion from libqrencode's module matrix to text lines.
 * It never draws, and it is never given anything but the content's
 * aftercare link: no patient data may end up in a code. */
#include "qr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "lazylib.h"

/* ---- libqrencode, loaded at first use (lazylib.h) ----
 *
 * Only the aftercare screen draws a QR code: the kiosk starts without it. */
#define QRENCODE_FUNCS(X) \
	X(QRcode_encodeString8bit) \
	X(QRcode_free)

QRENCODE_FUNCS(LAZYLIB_PTR)
static const struct lazylib_sym qrencode_syms[] = { QRENCODE_FUNCS(LAZYLIB_SYM) { NULL, NULL } };
static struct lazylib qrencode_lib = { "libqrencode.so.4", "libqrencode4", qrencode_syms, NULL };

#define QRcode_encodeString8bit (*lazy_QRcode_encodeString8bit)
#define QRcode_free (*lazy_QRcode_free)

/* Half-block cells: top module dark / bottom module dark. */
static const char *const half[2][2] = {
	{ " ", "\xe2\x96\x84" },            /* light/light, light/dark (▄) */
	{ "\xe2\x96\x80", "\xe2\x96\x88" }, /* dark/light (▀), dark/dark (█) */
};

static bool dark(const QRcode *code, int x, int y)
{
	/* Coordinates include the quiet zone; outside the symbol is light. */
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= code->width || y >= code->width)
		return false;
	return code->data[y * code->width + x] & 1;
}

void qr_free(struct qr_lines *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < q->n; i++)
		free(q->line[i]);
	free(q->line);
	free(q);
}

krc qr_render(const char *text, enum qr_style style, struct qr_lines **out, struct kerr *err)
{
	QRcode *code = NULL;
	struct qr_lines *q = NULL;
	krc rc = K_OK;
	int m, rows;

	*out = NULL;
	if (text == NULL || *text == '\0')
		return kerr_set(err, K_EINVAL, "no link to encode");
	if (lazylib_load(&qrencode_lib, err) != K_OK)
		return K_EIO;
	/* Version 0: the smallest that holds the text at level M. */
	code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (code == NULL) {
		if (errno == ENOMEM)
			return kerr_set(err, K_ENOMEM, "out of memory");
		return kerr_set(err, K_EINVAL, "link cannot be encoded as a QR code (%zu bytes)",
				strlen(text));
	}
	m = code->width + 2 * QR_QUIET;
	rows = style == QR_HALFBLOCK ? (m + 1) / 2 : m;
	q = calloc(1, sizeof *q);
	if (q == NULL || (q->line = calloc((size_t)rows, sizeof *q->line)) == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	q->modules = m;
	q->cols = style == QR_HALFBLOCK ? m : 2 * m;
	for (int r = 0; r < rows; r++) {
		/* Three bytes per half block is the most any cell needs. */
		char *l = malloc((size_t)m * 3 + 1), *p = l;

		if (l == NULL) {
			rc = kerr_set(err, K_ENOMEM, "out of memory");
			goto out;
		}
		q->line[q->n++] = l;
		for (int x = 0; x < m; x++) {
			if (style == QR_HALFBLOCK) {
				const char *c = half[dark(code, x, 2 * r)][dark(code, x, 2 * r + 1)];
				size_t len = strlen(c);

				memcpy(p, c, len);
				p += len;
			} else {
				bool d = dark(code, x, r);

				*p++ = d ? '#' : ' ';
				*p++ = d ? '#' : ' ';
			}
		}
		*p = '\0';
	}
out:
	QRcode_free(code);
	if (rc != K_OK) {
		qr_free(q);
		return rc;
	}
	*out = q;
	return K_OK;
}
