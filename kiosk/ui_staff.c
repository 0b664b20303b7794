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
#include <wchar.h>

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
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static time_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* One key, or ERR when staff mode has been idle too long.  KEY_RESIZE is
 * returned so the caller redraws. */
static int get_key(struct ss *s)
{
	for (;;) {
		long long before = mono_ms();
		int ch = getch();

		if (ch != ERR) {
			s->last_key = mono();
			s->eof_count = 0;
			return ch;
		}
		/* SIGTERM/SIGHUP, or the terminal went away (ERR at once instead
		 * of after the 1 s timeout): leave staff mode, which wipes the
		 * screen, rather than wait for the idle time. */
		if (ui_stop_requested() || (mono_ms() - before < 100 && ++s->eof_count >= 3)) {
			s->idled = true;
			return ERR;
		}
		if (mono() - s->last_key >= s->idle) {
			s->idled = true;
			return ERR;
		}
	}
}

/* Draw str at (y, x) in at most cols screen columns; UTF-8 aware so a
 * patient name with accents is neither cut in half nor overflows. */
static void put(int y, int x, int cols, const char *str)
{
	wchar_t w[512] = { 0 };
	mbstate_t st;
	const char *p = str;
	size_t n;
	int used = 0, k = 0;

	if (cols <= 0 || y >= LINES)
		return;
	memset(&st, 0, sizeof st);
	n = mbsrtowcs(w, &p, sizeof w / sizeof w[0] - 1, &st);
	if (n == (size_t)-1) {
		mvaddnstr(y, x, str, cols);
		return;
	}
	w[n] = L'\0';
	for (; w[k]; k++) {
		int cw = wcwidth(w[k]);

		if (cw < 0)
			w[k] = L'?', cw = 1;
		if (used + cw > cols)
			break;
		used += cw;
	}
	mvaddnwstr(y, x, w, k);
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

/* Add text indented by ind, wrapped at width columns on spaces. */
static void add_wrapped(struct lines *l, int ind, int width, const char *text)
{
	int w = width - ind > 20 ? width - ind : 20;

	while (*text) {
		int len = (int)strlen(text), cut = len;

		if (len > w) {
			cut = w;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = w;
		}
		add_line(l, "%*s%.*s", ind, "", cut, text);
		text += cut;
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

static int show_intakes(struct ss *s)
{
	struct store_intake *v = NULL;
	struct lines l = { 0 };
	struct kerr err = { "" };
	int n = 0, r;

	if (store_intakes(s->ctx->st, start_of_today(), &v, &n, &err) != K_OK) {
		snprintf(s->note, sizeof s->note, "cannot read today's intakes: %.200s", err.msg);
		return FIELD_CANCEL;
	}
	/* Looking at patient data is itself audited (who, when, not what). */
	store_audit(s->ctx->st, (int64_t)time(NULL), s->name, "staff viewed intakes", "today", NULL);
	if (n == 0)
		add_line(&l, "No intakes completed today.");
	for (int i = 0; i < n; i++) {
		char t[16];
		const char *codes = v[i].flags ? v[i].flags : "";
		const char *det = v[i].flag_details ? v[i].flag_details : "";

		hhmm(v[i].completed, t);
		add_line(&l, "%s  %-28.28s %-10s  %-6s  %s", t, v[i].name ? v[i].name : "(sent, removed)",
			 v[i].dob ? v[i].dob : "", v[i].outcome ? v[i].outcome : "?",
			 v[i].delivery ? v[i].delivery : "");
		/* flags and flag_details are parallel: codes joined by ',',
		 * staff messages one per line. */
		while (*codes) {
			size_t cl = strcspn(codes, ","), dl = strcspn(det, "\n");
			char buf[600];

			/* The detail may already name its code ("CODE: text"). */
			if (dl > cl && strncmp(det, codes, cl) == 0 && det[cl] == ':')
				snprintf(buf, sizeof buf, "%.*s", (int)dl, det);
			else
				snprintf(buf, sizeof buf, "%.*s: %.*s", (int)cl, codes, (int)dl, det);
			add_wrapped(&l, 7, COLS - 3, buf);
			codes += cl + (codes[cl] == ',');
			det += dl + (det[dl] == '\n');
		}
	}
	store_intakes_free(v, n);
	r = viewer(s, "Today's intakes (time, name, date of birth, outcome, delivery)", l.v, l.n);
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

static enum ui_staff_action menu(struct ss *s)
{
	enum item items[8];
	int sel = 0;

	for (;;) {
		int n = 0, ch, r = FIELD_OK;
		char line[256], keys[80], pending[PATH_MAX] = "";
		struct kerr err = { "" };
		bool yes = false;

		if (s->ctx->session_open)
			items[n++] = IT_RESET;
		else
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
		snprintf(keys, sizeof keys, "Up/Down or 1-%d: choose   Enter: do it   Esc: sign out", n);
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
			return UI_STAFF_NONE;
		if (ch == KEY_ESC)
			return UI_STAFF_NONE;
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
		case IT_RESUME: {
			struct store_status q;

			if (store_status_get(s->ctx->st, &q, &err) == K_OK && q.interrupted == 0) {
				snprintf(s->note, sizeof s->note, "There is no interrupted session to resume.");
				break;
			}
			audit(s, "staff resume session", "most recent interrupted session");
			return UI_STAFF_RESUME;
		}
		case IT_INTAKES:
			r = show_intakes(s);
			break;
		case IT_STATUS:
			r = show_status(s);
			break;
		case IT_RETRY: {
			int k = 0;

			/* Retrying also lifts a pause after refused credentials
			 * (sync.h): the running sync resumes within a second. */
			if (store_outbox_requeue(s->ctx->st, &k, &err) != K_OK ||
			    store_meta_set(s->ctx->st, "sync.paused", NULL, &err) != K_OK) {
				snprintf(s->note, sizeof s->note, "retry failed: %.200s", err.msg);
				break;
			}
			snprintf(line, sizeof line, "%d record%s", k, k == 1 ? "" : "s");
			audit(s, "staff retry failed records", line);
			snprintf(s->note, sizeof s->note, "%d failed record%s queued to be sent again.", k,
				 k == 1 ? "" : "s");
			break;
		}
		case IT_RELOAD:
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
			return UI_STAFF_NONE;
		}
		if (r == FIELD_IDLE)
			return UI_STAFF_NONE;
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
	keypad(stdscr, TRUE);
	timeout(1000);
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
