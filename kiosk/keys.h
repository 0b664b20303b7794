/* keys: the one input decoder, terminal bytes to keys, text and mouse.
 *
 * The patient screen and the staff screen read the terminal through this
 * decoder only, so both understand the same keys on every terminal (xterm,
 * the Linux console, vt100, tmux, SSH) and neither can lose a byte another
 * one would have kept.  Pure: no terminal, no allocation, no global state.
 *
 * What it promises:
 * - UTF-8 text is decoded; an invalid byte is skipped on its own, so the
 *   letters around it are kept, and it is never taken as end of input.
 *   A terminal that is not UTF-8 is read as Latin-1 (ISO 8859-1).
 * - Escape sequences (CSI, SS3, the Linux console's F1..F5) become keys;
 *   an unknown sequence is consumed whole and ignored.  Text typed right
 *   after Esc in the same burst is kept: Esc followed by a letter is the
 *   Esc key and then the letter.
 * - SGR (1006) and X10 mouse reports become mouse events.
 * - Control bytes become Enter, Tab, Backspace or a Ctrl chord. */
#ifndef KIOSK_KEYS_H
#define KIOSK_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum keys_kind {
	KEYS_TEXT = 1, /* cp: one printable character */
	KEYS_KEY,      /* key: a keys_key */
	KEYS_MOUSE,    /* button, release, x, y */
};

enum keys_key {
	KEYS_UP = 1, KEYS_DOWN, KEYS_LEFT, KEYS_RIGHT, KEYS_HOME, KEYS_END,
	KEYS_PGUP, KEYS_PGDN, KEYS_INSERT, KEYS_DELETE, KEYS_ENTER, KEYS_TAB,
	KEYS_BTAB, KEYS_BACKSPACE, KEYS_ESC,
	KEYS_F1 = 32,        /* KEYS_F1 + n - 1 is Fn, n = 1..20 */
	KEYS_CTRL_A = 64,    /* KEYS_CTRL_A + n is Ctrl + the letter 'a' + n */
};
#define KEYS_F(n) (KEYS_F1 + (n) - 1)

enum keys_button {
	KEYS_MOUSE_LEFT, KEYS_MOUSE_MIDDLE, KEYS_MOUSE_RIGHT,
	KEYS_WHEEL_UP, KEYS_WHEEL_DOWN,
};

struct keys_event {
	enum keys_kind kind;
	uint32_t cp;         /* TEXT */
	int key;             /* KEY */
	int button;          /* MOUSE: a keys_button */
	bool release;        /* MOUSE: the button went up */
	int x, y;            /* MOUSE: 0-based column and row */
};

#define KEYS_BUF 512

/* Decoder state: bytes received and not yet decoded. */
struct keys {
	unsigned char b[KEYS_BUF];
	size_t n;
	bool utf8;
	bool after_cr;       /* the last byte was CR: a following LF is the same Enter */
};

/* Start empty.  utf8: the terminal sends UTF-8 (else Latin-1). */
void keys_init(struct keys *k, bool utf8);

/* Forget every byte held (a session ended). */
void keys_clear(struct keys *k);

/* Room left for keys_feed(). */
size_t keys_room(const struct keys *k);

/* Append up to n bytes of input; returns how many were taken (at most
 * keys_room()). */
size_t keys_feed(struct keys *k, const void *p, size_t n);

/* Take the next complete event.  Returns false when nothing is complete.
 * A sequence that may still be arriving (Esc, a partial CSI or UTF-8
 * character) is held unless burst_over is true: no more bytes came within
 * the escape delay, so a lone Esc is the Esc key and a truncated sequence
 * is dropped. */
bool keys_next(struct keys *k, bool burst_over, struct keys_event *ev);

/* True when bytes are held that keys_next() did not decode yet. */
bool keys_pending(const struct keys *k);

/* A key named in the configuration: "F1".."F12", or a Ctrl chord written
 * "Ctrl-K", "Ctrl+K" or "^K".  Returns the keys_key, or -1 when the name
 * is not a key.  Ctrl-H, -I, -J, -M are refused (terminals send them for
 * Backspace, Tab and Enter), and so are Ctrl-C, -D, -Q, -S and -Z (what a
 * patient presses to get out, or flow control). */
int keys_parse_name(const char *name);

/* Can key be typed on terminal type term (a TERM value)?  Returns 1 yes,
 * 0 no (e.g. F12 on a vt100, which has PF1..PF4 only), -1 unknown type.
 * Ctrl chords can be typed everywhere. */
int keys_typeable(int key, const char *term);

#endif
