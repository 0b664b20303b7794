/* vtfont: reads PSF console fonts and swaps the Linux console's font.
 *
 * Owns the saved console font and Unicode table of one VT and nothing else:
 * it never draws, never reads keys, and never changes the font unless asked
 * (the screen module decides when larger text is on).  It does what setfont
 * does, without running it: KDFONTOP with KD_FONT_OP_GET/SET for the glyphs
 * (whose rows the kernel wants in slots of 32 lines per glyph) and
 * GIO_UNIMAP / PIO_UNIMAPCLR / PIO_UNIMAP for the Unicode table, without
 * which the new glyphs would be looked up by the old font's table. */
#include "vtfont.h"

#include <errno.h>
#include <linux/kd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <zlib.h>

#include "ktext.h"
#include "lazylib.h"

/* ---- libz, loaded at first use (lazylib.h) ----
 *
 * Only larger text reads a console font: the kiosk starts without zlib. */
#define Z_FUNCS(X) \
	X(gzclose) \
	X(gzerror) \
	X(gzopen) \
	X(gzread)

Z_FUNCS(LAZYLIB_PTR)
static const struct lazylib_sym z_syms[] = { Z_FUNCS(LAZYLIB_SYM) { NULL, NULL } };
static struct lazylib z_lib = { "libz.so.1", "zlib1g", z_syms, NULL };

#define gzclose (*lazy_gzclose)
#define gzerror (*lazy_gzerror)
#define gzopen (*lazy_gzopen)
#define gzread (*lazy_gzread)

#define VT_MAX_GLYPHS 512
#define VT_MAX_PIXELS 32   /* KD_FONT_OP_SET: at most 32x32 */
#define VT_SLOT_ROWS 32    /* the kernel's rows per glyph slot */
#define PSF_MAX_FILE (4u << 20)

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static krc add_map(struct vtfont_psf *f, int *cap, uint32_t cp, int glyph, struct kerr *err)
{
	if (f->n_map == *cap) {
		int ncap = *cap ? *cap * 2 : 512;
		struct vtfont_uni *m = realloc(f->map, (size_t)ncap * sizeof *m);

		if (m == NULL)
			return kerr_set(err, K_ENOMEM, "out of memory");
		f->map = m;
		*cap = ncap;
	}
	f->map[f->n_map].cp = cp;
	f->map[f->n_map].glyph = (uint16_t)glyph;
	f->n_map++;
	return K_OK;
}

/* PSF2 table: per glyph, UTF-8 characters, then 0xFE and combining
 * sequences (not loadable into the kernel's table: skipped), then 0xFF. */
static krc psf2_table(struct vtfont_psf *f, const unsigned char *p, size_t n, struct kerr *err)
{
	int cap = 0;
	size_t i = 0;

	for (int g = 0; g < f->count; g++) {
		bool seq = false;

		for (;;) {
			uint32_t cp;
			int len;

			if (i >= n)
				return kerr_set(err, K_EINVAL, "PSF2 Unicode table ends inside glyph %d", g);
			if (p[i] == 0xFF) {
				i++;
				break;
			}
			if (p[i] == 0xFE) {
				seq = true;
				i++;
				continue;
			}
			len = ktext_decode((const char *)p + i, n - i, &cp);
			if (len <= 0)
				return kerr_set(err, K_EINVAL, "PSF2 Unicode table: bad UTF-8 at byte %zu", i);
			i += (size_t)len;
			if (!seq && add_map(f, &cap, cp, g, err) != K_OK)
				return K_ENOMEM;
		}
	}
	return K_OK;
}

/* PSF1 table: per glyph, 16-bit little-endian code points, 0xFFFE before
 * sequences, 0xFFFF at the end. */
static krc psf1_table(struct vtfont_psf *f, const unsigned char *p, size_t n, struct kerr *err)
{
	int cap = 0;
	size_t i = 0;

	for (int g = 0; g < f->count; g++) {
		bool seq = false;

		for (;;) {
			unsigned v;

			if (i + 2 > n)
				return kerr_set(err, K_EINVAL, "PSF1 Unicode table ends inside glyph %d", g);
			v = (unsigned)p[i] | (unsigned)p[i + 1] << 8;
			i += 2;
			if (v == 0xFFFF)
				break;
			if (v == 0xFFFE)
				seq = true;
			else if (!seq && add_map(f, &cap, v, g, err) != K_OK)
				return K_ENOMEM;
		}
	}
	return K_OK;
}

