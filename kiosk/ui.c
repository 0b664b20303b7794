/* ui: the patient's screen (see ui.h).
 *
 * Owns the terminal, the colour theme, and the state a patient builds up on
 * one screen before confirming it: the focused option, the marks of a
 * multiple choice, the text being typed.  It never stores answers and never
 * decides anything: confirming turns into an engine event for the run loop.
 *
 * Drawing goes into stdscr after erase() and refresh() sends only the cells
 * that changed, so a key press never repaints the whole terminal (slow
 * serial consoles, flicker, and screen readers that re-read everything).
 * clearok() is used only on resize, theme change and session end.
 *
 * Input never goes through getch(): ui_key() reads the bytes itself and
 * hands them to the one decoder (keys.c), which the staff screen uses too,
 * so both screens understand the same keys on every terminal and no byte
 * can be taken for end of input.
 *
 * Larger text and read aloud (F4, F5; a11y.h) are per-patient settings like
 * contrast: the screen turns them on and off, and while read aloud is on it
 * hands the words of what it shows (readaloud.h) to the synthesiser: the
 * whole screen when it appears, the option focus moves to, what ticking
 * did, a refused answer; any key first cuts off what is being said.
 *
 * File-scope state is limited to what a signal handler needs (the quit and
 * resize flags, the terminal settings to put back after a crash) and the
 * terminal's one input decoder. */
#include "ui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "a11y.h"
#include "keys.h"
#include "ktext.h"
#include "qr.h"
#include "readaloud.h"

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24
#define UI_LINE_W 256      /* widest layout line, in characters */
#define UI_MAX_LINES 800   /* layout lines of one screen */
#define UI_TEXT_MAX 16384  /* characters of one text being wrapped */
#define UI_FIELD_MAX 512   /* characters of a typed answer */
#define UI_MAX_OPTS 64
#define UI_MAX_HITS 96
#define UI_BODY_W 76       /* readable line length */

/* Mouse/touch targets and focus items. */
enum {
	T_NONE = 0,
	T_OPTION = 1000,  /* + option index */
	T_REVIEW = 10000, /* + screen index */
	T_FINISH = 9000,
	T_FIELD = 9001,
	T_BACK = 9002,
	T_NEXT = 9003,
	T_LANG = 9004,
	T_CONTRAST = 9005,
	T_MORE = 9006,    /* the "more text" hint: scroll down */
	T_BODY = 9007,    /* text without a target: its lower half scrolls down */
	T_RESTART_YES = 9008,
	T_RESTART_NO = 9009,
	T_LARGER = 9010,
	T_SPEECH = 9011,
};

enum role {
	R_TEXT, R_TITLE, R_HELP, R_ERROR, R_OPTION, R_FOCUS, R_FIELD, R_HEADER, R_KEYS,
	R_OUTCOME, R_QR, R_BUTTON, R_COUNT
};

enum action {
	ACT_NONE, ACT_UP, ACT_DOWN, ACT_TAB, ACT_BTAB, ACT_LEFT, ACT_RIGHT, ACT_HOME, ACT_END,
	ACT_CONFIRM, ACT_BACK, ACT_ERASE, ACT_DELETE, ACT_TOGGLE, ACT_PGUP, ACT_PGDN, ACT_LANG,
	ACT_CONTRAST, ACT_FINISH, ACT_LARGER, ACT_SPEECH, ACT_REPEAT,
};

/* The key map: decoded keys (keys.h) to actions.  Space is text; it is
 * mapped to ACT_TOGGLE where no field takes it. */
static const struct {
	int key;
	enum action act;
} keymap[] = {
	{ KEYS_UP, ACT_UP },            { KEYS_DOWN, ACT_DOWN },
	{ KEYS_TAB, ACT_TAB },          { KEYS_BTAB, ACT_BTAB },
	{ KEYS_LEFT, ACT_LEFT },        { KEYS_RIGHT, ACT_RIGHT },
	{ KEYS_HOME, ACT_HOME },        { KEYS_END, ACT_END },
	{ KEYS_ENTER, ACT_CONFIRM },    { KEYS_ESC, ACT_BACK },
	{ KEYS_BACKSPACE, ACT_ERASE },  { KEYS_DELETE, ACT_DELETE },
	{ KEYS_PGUP, ACT_PGUP },        { KEYS_PGDN, ACT_PGDN },
	{ KEYS_F(2), ACT_LANG },        { KEYS_F(3), ACT_CONTRAST },
	{ KEYS_F(10), ACT_FINISH },
	{ KEYS_F(4), ACT_LARGER },      { KEYS_F(5), ACT_SPEECH },
	{ KEYS_F(6), ACT_REPEAT },
};

/* How long the rest of an escape sequence may take to arrive (a slow
 * serial line or SSH may split it): after that a lone Esc is Esc. */
#define UI_ESC_MS 100

/* Answer codes of a yes/no question, in display order, and their messages. */
static const char *const yesno_codes[] = { "yes", "no", "unsure" };

struct uline {
	int indent;
	int role;
	int target;
	int n;
	wchar_t w[UI_LINE_W];
};

struct hit {
	int y, x0, x1, target;
};

struct ui {
	struct ui_opts o;
	bool utf8, colors, contrast, fancy_symbols;

	/* what the patient has done on the current screen */
	bool have_screen;
	int screen, n_items, focus, scroll;
	bool follow;              /* keep the focused item in view */
	bool marks[UI_MAX_OPTS];
	wchar_t field[UI_FIELD_MAX + 1];
	int flen, fcur;
	int review[UI_MAX_LINES]; /* review item -> screen index */
	int button;               /* T_BACK or T_NEXT when a button has the focus, else 0 */
	int digit;                /* first digit typed on a screen of 10+ options, or 0 */
	int back_to;              /* screen edited from review: the review focus returns to it */
	bool restart;             /* asking "Start over?" */
	int restart_focus;        /* T_RESTART_YES or T_RESTART_NO */
	bool full;                /* the field holds the most it may: say so */

	/* read aloud: what was last spoken, so each screen and each refused
	 * answer is said once */
	int said_screen, said_lang;
	char said_error[512];

	/* the last layout */
	struct uline *lines;
	int n_lines, focus_line, field_line;
	int body_top, body_h, body_x, body_w;
	struct hit hits[UI_MAX_HITS];
	int n_hits;
	int cur_y, cur_x;
	bool small;

	struct qr_lines *qr;
	char *qr_link;
	bool qr_ascii;

	wchar_t tmp[UI_TEXT_MAX];
	char evbuf[UI_FIELD_MAX * 4 + 4096];
	char fill[1024];
};

/* Signals: the loop checks quit; a crash puts the terminal back. */
static volatile sig_atomic_t quit_flag;
static volatile sig_atomic_t winch_flag;
/* The one input decoder of this terminal (keys.h); the staff screen reads
 * through it too (ui_key). */
static struct keys decoder;

static void on_winch(int sig)
{
	(void)sig;
	winch_flag = 1;
}
static struct termios saved_tio;
static volatile sig_atomic_t have_tio;

static void on_quit(int sig)
{
	/* SIGHUP means the terminal hung up: not an orderly stop. */
	quit_flag = sig == SIGHUP ? 2 : 1;
}

static void on_crash(int sig)
{
	/* The normal console font first: the patient may have had larger
	 * text on (async-signal-safe). */
	a11y_crash_restore();
	/* endwin() is not async-signal-safe: write the reset by hand.  Leave
	 * the alternate screen, clear it and the scrollback, show the cursor,
	 * stop mouse reporting.  Nothing of the screen is printed. */
	static const char reset[] = "\033[0m\033[?1000l\033[?1002l\033[?1006l\033[?1049l"
				    "\033[H\033[2J\033[3J\033[?25h\r\n";
	static const char msg[] = "kiosk: internal error, the screen was cleared\n";
	ssize_t rc;

	rc = write(STDOUT_FILENO, reset, sizeof reset - 1);
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	rc = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)rc;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_signals(bool on)
{
	static const int ignored[] = { SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU };
	static const int quits[] = { SIGTERM, SIGHUP };
	static const int crashes[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? SIG_IGN : SIG_DFL;
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		sigaction(ignored[i], &sa, NULL);
	/* No SA_RESTART: poll() must return so the loop sees the flag. */
	sa.sa_handler = on ? on_quit : SIG_DFL;
	for (size_t i = 0; i < sizeof quits / sizeof quits[0]; i++)
		sigaction(quits[i], &sa, NULL);
	/* Ours rather than ncurses's: the input is read here, not by getch(). */
	sa.sa_handler = on ? on_winch : SIG_DFL;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on ? on_crash : SIG_DFL;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++)
		sigaction(crashes[i], &sa, NULL);
}

/* ---- text ---- */

/* Latin-1 letters U+00C0..U+00FF without their accents, for terminals that
 * cannot show UTF-8: "Ñúñez" is still readable as "Nunez". */
static const char latin1_ascii[] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";

static wchar_t ascii_of(unsigned long cp)
{
	if (cp >= 0xc0 && cp <= 0xff)
		return (wchar_t)latin1_ascii[cp - 0xc0];
	switch (cp) {
	case 0xbf: return L'?';                       /* ¿ */
	case 0xa1: return L'!';                       /* ¡ */
	case 0xab: case 0xbb: case 0x201c: case 0x201d: return L'"';
	case 0x2018: case 0x2019: return L'\'';
	case 0x2013: case 0x2014: case 0x2212: return L'-';
	case 0xa0: return L' ';
	case 0x2022: case 0xb7: return L'*';
	case 0xb0: return L'o';
	}
	return L'?';
}

