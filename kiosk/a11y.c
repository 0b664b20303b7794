/* a11y: owns the patient's larger-text and read-aloud state, the saved
 * console font and the synthesiser.  It never draws and never decides what
 * to say (readaloud.c does); it must leave the console font and the voice
 * as they were for the next patient whenever a11y_reset() runs.
 *
 * The pointer to the console whose font was changed is file-scope, so
 * that a fatal signal handler can put the font back (vtfont_restore is
 * async-signal-safe); there is one a11y object per process. */
#include "a11y.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "speech.h"
#include "vtfont.h"

/* The smallest grid the patient screen works in (ui.c asks for 80x24). */
#define A11Y_MIN_COLS 80
#define A11Y_MIN_LINES 24

struct a11y {
	int fd;
	vtfont *vt;               /* NULL: not a Linux VT with a font to change */
	struct vtfont_psf *font;  /* loaded the first time larger text is on */
	char font_path[4096];
	bool pty_test;            /* display.large_text_pty */
	bool large;
	speech *sp;               /* started the first time read aloud is on */
	struct speech_opts so;
	char sink[4096];
	bool speech_on;
	int idle_factor;
};

static vtfont *volatile crash_vt;

krc a11y_new(a11y **out, const config *cfg, int tty_fd, struct kerr *err)
{
	a11y *a;
	struct kerr ignore = { "" };

	*out = NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	config_path(cfg, "display.large_font", a->font_path, sizeof a->font_path);
	a->pty_test = config_bool(cfg, "display.large_text_pty") == 1;
	config_path(cfg, "speech.sink", a->sink, sizeof a->sink);
	a->so.rate = (int)config_int(cfg, "speech.rate");
	a->so.volume = (int)config_int(cfg, "speech.volume");
	a->so.sink = a->sink[0] ? a->sink : NULL;
	a->idle_factor = (int)config_int(cfg, "speech.idle_factor");
	a->fd = tty_fd;
	/* Not a VT (terminal window, SSH) or no font support: no larger text. */
	if (tty_fd >= 0 && vtfont_open(&a->vt, tty_fd, &ignore) != K_OK)
		a->vt = NULL;
	*out = a;
	return K_OK;
}

void a11y_free(a11y *a)
{
	if (a == NULL)
		return;
	a11y_reset(a);
	crash_vt = NULL;
	vtfont_free(a->vt);
	vtfont_psf_free(a->font);
	speech_free(a->sp);
	free(a);
}

bool a11y_can_enlarge(const a11y *a)
{
	return a->vt != NULL || a->pty_test;
}

bool a11y_large(const a11y *a)
{
	return a->large;
}

krc a11y_set_large(a11y *a, bool on, struct kerr *err)
{
	krc rc;

	if (on == a->large)
		return K_OK;
	if (!a11y_can_enlarge(a))
		return kerr_set(err, K_ENOTFOUND, "larger text needs the Linux console");
	if (a->vt == NULL) {
		a->large = on; /* test terminal: the test resizes it */
		return K_OK;
	}
	if (!on) {
		vtfont_restore(a->vt);
		a->large = false;
		return K_OK;
	}
	if (a->font == NULL && (rc = vtfont_psf_load(&a->font, a->font_path, err)) != K_OK)
		return rc;
	crash_vt = a->vt;
	if ((rc = vtfont_set(a->vt, a->font, err)) != K_OK)
		return rc;
	/* A panel too small for the font would leave a grid the screen
	 * cannot work in: keep the normal font then. */
	{
		struct winsize ws;

		if (ioctl(a->fd, TIOCGWINSZ, &ws) == 0 && (ws.ws_col < A11Y_MIN_COLS || ws.ws_row < A11Y_MIN_LINES)) {
			vtfont_restore(a->vt);
			return kerr_set(err, K_EINVAL, "the large font leaves a %ux%u grid, smaller than %dx%d: "
					"choose a smaller display.large_font", ws.ws_col, ws.ws_row,
					A11Y_MIN_COLS, A11Y_MIN_LINES);
		}
	}
	a->large = true;
	return K_OK;
}

bool a11y_speech(const a11y *a)
{
	return a->speech_on;
}

krc a11y_set_speech(a11y *a, bool on, struct kerr *err)
{
	krc rc;

	if (!on) {
		if (a->sp)
			speech_stop(a->sp);
		a->speech_on = false;
		return K_OK;
	}
	if (a->sp == NULL && (rc = speech_new(&a->sp, &a->so, err)) != K_OK)
		return rc;
	a->speech_on = true;
	return K_OK;
}

krc a11y_say(a11y *a, const char *lang, const char *text, struct kerr *err)
{
	if (!a->speech_on || a->sp == NULL || text == NULL || *text == '\0')
		return K_OK;
	return speech_say(a->sp, lang, text, err);
}

void a11y_key(a11y *a)
{
	if (a->sp)
		speech_stop(a->sp);
}

int a11y_idle(const a11y *a, int seconds)
{
	return a && a->speech_on ? seconds * a->idle_factor : seconds;
}

void a11y_reset(a11y *a)
{
	struct kerr ignore = { "" };

	a11y_set_speech(a, false, &ignore);
	a11y_set_large(a, false, &ignore);
}

void a11y_crash_restore(void)
{
	vtfont *v = crash_vt;

	if (v)
		vtfont_restore(v);
}