krc vtfont_psf_parse(struct vtfont_psf **out, const unsigned char *buf, size_t n, struct kerr *err)
{
	struct vtfont_psf *f;
	size_t start, size;
	bool table;
	krc rc = K_OK;

	*out = NULL;
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	if (n >= 4 && buf[0] == 0x36 && buf[1] == 0x04) {
		f->width = 8;
		f->height = buf[3];
		f->count = (buf[2] & 0x01) ? 512 : 256;
		table = (buf[2] & 0x06) != 0;
		start = 4;
	} else if (n >= 32 && le32(buf) == 0x864ab572u) {
		uint32_t hdr = le32(buf + 8), flags = le32(buf + 12), len = le32(buf + 16);
		uint32_t charsize = le32(buf + 20), h = le32(buf + 24), w = le32(buf + 28);

		if (hdr < 32 || hdr > n || len == 0 || len > VT_MAX_GLYPHS || w == 0 || w > VT_MAX_PIXELS ||
		    h == 0 || h > VT_MAX_PIXELS || charsize != h * ((w + 7) / 8)) {
			rc = kerr_set(err, K_EINVAL, "PSF2 header is not a console font of at most %d glyphs "
				      "of at most %dx%d pixels", VT_MAX_GLYPHS, VT_MAX_PIXELS, VT_MAX_PIXELS);
			goto out;
		}
		f->width = (int)w;
		f->height = (int)h;
		f->count = (int)len;
		table = (flags & 1) != 0;
		start = hdr;
	} else {
		rc = kerr_set(err, K_EINVAL, "not a PSF font (bad magic number)");
		goto out;
	}
	if (f->height == 0 || f->height > VT_MAX_PIXELS) {
		rc = kerr_set(err, K_EINVAL, "PSF1 glyph height %d is not 1..%d", f->height, VT_MAX_PIXELS);
		goto out;
	}
	f->rowbytes = (f->width + 7) / 8;
	size = (size_t)f->count * (size_t)f->height * (size_t)f->rowbytes;
	if (n - start < size) {
		rc = kerr_set(err, K_EINVAL, "PSF font is cut short: %zu bytes of glyphs, %zu needed",
			      n - start, size);
		goto out;
	}
	f->glyphs = malloc(size);
	if (f->glyphs == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(f->glyphs, buf + start, size);
	if (table) {
		const unsigned char *t = buf + start + size;
		size_t tn = n - start - size;

		rc = f->width == 8 && buf[0] == 0x36 ? psf1_table(f, t, tn, err) : psf2_table(f, t, tn, err);
	}
out:
	if (rc != K_OK) {
		vtfont_psf_free(f);
		return rc;
	}
	*out = f;
	return K_OK;
}

krc vtfont_psf_load(struct vtfont_psf **out, const char *path, struct kerr *err)
{
	gzFile gz;
	unsigned char *buf;
	size_t n = 0;
	krc rc;

	*out = NULL;
	if (lazylib_load(&z_lib, err) != K_OK)
		return K_EIO;
	/* gzread reads an uncompressed file as it is. */
	gz = gzopen(path, "rb");
	if (gz == NULL)
		return kerr_set(err, K_EIO, "%.200s: cannot open: %s", path, strerror(errno ? errno : ENOMEM));
	buf = malloc(PSF_MAX_FILE);
	if (buf == NULL) {
		gzclose(gz);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	for (;;) {
		int r = gzread(gz, buf + n, (unsigned)(PSF_MAX_FILE - n));

		if (r < 0) {
			int zerr;

			rc = kerr_set(err, K_EIO, "%.200s: cannot read: %s", path, gzerror(gz, &zerr));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == PSF_MAX_FILE) {
			rc = kerr_set(err, K_EINVAL, "%.200s: too big for a console font", path);
			goto out;
		}
	}
	rc = vtfont_psf_parse(out, buf, n, err);
out:
	gzclose(gz);
	free(buf);
	return rc;
}

int vtfont_psf_glyph(const struct vtfont_psf *f, uint32_t cp)
{
	for (int i = 0; i < f->n_map; i++)
		if (f->map[i].cp == cp)
			return f->map[i].glyph;
	return f->n_map == 0 && cp < (uint32_t)f->count ? (int)cp : -1;
}

void vtfont_psf_free(struct vtfont_psf *f)
{
	if (f == NULL)
		return;
	free(f->glyphs);
	free(f->map);
	free(f);
}

/* ---- the console ---- */

struct vtfont {
	int fd;
	bool changed;
	struct console_font_op saved;
	unsigned char *saved_glyphs;
	struct unimapdesc saved_map;
	bool have_map;
};

krc vtfont_open(vtfont **out, int fd, struct kerr *err)
{
	vtfont *v;
	int mode;
	unsigned short cap = 4096;

	*out = NULL;
	if (ioctl(fd, KDGETMODE, &mode) != 0)
		return kerr_set(err, K_ENOTFOUND, "not a Linux console (KDGETMODE: %s)", strerror(errno));
	v = calloc(1, sizeof *v);
	if (v == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	v->fd = fd;
	v->saved_glyphs = calloc(VT_MAX_GLYPHS, VT_SLOT_ROWS * 4);
	if (v->saved_glyphs == NULL)
		goto oom;
	v->saved.op = KD_FONT_OP_GET;
	v->saved.width = VT_MAX_PIXELS;
	v->saved.height = VT_MAX_PIXELS;
	v->saved.charcount = VT_MAX_GLYPHS;
	v->saved.data = v->saved_glyphs;
	if (ioctl(fd, KDFONTOP, &v->saved) != 0) {
		krc rc = kerr_set(err, K_ENOTFOUND, "the console font cannot be read (KDFONTOP: %s)",
				  strerror(errno));

		vtfont_free(v);
		return rc;
	}
	v->saved.op = KD_FONT_OP_SET;
	/* The Unicode table: ask again with room for all when it is larger. */
	for (;;) {
		v->saved_map.entry_ct = cap;
		v->saved_map.entries = calloc(cap, sizeof *v->saved_map.entries);
		if (v->saved_map.entries == NULL)
			goto oom;
		if (ioctl(fd, GIO_UNIMAP, &v->saved_map) == 0) {
			v->have_map = true;
			break;
		}
		free(v->saved_map.entries);
		v->saved_map.entries = NULL;
		if (errno != ENOMEM || cap >= 32768)
			break; /* no table to restore: the kernel keeps its own */
		cap = (unsigned short)(cap * 2);
	}
	*out = v;
	return K_OK;
oom:
	vtfont_free(v);
	return kerr_set(err, K_ENOMEM, "out of memory");
}

static int put_map(int fd, const struct unimapdesc *m)
{
	struct unimapinit init = { 0, 0, 0 };
	struct unimapdesc d = *m;

	if (ioctl(fd, PIO_UNIMAPCLR, &init) != 0)
		return -1;
	return ioctl(fd, PIO_UNIMAP, &d);
}

krc vtfont_set(vtfont *v, const struct vtfont_psf *f, struct kerr *err)
{
	struct console_font_op op;
	struct unimapdesc map;
	unsigned char *slots;
	krc rc = K_OK;

	if (f->count > VT_MAX_GLYPHS || f->n_map > 65535)
		return kerr_set(err, K_EINVAL, "the font is too large for the console");
	slots = calloc((size_t)f->count, (size_t)VT_SLOT_ROWS * (size_t)f->rowbytes);
	map.entries = calloc((size_t)(f->n_map ? f->n_map : 1), sizeof *map.entries);
	if (slots == NULL || map.entries == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	for (int g = 0; g < f->count; g++)
		memcpy(slots + (size_t)g * VT_SLOT_ROWS * (size_t)f->rowbytes,
		       f->glyphs + (size_t)g * (size_t)f->height * (size_t)f->rowbytes,
		       (size_t)f->height * (size_t)f->rowbytes);
	map.entry_ct = 0;
	for (int i = 0; i < f->n_map; i++) {
		/* The kernel's table holds the Basic Multilingual Plane only. */
		if (f->map[i].cp > 0xFFFF)
			continue;
		map.entries[map.entry_ct].unicode = (unsigned short)f->map[i].cp;
		map.entries[map.entry_ct].fontpos = f->map[i].glyph;
		map.entry_ct++;
	}
	memset(&op, 0, sizeof op);
	op.op = KD_FONT_OP_SET;
	op.width = (unsigned)f->width;
	op.height = (unsigned)f->height;
	op.charcount = (unsigned)f->count;
	op.data = slots;
	v->changed = true; /* from here on, restore even if a step fails */
	if (ioctl(v->fd, KDFONTOP, &op) != 0) {
		rc = kerr_set(err, K_EIO, "the console refused the font (KDFONTOP: %s)", strerror(errno));
		goto out;
	}
	if (map.entry_ct && put_map(v->fd, &map) != 0)
		rc = kerr_set(err, K_EIO, "the console refused the font's Unicode table: %s", strerror(errno));
out:
	free(slots);
	free(map.entries);
	if (rc != K_OK)
		vtfont_restore(v);
	return rc;
}

int vtfont_restore(vtfont *v)
{
	int r = 0;

	if (v == NULL || !v->changed)
		return 0;
	if (ioctl(v->fd, KDFONTOP, &v->saved) != 0)
		r = -1;
	if (v->have_map && put_map(v->fd, &v->saved_map) != 0)
		r = -1;
	if (r == 0)
		v->changed = false;
	return r;
}

void vtfont_free(vtfont *v)
{
	if (v == NULL)
		return;
	vtfont_restore(v);
	free(v->saved_glyphs);
	free(v->saved_map.entries);
	free(v);
}