/* Decode UTF-8 s into u->tmp (at most max characters); control characters
 * other than newline become spaces; in ASCII mode non-ASCII is replaced by
 * its closest ASCII letter.  Returns the number of characters. */
static int decode(const ui *u, const char *s, wchar_t *out, int max)
{
	size_t left = strlen(s);
	int n = 0;

	while (left > 0 && n < max) {
		uint32_t cp;
		int len = ktext_decode(s, left, &cp);

		if (len <= 0)
			len = 1, cp = 0xfffd;
		s += len;
		left -= (size_t)len;
		if (ktext_is_format(cp))
			continue; /* never let text turn the screen around */
		if (cp == '\t' || (ktext_is_control(cp) && cp != '\n'))
			cp = ' ';
		if (!u->utf8 && cp >= 0x80)
			out[n++] = ascii_of(cp);
		else
			out[n++] = (wchar_t)cp;
	}
	return n;
}

/* Columns of one character: the same table as ktext_width(), so the screen,
 * the staff lists and `kiosk check` agree (wcwidth() depends on the locale). */
static int wwidth(const ui *u, wchar_t c)
{
	int w;

	if (!u->utf8)
		return 1;
	w = ktext_cp_width((uint32_t)c);
	return w < 0 ? 1 : w;
}

static int wswidth(const ui *u, const wchar_t *w, int n)
{
	int t = 0;

	for (int i = 0; i < n; i++)
		t += wwidth(u, w[i]);
	return t;
}

