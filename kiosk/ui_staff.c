/* ui_staff: the staff login and menu on the kiosk's own screen.
 *
 * Owns only drawing and key handling for staff mode; accounts and lockout
 * are staff.c, data comes from the store.  It runs inside the patient
 * kiosk's ncurses session (stdscr, already initialised), sets its own key
 * timeout (one second, so the idle clock ticks) and leaves the run loop to
 * set its own again.  Whatever it shows, it erases before returning: today's
 * intakes carry names and dates of birth, and the next person at the
 * terminal may be a patient.
 *
 * Staff-facing text is plain ASCII in C on purpose: it must read the same
 * on the Linux console without a UTF-8 font, and it is not patient content. */
#include "ui_staff.h"

#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktext.h"
#include "publish.h"
#include "staff.h"
#include "sync_status.h"
#include "ui.h"

#define KEY_ESC 27

enum { FIELD_OK, FIELD_CANCEL, FIELD_IDLE };

struct ss {
	struct ui_staff_ctx *ctx;
	staff *sf;
	char name[STAFF_NAME_MAX + 1];
	bool admin;
	long idle;               /* seconds */
	time_t last_key;         /* monotonic seconds */
	char note[256];          /* one-line message under the menu */
	bool idled;              /* left because nobody pressed a key */
	int eof_count;           /* reads that failed at once: the terminal is gone */
	bool reload;             /* reload asked for during a session: after it */
};

static time_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* One key, or ERR when staff mode has been idle too long.  KEY_RESIZE is
 * returned so the caller redraws.  Keys come from the terminal's one
 * decoder (ui_key), as on the patient screen; they are given back as the
 * curses codes this file switches on. */
static int get_key(struct ss *s)
{
	static const struct {
		int key, code;
	} map[] = {
		{ KEYS_UP, KEY_UP },       { KEYS_DOWN, KEY_DOWN },   { KEYS_PGUP, KEY_PPAGE },
		{ KEYS_PGDN, KEY_NPAGE },  { KEYS_HOME, KEY_HOME },   { KEYS_END, KEY_END },
		{ KEYS_ESC, KEY_ESC },     { KEYS_ENTER, '\n' },      { KEYS_BACKSPACE, KEY_BACKSPACE },
		{ KEYS_TAB, '\t' },        { KEYS_BTAB, KEY_UP },     { KEYS_LEFT, KEY_LEFT },
		{ KEYS_RIGHT, KEY_RIGHT }, { KEYS_DELETE, KEY_DC },
	};

	for (;;) {
		struct keys_event k;

		switch (ui_key(1000, &k)) {
		case UI_KEY_QUIT:
			/* SIGTERM/SIGHUP, or the terminal went away: leave staff
			 * mode, which wipes the screen. */
			s->idled = true;
			return ERR;
		case UI_KEY_RESIZE:
			return KEY_RESIZE;
		case UI_KEY_NONE:
			if (mono() - s->last_key >= s->idle) {
				s->idled = true;
				return ERR;
			}
			continue;
		case UI_KEY_EVENT:
			break;
		}
		s->last_key = mono();
		if (k.kind == KEYS_TEXT && k.cp < 0x7f)
			return (int)k.cp; /* staff names and PINs are ASCII */
		for (size_t i = 0; k.kind == KEYS_KEY && i < sizeof map / sizeof map[0]; i++)
			if (map[i].key == k.key)
				return map[i].code;
	}
}

/* Draw str at (y, x) in at most cols screen columns, cut at a character
 * (never inside an accented letter) with a mark when it does not fit, so
 * staff see that a line goes on.  One width function (ktext) for all. */
static void put(int y, int x, int cols, const char *str)
{
	char buf[2048];

	if (cols <= 0 || y >= LINES)
		return;
	ktext_fit(buf, sizeof buf, str, cols, true, false, MB_CUR_MAX == 1);
	mvaddstr(y, x, buf);
}

static void frame(const char *title, const char *keys)
{
	erase();
	attron(A_BOLD);
	put(0, 1, COLS - 2, title);
	attroff(A_BOLD);
	mvhline(1, 0, '-', COLS);
	if (keys) {
		mvhline(LINES - 2, 0, '-', COLS);
		put(LINES - 1, 1, COLS - 2, keys);
	}
}

