/* keys: terminal bytes to keys, text and mouse events (see keys.h).
 *
 * Owns only the bytes not yet decoded.  It never reads the terminal and
 * never decides what a key means on a screen: ui.c and ui_staff.c do.
 * Sequences are recognised by their grammar (ECMA-48: CSI parameters,
 * intermediates, a final byte), not by a list of known strings, so a
 * sequence no terminfo entry lists is still consumed whole rather than
 * leaking its tail into a name field. */
#include "keys.h"

#include <stdlib.h>
#include <string.h>

#include "ktext.h"

enum { NEED_MORE, EMITTED, SKIPPED };

void keys_init(struct keys *k, bool utf8)
{
	memset(k, 0, sizeof *k);
	k->utf8 = utf8;
}

void keys_clear(struct keys *k)
{
	memset(k->b, 0, sizeof k->b);
	k->n = 0;
	k->after_cr = false;
}

size_t keys_room(const struct keys *k)
{
	return sizeof k->b - k->n;
}

size_t keys_feed(struct keys *k, const void *p, size_t n)
{
	if (n > keys_room(k))
		n = keys_room(k);
	memcpy(k->b + k->n, p, n);
	k->n += n;
	return n;
}

bool keys_pending(const struct keys *k)
{
	return k->n > 0;
}

static void consume(struct keys *k, size_t len)
{
	if (len > k->n)
		len = k->n;
	memmove(k->b, k->b + len, k->n - len);
	k->n -= len;
}

static int key(struct keys *k, size_t len, int which, struct keys_event *ev)
{
	consume(k, len);
	memset(ev, 0, sizeof *ev);
	ev->kind = KEYS_KEY;
	ev->key = which;
	return EMITTED;
}

static int text(struct keys *k, size_t len, uint32_t cp, struct keys_event *ev)
{
	consume(k, len);
	memset(ev, 0, sizeof *ev);
	ev->kind = KEYS_TEXT;
	ev->cp = cp;
	return EMITTED;
}

static int mouse(struct keys *k, size_t len, int b, int x, int y, bool release, struct keys_event *ev)
{
	consume(k, len);
	if (b & 32)
		return SKIPPED; /* motion: nothing to tap */
	memset(ev, 0, sizeof *ev);
	ev->kind = KEYS_MOUSE;
	if (b & 64)
		ev->button = (b & 1) ? KEYS_WHEEL_DOWN : KEYS_WHEEL_UP;
	else
		ev->button = (b & 3) == 1 ? KEYS_MOUSE_MIDDLE : (b & 3) == 2 ? KEYS_MOUSE_RIGHT : KEYS_MOUSE_LEFT;
	ev->release = release;
	ev->x = x < 0 ? 0 : x;
	ev->y = y < 0 ? 0 : y;
	return EMITTED;
}

/* "ESC [ n ~" keys by n. */
static int tilde_key(long n)
{
	switch (n) {
	case 1: case 7: return KEYS_HOME;
	case 2: return KEYS_INSERT;
	case 3: return KEYS_DELETE;
	case 4: case 8: return KEYS_END;
	case 5: return KEYS_PGUP;
	case 6: return KEYS_PGDN;
	case 11: case 12: case 13: case 14: case 15: return KEYS_F((int)n - 10);
	case 17: case 18: case 19: case 20: case 21: return KEYS_F((int)n - 11);
	case 23: case 24: case 25: case 26: return KEYS_F((int)n - 12);
	case 28: case 29: return KEYS_F((int)n - 13);
	case 31: case 32: case 33: case 34: return KEYS_F((int)n - 14);
	default: return 0;
	}
}

