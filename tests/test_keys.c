/* test_keys: the input decoder, bytes in, keys, text and mouse out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keys.h"

/* Decode s (n bytes) as one burst; write a readable trace into out:
 * text as itself (UTF-8), keys as <K> tokens, mouse as <m b x y r>. */
static const char *trace(bool utf8, const char *s, size_t n, char *out, size_t cap)
{
	struct keys k;
	struct keys_event ev;
	size_t o = 0;

	keys_init(&k, utf8);
	keys_feed(&k, s, n);
	out[0] = '\0';
	while (keys_next(&k, true, &ev)) {
		char t[64];

		if (ev.kind == KEYS_TEXT) {
			uint32_t c = ev.cp;

			if (c < 0x80)
				t[0] = (char)c, t[1] = '\0';
			else if (c < 0x800)
				t[0] = (char)(0xc0 | (c >> 6)), t[1] = (char)(0x80 | (c & 0x3f)), t[2] = '\0';
			else
				t[0] = (char)(0xe0 | (c >> 12)), t[1] = (char)(0x80 | ((c >> 6) & 0x3f)),
				t[2] = (char)(0x80 | (c & 0x3f)), t[3] = '\0';
		} else if (ev.kind == KEYS_KEY) {
			snprintf(t, sizeof t, "<%d>", ev.key);
		} else {
			snprintf(t, sizeof t, "<m%d %d %d%s>", ev.button, ev.x, ev.y, ev.release ? " r" : "");
		}
		o += (size_t)snprintf(out + o, cap - o, "%s", t);
	}
	assert_false(keys_pending(&k));
	return out;
}

#define T(utf8, lit) trace(utf8, lit, sizeof lit - 1, buf, sizeof buf)

static void test_text(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(T(true, "Mu\xc3\xb1oz Pe\xc3\xb1" "a"), "Mu\xc3\xb1oz Pe\xc3\xb1" "a");
	/* Invalid bytes are skipped alone; their neighbours are kept. */
	assert_string_equal(T(true, "Mu\xf1oz Pe\xf1" "a"), "Muoz Pea");
	assert_string_equal(T(true, "a\xff\xfe\xc3" "b"), "ab");
	/* The same bytes from a Latin-1 terminal are letters. */
	assert_string_equal(T(false, "Mu\xf1oz Pe\xf1" "a"), "Mu\xc3\xb1oz Pe\xc3\xb1" "a");
	/* C1 controls never become text. */
	assert_string_equal(T(true, "a\xc2\x9b" "b"), "ab");
}

static void test_escape(void **state)
{
	char buf[256], want[64];

	(void)state;
	/* Text right after Esc in the same burst is kept. */
	snprintf(want, sizeof want, "<%d>Ana", KEYS_ESC);
	assert_string_equal(T(true, "\x1b" "Ana"), want);
	snprintf(want, sizeof want, "<%d>Oscar", KEYS_ESC);
	assert_string_equal(T(true, "\x1bOscar"), want);
	snprintf(want, sizeof want, "<%d><%d>x", KEYS_UP, KEYS_F(12));
	assert_string_equal(T(true, "\x1b[A\x1b[24~x"), want);
	snprintf(want, sizeof want, "<%d><%d><%d>", KEYS_F(2), KEYS_F(1), KEYS_BTAB);
	assert_string_equal(T(true, "\x1bOQ\x1b[[A\x1b[Z"), want);
	/* Unknown sequences are consumed whole. */
	assert_string_equal(T(true, "\x1b[200~hi\x1b[201~"), "hi");
	assert_string_equal(T(true, "\x1b[?1;2;3$yZ"), "Z");
	assert_string_equal(T(true, "\x1b[1;9Q\x1b[24;5~!"), "!"); /* modified F2, Ctrl+F12 */
	snprintf(want, sizeof want, "<%d>", KEYS_ESC);
	assert_string_equal(T(true, "\x1b"), want);
	snprintf(want, sizeof want, "<%d><%d>", KEYS_ENTER, KEYS_ENTER);
	assert_string_equal(T(true, "\r\n\r"), want);
	snprintf(want, sizeof want, "<%d>", KEYS_CTRL_A + 10);
	assert_string_equal(T(true, "\x0b"), want);
}