static void leave_clean(void)
{
	erase();
	refresh();
}

/* Edit a one-line field at (y, x).  Masked fields show '*' per character.
 * Printable ASCII only: staff names and PINs need nothing else. */
static int field(struct ss *s, int y, int x, char *buf, size_t cap, bool masked,
		 void (*redraw)(struct ss *))
{
	size_t len = strlen(buf);

	for (;;) {
		int ch;

		move(y, x);
		clrtoeol();
		for (size_t i = 0; i < len; i++)
			addch(masked ? '*' : (chtype)(unsigned char)buf[i]);
		refresh();
		ch = get_key(s);
		switch (ch) {
		case ERR:
			return FIELD_IDLE;
		case KEY_ESC:
			return FIELD_CANCEL;
		case '\n':
		case '\r':
		case KEY_ENTER:
			return FIELD_OK;
		case KEY_BACKSPACE:
		case 127:
		case 8:
			if (len > 0)
				buf[--len] = '\0';
			break;
		case KEY_RESIZE:
			redraw(s);
			break;
		default:
			if (ch >= 32 && ch < 127 && len + 1 < cap) {
				buf[len++] = (char)ch;
				buf[len] = '\0';
			}
			break;
		}
	}
}

/* ---- login ---- */

static void login_draw(struct ss *s)
{
	frame("Staff sign-in", "Enter: next   Esc: back to the patient screen");
	put(3, 2, COLS - 4, "Name:");
	put(5, 2, COLS - 4, "PIN:");
	mvaddnstr(3, 8, s->name, COLS - 10);
	if (s->note[0]) {
		attron(A_BOLD);
		put(8, 2, COLS - 4, s->note);
		attroff(A_BOLD);
	}
}

/* FIELD_OK once someone signed in. */
static int login(struct ss *s)
{
	for (;;) {
		char pin[STAFF_PIN_MAX + 8] = "";
		struct staff_login res;
		struct kerr err = { "" };
		krc rc;
		int r;

		s->name[0] = '\0';
		login_draw(s);
		r = field(s, 3, 8, s->name, sizeof s->name, false, login_draw);
		if (r != FIELD_OK)
			return r;
		if (s->name[0] == '\0')
			continue;
		login_draw(s);
		r = field(s, 5, 8, pin, sizeof pin, true, login_draw);
		if (r != FIELD_OK) {
			memset(pin, 0, sizeof pin);
			return r;
		}
		put(7, 2, COLS - 4, "Checking...");
		refresh();
		rc = staff_login(s->sf, s->name, pin, (int64_t)time(NULL), &res, &err);
		memset(pin, 0, sizeof pin);
		if (rc == K_OK && res.ok) {
			s->admin = res.admin;
			s->note[0] = '\0';
			return FIELD_OK;
		}
		snprintf(s->note, sizeof s->note, "%s", err.msg[0] ? err.msg : "wrong name or PIN");
		/* Drain keys typed while the PIN was being checked so they
		 * do not land in the next name. */
		flushinp();
	}
}

/* ---- views ---- */

/* A scrolling list of lines; returns FIELD_CANCEL or FIELD_IDLE. */
static int viewer(struct ss *s, const char *title, char **lines, int n)
{
	int top = 0;

	for (;;) {
		int rows = LINES - 4, ch;

		if (rows < 1)
			rows = 1;
		if (top > n - rows)
			top = n - rows;
		if (top < 0)
			top = 0;
		frame(title, "Up/Down, PgUp/PgDn: scroll   Esc: back to the menu");
		for (int i = 0; i < rows && top + i < n; i++)
			put(2 + i, 1, COLS - 2, lines[top + i]);
		refresh();
		ch = get_key(s);
		switch (ch) {
		case ERR:
			return FIELD_IDLE;
		case KEY_UP:
			top--;
			break;
		case KEY_DOWN:
			top++;
			break;
		case KEY_PPAGE:
			top -= rows;
			break;
		case KEY_NPAGE:
		case ' ':
			top += rows;
			break;
		case KEY_HOME:
			top = 0;
			break;
		case KEY_END:
			top = n;
			break;
		case KEY_ESC:
		case '\n':
		case '\r':
		case KEY_ENTER:
		case 'q':
			return FIELD_CANCEL;
		default:
			break;
		}
	}
}

