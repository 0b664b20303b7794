/* vtfont: larger text on the Linux console, by loading a large console font.
 *
 * On the Linux virtual terminal (where the kiosk runs in production) the
 * "Larger text" control loads a big PSF font (Terminus 32x16 bold from
 * Debian's console-setup-linux) the way setfont does: the glyphs through
 * the KDFONTOP ioctl and the font's Unicode table through PIO_UNIMAP.  The
 * kernel then shrinks the text grid (1920x1080: 240x67 cells become
 * 120x33) and the screen gets SIGWINCH, so the UI lays itself out again.
 *
 * The font in use before is saved first and put back by vtfont_restore():
 * when the patient's session ends, when the kiosk exits and from a fatal
 * signal handler (it is async-signal-safe).  A terminal emulator or SSH
 * session is not a VT: vtfont_open() says so with K_ENOTFOUND and the
 * control is not offered there.
 *
 * The PSF reader is pure and tested on its own; the ioctls can only be
 * exercised on a real VT (see deploy/DEPLOY.md). */
#ifndef KIOSK_VTFONT_H
#define KIOSK_VTFONT_H

#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

/* One Unicode code point shown by glyph `glyph`. */
struct vtfont_uni {
	uint32_t cp;
	uint16_t glyph;
};

/* A console font read from a PSF1 or PSF2 file. */
struct vtfont_psf {
	int width, height;     /* pixels; width 1..32, height 1..32 */
	int count;             /* glyphs: 256 or 512 */
	int rowbytes;          /* (width + 7) / 8 */
	unsigned char *glyphs; /* count * height * rowbytes, one glyph after another */
	struct vtfont_uni *map;/* the Unicode table (may be empty) */
	int n_map;
};

/* Parse a PSF1 or PSF2 font held in buf (n bytes).  K_EINVAL with the
 * reason for anything that is not a font the console can load.  *out owned
 * by the caller (vtfont_psf_free). */
krc vtfont_psf_parse(struct vtfont_psf **out, const unsigned char *buf, size_t n, struct kerr *err);

/* Read and parse the font file path, gzip-compressed (.psf.gz) or not. */
krc vtfont_psf_load(struct vtfont_psf **out, const char *path, struct kerr *err);

/* The glyph showing code point cp, or -1 when the font has none. */
int vtfont_psf_glyph(const struct vtfont_psf *f, uint32_t cp);

void vtfont_psf_free(struct vtfont_psf *f);

typedef struct vtfont vtfont;

/* Open the console on terminal fd and save its current font and Unicode
 * table.  K_ENOTFOUND when fd is not a Linux VT (or its font cannot be
 * read): then there is no larger text.  *out owned by the caller. */
krc vtfont_open(vtfont **out, int fd, struct kerr *err);

/* Load font f on the console (the saved font stays saved). */
krc vtfont_set(vtfont *v, const struct vtfont_psf *f, struct kerr *err);

/* Put the saved font back if another one was loaded; returns 0, or -1 if
 * the kernel refused.  Async-signal-safe: only ioctls on saved buffers. */
int vtfont_restore(vtfont *v);

/* Restore the font, then free; NULL is a no-op. */
void vtfont_free(vtfont *v);

#endif