static void test_mouse(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(T(true, "\x1b[<0;10;5M\x1b[<0;10;5m"), "<m0 9 4><m0 9 4 r>");
	assert_string_equal(T(true, "\x1b[<65;1;1M\x1b[<32;3;3M"), "<m4 0 0>");
	assert_string_equal(T(true, "\x1b[M !!"), "<m0 0 0>");
}

static void test_split(void **state)
{
	struct keys k;
	struct keys_event ev;

	(void)state;
	keys_init(&k, true);
	/* A sequence or a letter split across reads waits for its rest. */
	keys_feed(&k, "\x1b[", 2);
	assert_false(keys_next(&k, false, &ev));
	keys_feed(&k, "B\xc3", 2);
	assert_true(keys_next(&k, false, &ev));
	assert_int_equal(ev.key, KEYS_DOWN);
	assert_false(keys_next(&k, false, &ev));
	keys_feed(&k, "\xb1", 1);
	assert_true(keys_next(&k, false, &ev));
	assert_int_equal(ev.cp, 0xf1);
	/* A lone Esc is Esc once the burst is over. */
	keys_feed(&k, "\x1b", 1);
	assert_false(keys_next(&k, false, &ev));
	assert_true(keys_next(&k, true, &ev));
	assert_int_equal(ev.key, KEYS_ESC);
}

static void test_random(void **state)
{
	struct keys k;
	struct keys_event ev;

	(void)state;
	keys_init(&k, true);
	srand(7);
	/* Random bytes: the decoder always drains, never holds more than it
	 * was given, and every event it gives is well formed. */
	for (int round = 0; round < 20000; round++) {
		unsigned char b[16];
		size_t n = (size_t)(rand() % 16) + 1;

		for (size_t i = 0; i < n; i++)
			b[i] = (unsigned char)rand();
		keys_feed(&k, b, n);
		while (keys_next(&k, round % 3 == 0, &ev)) {
			if (ev.kind == KEYS_TEXT)
				assert_true(ev.cp >= 0x20 && ev.cp != 0x7f && ev.cp <= 0x10ffff);
			else
				assert_true(ev.kind == KEYS_KEY || ev.kind == KEYS_MOUSE);
		}
		assert_true(k.n <= KEYS_BUF);
	}
	while (keys_next(&k, true, &ev))
		;
	assert_false(keys_pending(&k));
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(keys_parse_name("F12"), KEYS_F(12));
	assert_int_equal(keys_parse_name("Ctrl-K"), KEYS_CTRL_A + 10);
	assert_int_equal(keys_parse_name("^k"), KEYS_CTRL_A + 10);
	assert_int_equal(keys_parse_name("Ctrl-M"), -1);
	assert_int_equal(keys_parse_name("Ctrl-C"), -1);
	assert_int_equal(keys_parse_name("F13"), -1);
	assert_int_equal(keys_parse_name("F1x"), -1);
	assert_int_equal(keys_typeable(KEYS_F(12), "vt100"), 0);
	assert_int_equal(keys_typeable(KEYS_F(4), "vt100"), 1);
	assert_int_equal(keys_typeable(KEYS_F(12), "xterm-256color"), 1);
	assert_int_equal(keys_typeable(KEYS_F(12), "linux"), 1);
	assert_int_equal(keys_typeable(KEYS_CTRL_A + 10, "vt100"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),   cmocka_unit_test(test_escape),
		cmocka_unit_test(test_mouse),  cmocka_unit_test(test_split),
		cmocka_unit_test(test_random), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
