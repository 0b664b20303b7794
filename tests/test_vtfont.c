/* test_vtfont: reading PSF console fonts (the real Terminus files of
 * console-setup-linux and hand-made ones), refusing broken ones, showing
 * every character of the bundled content in the large font, and telling a
 * terminal that is not a Linux VT.  Loading a font into a real VT needs a
 * real console and is described in deploy/DEPLOY.md. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "content.h"
#include "ktext.h"
#include "vtfont.h"

static const char *large_font(void)
{
	static char path[512];
	config *cfg = NULL;
	struct kerr err = { "" };

	assert_int_equal(config_load(&cfg, NULL, NULL, &err), K_OK);
	snprintf(path, sizeof path, "%s", config_str(cfg, "display.large_font"));
	config_free(cfg);
	return path;
}

static bool glyph_blank(const struct vtfont_psf *f, int g)
{
	for (int i = 0; i < f->height * f->rowbytes; i++)
		if (f->glyphs[(size_t)g * (size_t)(f->height * f->rowbytes) + (size_t)i])
			return false;
	return true;
}

static void test_terminus(void **state)
{
	struct vtfont_psf *f = NULL;
	struct kerr err = { "" };
	int a, b;

	(void)state;
	assert_int_equal(vtfont_psf_load(&f, large_font(), &err), K_OK);
	assert_int_equal(f->width, 16);
	assert_int_equal(f->height, 32);
	assert_int_equal(f->count, 512);
	assert_int_equal(f->rowbytes, 2);
	assert_true(f->n_map > 500);
	a = vtfont_psf_glyph(f, 'A');
	b = vtfont_psf_glyph(f, 'B');
	assert_true(a >= 0 && b >= 0 && a != b);
	assert_false(glyph_blank(f, a));
	assert_true(glyph_blank(f, vtfont_psf_glyph(f, ' ')));
	assert_int_equal(vtfont_psf_glyph(f, 0x1F600), -1); /* no emoji */
	vtfont_psf_free(f);
}

/* The same font, not compressed, reads the same. */
static void test_plain_file(void **state)
{
	struct vtfont_psf *f = NULL, *g = NULL;
	struct kerr err = { "" };
	char cmd[1024], tmp[] = "/tmp/test_vtfont.XXXXXX";
	int fd = mkstemp(tmp);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof cmd, "gzip -dc '%s' > '%s'", large_font(), tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(vtfont_psf_load(&f, large_font(), &err), K_OK);
	assert_int_equal(vtfont_psf_load(&g, tmp, &err), K_OK);
	unlink(tmp);
	assert_int_equal(f->count, g->count);
	assert_int_equal(f->n_map, g->n_map);
	assert_memory_equal(f->glyphs, g->glyphs, (size_t)f->count * (size_t)f->height * (size_t)f->rowbytes);
	vtfont_psf_free(f);
	vtfont_psf_free(g);
	assert_int_equal(vtfont_psf_load(&f, "/nonexistent/font.psf.gz", &err), K_EIO);
	assert_null(f);
}

static void need_glyphs(const struct vtfont_psf *f, const char *s, const char *where)
{
	for (size_t i = 0, n = s ? strlen(s) : 0; i < n;) {
		uint32_t cp;
		int len = ktext_decode(s + i, n - i, &cp);

		assert_true(len > 0);
		i += (size_t)len;
		if (cp >= 0x20 && vtfont_psf_glyph(f, cp) < 0)
			fail_msg("%s: the large font has no U+%04X", where, (unsigned)cp);
	}
}

/* Larger text must still show every letter of the clinic's wording in both
 * languages, and the half blocks the QR code is drawn with. */
static void test_font_shows_the_content(void **state)
{
	struct vtfont_psf *f = NULL;
	struct content *c = NULL;
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(vtfont_psf_load(&f, large_font(), &err), K_OK);
	assert_int_equal(content_load(&c, "screens", NULL, &err), K_OK);
	need_glyphs(f, "\xe2\x96\x80\xe2\x96\x84\xe2\x96\x88 ", "QR code");
	for (int l = 0; l < c->n_langs; l++) {
		for (int m = 0; m < c->n_msgs; m++)
			need_glyphs(f, c->msgs[m].s[l], c->msg_keys[m]);
		for (int i = 0; i < c->n_screens; i++) {
			const struct content_screen *s = &c->screens[i];

			need_glyphs(f, s->title.s[l], s->id);
			need_glyphs(f, s->text.s[l], s->id);
			need_glyphs(f, s->help.s[l], s->id);
			need_glyphs(f, s->body.s[l], s->id);
			for (int k = 0; k < 3; k++)
				need_glyphs(f, s->outcome[k].s[l], s->id);
			for (int k = 0; k < s->n_options; k++)
				need_glyphs(f, s->options[k].label.s[l], s->id);
			for (int k = 0; k < s->n_flags; k++)
				need_glyphs(f, s->flags[k].patient.s[l], s->id);
		}
	}
	content_free(c);
	vtfont_psf_free(f);
}

/* A PSF1 font of 256 glyphs 8x4 with a Unicode table: glyph 1 shows 'A'
 * and U+0391 (and a combining sequence, which is skipped), glyph 2 'B'. */