/* A complete CSI sequence b[0..len) with final byte b[len-1]. */
static int csi(struct keys *k, size_t len, struct keys_event *ev)
{
	long p[4] = { 0, 0, 0, 0 };
	int np = 0;
	bool priv = k->b[2] == '<';
	unsigned char fin = k->b[len - 1];

	for (size_t i = priv ? 3 : 2; i + 1 < len && np < 4; i++) {
		unsigned char c = k->b[i];

		if (c >= '0' && c <= '9') {
			if (p[np] < 100000)
				p[np] = p[np] * 10 + (c - '0');
		} else if (c == ';') {
			np++;
		} else {
			break;
		}
	}
	if (priv) {
		if (fin == 'M' || fin == 'm')
			return mouse(k, len, (int)p[0], (int)p[1] - 1, (int)p[2] - 1, fin == 'm', ev);
		consume(k, len);
		return SKIPPED;
	}
	/* A function key with a modifier (Ctrl+F2 is "ESC [ 1 ; 5 Q") is not
	 * that function key: a kiosk acts only on keys it names. */
	if (np >= 1 && p[1] >= 2 && (strchr("PQRS", fin) || (fin == '~' && p[0] >= 11))) {
		consume(k, len);
		return SKIPPED;
	}
	switch (fin) {
	case 'A': return key(k, len, KEYS_UP, ev);
	case 'B': return key(k, len, KEYS_DOWN, ev);
	case 'C': return key(k, len, KEYS_RIGHT, ev);
	case 'D': return key(k, len, KEYS_LEFT, ev);
	case 'H': return key(k, len, KEYS_HOME, ev);
	case 'F': return key(k, len, KEYS_END, ev);
	case 'Z': return key(k, len, KEYS_BTAB, ev);
	case 'P': return key(k, len, KEYS_F(1), ev);
	case 'Q': return key(k, len, KEYS_F(2), ev);
	case 'R': return key(k, len, KEYS_F(3), ev);
	case 'S': return key(k, len, KEYS_F(4), ev);
	case '~': {
		int kk = tilde_key(p[0]);

		if (kk)
			return key(k, len, kk, ev);
		break;
	}
	default:
		break;
	}
	consume(k, len); /* a sequence with no key meaning (paste marks, focus, ...) */
	return SKIPPED;
}

static int escape(struct keys *k, bool burst_over, struct keys_event *ev)
{
	size_t i;

	if (k->n < 2)
		return burst_over ? key(k, 1, KEYS_ESC, ev) : NEED_MORE;
	if (k->b[1] == 'O') {
		static const char ss3[] = "ABCDHFPQRSM";
		const char *hit;

		if (k->n < 3)
			return burst_over ? key(k, 1, KEYS_ESC, ev) : NEED_MORE;
		hit = k->b[2] ? strchr(ss3, k->b[2]) : NULL;
		if (hit) {
			static const int map[] = { KEYS_UP, KEYS_DOWN, KEYS_RIGHT, KEYS_LEFT, KEYS_HOME,
						   KEYS_END, KEYS_F(1), KEYS_F(2), KEYS_F(3), KEYS_F(4),
						   KEYS_ENTER };

			return key(k, 3, map[hit - ss3], ev);
		}
		/* Esc, then the patient typed a capital O. */
		return key(k, 1, KEYS_ESC, ev);
	}
	if (k->b[1] != '[')
		return key(k, 1, KEYS_ESC, ev); /* Esc, then whatever was typed */
	if (k->n < 3) {
		if (!burst_over)
			return NEED_MORE;
		consume(k, 2);
		return SKIPPED;
	}
	if (k->b[2] == '[') { /* Linux console F1..F5: ESC [ [ A..E */
		if (k->n < 4) {
			if (!burst_over)
				return NEED_MORE;
			consume(k, 3);
			return SKIPPED;
		}
		if (k->b[3] >= 'A' && k->b[3] <= 'E')
			return key(k, 4, KEYS_F(k->b[3] - 'A' + 1), ev);
		consume(k, 3);
		return SKIPPED;
	}
	if (k->b[2] == 'M') { /* X10 mouse: ESC [ M b x y, each + 32 */
		if (k->n < 6) {
			if (!burst_over)
				return NEED_MORE;
			consume(k, k->n);
			return SKIPPED;
		}
		return mouse(k, 6, k->b[3] - 32, k->b[4] - 33, k->b[5] - 33, (k->b[3] & 3) == 3, ev);
	}
	for (i = 2; i < k->n && i < 64; i++) {
		unsigned char c = k->b[i];

		if (c >= 0x20 && c <= 0x3f)
			continue; /* parameters and intermediates */
		if (c >= 0x40 && c <= 0x7e)
			return csi(k, i + 1, ev);
		/* Not a sequence after all: drop what was read of it; the
		 * byte that broke it is decoded on its own. */
		consume(k, i);
		return SKIPPED;
	}
	if (i >= 64) {
		consume(k, i);
		return SKIPPED;
	}
	if (!burst_over)
		return NEED_MORE;
	consume(k, k->n);
	return SKIPPED;
}

