/* ktext: the one place that knows how text looks on a terminal.
 *
 * Every piece of code that decodes UTF-8, measures display columns, pads or
 * cuts text, or decides that a character must not be shown or stored asks
 * this module, so the patient screen, the staff lists, `kiosk check` and
 * the sync status can never disagree.  Pure functions: no locale, no
 * allocation, no global state (wcwidth() would depend on the locale, and
 * `kiosk check` must give the same answer in any locale). */
#ifndef KIOSK_KTEXT_H
#define KIOSK_KTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 sequence from s (at most n bytes).  Returns its length
 * (1..4) and sets *cp; returns 0 when n is 0; returns -1 for an invalid,
 * overlong, surrogate or truncated sequence (then *cp is U+FFFD and one
 * byte should be skipped). */
int ktext_decode(const char *s, size_t n, uint32_t *cp);

/* True when s (n bytes) is entirely valid UTF-8. */
bool ktext_valid_utf8(const char *s, size_t n);

/* Display columns of one code point: 0 for combining marks and format
 * characters, 2 for East Asian wide and emoji, -1 for control characters
 * (C0, DEL, C1), 1 otherwise. */
int ktext_cp_width(uint32_t cp);

/* Display columns of the UTF-8 string s; control characters and invalid
 * bytes count 1 column each (they are shown escaped or replaced). */
int ktext_width(const char *s);

/* True for characters that change how text is shown without being shown:
 * Unicode format characters (zero-width space and joiners, bidi embeddings,
 * overrides and isolates, BOM, soft hyphen, ...).  No answer, name or
 * server text that is stored or shown may hold one. */
bool ktext_is_format(uint32_t cp);

/* True for C0 and C1 control characters and DEL. */
bool ktext_is_control(uint32_t cp);

/* True for Unicode space characters other than U+0020 (no-break space,
 * ideographic space, en/em spaces, ...), which normalise to U+0020. */
bool ktext_is_space(uint32_t cp);

/* Copy src into dst (size cap, always terminated when cap > 0), cut to at
 * most cols display columns at a character boundary.  When the text had to
 * be cut and mark is true, the last column holds "…" (or "~" when ascii is
 * true) so a reader sees that something is missing.  When pad is true the
 * result is padded with spaces to exactly cols columns.  Returns the number
 * of columns written. */
int ktext_fit(char *dst, size_t cap, const char *src, int cols, bool mark, bool pad, bool ascii);

/* Copy src (n bytes) into dst (size cap, always terminated), made safe to
 * print on a terminal or in a log: control characters become \xNN (C0,
 * DEL) or \u{NN} (C1), format characters become \u{NNNN}, invalid bytes
 * \xNN.  Used for every diagnostic that echoes a file name, a YAML key or
 * value, or a server's text.  Returns dst. */
char *ktext_escape(char *dst, size_t cap, const char *src, size_t n);

/* Copy src into dst (size cap, always terminated) keeping only what may be
 * stored from an untrusted source: invalid UTF-8, control and format
 * characters are dropped (a tab or newline becomes a space), Unicode spaces
 * become U+0020.  Returns dst. */
char *ktext_clean(char *dst, size_t cap, const char *src);

/* True for a letter of any script (as far as a name needs to know): ASCII
 * letters, Latin-1 and every other script's letters; false for digits,
 * punctuation, symbols, emoji, spaces, marks, control and format
 * characters.  A name must hold at least one. */
bool ktext_is_letter(uint32_t cp);

#endif