static void test_psf1(void **state)
{
	unsigned char buf[4 + 256 * 4 + 256 * 2 + 16];
	size_t n = 0;
	struct vtfont_psf *f = NULL;
	struct kerr err = { "" };
	static const uint16_t table1[] = { 'A', 0x0391, 0xFFFE, 'A', 0x0301, 0xFFFF };

	(void)state;
	buf[n++] = 0x36;
	buf[n++] = 0x04;
	buf[n++] = 0x02; /* 256 glyphs, Unicode table */
	buf[n++] = 4;
	for (int g = 0; g < 256; g++)
		for (int r = 0; r < 4; r++)
			buf[n++] = (unsigned char)g;
	for (int g = 0; g < 256; g++) {
		if (g == 1) {
			for (size_t k = 0; k < sizeof table1 / sizeof table1[0]; k++) {
				buf[n++] = (unsigned char)(table1[k] & 0xff);
				buf[n++] = (unsigned char)(table1[k] >> 8);
			}
			continue;
		}
		if (g == 2) {
			buf[n++] = 'B';
			buf[n++] = 0;
		}
		buf[n++] = 0xff;
		buf[n++] = 0xff;
	}
	assert_int_equal(vtfont_psf_parse(&f, buf, n, &err), K_OK);
	assert_int_equal(f->width, 8);
	assert_int_equal(f->height, 4);
	assert_int_equal(f->count, 256);
	assert_int_equal(f->n_map, 3);
	assert_int_equal(vtfont_psf_glyph(f, 'A'), 1);
	assert_int_equal(vtfont_psf_glyph(f, 0x0391), 1);
	assert_int_equal(vtfont_psf_glyph(f, 0x0301), -1);
	assert_int_equal(vtfont_psf_glyph(f, 'B'), 2);
	assert_int_equal(f->glyphs[2 * 4], 2);
	vtfont_psf_free(f);
	/* Cut inside the table. */
	assert_int_equal(vtfont_psf_parse(&f, buf, n - 3, &err), K_EINVAL);
	assert_null(f);
	/* Cut inside the glyphs. */
	kerr_clear(&err);
	assert_int_equal(vtfont_psf_parse(&f, buf, 100, &err), K_EINVAL);
	assert_non_null(strstr(err.msg, "cut short"));
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static size_t psf2(unsigned char *buf, uint32_t count, uint32_t h, uint32_t w, bool table)
{
	uint32_t rb = (w + 7) / 8;
	size_t n = 32 + count * h * rb;

	memset(buf, 0, n);
	put32(buf, 0x864ab572u);
	put32(buf + 4, 0);
	put32(buf + 8, 32);
	put32(buf + 12, table ? 1 : 0);
	put32(buf + 16, count);
	put32(buf + 20, h * rb);
	put32(buf + 24, h);
	put32(buf + 28, w);
	return n;
}

static void test_psf2_refused(void **state)
{
	static unsigned char buf[70000];
	struct vtfont_psf *f = NULL;
	struct kerr err = { "" };
	size_t n;

	(void)state;
	assert_int_equal(vtfont_psf_parse(&f, (const unsigned char *)"hello, world, this is not a font", 32, &err), K_EINVAL);
	assert_non_null(strstr(err.msg, "magic"));
	n = psf2(buf, 256, 16, 33, false); /* too wide for the console */
	assert_int_equal(vtfont_psf_parse(&f, buf, n, &err), K_EINVAL);
	n = psf2(buf, 600, 16, 8, false); /* too many glyphs */
	assert_int_equal(vtfont_psf_parse(&f, buf, n, &err), K_EINVAL);
	n = psf2(buf, 256, 16, 8, false);
	put32(buf + 20, 99); /* charsize does not match */
	assert_int_equal(vtfont_psf_parse(&f, buf, n, &err), K_EINVAL);
	/* A table with bad UTF-8, then one cut short. */
	n = psf2(buf, 2, 16, 8, true);
	buf[n++] = 0xC3;
	buf[n++] = 0x28;
	buf[n++] = 0xFF;
	assert_int_equal(vtfont_psf_parse(&f, buf, n, &err), K_EINVAL);
	n = psf2(buf, 2, 16, 8, true);
	buf[n++] = 'A';
	buf[n++] = 0xFF;
	assert_int_equal(vtfont_psf_parse(&f, buf, n, &err), K_EINVAL);
	buf[n++] = 0xC3; /* ñ */
	buf[n++] = 0xB1;
	buf[n++] = 0xFF;
	assert_int_equal(vtfont_psf_parse(&f, buf, n, &err), K_OK);
	assert_int_equal(vtfont_psf_glyph(f, 0xF1), 1);
	vtfont_psf_free(f);
	vtfont_psf_free(NULL);
}

/* A pipe, /dev/null and a pseudo-terminal (what a terminal emulator or SSH
 * gives) are not a Linux VT: no larger text is offered there. */
static void test_not_a_vt(void **state)
{
	vtfont *v = NULL;
	struct kerr err = { "" };
	int p[2], fd, pty;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(vtfont_open(&v, p[0], &err), K_ENOTFOUND);
	assert_null(v);
	assert_non_null(strstr(err.msg, "not a Linux console"));
	close(p[0]);
	close(p[1]);
	fd = open("/dev/null", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(vtfont_open(&v, fd, &err), K_ENOTFOUND);
	close(fd);
	pty = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(pty >= 0);
	assert_int_equal(grantpt(pty), 0);
	assert_int_equal(unlockpt(pty), 0);
	fd = open(ptsname(pty), O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	assert_true(isatty(fd));
	assert_int_equal(vtfont_open(&v, fd, &err), K_ENOTFOUND);
	assert_null(v);
	close(fd);
	close(pty);
	vtfont_free(NULL);
	assert_int_equal(vtfont_restore(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terminus),
		cmocka_unit_test(test_plain_file),
		cmocka_unit_test(test_font_shows_the_content),
		cmocka_unit_test(test_psf1),
		cmocka_unit_test(test_psf2_refused),
		cmocka_unit_test(test_not_a_vt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
