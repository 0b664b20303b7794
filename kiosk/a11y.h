/* a11y: the patient's accessibility settings, larger text and read
 * aloud, and what carries them out.
 *
 * The screen asks this module whether each control can be offered, turns
 * them on and off at the patient's request, hands it the words to speak
 * (from readaloud.h) and tells it when a key was pressed; the per-patient
 * reset calls a11y_reset() so the next patient starts with both off.
 * No ncurses here: larger text is a console font (vtfont.h), read aloud is
 * speech.h.
 *
 * Larger text is offered only on a Linux VT whose font can change.  For
 * tests, display.large_text_pty offers it on any terminal and changes
 * nothing: the test resizes the terminal to display.large_grid as the
 * kernel does when the font changes.
 *
 * One a11y object per process (it owns the synthesiser). */
#ifndef KIOSK_A11Y_H
#define KIOSK_A11Y_H

#include <stdbool.h>

#include "config.h"
#include "kerr.h"

typedef struct a11y a11y;

/* Settings from cfg (display.*, speech.*); tty_fd is the patient's
 * terminal.  Nothing is loaded or spoken yet.  *out owned by the caller. */
krc a11y_new(a11y **out, const config *cfg, int tty_fd, struct kerr *err);

/* Put the normal font back, stop speaking, free; NULL is a no-op. */
void a11y_free(a11y *a);

/* Whether the larger-text control can be shown on this terminal. */
bool a11y_can_enlarge(const a11y *a);

/* Larger text on or off.  K_ENOTFOUND when this terminal cannot enlarge;
 * K_EIO/K_EINVAL when the font cannot be loaded (the normal font stays). */
krc a11y_set_large(a11y *a, bool on, struct kerr *err);
bool a11y_large(const a11y *a);

/* Read aloud on or off (the synthesiser starts the first time).  Turning
 * it off stops speech at once. */
krc a11y_set_speech(a11y *a, bool on, struct kerr *err);
bool a11y_speech(const a11y *a);

/* Speak text in language lang, cutting what is being said; nothing when
 * read aloud is off or text is empty. */
krc a11y_say(a11y *a, const char *lang, const char *text, struct kerr *err);

/* A key was pressed: stop speaking (the screen then says what the key
 * did, if anything). */
void a11y_key(a11y *a);

/* The idle time to use instead of `seconds`: longer while read aloud is
 * on (speech.idle_factor), since listening takes longer than reading.
 * a may be NULL (no settings: seconds). */
int a11y_idle(const a11y *a, int seconds);

/* The per-patient reset: larger text off (normal font back), read aloud
 * off and silent. */
void a11y_reset(a11y *a);

/* From a fatal signal handler: put the normal font back.  Async-signal-
 * safe; does nothing when no a11y object has changed the font. */
void a11y_crash_restore(void);

#endif
