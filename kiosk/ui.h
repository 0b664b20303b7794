/* ui: the patient's screen, drawn with ncurses.
 *
 * Draws the engine's current screen and turns keys, mouse/touch, resize
 * and signals into engine events; nothing else.  It never saves, never
 * decides and never reads the clock: the run loop (app.c) owns the engine,
 * the store and the timers, and tells the UI what mode to draw.
 *
 * ui.c and ui_staff.c are the only files that include <curses.h>.  The UI
 * owns the terminal from ui_new() to ui_free(): raw mode (Ctrl-C, Ctrl-Z,
 * Ctrl-\ and flow control do nothing), SIGTERM/SIGHUP end the loop cleanly
 * and a crash restores the terminal without printing patient data.
 * Every patient-visible word comes from the content (content_msg/content_str). */
#ifndef KIOSK_UI_H
#define KIOSK_UI_H

#include <stdbool.h>

#include "a11y.h"
#include "engine.h"
#include "kerr.h"
#include "keys.h"

typedef struct ui ui;

struct ui_opts {
	int staff_key;     /* keys_key that opens staff mode (keys_parse_name), 0 for none */
	bool contrast;     /* the high-contrast theme is the default for every patient */
	a11y *ax;          /* larger text and read aloud (borrowed); NULL: not offered */
};

enum ui_mode {
	UI_MODE_SCREEN,      /* the engine's current screen */
	UI_MODE_STILL_THERE, /* idle warning: "Are you still there?" with a countdown */
	UI_MODE_UNAVAILABLE, /* the kiosk cannot take answers now (database failed) */
};

/* What to draw.  e is borrowed for the duration of the call. */
struct ui_view {
	enum ui_mode mode;
	const engine *e;
	int seconds;         /* STILL_THERE: seconds left */
	int lang;            /* UNAVAILABLE/STILL_THERE when e is NULL: language index */
	const struct content *c; /* used when e is NULL */
};

enum ui_input {
	UI_IN_TICK,   /* nothing happened within the wait */
	UI_IN_RESIZE, /* the terminal changed size (already redrawn on next ui_draw) */
	UI_IN_KEY,    /* a key the UI handled itself (typing, moving): the patient is there */
	UI_IN_EVENT,  /* *ev holds an engine event to apply */
	UI_IN_STAFF,  /* the staff key */
	UI_IN_QUIT,   /* SIGTERM/SIGHUP, or the terminal went away */
};

/* Take over the terminal (stdin/stdout) and install the signal handlers.
 * K_EIO when stdin/stdout is not a terminal.  *out owned by the caller. */
krc ui_new(ui **out, const struct ui_opts *o, struct kerr *err);

/* Clear the screen and its scrollback and give the terminal back as it was.
 * ui_free(NULL) is a no-op. */
void ui_free(ui *u);

/* Draw v into the screen; only the cells that changed reach the terminal. */
void ui_draw(ui *u, const struct ui_view *v);

/* Wait up to wait_ms for input and interpret it for the screen last drawn
 * (v must be the view given to the last ui_draw).  On UI_IN_EVENT *ev is
 * filled; ev->value points into the UI and stays valid until the next call. */
enum ui_input ui_read(ui *u, const struct ui_view *v, int wait_ms, struct engine_event *ev);

/* True when UI_IN_QUIT came from SIGTERM (an orderly stop), false when
 * the terminal went away (SIGHUP, end of input, I/O error): the caller
 * exits non-zero then, so a service manager restarts it. */
bool ui_stop_requested(void);

/* A session ended (finished, wiped, timed out, reset, started over): forget
 * everything typed and every per-patient display setting (contrast, scroll,
 * focus, progress, pending input) so the next patient starts from the
 * defaults; clear the screen and the terminal's scrollback.  The run loop
 * calls it on every way a session ends. */
void ui_forget(ui *u);

/* Another module drew on the terminal (staff mode): repaint everything on
 * the next ui_draw. */
void ui_touch(ui *u);

/* True when the patient changed a display setting (contrast) that the
 * next patient must not inherit. */
bool ui_personalised(const ui *u);

enum ui_key_result {
	UI_KEY_NONE,   /* nothing within the wait */
	UI_KEY_EVENT,  /* *k holds a key, text or mouse event */
	UI_KEY_RESIZE, /* the terminal changed size (ncurses already knows) */
	UI_KEY_QUIT,   /* SIGTERM/SIGHUP, or end of input */
};

/* The terminal's one input: wait up to wait_ms and decode it (keys.h).
 * The patient screen and the staff screen both read through it.  Bytes that
 * do not decode are skipped, never taken as end of input. */
enum ui_key_result ui_key(int wait_ms, struct keys_event *k);

/* Whether the terminal shows UTF-8 (else the ASCII fallback is used). */
bool ui_utf8(const ui *u);

#endif