struct lines {
	char **v;
	int n, cap;
};

static void add_line(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(struct lines *l, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (l->n == l->cap) {
		int nc = l->cap ? l->cap * 2 : 32;
		char **nv = realloc(l->v, (size_t)nc * sizeof *nv);

		if (nv == NULL)
			return;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n] = strdup(buf);
	if (l->v[l->n])
		l->n++;
}

/* Add text indented by ind, wrapped at width display columns on spaces; a
 * word longer than a line is cut with a mark by put(). */
static void add_wrapped(struct lines *l, int ind, int width, const char *text)
{
	int w = width - ind > 20 ? width - ind : 20;

	while (*text) {
		size_t cut = 0, fit = 0;
		int used = 0;

		/* The longest prefix that ends before a space and fits w columns. */
		while (text[cut]) {
			size_t word = strcspn(text + cut, " ");
			char piece[1024];
			int pw;

			if (word >= sizeof piece)
				word = sizeof piece - 1;
			memcpy(piece, text + cut, word);
			piece[word] = '\0';
			pw = ktext_width(piece);
			if (pw < 0)
				pw = (int)word;
			if (used + (used ? 1 : 0) + pw > w && fit > 0)
				break;
			used += (used ? 1 : 0) + pw;
			cut += word;
			fit = cut;
			if (used >= w)
				break;
			while (text[cut] == ' ')
				cut++;
		}
		if (fit == 0)
			fit = strlen(text);
		add_line(l, "%*s%.*s", ind, "", (int)fit, text);
		text += fit;
		while (*text == ' ')
			text++;
	}
}

static void free_lines(struct lines *l)
{
	for (int i = 0; i < l->n; i++) {
		/* Intake lines hold names and dates of birth. */
		memset(l->v[i], 0, strlen(l->v[i]));
		free(l->v[i]);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int64_t start_of_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static void hhmm(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(out, 16, "%H:%M", &tm);
}

static const char *sev_label(int sev)
{
	return sev == CONTENT_SEV_DEFER ? "DEFER " : sev == CONTENT_SEV_REVIEW ? "REVIEW" : "?     ";
}

/* One intake: a row of columns padded and cut by display width (a name
 * with accents keeps the columns straight), then its flags, defer first,
 * each wrapped whole under the row. */
static void intake_lines(struct lines *l, const struct staff_intake *v)
{
	char t[16], name[128], dob[32], lang[48], out[16];

	hhmm(v->completed, t);
	ktext_fit(name, sizeof name, v->name ? v->name : "(sent, removed)", 26, true, true, MB_CUR_MAX == 1);
	ktext_fit(dob, sizeof dob, v->dob ? v->dob : "", 10, true, true, MB_CUR_MAX == 1);
	ktext_fit(lang, sizeof lang, v->lang, 11, true, true, MB_CUR_MAX == 1);
	ktext_fit(out, sizeof out, v->outcome, 6, true, true, MB_CUR_MAX == 1);
	add_line(l, "%s  %s %s  %s %s  %s", t, name, dob, lang, out, v->delivery);
	for (int k = 0; k < v->n_flags; k++) {
		char buf[2048];

		snprintf(buf, sizeof buf, "%s %s", sev_label(v->flags[k].severity), v->flags[k].text);
		add_wrapped(l, 7, COLS - 3, buf);
	}
}

static int show_intakes(struct ss *s)
{
	struct staff_intake *v = NULL;
	struct lines l = { 0 };
	struct kerr err = { "" };
	int n = 0, r;

	if (staff_intakes(s->ctx->st, s->ctx->content, start_of_today(), s->name, (int64_t)time(NULL), &v, &n,
			  &err) != K_OK) {
		snprintf(s->note, sizeof s->note, "cannot read today's intakes: %.200s", err.msg);
		return FIELD_CANCEL;
	}
	if (n == 0)
		add_line(&l, "No intakes completed today.");
	for (int i = 0; i < n; i++)
		intake_lines(&l, &v[i]);
	staff_intakes_free(v, n);
	r = viewer(s, "Today's intakes (time, name, date of birth, language, outcome, delivery)", l.v, l.n);
	free_lines(&l);
	return r;
}

static void when_str(int64_t t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0) {
		snprintf(out, n, "never");
		return;
	}
	localtime_r(&tt, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

static int show_status(struct ss *s)
{
	char sync_line[320];
	struct store_status q;
	struct lines l = { 0 };
	struct kerr err = { "" };
	char t[32];
	int r;

	if (store_status_get(s->ctx->st, &q, &err) != K_OK) {
		snprintf(s->note, sizeof s->note, "cannot read the queue: %.200s", err.msg);
		return FIELD_CANCEL;
	}
	when_str(q.oldest_waiting, t, sizeof t);
	add_line(&l, "Waiting to be sent:   %d%s%s", q.waiting, q.waiting ? "   oldest completed " : "",
		 q.waiting ? t : "");
	add_line(&l, "Failed (need retry):  %d", q.failed);
	add_line(&l, "Delivered:            %d", q.delivered);
	add_line(&l, "In progress:          %d", q.in_progress);
	add_line(&l, "Interrupted:          %d", q.interrupted);
	when_str(q.last_delivery, t, sizeof t);
	add_line(&l, "Last delivery:        %s", t);
	add_line(&l, "Sync:                 %s",
		 sync_status_line(s->ctx->st, s->ctx->cfg, (int64_t)time(NULL), sync_line, sizeof sync_line));
	if (q.last_failure[0]) {
		add_line(&l, "Last failure:");
		add_wrapped(&l, 2, COLS - 3, q.last_failure);
	}
	r = viewer(s, "Queue status", l.v, l.n);
	free_lines(&l);
	return r;
}

/* y/n question; true only on 'y'. */
static int confirm(struct ss *s, const char *title, const char *question, bool *yes)
{
	for (;;) {
		int ch;

		frame(title, "y: yes   any other key: no");
		put(3, 2, COLS - 4, question);
		refresh();
		ch = get_key(s);
		if (ch == ERR)
			return FIELD_IDLE;
		if (ch == KEY_RESIZE)
			continue;
		*yes = ch == 'y' || ch == 'Y';
		return FIELD_OK;
	}
}

/* ---- menu ---- */

enum item {
	IT_RESET,
	IT_RESUME,
	IT_INTAKES,
	IT_STATUS,
	IT_RETRY,
	IT_RELOAD,
	IT_QUIT,
	IT_SIGNOUT,
};

static const char *const item_label[] = {
	[IT_RESET] = "Reset the current session (wipe its answers)",
	[IT_RESUME] = "Resume an interrupted session",
	[IT_INTAKES] = "Today's intakes",
	[IT_STATUS] = "Queue status",
	[IT_RETRY] = "Retry failed records",
	[IT_RELOAD] = "Reload content",
	[IT_QUIT] = "Quit the kiosk for maintenance",
	[IT_SIGNOUT] = "Sign out",
};

static void audit(struct ss *s, const char *action, const char *detail)
{
	store_audit(s->ctx->st, (int64_t)time(NULL), s->name, action, detail, NULL);
}

/* The interrupted sessions (start time, how far they got; no patient
 * data), one to choose, then a confirmation; a patient's open session is
 * set aside only after a second one.  FIELD_OK with ctx->resume_id set
 * when staff chose. */
static int resume_pick(struct ss *s)
{
	struct staff_resumable list[STAFF_RESUME_MAX];
	struct kerr err = { "" };
	int n = 0, sel = 0, r;
	bool yes = false;
	char q[256];

	if (staff_resumable(s->ctx->st, list, STAFF_RESUME_MAX, &n, &err) != K_OK) {
		snprintf(s->note, sizeof s->note, "cannot list the sessions: %.200s", err.msg);
		return FIELD_CANCEL;
	}
	if (n == 0) {
		snprintf(s->note, sizeof s->note, "There is no interrupted session to resume.");
		return FIELD_CANCEL;
	}
	for (;;) {
		char keys[96];
		int ch;

		snprintf(keys, sizeof keys, "Up/Down or 1-%d: choose   Enter: resume   Esc: back", n);
		frame("Resume an interrupted session", keys);
		for (int i = 0; i < n; i++) {
			char line[160];

			snprintf(line, sizeof line, "%d  %s", i + 1, list[i].line);
			if (i == sel)
				attron(A_REVERSE);
			put(3 + i, 2, COLS - 4, line);
			if (i == sel)
				attroff(A_REVERSE);
		}
		refresh();
		ch = get_key(s);
		if (ch == ERR)
			return FIELD_IDLE;
		if (ch == KEY_ESC)
			return FIELD_CANCEL;
		if (ch == KEY_UP)
			sel = (sel + n - 1) % n;
		else if (ch == KEY_DOWN || ch == '\t')
			sel = (sel + 1) % n;
		else if (ch >= '1' && ch < '1' + n)
			sel = ch - '1';
		if (ch == '\n' || (ch >= '1' && ch < '1' + n))
			break;
	}
	snprintf(q, sizeof q, "Resume the session %.90s?", list[sel].line);
	r = confirm(s, "Resume an interrupted session", q, &yes);
	if (r != FIELD_OK || !yes)
		return r == FIELD_IDLE ? FIELD_IDLE : FIELD_CANCEL;
	s->ctx->replace = false;
	if (s->ctx->session_open) {
		r = confirm(s, "A patient's session is open",
			    "A patient's session is open on the screen. Set it aside (staff can resume it later) "
			    "and resume the other one?", &yes);
		if (r != FIELD_OK || !yes)
			return r == FIELD_IDLE ? FIELD_IDLE : FIELD_CANCEL;
		s->ctx->replace = true;
	}
	snprintf(s->ctx->resume_id, sizeof s->ctx->resume_id, "%s", list[sel].id);
	return FIELD_OK;
}

static enum ui_staff_action menu(struct ss *s)
{
	enum item items[9];
	int sel = 0;

	for (;;) {
		int n = 0, ch, r = FIELD_OK;
		char line[256], keys[80], pending[PATH_MAX] = "";
		struct kerr err = { "" };
		bool yes = false;

		if (s->ctx->session_open)
			items[n++] = IT_RESET;
		items[n++] = IT_RESUME;
		items[n++] = IT_INTAKES;
		items[n++] = IT_STATUS;
		items[n++] = IT_RETRY;
		items[n++] = IT_RELOAD;
		if (s->admin)
			items[n++] = IT_QUIT;
		items[n++] = IT_SIGNOUT;
		if (sel >= n)
			sel = n - 1;

		snprintf(line, sizeof line, "Staff menu - %s (%s)", s->name, s->admin ? "admin" : "staff");
		/* A digit acts at once; the arrows only move the highlight. */
		snprintf(keys, sizeof keys, "1-%d: do it   Up/Down, then Enter: do it   Esc: sign out", n);
		frame(line, keys);
		for (int i = 0; i < n; i++) {
			snprintf(line, sizeof line, "%d  %s", i + 1, item_label[items[i]]);
			if (i == sel)
				attron(A_REVERSE);
			put(3 + i, 2, COLS - 4, line);
			if (i == sel)
				attroff(A_REVERSE);
		}
		/* The version is 71 columns: give it a line of its own. */
		put(4 + n, 2, COLS - 4, "Content in use:");
		put(5 + n, 4, COLS - 6, s->ctx->content_version ? s->ctx->content_version : "(none)");
		if (publish_current(s->ctx->cfg, pending, sizeof pending, &err) == K_OK) {
			put(6 + n, 2, COLS - 4, "Next patient's content folder:");
			put(7 + n, 4, COLS - 6, pending);
		}
		if (s->note[0]) {
			attron(A_BOLD);
			put(9 + n, 2, COLS - 4, s->note);
			attroff(A_BOLD);
		}
		refresh();

		ch = get_key(s);
		if (ch == ERR)
			return s->reload ? UI_STAFF_RELOAD : UI_STAFF_NONE;
		if (ch == KEY_ESC)
			return s->reload ? UI_STAFF_RELOAD : UI_STAFF_NONE;
		if (ch == KEY_UP)
			sel = (sel + n - 1) % n;
		else if (ch == KEY_DOWN || ch == '\t')
			sel = (sel + 1) % n;
		else if (ch >= '1' && ch < '1' + n)
			sel = ch - '1';
		if (ch != '\n' && ch != '\r' && ch != KEY_ENTER && !(ch >= '1' && ch < '1' + n))
			continue;

		s->note[0] = '\0';
		switch (items[sel]) {
		case IT_RESET:
			r = confirm(s, "Reset the current session",
				    "Wipe the current patient's answers? They cannot be recovered.", &yes);
			if (r == FIELD_OK && yes) {
				audit(s, "staff reset session", "current session");
				return UI_STAFF_RESET;
			}
			break;
		case IT_RESUME:
			r = resume_pick(s);
			if (r == FIELD_OK) {
				/* The audit names the session, never the patient. */
				audit(s, s->ctx->replace ? "staff resume session replacing open session"
							 : "staff resume session",
				      s->ctx->resume_id);
				return UI_STAFF_RESUME;
			}
			break;
		case IT_INTAKES:
			r = show_intakes(s);
			break;
		case IT_STATUS:
			r = show_status(s);
			break;
		case IT_RETRY: {
			int k = 0;

			if (staff_retry_failed(s->ctx->st, s->name, (int64_t)time(NULL), &k, &err) != K_OK) {
				snprintf(s->note, sizeof s->note, "retry failed: %.200s", err.msg);
				break;
			}
			snprintf(s->note, sizeof s->note, "%d failed record%s queued to be sent again.", k,
				 k == 1 ? "" : "s");
			break;
		}
		case IT_RELOAD:
			if (s->ctx->session_open) {
				/* Never under a patient's feet: the run loop loads
				 * it when this session ends. */
				audit(s, "staff reload content", "after this patient");
				s->reload = true;
				s->ctx->reload_after = true;
				snprintf(s->note, sizeof s->note,
					 "The content will load after this patient (a session is in progress).");
				break;
			}
			audit(s, "staff reload content", pending);
			return UI_STAFF_RELOAD;
		case IT_QUIT:
			r = confirm(s, "Quit for maintenance",
				    "Quit the kiosk? The patient screen stays off until it is started again.",
				    &yes);
			if (r == FIELD_OK && yes) {
				audit(s, "staff quit kiosk", "maintenance");
				return UI_STAFF_QUIT;
			}
			break;
		case IT_SIGNOUT:
			return s->reload ? UI_STAFF_RELOAD : UI_STAFF_NONE;
		}
		if (r == FIELD_IDLE)
			return s->reload ? UI_STAFF_RELOAD : UI_STAFF_NONE;
	}
}

enum ui_staff_action ui_staff_run(struct ui_staff_ctx *ctx)
{
	struct ss s = { 0 };
	struct kerr err = { "" };
	enum ui_staff_action act = UI_STAFF_NONE;
	char pepper[PATH_MAX];
	int cursor;

	s.ctx = ctx;
	s.idle = config_int(ctx->cfg, "kiosk.staff_idle_seconds");
	if (s.idle <= 0)
		s.idle = 60;
	s.last_key = mono();
	cursor = curs_set(1);
	config_path(ctx->cfg, "kiosk.pepper_file", pepper, sizeof pepper);
	if (staff_new(&s.sf, ctx->st, pepper, &err) != K_OK) {
		/* Staff must see why they cannot sign in; the message names a
		 * file, never a person. */
		frame("Staff sign-in unavailable", "Any key: back");
		put(3, 2, COLS - 4, err.msg);
		refresh();
		get_key(&s);
		goto out;
	}
	if (login(&s) == FIELD_OK) {
		audit(&s, "staff menu opened", s.admin ? "admin" : "staff");
		act = menu(&s);
		audit(&s, "staff menu closed", s.idled ? "idle timeout" : "signed out");
	}
out:
	staff_free(s.sf);
	memset(&s, 0, sizeof s);
	if (cursor != ERR)
		curs_set(cursor);
	leave_clean();
	return act;
}