/* Length a UTF-8 lead byte announces (0 for a byte that cannot lead). */
static size_t lead_len(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

static int one(struct keys *k, bool burst_over, struct keys_event *ev)
{
	unsigned char c = k->b[0];
	bool after_cr = k->after_cr;

	k->after_cr = false;
	if (c == 0x1b)
		return escape(k, burst_over, ev);
	if (c == '\r') {
		k->after_cr = true;
		return key(k, 1, KEYS_ENTER, ev);
	}
	if (c == '\n') {
		if (after_cr) {
			consume(k, 1); /* CR LF is one Enter */
			return SKIPPED;
		}
		return key(k, 1, KEYS_ENTER, ev);
	}
	if (c == '\t')
		return key(k, 1, KEYS_TAB, ev);
	if (c == 0x7f || c == 0x08)
		return key(k, 1, KEYS_BACKSPACE, ev);
	if (c >= 1 && c <= 26)
		return key(k, 1, KEYS_CTRL_A + c - 1, ev);
	if (c < 0x20) {
		consume(k, 1);
		return SKIPPED;
	}
	if (c < 0x80)
		return text(k, 1, c, ev);
	if (!k->utf8) {
		if (c >= 0xa0)
			return text(k, 1, c, ev); /* Latin-1 */
		consume(k, 1);
		return SKIPPED;
	}
	{
		uint32_t cp;
		int len = ktext_decode((const char *)k->b, k->n, &cp);
		size_t want = lead_len(c);

		if (len > 0) {
			if (ktext_is_control(cp)) {
				consume(k, (size_t)len);
				return SKIPPED;
			}
			return text(k, (size_t)len, cp, ev);
		}
		/* A character still arriving: its lead byte and only
		 * continuation bytes so far. */
		if (want > k->n && !burst_over) {
			bool prefix = true;

			for (size_t i = 1; i < k->n; i++)
				prefix &= (k->b[i] & 0xc0) == 0x80;
			if (prefix)
				return NEED_MORE;
		}
		/* Invalid: skip this one byte only, keep its neighbours. */
		consume(k, 1);
		return SKIPPED;
	}
}

bool keys_next(struct keys *k, bool burst_over, struct keys_event *ev)
{
	while (k->n > 0) {
		int r = one(k, burst_over, ev);

		if (r == EMITTED)
			return true;
		if (r == NEED_MORE)
			return false;
	}
	return false;
}

int keys_parse_name(const char *name)
{
	char c;

	if (name == NULL)
		return -1;
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9') {
		char *end;
		long n = strtol(name + 1, &end, 10);

		return *end == '\0' && n >= 1 && n <= 12 ? KEYS_F((int)n) : -1;
	}
	if (!strncmp(name, "Ctrl-", 5) || !strncmp(name, "Ctrl+", 5))
		name += 5;
	else if (name[0] == '^')
		name += 1;
	else
		return -1;
	c = name[0];
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c < 'A' || c > 'Z' || name[1] != '\0')
		return -1;
	if (c == 'H' || c == 'I' || c == 'J' || c == 'M')
		return -1; /* Backspace, Tab, Enter */
	if (c == 'C' || c == 'D' || c == 'Q' || c == 'S' || c == 'Z')
		return -1; /* what a patient presses to get out, or flow control */
	return KEYS_CTRL_A + (c - 'A');
}

static bool prefix(const char *term, const char *p)
{
	return !strncmp(term, p, strlen(p));
}

int keys_typeable(int key, const char *term)
{
	int f;

	if (key < KEYS_F1 || key >= KEYS_CTRL_A)
		return 1; /* Ctrl chords and the editing keys: every terminal */
	f = key - KEYS_F1 + 1;
	if (term == NULL || *term == '\0')
		return -1;
	if (!strcmp(term, "dumb"))
		return 0;
	/* A vt100 has PF1..PF4 only; a vt220 adds F6..F20 but no F5. */
	if (prefix(term, "vt100") || prefix(term, "vt102") || prefix(term, "vt52") || !strcmp(term, "ansi"))
		return f <= 4;
	if (prefix(term, "vt2") || prefix(term, "vt3") || prefix(term, "vt4") || prefix(term, "vt5"))
		return f <= 4 || (f >= 6 && f <= 20);
	if (prefix(term, "linux") || prefix(term, "xterm") || prefix(term, "screen") ||
	    prefix(term, "tmux") || prefix(term, "rxvt") || prefix(term, "putty") ||
	    prefix(term, "konsole") || prefix(term, "gnome") || prefix(term, "vte") ||
	    prefix(term, "st-") || !strcmp(term, "st") || prefix(term, "alacritty") ||
	    prefix(term, "foot") || prefix(term, "xterm-kitty") || prefix(term, "iterm"))
		return f <= 12;
	return -1;
}