/* Append c as UTF-8 to buf (size n) at *o. */
static void put_utf8(char *buf, size_t n, size_t *o, wchar_t wc)
{
	unsigned long c = (unsigned long)wc;
	char t[4];
	size_t len;

	if (c < 0x80) {
		t[0] = (char)c;
		len = 1;
	} else if (c < 0x800) {
		t[0] = (char)(0xc0 | (c >> 6));
		t[1] = (char)(0x80 | (c & 0x3f));
		len = 2;
	} else if (c < 0x10000) {
		t[0] = (char)(0xe0 | (c >> 12));
		t[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		t[2] = (char)(0x80 | (c & 0x3f));
		len = 3;
	} else {
		t[0] = (char)(0xf0 | (c >> 18));
		t[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		t[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		t[3] = (char)(0x80 | (c & 0x3f));
		len = 4;
	}
	if (*o + len < n) {
		memcpy(buf + *o, t, len);
		*o += len;
	}
	buf[*o] = '\0';
}

/* A message with {n}, {total} and {seconds} filled in, into u->fill. */
static const char *fill(ui *u, const char *tpl, int n, int total, int seconds)
{
	size_t o = 0;

	for (const char *p = tpl; *p && o + 16 < sizeof u->fill;) {
		if (!strncmp(p, "{n}", 3)) {
			o += (size_t)snprintf(u->fill + o, sizeof u->fill - o, "%d", n);
			p += 3;
		} else if (!strncmp(p, "{total}", 7)) {
			o += (size_t)snprintf(u->fill + o, sizeof u->fill - o, "%d", total);
			p += 7;
		} else if (!strncmp(p, "{seconds}", 9)) {
			o += (size_t)snprintf(u->fill + o, sizeof u->fill - o, "%d", seconds);
			p += 9;
		} else {
			u->fill[o++] = *p++;
		}
	}
	u->fill[o] = '\0';
	return u->fill;
}

/* ---- theme ---- */

enum { P_HEADER = 1, P_ERROR, P_QR, P_HC, P_HC_HEADER, P_HC_ERROR };

static void apply_theme(ui *u)
{
	if (u->colors)
		bkgd((chtype)' ' | (u->contrast ? COLOR_PAIR(P_HC) : 0));
	clearok(curscr, TRUE);
}

/* Attributes per role.  Meaning is never carried by colour alone: focus is
 * reverse video plus a "> " marker, errors are bold with a "!" symbol. */
static attr_t attr_of(const ui *u, int role)
{
	bool c = u->colors, hc = u->contrast;

	switch (role) {
	case R_TITLE: return A_BOLD;
	case R_HELP: return hc ? A_BOLD : A_NORMAL;
	case R_ERROR:
		return A_BOLD | (c ? (attr_t)COLOR_PAIR(hc ? P_HC_ERROR : P_ERROR) : A_UNDERLINE);
	case R_FOCUS: return A_REVERSE | A_BOLD;
	case R_FIELD: return A_UNDERLINE | (hc ? A_BOLD : A_NORMAL);
	case R_HEADER:
		return c ? (attr_t)COLOR_PAIR(hc ? P_HC_HEADER : P_HEADER) | A_BOLD : A_REVERSE;
	case R_KEYS: return A_REVERSE;
	case R_OUTCOME: return A_BOLD | A_REVERSE;
	/* Dark modules must be dark: black on white when colours exist; else
	 * reverse video turns the usual light-on-dark terminal around. */
	case R_QR: return c ? (attr_t)COLOR_PAIR(P_QR) : A_REVERSE;
	case R_BUTTON: return A_BOLD;
	default: return hc ? A_BOLD : A_NORMAL;
	}
}

/* ---- life cycle ---- */

krc ui_new(ui **out, const struct ui_opts *o, struct kerr *err)
{
	ui *u;
	const char *term = getenv("TERM");

	*out = NULL;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return kerr_set(err, K_EIO, "the patient screen needs a terminal");
	u = calloc(1, sizeof *u);
	if (u == NULL || (u->lines = calloc(UI_MAX_LINES, sizeof *u->lines)) == NULL) {
		free(u);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	u->o = *o;
	u->contrast = o->contrast;
	u->back_to = -1;
	u->said_screen = -1;
	/* Only the character set: dates and numbers are formatted by the
	 * kiosk itself, and loading every other category costs a dozen files. */
	setlocale(LC_CTYPE, "");
	u->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	/* The Linux console font has the block elements but few symbols. */
	u->fancy_symbols = u->utf8 && term && strcmp(term, "linux") != 0;
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_tio = 1;
	/* Before initscr(): ncurses keeps handlers that are already set. */
	quit_flag = 0;
	set_signals(true);
	if (initscr() == NULL) {
		set_signals(false);
		free(u->lines);
		free(u);
		return kerr_set(err, K_EIO, "cannot initialise the terminal");
	}
	raw();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	meta(stdscr, TRUE);
	/* Input is read by keys.c, not by ncurses: no typeahead check. */
	typeahead(-1);
	/* ncurses 6.4 flushes its output after every cursor move until the
	 * first endwin(), so a screen would leave in one write per line (and
	 * a terminal could show it half drawn).  One endwin() and refresh()
	 * before anything is drawn ends that: each update is then one write. */
	endwin();
	refresh();
	keys_init(&decoder, u->utf8);
	winch_flag = 0;
	/* Only to switch the terminal's mouse reports on (SGR where terminfo
	 * knows it); the reports themselves are decoded by keys.c. */
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	u->colors = has_colors() && start_color() == OK;
	if (u->colors) {
		use_default_colors();
		init_pair(P_HEADER, COLOR_WHITE, COLOR_BLUE);
		init_pair(P_ERROR, COLOR_RED, -1);
		init_pair(P_QR, COLOR_BLACK, COLOR_WHITE);
		init_pair(P_HC, COLOR_WHITE, COLOR_BLACK);
		init_pair(P_HC_HEADER, COLOR_BLACK, COLOR_YELLOW);
		init_pair(P_HC_ERROR, COLOR_YELLOW, COLOR_BLACK);
	}
	apply_theme(u);
	curs_set(1);
	*out = u;
	return K_OK;
}

static void clear_scrollback(void)
{
	static const char e3[] = "\033[3J";
	ssize_t rc;

	fflush(stdout);
	rc = write(STDOUT_FILENO, e3, sizeof e3 - 1);
	(void)rc;
}

void ui_free(ui *u)
{
	static const char wipe[] = "\033[H\033[2J\033[3J";
	ssize_t rc;

	if (u == NULL)
		return;
	erase();
	clearok(curscr, TRUE);
	refresh();
	endwin();
	/* Back on the normal screen: leave nothing of the kiosk there either. */
	fflush(stdout);
	rc = write(STDOUT_FILENO, wipe, sizeof wipe - 1);
	(void)rc;
	set_signals(false);
	qr_free(u->qr);
	free(u->qr_link);
	free(u->lines);
	wmemset(u->field, 0, UI_FIELD_MAX + 1);
	free(u);
}

bool ui_personalised(const ui *u)
{
	return u->contrast != u->o.contrast ||
	       (u->o.ax && (a11y_large(u->o.ax) || a11y_speech(u->o.ax)));
}

bool ui_utf8(const ui *u)
{
	return u->utf8;
}

void ui_touch(ui *u)
{
	(void)u;
	clearok(curscr, TRUE);
	curs_set(1);
}

static void forget_screen(ui *u)
{
	u->have_screen = false;
	u->focus = u->scroll = 0;
	u->button = u->digit = 0;
	u->full = false;
	u->flen = u->fcur = 0;
	wmemset(u->field, 0, UI_FIELD_MAX + 1);
	memset(u->marks, 0, sizeof u->marks);
	memset(u->evbuf, 0, sizeof u->evbuf);
}

void ui_forget(ui *u)
{
	forget_screen(u);
	/* Every display setting is the patient's own: the next one starts
	 * from the kiosk's defaults. */
	u->restart = false;
	u->back_to = -1;
	if (u->contrast != u->o.contrast) {
		u->contrast = u->o.contrast;
		apply_theme(u);
	}
	/* Larger text and read aloud too: normal font, silence. */
	if (u->o.ax)
		a11y_reset(u->o.ax);
	u->said_screen = -1;
	u->said_error[0] = '\0';
	keys_clear(&decoder);
	for (int i = 0; i < u->n_lines; i++)
		wmemset(u->lines[i].w, 0, UI_LINE_W);
	u->n_lines = 0;
	wmemset(u->tmp, 0, UI_TEXT_MAX);
	erase();
	clearok(curscr, TRUE);
	refresh();
	clear_scrollback();
}

/* ---- per-screen state ---- */

static bool is_field(enum content_kind k)
{
	return k == CONTENT_TEXT || k == CONTENT_NUMBER || k == CONTENT_DATE || k == CONTENT_CONSENT;
}

static int n_choices(const struct content_screen *s)
{
	if (s->kind == CONTENT_YESNO)
		return s->not_sure ? 3 : 2;
	if (s->kind == CONTENT_CHOICE || s->kind == CONTENT_MULTI)
		return s->n_options < UI_MAX_OPTS ? s->n_options : UI_MAX_OPTS;
	return 0;
}

static bool asks(const struct content_screen *s)
{
	return n_choices(s) > 0 || is_field(s->kind);
}

/* Entering a screen: start from the answer already given, if any. */
static void enter_screen(ui *u, const engine *e)
{
	const struct content_screen *s = engine_screen(e);
	const char *a = engine_answer(e, engine_index(e));

	forget_screen(u);
	u->have_screen = true;
	u->screen = engine_index(e);
	u->follow = true;
	/* The language question, before it is answered, starts on the
	 * language already in use (F2 then Enter keeps it). */
	if (a == NULL && s->kind == CONTENT_CHOICE && !strcmp(s->id, "language")) {
		int k = content_option(s, engine_content(e)->langs[engine_lang(e)]);

		u->focus = k >= 0 ? k : 0;
	}
	if (a == NULL)
		return;
	if (s->kind == CONTENT_YESNO) {
		for (int i = 0; i < n_choices(s); i++)
			if (!strcmp(a, yesno_codes[i]))
				u->focus = i;
	} else if (s->kind == CONTENT_CHOICE) {
		int k = content_option(s, a);

		u->focus = k >= 0 ? k : 0;
	} else if (s->kind == CONTENT_MULTI) {
		char buf[1024];

		snprintf(buf, sizeof buf, "%s", a);
		for (char *p = buf, *save = NULL, *tok; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
			int k = content_option(s, tok);

			if (k >= 0 && k < UI_MAX_OPTS)
				u->marks[k] = true;
		}
		for (int k = n_choices(s) - 1; k >= 0; k--)
			if (u->marks[k])
				u->focus = k; /* the first answer given */
	} else if (is_field(s->kind)) {
		u->flen = decode(u, a, u->field, UI_FIELD_MAX);
		u->field[u->flen] = 0;
		u->fcur = u->flen;
	}
}

/* ---- layout: the body of a screen as wrapped lines ---- */

static struct uline *add_line(ui *u, int indent, int role, int target)
{
	struct uline *l;

	if (u->n_lines >= UI_MAX_LINES)
		return NULL;
	l = &u->lines[u->n_lines++];
	l->indent = indent;
	l->role = role;
	l->target = target;
	l->n = 0;
	return l;
}

static void blank(ui *u)
{
	if (u->n_lines > 0 && u->lines[u->n_lines - 1].n > 0)
		add_line(u, 0, R_TEXT, T_NONE);
}

/* Text files are written wrapped at about 76 columns, with the lines of a
 * list item indented under it.  A line break followed by indentation is a
 * continuation: join it so the text can be wrapped again to any width. */
static int reflow(wchar_t *w, int n)
{
	int m = 0;

	for (int k = 0; k < n; k++) {
		if (w[k] == L'\n' && k + 1 < n && w[k + 1] == L' ') {
			int j = k + 1;

			while (j < n && w[j] == L' ')
				j++;
			if (j < n && w[j] != L'\n') {
				w[m++] = L' ';
				k = j - 1;
				continue;
			}
		}
		w[m++] = w[k];
	}
	return m;
}

static const char *field_value(ui *u);

static bool back_shown(const engine *e)
{
	return engine_index(e) > 0 && !engine_completed(e);
}

/* Wrap text (UTF-8) to width columns.  The first line starts with pre; the
 * following ones are indented by its width so option labels hang. */
static void wrap(ui *u, const wchar_t *pre, const char *text, int width, int role, int target)
{
	wchar_t *w = u->tmp;
	int n = decode(u, text, w, UI_TEXT_MAX);
	int plen = pre ? (int)wcslen(pre) : 0;
	int pw = pre ? wswidth(u, pre, plen) : 0;
	int avail = width - pw;
	bool first = true;

	if (avail < 8)
		avail = 8;
	while (n > 0 && w[n - 1] == L'\n')
		n--;
	n = reflow(w, n);
	for (int s = 0;;) {
		int e = s, i = s;
		/* A list item ("- ...") hangs its following lines under its text. */
		int hang = s + 1 < n && (w[s] == L'-' || w[s] == L'*') && w[s + 1] == L' ' ? 2 : 0;

		while (e < n && w[e] != L'\n')
			e++;
		/* One paragraph w[s..e); an empty one is a blank line. */
		do {
			int cw = 0, j = i, sp = -1, end, room = avail - (i > s ? hang : 0);
			struct uline *l = add_line(u, 0, role, target);

			if (l == NULL)
				return;
			while (j < e && cw + wwidth(u, w[j]) <= room) {
				if (w[j] == L' ')
					sp = j;
				cw += wwidth(u, w[j]);
				j++;
			}
			if (j >= e)
				end = e;
			else if (sp > i)
				end = sp;
			else
				end = j > i ? j : i + 1;
			if (first && pre) {
				wmemcpy(l->w, pre, (size_t)plen);
				l->n = plen;
			} else if (pre) {
				for (int k = 0; k < pw; k++)
					l->w[l->n++] = L' ';
			}
			for (int k = 0; i > s && k < hang; k++)
				l->w[l->n++] = L' ';
			for (int k = i; k < end && l->n < UI_LINE_W - 1; k++)
				l->w[l->n++] = w[k];
			first = false;
			i = end;
			while (i < e && w[i] == L' ')
				i++;
		} while (i < e);
		if (e >= n)
			break;
		s = e + 1;
	}
}

static const char *msg(const engine *e, const char *key)
{
	return content_msg(engine_content(e), key, engine_lang(e));
}

static const char *str(const engine *e, const struct content_text *t)
{
	return content_str(engine_content(e), t, engine_lang(e));
}

static const char *choice_label(const engine *e, const struct content_screen *s, int i)
{
	if (s->kind == CONTENT_YESNO)
		return msg(e, i == 0 ? "yes" : i == 1 ? "no" : "unsure");
	return str(e, &s->options[i].label);
}

/* How an answer reads on the review screen, into buf. */
static const char *answer_text(const engine *e, const struct content_screen *s, const char *a,
			       char *buf, size_t n)
{
	size_t o = 0;
	char tmp[1024];

	if (a == NULL || *a == '\0')
		return msg(e, "not_answered");
	if (s->kind == CONTENT_YESNO) {
		for (int i = 0; i < 3; i++)
			if (!strcmp(a, yesno_codes[i]))
				return choice_label(e, s, i);
		return a;
	}
	if (s->kind != CONTENT_CHOICE && s->kind != CONTENT_MULTI)
		return a;
	buf[0] = '\0';
	snprintf(tmp, sizeof tmp, "%s", a);
	for (char *p = tmp, *save = NULL, *tok; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		int k = content_option(s, tok);
		const char *l = k >= 0 ? str(e, &s->options[k].label) : tok;

		o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s", o ? "; " : "", l);
		if (o >= n)
			break;
	}
	return buf;
}

static void layout_options(ui *u, const engine *e, const struct content_screen *s, int width)
{
	const char *a = engine_answer(e, engine_index(e));

	u->n_items = n_choices(s);
	for (int i = 0; i < u->n_items; i++) {
		wchar_t pre[24];
		bool on;

		if (s->kind == CONTENT_MULTI)
			on = u->marks[i];
		else
			on = a && !strcmp(a, s->kind == CONTENT_YESNO ? yesno_codes[i] : s->options[i].id);
		bool f = i == u->focus && !u->button;

		swprintf(pre, sizeof pre / sizeof pre[0], L"%ls%d. %ls ", f ? L"> " : L"  ",
			 i + 1, s->kind == CONTENT_MULTI ? (on ? L"[x]" : L"[ ]") : (on ? L"(*)" : L"( )"));
		if (i == u->focus)
			u->focus_line = u->n_lines;
		wrap(u, pre, choice_label(e, s, i), width, f ? R_FOCUS : R_OPTION, T_OPTION + i);
	}
}

static void layout_review(ui *u, const engine *e, int width)
{
	const struct content *c = engine_content(e);
	char buf[2048], line[4096];

	u->n_items = 0;
	for (int i = 0; i < c->n_screens && i < engine_index(e); i++) {
		const struct content_screen *q = &c->screens[i];
		const char *a;

		if (!engine_shown(e, i) || !asks(q) || u->n_items >= UI_MAX_LINES - 1)
			continue;
		a = answer_text(e, q, engine_answer(e, i), buf, sizeof buf);
		if (q->kind == CONTENT_DATE && engine_answer(e, i)) {
			struct kdate d;

			if (kdate_parse(engine_answer(e, i), &d))
				a = engine_date_words(e, d, buf, sizeof buf);
		}
		snprintf(line, sizeof line, "%s: %s", str(e, &q->title), a);
		/* Back from editing an answer: the focus returns to its line. */
		if (u->back_to >= 0 && i == u->back_to) {
			u->focus = u->n_items;
			u->back_to = -1;
		}
		if (u->n_items == u->focus)
			u->focus_line = u->n_lines;
		u->review[u->n_items] = i;
		wrap(u, u->n_items == u->focus && !u->button ? L"> " : L"  ", line, width,
		     u->n_items == u->focus && !u->button ? R_FOCUS : R_OPTION, T_REVIEW + i);
		u->n_items++;
	}
	blank(u);
	if (u->n_items == u->focus)
		u->focus_line = u->n_lines;
	u->review[u->n_items] = -1;
	wrap(u, u->n_items == u->focus && !u->button ? L"> " : L"  ", msg(e, "finish"), width,
	     u->n_items == u->focus && !u->button ? R_FOCUS : R_BUTTON, T_FINISH);
	u->n_items++;
}

static void layout_outcome(ui *u, const engine *e, const struct content_screen *s, int width)
{
	static const char *const keys[] = { "outcome_clear", "outcome_review", "outcome_defer" };
	static const wchar_t *const fancy[] = { L" \x2713 ", L" ! ", L" \x25cf " };
	static const wchar_t *const plain[] = { L" + ", L" ! ", L" * " };
	enum content_severity sev = engine_outcome(e);
	const char *p;

	if ((int)sev < 0 || (int)sev > 2)
		sev = CONTENT_SEV_REVIEW;
	wrap(u, u->fancy_symbols ? fancy[sev] : plain[sev], msg(e, keys[sev]), width, R_OUTCOME,
	     T_NONE);
	blank(u);
	wrap(u, NULL, str(e, &s->outcome[sev]), width, R_TEXT, T_NONE);
	/* The lobby can read this screen: the outcome's own neutral text, plus
	 * only the patient lines the content marks patient_visible (an
	 * instruction, never a reason).  The reasons are for staff. */
	for (int pos = 0; (p = engine_patient_line(e, &pos)) != NULL;) {
		blank(u);
		wrap(u, L"- ", p, width, R_TEXT, T_NONE);
	}
}

/* The QR code for link in the style the terminal can show; cached. */
static const struct qr_lines *qr_for(ui *u, const char *link)
{
	struct kerr err = { { 0 } };

	if (link == NULL || *link == '\0')
		return NULL;
	if (u->qr && u->qr_link && !strcmp(u->qr_link, link) && u->qr_ascii == !u->utf8)
		return u->qr;
	qr_free(u->qr);
	free(u->qr_link);
	u->qr = NULL;
	u->qr_link = strdup(link);
	u->qr_ascii = !u->utf8;
	if (u->qr_link == NULL || qr_render(link, u->utf8 ? QR_HALFBLOCK : QR_ASCII, &u->qr, &err) != K_OK)
		fprintf(stderr, "kiosk: QR code: %s\n", err.msg[0] ? err.msg : "out of memory");
	return u->qr;
}

/* Lay out the body of the engine's screen.  Returns the QR code to draw
 * beside it (NULL: none, or it does not fit and the link is shown alone). */
static const struct qr_lines *layout(ui *u, const engine *e)
{
	const struct content_screen *s = engine_screen(e);
	const struct qr_lines *q = NULL;
	const char *err = engine_error(e);
	int width;

	u->n_lines = 0;
	u->n_items = 0;
	u->focus_line = u->field_line = -1;
	u->body_top = 2;
	u->body_h = LINES - 5;
	u->body_w = COLS - 4 < UI_BODY_W ? COLS - 4 : UI_BODY_W;
	u->body_x = 2;
	if (s->kind == CONTENT_AFTERCARE) {
		q = qr_for(u, s->link);
		/* Beside the text, inside the rows between header and key help. */
		if (q && (q->n > LINES - 3 || q->cols + 30 > COLS))
			q = NULL;
		if (q && COLS - q->cols - 4 < u->body_w)
			u->body_w = COLS - q->cols - 4;
	}
	width = u->body_w;
	wrap(u, NULL, str(e, &s->title), width, R_TITLE, T_NONE);
	blank(u);
	if (*str(e, &s->text)) {
		wrap(u, NULL, str(e, &s->text), width, R_TEXT, T_NONE);
		blank(u);
	}
	if (*str(e, &s->help)) {
		wrap(u, NULL, str(e, &s->help), width, R_HELP, T_NONE);
		blank(u);
	}
	switch (s->kind) {
	case CONTENT_YESNO:
	case CONTENT_CHOICE:
	case CONTENT_MULTI:
		layout_options(u, e, s, width);
		break;
	case CONTENT_TEXT:
	case CONTENT_NUMBER:
	case CONTENT_DATE:
	case CONTENT_CONSENT:
		u->n_items = 1;
		u->field_line = u->focus_line = u->n_lines;
		add_line(u, 0, R_FIELD, T_FIELD);
		if (u->full) {
			blank(u);
			wrap(u, L"! ", fill(u, msg(e, "field_full"), engine_max_chars(s), 0, 0), width, R_ERROR,
			     T_NONE);
		}
		if (s->kind == CONTENT_DATE) {
			char words[128];
			const char *w = engine_date_typed(e, field_value(u), words, sizeof words);

			blank(u);
			wrap(u, NULL, msg(e, "date_hint"), width, R_HELP, T_NONE);
			/* The date read back in words before the patient moves on:
			 * 03-04 is not the same day everywhere. */
			if (w) {
				char line[256];
				const char *tpl = msg(e, "date_readback");
				const char *at = strstr(tpl, "{date}");

				if (at)
					snprintf(line, sizeof line, "%.*s%s%s", (int)(at - tpl), tpl, w, at + 6);
				else
					snprintf(line, sizeof line, "%s %s", tpl, w);
				blank(u);
				wrap(u, NULL, line, width, R_TITLE, T_NONE);
			}
		}
		break;
	case CONTENT_REVIEW:
		layout_review(u, e, width);
		break;
	case CONTENT_OUTCOME:
		layout_outcome(u, e, s, width);
		break;
	case CONTENT_AFTERCARE:
		/* The link first, so it is seen without scrolling, next to the code. */
		if (s->link && *s->link) {
			/* "Scan" only when there is a code to scan. */
			wrap(u, NULL, msg(e, q ? "qr_caption" : "link_caption"), width, R_TITLE, T_NONE);
			wrap(u, NULL, s->link, width, R_TEXT, T_NONE);
			blank(u);
		}
		wrap(u, NULL, str(e, &s->body), width, R_TEXT, T_NONE);
		break;
	default:
		break;
	}
	if (err) {
		blank(u);
		wrap(u, L"! ", err, width, R_ERROR, T_NONE);
	}
	return q;
}

/* ---- drawing ---- */

static void add_hit(ui *u, int y, int x0, int x1, int target)
{
	if (u->n_hits < UI_MAX_HITS && target != T_NONE)
		u->hits[u->n_hits++] = (struct hit){ y, x0, x1, target };
}

/* Draw UTF-8 text at (y, x), at most maxw columns; returns columns used. */
static int put(ui *u, int y, int x, const char *text, int maxw, attr_t a)
{
	wchar_t w[UI_LINE_W];
	int n = decode(u, text, w, UI_LINE_W - 1), used = 0, k = 0;

	while (k < n && w[k] != L'\n' && used + wwidth(u, w[k]) <= maxw)
		used += wwidth(u, w[k++]);
	attrset(a);
	mvaddnwstr(y, x, w, k);
	attrset(A_NORMAL);
	return used;
}

static void centred(ui *u, const char *text, int y, attr_t a)
{
	int w = COLS - 4 < UI_BODY_W ? COLS - 4 : UI_BODY_W;
	int start = u->n_lines;

	wrap(u, NULL, text, w > 10 ? w : 10, R_TEXT, T_NONE);
	for (int i = start; i < u->n_lines; i++) {
		struct uline *l = &u->lines[i];
		int lw = wswidth(u, l->w, l->n), x = (COLS - lw) / 2;

		attrset(a);
		mvaddnwstr(y + i - start, x > 0 ? x : 0, l->w, l->n);
		attrset(A_NORMAL);
	}
}

static void draw_message(ui *u, const struct content *c, int lang, const char *m1, const char *m2,
			 attr_t a1)
{
	int rows;

	u->n_lines = 0;
	erase();
	centred(u, content_msg(c, m1, lang), LINES / 2 - 2, a1);
	rows = u->n_lines;
	if (m2)
		centred(u, m2, LINES / 2 - 1 + rows, attr_of(u, R_TEXT));
	move(LINES - 1, 0);
	refresh();
}

static void draw_field(ui *u, const struct content_screen *s, int y, int x, int width)
{
	int fw = width - 4, start = 0;

	/* A box about as wide as the answer it asks for. */
	if (s->kind == CONTENT_DATE || s->kind == CONTENT_NUMBER)
		fw = 14;
	else if (s->max_length > 0 && s->max_length + 2 < fw)
		fw = s->max_length + 2;

	if (fw < 10)
		fw = 10;
	/* Scroll so the cursor stays inside the box. */
	while (wswidth(u, u->field + start, u->fcur - start) > fw - 1)
		start++;
	attrset(A_BOLD);
	mvaddstr(y, x, "[");
	attrset(attr_of(u, R_FIELD));
	for (int i = 0; i < fw; i++)
		mvaddch(y, x + 1 + i, ' ');
	{
		int used = 0, k = start;

		wchar_t shown[UI_FIELD_MAX + 1];

		while (k < u->flen && used + wwidth(u, u->field[k]) <= fw)
			used += wwidth(u, u->field[k++]);
		/* A terminal without UTF-8 sees the typed letters in ASCII. */
		for (int i = start; i < k; i++)
			shown[i - start] = !u->utf8 && u->field[i] >= 0x80 ? ascii_of((unsigned long)u->field[i])
									      : u->field[i];
		mvaddnwstr(y, x + 1, shown, k - start);
	}
	attrset(A_BOLD);
	mvaddstr(y, x + 1 + fw, "]");
	attrset(A_NORMAL);
	u->cur_y = y;
	u->cur_x = x + 1 + wswidth(u, u->field + start, u->fcur - start);
	add_hit(u, y, x, x + fw + 1, T_FIELD);
}

static void draw_qr(ui *u, const struct qr_lines *q)
{
	int x = COLS - q->cols - 1, y = 2;

	attrset(attr_of(u, R_QR));
	for (int i = 0; i < q->n; i++)
		mvaddstr(y + i, x, q->line[i]);
	attrset(A_NORMAL);
}

/* "Start over? Your answers will be erased." over the screen, with two
 * buttons; the screen behind shows no answers meanwhile. */
static void draw_restart(ui *u, const engine *e)
{
	const char *yes = msg(e, "start_over_yes"), *no = msg(e, "start_over_no");
	int y = LINES / 2 - 3, yw = ktext_width(yes) + 4, nw = ktext_width(no) + 4;
	int x = (COLS - yw - nw - 4) / 2;

	for (int i = 2; i < LINES - 1; i++)
		mvhline(i, 0, ' ', COLS);
	u->n_hits = 0;
	u->n_lines = 0;
	centred(u, msg(e, "start_over"), y, A_BOLD);
	y += u->n_lines + 2;
	{
		attr_t ya = attr_of(u, u->restart_focus == T_RESTART_YES ? R_FOCUS : R_BUTTON);
		attr_t na = attr_of(u, u->restart_focus == T_RESTART_NO ? R_FOCUS : R_BUTTON);

		put(u, y, x, "[ ", 2, ya);
		put(u, y, x + 2, yes, yw, ya);
		put(u, y, x + yw - 2, " ]", 2, ya);
		add_hit(u, y, x, x + yw, T_RESTART_YES);
		put(u, y, x + yw + 4, "[ ", 2, na);
		put(u, y, x + yw + 6, no, nw, na);
		put(u, y, x + yw + nw + 2, " ]", 2, na);
		add_hit(u, y, x + yw + 4, x + yw + nw + 4, T_RESTART_NO);
	}
	u->cur_y = y;
	u->cur_x = u->restart_focus == T_RESTART_YES ? x + 2 : x + yw + 6;
	attrset(attr_of(u, R_KEYS));
	mvhline(LINES - 1, 0, ' ', COLS);
	attrset(A_NORMAL);
	put(u, LINES - 1, 1, msg(e, "keys_start_over"), COLS - 3, attr_of(u, R_KEYS));
}

/* One header switch at column x of line 1; returns where the next goes. */
static int draw_switch(ui *u, int x, const char *key, const char *label, bool on, int target)
{
	int x0 = x;

	x += put(u, 1, x, key, 2, A_BOLD) + 1;
	x += put(u, 1, x, label, COLS / 3, attr_of(u, on ? R_FOCUS : R_TEXT));
	add_hit(u, 1, x0, x, target);
	return x + 3;
}

/* ---- read aloud ---- */

static struct readaloud_view say_view(const ui *u, const engine *e)
{
	struct readaloud_view v = { u->marks, n_choices(engine_screen(e)), "F6" };

	return v;
}

/* Speak text (taken over) in the session's language. */
static void say(ui *u, const engine *e, krc rc, char *text)
{
	struct kerr err = { { 0 } };

	if (rc == K_OK && a11y_say(u->o.ax, engine_content(e)->langs[engine_lang(e)], text, &err) != K_OK)
		fprintf(stderr, "kiosk: read aloud: %s\n", err.msg);
	free(text);
}

static bool speaking(const ui *u)
{
	return u->o.ax && a11y_speech(u->o.ax);
}

/* After a layout: a new screen (or language) is said whole, a newly
 * refused answer alone. */
static void say_changes(ui *u, const engine *e)
{
	struct readaloud_view v = say_view(u, e);
	const char *er = engine_error(e);
	char *t = NULL;
	krc rc;

	if (u->said_screen != engine_index(e) || u->said_lang != engine_lang(e)) {
		u->said_screen = engine_index(e);
		u->said_lang = engine_lang(e);
		snprintf(u->said_error, sizeof u->said_error, "%s", er ? er : "");
		rc = readaloud_screen(e, &v, &t, NULL);
		say(u, e, rc, t);
	} else if (er && strcmp(er, u->said_error) != 0) {
		snprintf(u->said_error, sizeof u->said_error, "%s", er);
		rc = readaloud_error(e, &t, NULL);
		say(u, e, rc, t);
	}
}

static void say_focus(ui *u, const engine *e)
{
	struct readaloud_view v = say_view(u, e);
	char *t = NULL;
	krc rc;

	if (!speaking(u) || u->button)
		return;
	rc = readaloud_focus(e, &v, u->focus, &t, NULL);
	say(u, e, rc, t);
}

static void say_toggle(ui *u, const engine *e, int i)
{
	char *t = NULL;
	krc rc;

	if (!speaking(u))
		return;
	rc = readaloud_toggle(e, i, u->marks[i], &t, NULL);
	say(u, e, rc, t);
}

/* F6: spell the typed answer in focus (review) or being typed, else say
 * the whole screen again. */
static void say_again(ui *u, const engine *e)
{
	const struct content_screen *s = engine_screen(e);
	char *t = NULL;
	krc rc;

	if (!speaking(u))
		return;
	if (s->kind == CONTENT_REVIEW && u->focus < u->n_items - 1 &&
	    is_field(engine_content(e)->screens[u->review[u->focus]].kind)) {
		rc = readaloud_spell(e, u->review[u->focus], NULL, &t, NULL);
	} else if (is_field(s->kind) && u->flen > 0) {
		rc = readaloud_spell(e, engine_index(e), field_value(u), &t, NULL);
	} else {
		u->said_screen = -1; /* the next draw says it all */
		return;
	}
	say(u, e, rc, t);
}

static void draw_screen(ui *u, const engine *e)
{
	const struct content *c = engine_content(e);
	const struct content_screen *s = engine_screen(e);
	const struct qr_lines *q;
	int lang = engine_lang(e), n, total, x, right, bottom;
	const char *keys;

	if (!u->have_screen || u->screen != engine_index(e))
		enter_screen(u, e);
	q = layout(u, e);
	if (u->focus >= u->n_items)
		u->focus = u->n_items > 0 ? u->n_items - 1 : 0;
	if (speaking(u))
		say_changes(u, e);
	/* Keep the focused item in view unless the patient scrolled away. */
	if (u->follow && u->focus_line >= 0) {
		if (u->focus_line < u->scroll)
			u->scroll = u->focus_line;
		if (u->focus_line >= u->scroll + u->body_h)
			u->scroll = u->focus_line - u->body_h + 1;
		if (u->scroll > 0 && u->focus_line < u->body_h)
			u->scroll = 0;
	}
	if (u->scroll > u->n_lines - u->body_h)
		u->scroll = u->n_lines - u->body_h;
	if (u->scroll < 0)
		u->scroll = 0;

	erase();
	u->n_hits = 0;
	u->cur_y = u->body_top;
	u->cur_x = u->body_x;
	/* Header: clinic name, progress; switches for language and contrast. */
	attrset(attr_of(u, R_HEADER));
	mvhline(0, 0, ' ', COLS);
	attrset(A_NORMAL);
	put(u, 0, 1, c->name ? c->name : "", COLS / 2, attr_of(u, R_HEADER));
	engine_progress(e, &n, &total);
	if (total > 0) {
		const char *p = fill(u, content_msg(c, "progress", lang), n, total, 0);
		wchar_t w[128];
		int pw = wswidth(u, w, decode(u, p, w, 127));

		put(u, 0, COLS - pw - 1, p, pw, attr_of(u, R_HEADER));
	}
	if (c->n_langs > 1) {
		const char *m = content_msg(c, "language", lang);
		wchar_t w[128];
		int mw = wswidth(u, w, decode(u, m, w, 127)) + 3;

		x = COLS - mw - 1;
		put(u, 1, x, "F2", 2, A_BOLD);
		put(u, 1, x + 3, m, mw, attr_of(u, R_TEXT));
		add_hit(u, 1, x, COLS - 1, T_LANG);
	}
	x = 1;
	if (engine_index(e) == 0 && !engine_started(e)) {
		x = put(u, 1, 1, "F3", 2, A_BOLD) + 2;
		x += put(u, 1, x, content_msg(c, "contrast", lang), COLS / 2, attr_of(u, R_TEXT));
		add_hit(u, 1, 1, x, T_CONTRAST);
		x += 3;
	}
	/* Larger text (where the font can change) and read aloud, on every
	 * screen; shown highlighted while on. */
	if (u->o.ax && a11y_can_enlarge(u->o.ax))
		x = draw_switch(u, x, "F4", content_msg(c, "larger_text", lang), a11y_large(u->o.ax), T_LARGER);
	if (u->o.ax)
		draw_switch(u, x, "F5", content_msg(c, "read_aloud", lang), a11y_speech(u->o.ax), T_SPEECH);

	/* Body. */
	for (int i = 0; i < u->body_h && u->scroll + i < u->n_lines; i++) {
		struct uline *l = &u->lines[u->scroll + i];
		int y = u->body_top + i;

		if (u->scroll + i == u->field_line) {
			draw_field(u, s, y, u->body_x, u->body_w);
			continue;
		}
		attrset(attr_of(u, l->role));
		mvaddnwstr(y, u->body_x + l->indent, l->w, l->n);
		if (l->role == R_FOCUS)
			for (int k = wswidth(u, l->w, l->n); k < u->body_w; k++)
				addch(' ');
		attrset(A_NORMAL);
		if (u->scroll + i == u->focus_line) {
			u->cur_y = y, u->cur_x = u->body_x + l->indent;
			/* Say what Enter does to the focused answer. */
			if (s->kind == CONTENT_REVIEW && u->focus < u->n_items - 1) {
				const char *m = msg(e, "review_edit");
				wchar_t w[64];
				int mw = wswidth(u, w, decode(u, m, w, 63));

				if (wswidth(u, l->w, l->n) + mw + 3 < u->body_w)
					put(u, y, u->body_x + u->body_w - mw - 1, m, mw, attr_of(u, R_FOCUS));
			}
		}
		add_hit(u, y, u->body_x, u->body_x + u->body_w, l->target == T_NONE ? T_BODY : l->target);
	}
	if (q)
		draw_qr(u, q);

	/* Buttons and the scroll hint; left of the QR code when there is one.
	 * A focused button is drawn like a focused option. */
	right = q ? COLS - q->cols - 2 : COLS - 2;
	bottom = LINES - 3;
	if (back_shown(e)) {
		attr_t ba = attr_of(u, u->button == T_BACK ? R_FOCUS : R_BUTTON);

		x = put(u, bottom, 2, "[ ", 2, ba);
		x += put(u, bottom, 4, msg(e, "back"), 30, ba);
		put(u, bottom, 4 + x - 2, " ]", 2, ba);
		add_hit(u, bottom, 2, 4 + x, T_BACK);
		if (u->button == T_BACK)
			u->cur_y = bottom, u->cur_x = 4;
	}
	{
		const char *m = msg(e, s->kind == CONTENT_REVIEW ? "finish" : "next");
		attr_t ba = attr_of(u, u->button == T_NEXT ? R_FOCUS : R_BUTTON);
		int mw = ktext_width(m) + 4;
		int bx = q ? right - mw : COLS - mw - 2;

		put(u, bottom, bx, "[ ", 2, ba);
		put(u, bottom, bx + 2, m, mw, ba);
		put(u, bottom, bx + mw - 2, " ]", 2, ba);
		add_hit(u, bottom, bx, bx + mw, T_NEXT);
		if (u->button == T_NEXT)
			u->cur_y = bottom, u->cur_x = bx + 2;
	}
	if (u->scroll + u->body_h < u->n_lines) {
		const char *m = msg(e, "more");
		int mw = ktext_width(m);
		int mx = right - mw > 2 ? right - mw : 2;

		put(u, LINES - 2, mx, m, right - 2, A_BOLD);
		add_hit(u, LINES - 2, mx, mx + mw, T_MORE);
	}
	/* One line of key help, saying what Enter does on what has the focus. */
	switch (s->kind) {
	case CONTENT_YESNO:
	case CONTENT_CHOICE: keys = n_choices(s) >= 10 ? "keys_many_choice" : "keys_choice"; break;
	case CONTENT_MULTI: keys = n_choices(s) >= 10 ? "keys_many" : "keys_multi"; break;
	case CONTENT_TEXT:
	case CONTENT_NUMBER:
	case CONTENT_DATE:
	case CONTENT_CONSENT: keys = "keys_text"; break;
	case CONTENT_REVIEW: keys = u->focus >= u->n_items - 1 ? "keys_review_finish" : "keys_review"; break;
	case CONTENT_OUTCOME:
	case CONTENT_AFTERCARE: keys = "keys_done"; break;
	default: keys = back_shown(e) ? "keys_info" : "keys_done"; break; /* nothing to go back to */
	}
	if (u->button == T_BACK || (u->button == T_NEXT && s->kind != CONTENT_INFO &&
				    s->kind != CONTENT_OUTCOME && s->kind != CONTENT_AFTERCARE))
		keys = s->kind == CONTENT_REVIEW && u->button == T_NEXT ? "keys_review_finish" : "keys_button";
	attrset(attr_of(u, R_KEYS));
	mvhline(LINES - 1, 0, ' ', q ? COLS - q->cols - 1 : COLS);
	attrset(A_NORMAL);
	put(u, LINES - 1, 1, msg(e, keys), right - 1, attr_of(u, R_KEYS));
	if (u->restart)
		draw_restart(u, e);
	/* The cursor rests on the focused answer (screen readers follow it). */
	move(u->cur_y, u->cur_x);
	refresh();
}

void ui_draw(ui *u, const struct ui_view *v)
{
	const struct content *c = v->e ? engine_content(v->e) : v->c;
	int lang = v->e ? engine_lang(v->e) : v->lang;

	u->small = LINES < UI_MIN_LINES || COLS < UI_MIN_COLS;
	u->n_hits = 0;
	if (u->small) {
		draw_message(u, c, lang, "enlarge", NULL, A_BOLD);
		return;
	}
	switch (v->mode) {
	case UI_MODE_STILL_THERE:
		draw_message(u, c, lang, "still_there",
			     fill(u, content_msg(c, "still_there_countdown", lang), 0, 0, v->seconds),
			     A_BOLD | A_REVERSE);
		/* Any key or a tap anywhere is "I need more time". */
		centred(u, content_msg(c, "more_time", lang), LINES / 2 + 1 + u->n_lines, attr_of(u, R_BUTTON));
		move(LINES - 1, 0);
		refresh();
		if (speaking(u) && v->e && u->said_screen != -2) {
			u->said_screen = -2; /* back on the screen, it is said again */
			if (a11y_say(u->o.ax, c->langs[lang], content_msg(c, "still_there", lang), NULL) != K_OK)
				fprintf(stderr, "kiosk: read aloud failed\n");
		}
		break;
	case UI_MODE_UNAVAILABLE:
		draw_message(u, c, lang, "unavailable", NULL, A_BOLD);
		break;
	case UI_MODE_SCREEN:
		draw_screen(u, v->e);
		break;
	}
}

/* ---- input ---- */

static enum ui_input answer(ui *u, struct engine_event *ev, const char *value)
{
	ev->kind = ENGINE_EV_ANSWER;
	ev->value = value;
	ev->screen = 0;
	u->follow = true;
	u->said_error[0] = '\0'; /* the same mistake again is said again */
	return UI_IN_EVENT;
}

static enum ui_input simple(struct engine_event *ev, enum engine_ev kind)
{
	ev->kind = kind;
	ev->value = NULL;
	ev->screen = 0;
	return UI_IN_EVENT;
}

static const char *choice_value(const struct content_screen *s, int i)
{
	return s->kind == CONTENT_YESNO ? yesno_codes[i] : s->options[i].id;
}

/* Multiple choice: an exclusive option ("none of these") clears the others
 * and any other option clears it. */
static void toggle(ui *u, const struct content_screen *s, int i)
{
	if (i < 0 || i >= n_choices(s))
		return;
	u->marks[i] = !u->marks[i];
	if (!u->marks[i])
		return;
	for (int k = 0; k < n_choices(s); k++)
		if (k != i && (s->options[i].exclusive || s->options[k].exclusive))
			u->marks[k] = false;
}

static const char *multi_value(ui *u, const struct content_screen *s)
{
	size_t o = 0;

	u->evbuf[0] = '\0';
	for (int k = 0; k < n_choices(s); k++) {
		if (!u->marks[k])
			continue;
		o += (size_t)snprintf(u->evbuf + o, o < sizeof u->evbuf ? sizeof u->evbuf - o : 0,
				      "%s%s", o ? "," : "", s->options[k].id);
	}
	return u->evbuf;
}

static const char *field_value(ui *u)
{
	size_t o = 0;

	u->evbuf[0] = '\0';
	for (int i = 0; i < u->flen; i++)
		put_utf8(u->evbuf, sizeof u->evbuf, &o, u->field[i]);
	return u->evbuf;
}

/* Enter on the focused list item (not a button). */
static enum ui_input confirm(ui *u, const engine *e, struct engine_event *ev)
{
	const struct content_screen *s = engine_screen(e);

	switch (s->kind) {
	case CONTENT_YESNO:
	case CONTENT_CHOICE:
		if (u->focus < 0 || u->focus >= n_choices(s))
			return UI_IN_KEY;
		return answer(u, ev, choice_value(s, u->focus));
	case CONTENT_MULTI:
		return answer(u, ev, multi_value(u, s));
	case CONTENT_TEXT:
	case CONTENT_NUMBER:
	case CONTENT_DATE:
	case CONTENT_CONSENT:
		return answer(u, ev, field_value(u));
	case CONTENT_REVIEW:
		if (u->focus >= 0 && u->focus < u->n_items - 1) {
			u->back_to = u->review[u->focus];
			ev->kind = ENGINE_EV_JUMP;
			ev->value = NULL;
			ev->screen = u->review[u->focus];
			return UI_IN_EVENT;
		}
		return simple(ev, ENGINE_EV_NEXT);
	default:
		return simple(ev, ENGINE_EV_NEXT);
	}
}

/* The Continue / Finish button: what its label says, whatever is focused.
 * On a single choice it keeps the answer already given (the engine asks
 * for one if there is none): only a choice the patient made picks one. */
static enum ui_input next_button(ui *u, const engine *e, struct engine_event *ev)
{
	const struct content_screen *s = engine_screen(e);

	switch (s->kind) {
	case CONTENT_MULTI:
	case CONTENT_TEXT:
	case CONTENT_NUMBER:
	case CONTENT_DATE:
	case CONTENT_CONSENT:
		return confirm(u, e, ev);
	default:
		return simple(ev, ENGINE_EV_NEXT);
	}
}

/* Going back: to the welcome screen with answers given, ask first. */
static enum ui_input go_back(ui *u, const engine *e, struct engine_event *ev)
{
	int j = engine_index(e) - 1;

	if (engine_completed(e))
		return UI_IN_KEY;
	while (j > 0 && !engine_shown(e, j))
		j--;
	if (engine_started(e) && (engine_index(e) == 0 || j <= 0) &&
	    engine_screen(e)->kind != CONTENT_REVIEW) {
		u->restart = true;
		u->restart_focus = T_RESTART_NO;
		return UI_IN_KEY;
	}
	if (engine_index(e) == 0)
		return UI_IN_KEY;
	return simple(ev, ENGINE_EV_BACK);
}

static enum ui_input press(ui *u, const engine *e, int target, struct engine_event *ev)
{
	switch (target) {
	case T_BACK: return go_back(u, e, ev);
	case T_NEXT: return next_button(u, e, ev);
	default: return UI_IN_KEY;
	}
}

static void field_insert(ui *u, const struct content_screen *s, wchar_t c)
{
	int max = engine_max_chars(s);

	if (max <= 0 || max > UI_FIELD_MAX)
		max = UI_FIELD_MAX;
	if (u->flen >= max) {
		u->full = true; /* say the limit (drawn under the field) */
		return;
	}
	wmemmove(u->field + u->fcur + 1, u->field + u->fcur, (size_t)(u->flen - u->fcur));
	u->field[u->fcur++] = c;
	u->field[++u->flen] = 0;
}

/* Tab order is reading order: the list (options, answers, the field), then
 * the buttons from left to right, then round again. */
static void tab(ui *u, const engine *e, bool fwd)
{
	bool field = is_field(engine_screen(e)->kind), back = back_shown(e);
	int last = field ? 0 : u->n_items - 1;

	u->follow = true;
	if (fwd) {
		if (u->button == 0 && u->n_items > 0 && u->focus < last)
			u->focus++;
		else if (u->button == 0)
			u->button = back ? T_BACK : T_NEXT;
		else if (u->button == T_BACK)
			u->button = T_NEXT;
		else if (u->n_items > 0)
			u->button = 0, u->focus = 0;
		else
			u->button = back ? T_BACK : T_NEXT;
		return;
	}
	if (u->button == T_NEXT && back)
		u->button = T_BACK;
	else if (u->button != 0 && u->n_items > 0)
		u->button = 0, u->focus = last;
	else if (u->button != 0)
		u->button = T_NEXT;
	else if (u->focus > 0)
		u->focus--;
	else
		u->button = T_NEXT;
}

static void scroll_by(ui *u, int lines)
{
	u->scroll += lines;
	u->follow = false;
}

static enum ui_input act(ui *u, const engine *e, enum action a, struct engine_event *ev)
{
	const struct content_screen *s = engine_screen(e);
	const struct content *c = engine_content(e);
	bool field = is_field(s->kind);
	int page = u->body_h > 2 ? u->body_h - 2 : 1;

	if (a != ACT_NONE)
		u->digit = 0;
	switch (a) {
	case ACT_UP:
	case ACT_DOWN:
		if (u->button) {
			if (a == ACT_UP && u->n_items > 0)
				u->button = 0, u->focus = field ? 0 : u->n_items - 1;
		} else if (u->n_items > 0 && !field) {
			/* Round the ends: on the review screen Up from the first
			 * answer reaches Finish. */
			u->focus = (u->focus + (a == ACT_UP ? u->n_items - 1 : 1)) % u->n_items;
		} else if (u->n_items == 0) {
			scroll_by(u, a == ACT_UP ? -1 : 1);
			return UI_IN_KEY;
		}
		u->follow = true;
		say_focus(u, e);
		return UI_IN_KEY;
	case ACT_TAB:
	case ACT_BTAB:
		tab(u, e, a == ACT_TAB);
		return UI_IN_KEY;
	case ACT_LEFT:
		if (field && !u->button && u->fcur > 0)
			u->fcur--;
		else if (u->button == T_NEXT && back_shown(e))
			u->button = T_BACK;
		return UI_IN_KEY;
	case ACT_RIGHT:
		if (field && !u->button && u->fcur < u->flen)
			u->fcur++;
		else if (u->button == T_BACK)
			u->button = T_NEXT;
		return UI_IN_KEY;
	case ACT_HOME:
	case ACT_END:
		if (field && !u->button)
			u->fcur = a == ACT_HOME ? 0 : u->flen;
		else if (u->n_items > 0 && !field)
			u->button = 0, u->focus = a == ACT_HOME ? 0 : u->n_items - 1, u->follow = true;
		else
			scroll_by(u, a == ACT_HOME ? -UI_MAX_LINES : UI_MAX_LINES);
		return UI_IN_KEY;
	case ACT_CONFIRM:
		if (u->button)
			return press(u, e, u->button, ev);
		return confirm(u, e, ev);
	case ACT_BACK:
		return go_back(u, e, ev);
	case ACT_ERASE:
		/* Backspace edits the field and nothing else: held down in an
		 * empty field it must not walk back through the screens. */
		if (field && !u->button && u->fcur > 0) {
			wmemmove(u->field + u->fcur - 1, u->field + u->fcur, (size_t)(u->flen - u->fcur));
			u->fcur--;
			u->field[--u->flen] = 0;
			u->full = false;
		}
		return UI_IN_KEY;
	case ACT_DELETE:
		if (field && !u->button && u->fcur < u->flen) {
			wmemmove(u->field + u->fcur, u->field + u->fcur + 1, (size_t)(u->flen - u->fcur - 1));
			u->field[--u->flen] = 0;
			u->full = false;
		}
		return UI_IN_KEY;
	case ACT_TOGGLE:
		/* Space: what Enter does, except that it marks on a multiple choice. */
		if (u->button)
			return press(u, e, u->button, ev);
		if (field) {
			field_insert(u, s, L' ');
		} else if (s->kind == CONTENT_MULTI) {
			toggle(u, s, u->focus);
			say_toggle(u, e, u->focus);
		}
		else if (s->kind == CONTENT_YESNO || s->kind == CONTENT_CHOICE)
			return confirm(u, e, ev);
		return UI_IN_KEY;
	case ACT_PGUP:
	case ACT_PGDN:
		scroll_by(u, (a == ACT_PGUP ? -1 : 1) * page);
		return UI_IN_KEY;
	case ACT_LANG:
		if (c->n_langs < 2)
			return UI_IN_KEY;
		ev->kind = ENGINE_EV_LANG;
		ev->value = c->langs[(engine_lang(e) + 1) % c->n_langs];
		ev->screen = 0;
		return UI_IN_EVENT;
	case ACT_CONTRAST:
		u->contrast = !u->contrast;
		apply_theme(u);
		return UI_IN_KEY;
	case ACT_LARGER:
		/* On the console the kernel then shrinks the grid and the
		 * resize lays the screen out again. */
		if (u->o.ax && a11y_can_enlarge(u->o.ax)) {
			struct kerr err = { { 0 } };

			if (a11y_set_large(u->o.ax, !a11y_large(u->o.ax), &err) != K_OK)
				fprintf(stderr, "kiosk: larger text: %s\n", err.msg);
			clearok(curscr, TRUE);
		}
		return UI_IN_KEY;
	case ACT_SPEECH:
		if (u->o.ax) {
			struct kerr err = { { 0 } };

			if (a11y_set_speech(u->o.ax, !a11y_speech(u->o.ax), &err) != K_OK)
				fprintf(stderr, "kiosk: read aloud: %s\n", err.msg);
			u->said_screen = -1; /* on: the screen is said from the top */
		}
		return UI_IN_KEY;
	case ACT_REPEAT:
		say_again(u, e);
		return UI_IN_KEY;
	case ACT_FINISH:
		if (s->kind == CONTENT_REVIEW)
			return simple(ev, ENGINE_EV_NEXT);
		return UI_IN_KEY;
	case ACT_NONE:
		break;
	}
	return UI_IN_KEY;
}

/* The first letter of a message, lower case ("Sí" -> 's'). */
static wchar_t initial(const ui *u, const char *m)
{
	wchar_t w[4];

	return decode(u, m, w, 1) == 1 ? (wchar_t)towlower((wint_t)w[0]) : 0;
}

/* A character on a screen without a text field.  Up to nine options, a
 * digit chooses (marks, on a multiple choice) at once.  With ten or more,
 * digits only move the focus, two digits in a row making one number
 * ("1" "0" is option 10): no digit ever picks an option by itself, since
 * "1" may be the start of "10".  Space or Enter then chooses. */
static enum ui_input letter(ui *u, const engine *e, wchar_t ch, struct engine_event *ev)
{
	const struct content_screen *s = engine_screen(e);
	int k = -1, n = n_choices(s);

	if (ch >= L'0' && ch <= L'9' && n >= 10) {
		int d = ch - L'0';

		if (u->digit > 0 && u->digit * 10 + d <= n) {
			k = u->digit * 10 + d - 1;
			u->digit = 0;
		} else if (d > 0) {
			k = d - 1;
			u->digit = d * 10 <= n ? d : 0;
		}
		if (k >= 0 && k < n)
			u->focus = k, u->button = 0, u->follow = true;
		return UI_IN_KEY;
	}
	u->digit = 0;
	if (ch >= L'1' && ch <= L'9')
		k = ch - L'1';
	else if (s->kind == CONTENT_YESNO && (wchar_t)towlower((wint_t)ch) == initial(u, msg(e, "yes")))
		k = 0;
	else if (s->kind == CONTENT_YESNO && (wchar_t)towlower((wint_t)ch) == initial(u, msg(e, "no")))
		k = 1;
	if (k < 0 || k >= n)
		return UI_IN_KEY;
	u->focus = k;
	u->button = 0;
	u->follow = true;
	if (s->kind == CONTENT_MULTI) {
		toggle(u, s, k);
		return UI_IN_KEY;
	}
	return answer(u, ev, choice_value(s, k));
}

/* "Start over?": yes wipes the session (the run loop's one reset), no or
 * Esc goes on where the patient was. */
static enum ui_input restart_key(ui *u, const engine *e, const struct keys_event *k,
				 struct engine_event *ev)
{
	int target = 0;

	if (k->kind == KEYS_MOUSE) {
		if (k->release || k->button != KEYS_MOUSE_LEFT)
			return UI_IN_KEY;
		for (int i = 0; i < u->n_hits; i++)
			if (k->y == u->hits[i].y && k->x >= u->hits[i].x0 && k->x <= u->hits[i].x1)
				target = u->hits[i].target;
	} else if (k->kind == KEYS_TEXT) {
		wchar_t ch = (wchar_t)towlower((wint_t)k->cp);

		if (ch == initial(u, msg(e, "yes")))
			target = T_RESTART_YES;
		else if (ch == initial(u, msg(e, "no")))
			target = T_RESTART_NO;
		else if (ch == L' ')
			target = u->restart_focus;
	} else if (k->key == KEYS_ENTER) {
		target = u->restart_focus;
	} else if (k->key == KEYS_ESC) {
		target = T_RESTART_NO;
	} else if (k->key == KEYS_TAB || k->key == KEYS_BTAB || k->key == KEYS_LEFT ||
		   k->key == KEYS_RIGHT || k->key == KEYS_UP || k->key == KEYS_DOWN) {
		u->restart_focus = u->restart_focus == T_RESTART_YES ? T_RESTART_NO : T_RESTART_YES;
	}
	if (target == T_RESTART_NO) {
		u->restart = false;
	} else if (target == T_RESTART_YES) {
		u->restart = false;
		return simple(ev, ENGINE_EV_RESET);
	}
	return UI_IN_KEY;
}

static enum ui_input click(ui *u, const engine *e, const struct keys_event *k, struct engine_event *ev)
{
	const struct content_screen *s = engine_screen(e);

	if (k->button == KEYS_WHEEL_UP || k->button == KEYS_WHEEL_DOWN) {
		scroll_by(u, k->button == KEYS_WHEEL_UP ? -3 : 3);
		return UI_IN_KEY;
	}
	/* A tap acts when the finger comes down; the release is ignored so
	 * one tap is one action. */
	if (k->release || k->button != KEYS_MOUSE_LEFT)
		return UI_IN_KEY;
	for (int i = 0; i < u->n_hits; i++) {
		const struct hit *h = &u->hits[i];

		if (k->y != h->y || k->x < h->x0 || k->x > h->x1)
			continue;
		u->digit = 0;
		if (h->target >= T_REVIEW && s->kind == CONTENT_REVIEW) {
			for (int j = 0; j < u->n_items - 1; j++)
				if (u->review[j] == h->target - T_REVIEW)
					u->focus = j;
			u->button = 0;
			return confirm(u, e, ev);
		}
		if (h->target >= T_OPTION && h->target < T_OPTION + UI_MAX_OPTS) {
			u->focus = h->target - T_OPTION;
			u->button = 0;
			if (s->kind == CONTENT_MULTI) {
				toggle(u, s, u->focus);
				say_toggle(u, e, u->focus);
				return UI_IN_KEY;
			}
			return confirm(u, e, ev);
		}
		switch (h->target) {
		case T_FINISH: return simple(ev, ENGINE_EV_NEXT);
		case T_FIELD: u->button = 0; return UI_IN_KEY;
		case T_NEXT:
		case T_BACK: return press(u, e, h->target, ev);
		case T_LANG: return act(u, e, ACT_LANG, ev);
		case T_CONTRAST: return act(u, e, ACT_CONTRAST, ev);
		case T_LARGER: return act(u, e, ACT_LARGER, ev);
		case T_SPEECH: return act(u, e, ACT_SPEECH, ev);
		case T_MORE: scroll_by(u, u->body_h > 2 ? u->body_h - 2 : 1); return UI_IN_KEY;
		case T_BODY:
			/* Touch has no PgDn: the lower half of the text pages
			 * down, the upper half back up. */
			if (k->y >= u->body_top + u->body_h / 2)
				scroll_by(u, u->body_h > 2 ? u->body_h - 2 : 1);
			else if (u->scroll > 0)
				scroll_by(u, -(u->body_h > 2 ? u->body_h - 2 : 1));
			return UI_IN_KEY;
		default: return UI_IN_KEY;
		}
	}
	return UI_IN_KEY;
}

static enum ui_input handle(ui *u, const struct ui_view *v, const struct keys_event *k,
			    struct engine_event *ev)
{
	const engine *e = v->e;
	enum action a = ACT_NONE;
	bool field;

	if (k->kind == KEYS_KEY && u->o.staff_key > 0 && k->key == u->o.staff_key)
		return UI_IN_STAFF;
	/* Any key only wakes the idle warning; nothing is drawn to act on while
	 * the screen is too small or unavailable. */
	if (v->mode != UI_MODE_SCREEN || u->small || e == NULL)
		return UI_IN_KEY;
	/* Any key or tap cuts off what is being said first. */
	if (u->o.ax)
		a11y_key(u->o.ax);
	if (u->restart)
		return restart_key(u, e, k, ev);
	if (k->kind == KEYS_MOUSE)
		return click(u, e, k, ev);
	field = is_field(engine_screen(e)->kind) && !u->button;
	if (k->kind == KEYS_TEXT) {
		if (field && k->cp != ' ') {
			field_insert(u, engine_screen(e), (wchar_t)k->cp);
			return UI_IN_KEY;
		}
		if (k->cp == ' ')
			return act(u, e, ACT_TOGGLE, ev);
		if (!is_field(engine_screen(e)->kind))
			return letter(u, e, (wchar_t)k->cp, ev);
		return UI_IN_KEY;
	}
	for (size_t i = 0; i < sizeof keymap / sizeof keymap[0]; i++)
		if (keymap[i].key == k->key)
			a = keymap[i].act;
	/* Control chords (Ctrl-C, Ctrl-Z, ...) and unknown keys do nothing. */
	return act(u, e, a, ev);
}

bool ui_stop_requested(void)
{
	return quit_flag == 1;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum ui_key_result ui_key(int wait_ms, struct keys_event *k)
{
	long long end = mono_ms() + wait_ms;
	static int eof_count;

	for (;;) {
		struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
		unsigned char buf[256];
		long long left;
		ssize_t r;
		int n;

		if (quit_flag)
			return UI_KEY_QUIT;
		if (winch_flag) {
			struct winsize ws;

			winch_flag = 0;
			if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
				resizeterm(ws.ws_row, ws.ws_col);
			clearok(curscr, TRUE);
			return UI_KEY_RESIZE;
		}
		if (keys_next(&decoder, false, k))
			return UI_KEY_EVENT;
		left = end - mono_ms();
		if (keys_pending(&decoder))
			left = UI_ESC_MS; /* the rest of a sequence, or a lone Esc */
		n = poll(&p, 1, left > 0 ? (int)left : 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return UI_KEY_QUIT;
		}
		if (n == 0) {
			if (keys_pending(&decoder)) {
				if (keys_next(&decoder, true, k))
					return UI_KEY_EVENT;
				continue;
			}
			return UI_KEY_NONE;
		}
		if (p.revents & (POLLERR | POLLNVAL))
			return UI_KEY_QUIT;
		r = read(STDIN_FILENO, buf, keys_room(&decoder) < sizeof buf ? keys_room(&decoder) : sizeof buf);
		if (r > 0) {
			eof_count = 0;
			keys_feed(&decoder, buf, (size_t)r);
			continue;
		}
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		/* End of input (0) or an I/O error: the terminal is gone.
		 * Bytes that do not decode never get here. */
		if (r < 0 || (p.revents & POLLHUP) || ++eof_count >= 3)
			return UI_KEY_QUIT;
	}
}

enum ui_input ui_read(ui *u, const struct ui_view *v, int wait_ms, struct engine_event *ev)
{
	struct keys_event k;

	switch (ui_key(wait_ms, &k)) {
	case UI_KEY_QUIT: return UI_IN_QUIT;
	case UI_KEY_RESIZE: return UI_IN_RESIZE;
	case UI_KEY_NONE: return UI_IN_TICK;
	case UI_KEY_EVENT: break;
	}
	return handle(u, v, &k, ev);
}
