/* test_ktext: UTF-8 decoding, display width, cutting with a mark, and the
 * characters that may never be shown or stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ktext.h"

static void test_decode(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(ktext_decode("\xc3\xb1", 2, &cp), 2);
	assert_int_equal(cp, 0xF1);
	assert_int_equal(ktext_decode("\xc3", 1, &cp), -1);          /* truncated */
	assert_int_equal(ktext_decode("\xc0\xaf", 2, &cp), -1);      /* overlong */
	assert_int_equal(ktext_decode("\xed\xa0\x80", 3, &cp), -1);  /* surrogate */
	assert_int_equal(ktext_decode("\xf4\x90\x80\x80", 4, &cp), -1);
	assert_true(ktext_valid_utf8("Mu\xc3\xb1oz", 6));
	assert_false(ktext_valid_utf8("Mu\xf1oz", 5));               /* Latin-1 */
	assert_false(ktext_valid_utf8("%\xe2", 2));
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(ktext_width("Pe\xc3\xb1" "a"), 4);
	assert_int_equal(ktext_width("e\xcc\x81"), 1);               /* e + combining acute */
	assert_int_equal(ktext_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* two wide */
	assert_int_equal(ktext_width("a\xe2\x80\x8b" "b"), 2);        /* ZWSP */
}

static void test_fit(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ktext_fit(out, sizeof out, "Mu\xc3\xb1oz Pe\xc3\xb1" "a", 6, true, false, false), 6);
	assert_string_equal(out, "Mu\xc3\xb1oz\xe2\x80\xa6");
	assert_int_equal(ktext_fit(out, sizeof out, "Ana", 6, true, true, false), 6);
	assert_string_equal(out, "Ana   ");
	ktext_fit(out, sizeof out, "abcdefgh", 5, true, false, true);
	assert_string_equal(out, "abcd~");
	/* A wide character never straddles the edge. */
	ktext_fit(out, sizeof out, "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5", 4, true, true, false);
	assert_int_equal(ktext_width(out), 4);
	/* Never cut inside a letter, even when the buffer is the limit. */
	ktext_fit(out, 4, "\xc3\xb1\xc3\xb1", 10, false, false, false);
	assert_string_equal(out, "\xc3\xb1");
}

static void test_escape_clean(void **state)
{
	char out[128];
	const char *osc = "a\x1b]0;x\x07" "b\xc2\x9b" "c\xe2\x80\xae" "d\xff";

	(void)state;
	ktext_escape(out, sizeof out, osc, strlen(osc));
	assert_string_equal(out, "a\\x1B]0;x\\x07b\\u{009B}c\\u{202E}d\\xFF");
	ktext_clean(out, sizeof out, osc);
	assert_string_equal(out, "a]0;xbcd");
	ktext_clean(out, sizeof out, "Ana\xc2\xa0Mar\xc3\xad" "a\xe3\x80\x80L\xc3\xb3pez");
	assert_string_equal(out, "Ana Mar\xc3\xad" "a L\xc3\xb3pez");
	assert_true(ktext_is_format(0x200B));
	assert_true(ktext_is_format(0x202E));
	assert_false(ktext_is_format('a'));
	assert_true(ktext_is_space(0x3000));
}

static void test_letter(void **state)
{
	(void)state;
	assert_true(ktext_is_letter('a'));
	assert_true(ktext_is_letter(0xf1));     /* ñ */
	assert_true(ktext_is_letter(0x4e2d));   /* 中 */
	assert_true(ktext_is_letter(0x0436));   /* ж */
	assert_false(ktext_is_letter('7'));
	assert_false(ktext_is_letter(0x200b));  /* zero-width space */
	assert_false(ktext_is_letter(0x202e));
	assert_false(ktext_is_letter(0x2713));  /* check mark */
	assert_false(ktext_is_letter(0x1f600)); /* emoji */
	assert_false(ktext_is_letter(0x301));   /* a mark alone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_escape_clean),
		cmocka_unit_test(test_letter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
