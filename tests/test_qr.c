/* test_qr: the QR renderer draws exactly libqrencode's modules, at level M,
 * with the full quiet zone, in half blocks and in ASCII. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <qrencode.h>

#include "qr.h"

static const char *const link = "https://fhir.example.org/aftercare/microneedling?lang=en";

/* Read back module (x, y) from rendered lines. */
static int module_at(const struct qr_lines *q, enum qr_style style, int x, int y)
{
	if (style == QR_ASCII) {
		const char *l = q->line[y];

		assert_true(l[2 * x] == l[2 * x + 1]);
		return l[2 * x] == '#';
	}
	/* Walk x UTF-8 cells into the line. */
	const unsigned char *p = (const unsigned char *)q->line[y / 2];

	for (int i = 0; i < x; i++)
		p += *p < 0x80 ? 1 : 3;
	if (*p == ' ')
		return 0;
	assert_int_equal(p[0], 0xe2);
	assert_int_equal(p[1], 0x96);
	switch (p[2]) {
	case 0x80: return y % 2 == 0;      /* upper half */
	case 0x84: return y % 2 == 1;      /* lower half */
	case 0x88: return 1;               /* full */
	}
	fail_msg("unexpected cell byte %02x", p[2]);
	return -1;
}

static void check_style(enum qr_style style)
{
	struct qr_lines *q = NULL;
	struct kerr err = { { 0 } };
	QRcode *ref = QRcode_encodeString8bit(link, 0, QR_ECLEVEL_M);
	int m;

	assert_non_null(ref);
	assert_int_equal(qr_render(link, style, &q, &err), K_OK);
	m = ref->width + 2 * QR_QUIET;
	assert_int_equal(q->modules, m);
	assert_int_equal(q->cols, style == QR_ASCII ? 2 * m : m);
	assert_int_equal(q->n, style == QR_ASCII ? m : (m + 1) / 2);
	for (int y = 0; y < m; y++) {
		for (int x = 0; x < m; x++) {
			int in = x >= QR_QUIET && y >= QR_QUIET && x < m - QR_QUIET && y < m - QR_QUIET;
			int want = in ? ref->data[(y - QR_QUIET) * ref->width + x - QR_QUIET] & 1 : 0;

			assert_int_equal(module_at(q, style, x, y), want);
		}
	}
	QRcode_free(ref);
	qr_free(q);
}

static void test_halfblock_matches_encoder(void **state)
{
	(void)state;
	check_style(QR_HALFBLOCK);
}

static void test_ascii_matches_encoder(void **state)
{
	(void)state;
	check_style(QR_ASCII);
}

static void test_every_line_same_width(void **state)
{
	struct qr_lines *q = NULL;
	struct kerr err = { { 0 } };

	(void)state;
	assert_int_equal(qr_render(link, QR_ASCII, &q, &err), K_OK);
	for (int i = 0; i < q->n; i++)
		assert_int_equal((int)strlen(q->line[i]), q->cols);
	/* The quiet zone: the first and last four rows hold no ink. */
	for (int i = 0; i < QR_QUIET; i++) {
		assert_null(strchr(q->line[i], '#'));
		assert_null(strchr(q->line[q->n - 1 - i], '#'));
	}
	qr_free(q);
}

static void test_empty_link_refused(void **state)
{
	struct qr_lines *q = (struct qr_lines *)1;
	struct kerr err = { { 0 } };

	(void)state;
	assert_int_equal(qr_render("", QR_HALFBLOCK, &q, &err), K_EINVAL);
	assert_null(q);
	assert_true(err.msg[0] != '\0');
	qr_free(NULL);
}

static void test_too_long_refused(void **state)
{
	size_t n = 8000;
	char *big = malloc(n + 1);
	struct qr_lines *q = NULL;
	struct kerr err = { { 0 } };

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(qr_render(big, QR_ASCII, &q, &err), K_EINVAL);
	assert_null(q);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_halfblock_matches_encoder),
		cmocka_unit_test(test_ascii_matches_encoder),
		cmocka_unit_test(test_every_line_same_width),
		cmocka_unit_test(test_empty_link_refused),
		cmocka_unit_test(test_too_long_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
