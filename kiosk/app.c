/* app: the patient kiosk's run loop and `kiosk preview` (see app.h).
 *
 * Owns the one struct app and every timer.  It never draws (ui.c does) and
 * never writes SQL (intake.c and store.c do).  Nothing here prints patient
 * data: store and engine messages are PHI-free by contract, and only those
 * go to stderr. */
#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "a11y.h"
#include "config.h"
#include "content.h"
#include "content_image.h"
#include "engine.h"
#include "intake.h"
#include "kdate.h"
#include "keys.h"
#include "publish.h"
#include "store.h"
#include "ui.h"
#include "ui_staff.h"

#define TICK_MS 1000

/* Exit statuses of the patient kiosk (see usage in main.c and DEPLOY.md).
 * Only the administrator's quit from the staff menu is 0: deploy/kiosk.service
 * restarts the kiosk after anything else. */
enum {
	APP_EXIT_QUIT = 0,        /* an administrator quit from the staff menu */
	APP_EXIT_CONTENT = 1,     /* the content folder is invalid */
	APP_EXIT_USAGE = 2,       /* bad command line, configuration or internal error */
	APP_EXIT_TERMINAL = 3,    /* the terminal went away */
	APP_EXIT_NO_DATABASE = 4, /* no database: `kiosk init` first */
	APP_EXIT_RUNNING = 6,     /* another kiosk runs on this database */
	APP_EXIT_SIGNAL = 128     /* plus the signal number: stopped by a signal */
};

struct app {
	config *cfg;
	struct content *content;
	char content_dir[PATH_MAX];
	engine *e;
	store *st;
	ui *u;
	struct intake in;
	enum ui_mode mode;
	int64_t last;        /* monotonic second of the last input */
	int64_t warn_start;  /* when the idle warning appeared */
	long idle, warn, done;
	a11y *ax;            /* larger text and read aloud */
	long more;           /* "I need more time": idle time multiplier, per patient */
	const char *lang;    /* kiosk.language */
	bool quit;           /* an administrator asked to stop */
	int64_t checked;     /* when the welcome screen last looked for new content */
	bool reload_after;   /* staff asked for a reload during a session */
	int lock_fd;         /* flock held on DATABASE.kiosk-lock: one kiosk per database */
	char image[PATH_MAX + 16]; /* DATABASE.content: the compiled content */
	bool said;           /* stderr written since the screen was last drawn */
	int64_t expired;     /* when interrupted sessions were last expired */
	int64_t tried;       /* when the database was last tried after a failure */
};

/* A message for the log (stderr; the journal under systemd).  When stderr
 * is the kiosk's own terminal the text lands on the patient's screen, so
 * the next draw repaints the whole screen (a->said). */
static void say(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct app *a, const char *fmt, ...)
{
	va_list ap;

	fputs("kiosk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (a)
		a->said = true;
}

static int64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* The clinic's calendar day: rules compare dates as the patient knows them. */
static struct kdate today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	struct kdate d = { 2000, 1, 1 };

	if (localtime_r(&t, &tm)) {
		d.y = tm.tm_year + 1900;
		d.m = tm.tm_mon + 1;
		d.d = tm.tm_mday;
	}
	return d;
}

/* The content folder to load: the published current version, else
 * kiosk.content. */
static krc content_folder(const config *cfg, char *dir, size_t n, struct kerr *err)
{
	return publish_current(cfg, dir, n, err);
}

/* The content of folder dir.  With image (the kiosk's compiled copy, see
 * content_image.h), from it when it still describes the folder, else from
 * the YAML, after which the image is written for the next start.  With
 * later, the files are compared after the first screen (fresh_content). */
static krc load_content(struct app *a, const char *dir, const char *image, bool later,
			struct content **out, struct kerr *err)
{
	struct content_diags diags = { 0 };
	struct kerr ierr = { { 0 } };
	krc rc;

	if (image && content_image_load(out, image, dir, !later, &ierr) == K_OK)
		return K_OK;
	rc = content_load(out, dir, &diags, err);
	for (int i = 0; rc != K_OK && i < diags.n && i < 20; i++)
		if (!diags.d[i].warning)
			fprintf(stderr, "%s:%d:%d: error: %s\n", diags.d[i].file, diags.d[i].line,
				diags.d[i].col, diags.d[i].msg);
	if (rc != K_OK && a)
		a->said = true;
	content_diags_free(&diags);
	kerr_clear(&ierr);
	/* Not fatal: without an image the next start reads the YAML again. */
	if (rc == K_OK && image && content_image_save(*out, image, &ierr) != K_OK)
		say(a, "warning: %s; the next start reads the YAML again", ierr.msg);
	return rc;
}

/* Tell the sync process about a content version the server has not seen
 * (it uploads the Questionnaire).  Not fatal: the records still carry the
 * version, and the next content load tries again. */
static void queue_questionnaire(struct app *a)
{
	struct kerr err = { { 0 } };

	if (a->in.st && intake_questionnaire(&a->in, a->content, &err) != K_OK)
		say(a, "cannot queue the questionnaire for the server: %s", err.msg);
}

static krc new_engine(struct app *a, struct kerr *err)
{
	engine *e = NULL;
	krc rc = engine_new(&e, a->content, a->lang, err);

	if (rc != K_OK)
		return rc;
	engine_free(a->e);
	a->e = e;
	a->in.e = e;
	a->in.session[0] = '\0';
	a->in.completed = false;
	queue_questionnaire(a);
	return K_OK;
}

/* Between patients: a fresh engine in the kiosk's language and, if an
 * administrator published a valid new version, the new content.  Never
 * called while a session is open. */
/* Load folder dir and make it the content in use, with a fresh engine.
 * On failure the content in use stays, and so does everything else. */
static krc switch_content(struct app *a, const char *dir, struct kerr *err)
{
	struct content *c = NULL, *old = a->content;

	if (load_content(a, dir, a->image, false, &c, err) != K_OK)
		return K_ECONTENT;
	a->content = c;
	if (new_engine(a, err) != K_OK) {
		a->content = old;
		content_free(c);
		return K_ECONTENT;
	}
	if (dir != a->content_dir) /* it may be the folder in use, read again */
		snprintf(a->content_dir, sizeof a->content_dir, "%s", dir);
	content_free(old);
	if (a->st)
		store_audit(a->st, time(NULL), "kiosk", "content loaded", c->version, NULL);
	return K_OK;
}

static void between_sessions(struct app *a, bool force)
{
	char dir[PATH_MAX];
	struct kerr err = { { 0 } };

	if (content_folder(a->cfg, dir, sizeof dir, &err) == K_OK &&
	    (force || strcmp(dir, a->content_dir) != 0)) {
		if (switch_content(a, dir, &err) == K_OK)
			return;
		say(a, "keeping the content in use: %s", err.msg);
		kerr_clear(&err);
	}
	if (new_engine(a, &err) != K_OK)
		say(a, "%s", err.msg);
}

/* The welcome screen was drawn from the compiled content before its files
 * were compared (load_content, later): when one changed since, the content
 * is read again now, before any key is read.  A folder that no longer
 * loads stops the kiosk as it would at start. */
static krc fresh_content(struct app *a, struct kerr *err)
{
	struct kerr why = { { 0 } };

	if (a->content->image == NULL || content_image_current(a->content, &why) == K_OK)
		return K_OK;
	say(a, "the content changed since it was compiled (%s): reading it again", why.msg);
	if (switch_content(a, a->content_dir, err) != K_OK)
		return K_ECONTENT;
	ui_forget(a->u); /* nothing of the first screen's layout stays */
	return K_OK;
}

/* Was another content version made current since it was loaded? */
static bool content_changed(const struct app *a)
{
	char dir[PATH_MAX];
	struct kerr err = { { 0 } };

	return content_folder(a->cfg, dir, sizeof dir, &err) == K_OK && strcmp(dir, a->content_dir) != 0;
}

/* The one per-patient reset.  Every way a session ends comes here: the
 * patient finished, started over, walked away (idle timeout), staff reset
 * it, or the database failed.  The UI forgets every display setting the
 * patient chose (contrast, scroll, focus, what was typed) and the engine is
 * replaced by a fresh one in the kiosk's language, so nothing of one
 * patient reaches the next. */
static void end_patient(struct app *a)
{
	a->more = 1;
	ui_forget(a->u);
	/* A reload staff asked for during the session happens now. */
	between_sessions(a, a->reload_after);
	a->reload_after = false;
}

/* The database failed: the patient sees a calm message, the detail (no
 * patient data by store.h's contract) goes to stderr, and the session in
 * memory is dropped since it can no longer be saved. */
static void unavailable(struct app *a, const struct kerr *err)
{
	struct kerr ferr = { { 0 } };

	say(a, "database unavailable: %s", err->msg[0] ? err->msg : "unknown error");
	/* Deleted or replaced under us: writing on would go to a file nobody
	 * reads again.  Let go of it; the retry opens whatever database is at
	 * the path then (never creating one).  A finished intake stays in
	 * memory (intake.pending) meanwhile. */
	if (a->st && store_file_check(a->st, &ferr) != K_OK) {
		if (strcmp(ferr.msg, err->msg) != 0)
			say(a, "%s", ferr.msg);
		store_close(a->st);
		a->st = NULL;
		a->in.st = NULL;
	}
	a->mode = UI_MODE_UNAVAILABLE;
	a->tried = mono();
	end_patient(a);
}

static void open_store(struct app *a)
{
	char path[PATH_MAX];
	struct kerr err = { { 0 } };
	krc damaged = K_OK;
	int n = 0;
	int64_t now = time(NULL);

	config_path(a->cfg, "kiosk.database", path, sizeof path);
	/* The integrity check reads the whole file: at start-up only.  What
	 * it found is kept for `kiosk status` after the sessions a crash left
	 * open are set aside (one commit later, not before). */
	if (store_open(&a->st, path, &err) != K_OK || (damaged = store_check(a->st, &err)) != K_OK ||
	    store_recover(a->st, now, config_int(a->cfg, "kiosk.resume_minutes") * 60, &n, &err) != K_OK ||
	    store_audit(a->st, now, "kiosk", "kiosk started", a->content->version, &err) != K_OK) {
		if (damaged != K_OK)
			store_integrity_keep(a->st, now, err.msg);
		store_close(a->st);
		a->st = NULL;
		a->in.st = NULL;
		unavailable(a, &err);
		return;
	}
	store_integrity_keep(a->st, now, "ok");
	a->in.st = a->st;
	if (intake_retry(&a->in, now, &err) != K_OK) {
		unavailable(a, &err);
		return;
	}
	a->mode = UI_MODE_SCREEN;
	queue_questionnaire(a);
	if (n > 0)
		say(a, "%d interrupted session(s) can be resumed by staff", n);
}

/* Apply one engine event and perform its effects. */
static void step(struct app *a, const struct engine_event *ev)
{
	struct engine_fxlist fx = { 0, NULL };
	struct kerr err = { { 0 } };
	bool ended = false;
	/* After completion the record is written: switching the language only
	 * changes the outcome and aftercare screens, not the stored session. */
	bool screen_only = ev->kind == ENGINE_EV_LANG && engine_completed(a->e);

	if (engine_step(a->e, ev, today(), &fx, &err) != K_OK) {
		say(a, "%s", err.msg);
		return;
	}
	if (screen_only)
		return;
	/* A timeout or reset ends the patient's visit even when nothing was
	 * answered yet (a language or contrast chosen, then walked away). */
	ended = ev->kind == ENGINE_EV_TIMEOUT || ev->kind == ENGINE_EV_RESET;
	for (int i = 0; i < fx.n; i++)
		ended |= fx.fx[i].kind == ENGINE_FX_END || fx.fx[i].kind == ENGINE_FX_WIPE;
	if (a->st == NULL || intake_apply(&a->in, &fx, time(NULL), &err) != K_OK) {
		if (a->st == NULL)
			kerr_set(&err, K_ESTORE, "no database");
		unavailable(a, &err);
		return;
	}
	if (ended)
		end_patient(a); /* nothing of the patient stays on the screen */
}

/* Interrupted sessions may be resumed by staff for kiosk.resume_minutes,
 * then they are deleted: checked every 15 s, not only at start-up, since a
 * kiosk may run for months. */
static void expire_interrupted(struct app *a, int64_t now)
{
	struct kerr err = { { 0 } };
	int n = 0;

	if (a->st == NULL || now - a->expired < 15)
		return;
	a->expired = now;
	if (store_expire_interrupted(a->st, time(NULL), config_int(a->cfg, "kiosk.resume_minutes") * 60, &n,
				     &err) != K_OK)
		say(a, "cannot expire interrupted sessions: %s", err.msg);
	else if (n > 0)
		say(a, "%d interrupted session(s) expired (kiosk.resume_minutes)", n);
}

/* Idle handling, once per tick.  Only a patient who started something is
 * warned; the outcome and aftercare screens simply time out. */
static void timers(struct app *a)
{
	int64_t now = mono();
	struct engine_event ev = { ENGINE_EV_TIMEOUT, NULL, 0 };
	struct kerr ferr = { { 0 } };

	expire_interrupted(a, now);
	switch (a->mode) {
	case UI_MODE_SCREEN:
		if (engine_completed(a->e)) {
			if (now - a->last >= a11y_idle(a->ax, (int)a->done))
				step(a, &ev);
		} else if (engine_started(a->e) || engine_index(a->e) != 0) {
			/* Longer while read aloud is on, and doubled each time
			 * the patient asked for more time. */
			if (now - a->last >= a11y_idle(a->ax, (int)(a->idle * a->more))) {
				a->mode = UI_MODE_STILL_THERE;
				a->warn_start = now;
			}
		} else if (now - a->last >= a->idle &&
			   (engine_lang(a->e) != content_lang(a->content, a->lang) || ui_personalised(a->u))) {
			end_patient(a); /* back to the kiosk's language and theme */
		} else if (a->st && store_file_check(a->st, &ferr) != K_OK) {
			/* Between patients: the database file must still be the
			 * one open, or the next intake would go nowhere. */
			unavailable(a, &ferr);
		} else if (now - a->last >= 5 && now - a->checked >= 10) {
			/* Nobody at the welcome screen: a newly published
			 * version can go live now rather than after the next
			 * patient. */
			a->checked = now;
			if (content_changed(a))
				between_sessions(a, false);
		}
		break;
	case UI_MODE_STILL_THERE:
		if (now - a->warn_start >= a->warn) {
			a->mode = UI_MODE_SCREEN;
			a->last = now;
			step(a, &ev);
		}
		break;
	case UI_MODE_UNAVAILABLE:
		/* Try again now and then; a full disk may have been cleared.
		 * A finished intake still waiting to be written goes first.
		 * Its own clock: keys pressed at this screen do not put the
		 * retry off. */
		if (now - a->tried >= a->done) {
			struct kerr err = { { 0 } };

			a->tried = now;
			if (a->st == NULL)
				open_store(a);
			else if (intake_retry(&a->in, time(NULL), &err) == K_OK)
				a->mode = UI_MODE_SCREEN;
			else
				say(a, "database still unavailable: %s", err.msg);
		}
		break;
	}
}

/* Staff resume the interrupted session they chose: its answers go back
 * into a fresh engine, which goes to the first question still open.  A
 * patient's open session is set aside (interrupted, resumable) only when
 * staff confirmed that twice (replace); it never just disappears. */
static void resume(struct app *a, const char *id, bool replace)
{
	struct store_session *ss = NULL;
	struct kerr err = { { 0 } };

	if (engine_started(a->e) && !replace) {
		say(a, "a session is open; it is not replaced without confirmation");
		return;
	}
	if (store_session_resume_id(a->st, id, &ss, &err) != K_OK) {
		say(a, "nothing resumed: %s", err.msg);
		return;
	}
	if (engine_started(a->e) && !engine_completed(a->e) && a->in.session[0] &&
	    store_session_interrupt(a->st, a->in.session, &err) != K_OK)
		say(a, "the open session could not be set aside: %s", err.msg);
	{
		/* A reload staff asked for waits for the resumed patient: done
		 * now, it would delete her session for a new wording. */
		bool later = a->reload_after;

		a->reload_after = false;
		end_patient(a); /* the one reset: nothing of the screen's patient stays */
		a->reload_after = later;
	}
	if (strcmp(ss->content_version, a->content->version) != 0) {
		/* The record must carry the one wording it was taken with:
		 * a session started on other content starts over instead. */
		say(a, "the interrupted session was started on content %.20s, not %.20s; "
			"it is deleted and the patient starts again", ss->content_version, a->content->version);
		if (store_session_wipe(a->st, ss->id, "content changed", "staff", &err) != K_OK)
			say(a, "%s", err.msg);
		store_session_free(ss);
		return;
	}
	for (int i = 0; i < ss->n; i++) {
		kerr_clear(&err);
		if (engine_restore(a->e, ss->qids[i], ss->values[i], &err) != K_OK)
			say(a, "resume: %s", err.msg);
	}
	engine_resume(a->e, today());
	snprintf(a->in.session, sizeof a->in.session, "%s", ss->id);
	a->in.completed = false;
	if (ss->lang && content_lang(a->content, ss->lang) >= 0) {
		struct engine_event ev = { ENGINE_EV_LANG, ss->lang, 0 };

		step(a, &ev);
	}
	store_session_free(ss);
	a->mode = UI_MODE_SCREEN;
}

/* The staff key: staff mode draws on the same terminal and tells the loop
 * what to do. */
static void staff(struct app *a)
{
	struct ui_staff_ctx ctx;
	enum ui_staff_action act;
	struct engine_event ev = { ENGINE_EV_RESET, NULL, 0 };

	if (a->st == NULL)
		return; /* staff sign-in needs the database */
	memset(&ctx, 0, sizeof ctx);
	ctx.st = a->st;
	ctx.cfg = a->cfg;
	ctx.content_version = a->content->version;
	ctx.content = a->content;
	/* A finished intake still on screen can be reset too (it ends it). */
	ctx.session_open = engine_started(a->e);
	act = ui_staff_run(&ctx);
	if (ctx.reload_after)
		a->reload_after = true; /* also when staff then reset the session */
	ui_touch(a->u);
	a->last = mono();
	if (a->mode == UI_MODE_STILL_THERE)
		a->mode = UI_MODE_SCREEN; /* someone is at the kiosk: no countdown */
	switch (act) {
	case UI_STAFF_NONE:
		break;
	case UI_STAFF_RESET:
		a->mode = UI_MODE_SCREEN;
		step(a, &ev); /* ends the patient's visit (end_patient) */
		break;
	case UI_STAFF_RESUME:
		resume(a, ctx.resume_id, ctx.replace);
		break;
	case UI_STAFF_RELOAD:
		/* Staff were told: after this patient.  A patient reading
		 * her outcome is one too; replacing the engine under her
		 * would also skip end_patient(). */
		if (engine_started(a->e))
			a->reload_after = true;
		else
			between_sessions(a, true);
		break;
	case UI_STAFF_QUIT:
		a->quit = true;
		break;
	}
}

static void app_free(struct app *a)
{
	if (a->in.pending)
		fprintf(stderr, "kiosk: a completed intake could not be written; its answers stay in the "
			"database for staff to resume\n");
	intake_clear(&a->in);
	ui_free(a->u);
	a11y_free(a->ax); /* after the screen: the normal font comes back last */
	engine_free(a->e);
	content_free(a->content);
	store_close(a->st);
	config_free(a->cfg);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	a->lock_fd = -1;
}

static krc app_init(struct app *a, int *argc, char **argv, struct kerr *err)
{
	const char *cfgpath = cmd_config_path(argc, argv);
	krc rc;

	memset(a, 0, sizeof *a);
	a->lock_fd = -1;
	rc = config_load(&a->cfg, cfgpath, stderr, err);
	if (rc != K_OK)
		return rc;
	a->lang = config_str(a->cfg, "kiosk.language");
	a->idle = config_int(a->cfg, "kiosk.idle_seconds");
	a->more = 1;
	a->warn = config_int(a->cfg, "kiosk.idle_warning_seconds");
	a->done = config_int(a->cfg, "kiosk.done_seconds");
	return K_OK;
}

/* One kiosk per database.  A second one would mark the first one's live
 * patient "interrupted" at start-up and take the session over.  The lock
 * is an flock on a file beside the database (as kiosk-sync's), so it goes
 * with the process, even after kill -9.  Commands that only read or add
 * (status, staff, publish, backup) do not take it. */
static krc lock_database(struct app *a, struct kerr *err)
{
	char db[PATH_MAX], lock[PATH_MAX + 16];
	struct stat sb;

	config_path(a->cfg, "kiosk.database", db, sizeof db);
	/* Never create a database here: a missing file is a deleted
	 * database or an unmounted volume, not a first start. */
	if (stat(db, &sb) != 0)
		return kerr_set(err, K_ENOTFOUND, "no database at %s: on a new installation create it once "
				"with `kiosk init --config FILE`; otherwise mount or restore the volume that "
				"holds it (%s)", db, strerror(errno));
	snprintf(lock, sizeof lock, "%s.kiosk-lock", db);
	snprintf(a->image, sizeof a->image, "%s.content", db);
	a->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->lock_fd < 0)
		return kerr_set(err, K_EIO, "%s: %s", lock, strerror(errno));
	if (flock(a->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return kerr_set(err, K_EBUSY, "another kiosk is already running on %s; stop it first "
				"(`kiosk status`, `kiosk staff` and `kiosk publish` work beside it)", db);
	return K_OK;
}

static int staff_key(const config *cfg)
{
	int k = keys_parse_name(config_str(cfg, "kiosk.staff_key"));

	return k > 0 ? k : 0;
}

int cmd_run(int argc, char **argv)
{
	struct app a;
	struct kerr err = { { 0 } };
	struct ui_opts uo = { 0, false, NULL };
	struct ui_view v;
	int status = 0;

	if (app_init(&a, &argc, argv, &err) != K_OK) {
		fprintf(stderr, "kiosk: %s\n", err.msg);
		app_free(&a);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: kiosk [--config FILE]\n");
		app_free(&a);
		return 2;
	}
	switch (lock_database(&a, &err)) {
	case K_OK:
		break;
	case K_ENOTFOUND:
		status = APP_EXIT_NO_DATABASE;
		break;
	case K_EBUSY:
		status = APP_EXIT_RUNNING;
		break;
	default:
		status = APP_EXIT_USAGE;
		break;
	}
	if (status != 0) {
		fprintf(stderr, "kiosk: %s\n", err.msg);
		app_free(&a);
		return status;
	}
	/* A bad content folder is an administrator's error: refuse to start
	 * rather than show patients a broken intake. */
	if (content_folder(a.cfg, a.content_dir, sizeof a.content_dir, &err) != K_OK ||
	    load_content(&a, a.content_dir, a.image, true, &a.content, &err) != K_OK ||
	    new_engine(&a, &err) != K_OK) {
		fprintf(stderr, "kiosk: %s\n", err.msg);
		app_free(&a);
		return 1;
	}
	if (content_lang(a.content, a.lang) < 0)
		fprintf(stderr, "kiosk: warning: kiosk.language '%s' is not a language of %s; showing '%s' "
			"(kiosk check --config says so too)\n", a.lang, a.content_dir, a.content->langs[0]);
	uo.staff_key = staff_key(a.cfg);
	if (a11y_new(&a.ax, a.cfg, STDIN_FILENO, &err) != K_OK) {
		fprintf(stderr, "kiosk: %s\n", err.msg);
		app_free(&a);
		return 2;
	}
	uo.ax = a.ax;
	if (ui_new(&a.u, &uo, &err) != K_OK) {
		fprintf(stderr, "kiosk: %s\n", err.msg);
		app_free(&a);
		return 2;
	}
	a.last = mono();
	for (bool opened = false;;) {
		struct engine_event ev;
		enum ui_input in;

		if (a.said) {
			/* A message went to stderr, maybe this terminal. */
			ui_touch(a.u);
			a.said = false;
		}
		memset(&v, 0, sizeof v);
		v.mode = a.mode;
		v.e = a.e;
		v.seconds = (int)(a.warn - (mono() - a.warn_start));
		ui_draw(a.u, &v);
		if (!opened) {
			/* The welcome screen first, then the store: its integrity
			 * check reads the whole file (about a second after five
			 * years of receipts), and nothing on the welcome screen
			 * needs it.  Keys typed meanwhile wait in the terminal. */
			opened = true;
			if (fresh_content(&a, &err) != K_OK) {
				ui_free(a.u);
				a.u = NULL;
				fprintf(stderr, "kiosk: %s\n", err.msg);
				status = 1;
				break;
			}
			open_store(&a);
			continue;
		}
		in = ui_read(a.u, &v, TICK_MS, &ev);
		if (in == UI_IN_QUIT) {
			/* Exit 0 means "stopped on purpose" to the service
			 * manager (no restart).  Only the administrator's quit
			 * from the staff menu says that: a stray SIGTERM and a
			 * lost terminal are failures, and systemd restarts. */
			if (ui_stop_requested()) {
				fprintf(stderr, "kiosk: stopped by SIGTERM\n");
				status = APP_EXIT_SIGNAL + SIGTERM;
			} else {
				fprintf(stderr, "kiosk: the terminal went away (end of input)\n");
				status = APP_EXIT_TERMINAL;
			}
			break;
		}
		if (in == UI_IN_STAFF) {
			staff(&a);
			if (a.quit)
				break;
			continue;
		}
		/* Keys do nothing at the "sorry" screen, and a patient pressing
		 * them must not starve the retry of its ticks. */
		if (in == UI_IN_TICK || in == UI_IN_RESIZE || a.mode == UI_MODE_UNAVAILABLE) {
			timers(&a);
			continue;
		}
		a.last = mono();
		if (a.mode == UI_MODE_STILL_THERE) {
			/* Any key: the patient is back and needs more time (WCAG
			 * 2.2.1): the idle time doubles for the rest of the visit. */
			a.mode = UI_MODE_SCREEN;
			if (a.more < 8)
				a.more *= 2;
			continue;
		}
		if (in == UI_IN_EVENT && a.mode == UI_MODE_SCREEN)
			step(&a, &ev);
	}
	if (a.st)
		store_audit(a.st, time(NULL), "kiosk", "kiosk stopped", "", NULL);
	app_free(&a);
	return status;
}

/* ---- preview ---- */

/* A sample answer for screen s that its own validation accepts. */
static const char *sample(const struct content_screen *s, char *buf, size_t n)
{
	struct kdate t = today();

	switch (s->kind) {
	case CONTENT_YESNO: return "no";
	case CONTENT_CHOICE: return s->n_options ? s->options[0].id : "";
	case CONTENT_MULTI:
		for (int i = 0; i < s->n_options; i++)
			if (s->options[i].exclusive)
				return s->options[i].id;
		return s->n_options ? s->options[0].id : "";
	case CONTENT_NUMBER:
		snprintf(buf, n, "%ld", s->min);
		return buf;
	case CONTENT_DATE:
		if (s->date_max.set && s->date_max.relative && s->date_max.span.unit == 0 &&
		    s->date_min.set && s->date_min.relative) {
			kdate_format(t, buf); /* a window ending today: today is inside */
			return buf;
		}
		return "1990-01-01";
	case CONTENT_TEXT:
		if (s->pattern == CONTENT_PAT_PHONE)
			return "(561) 555-0123";
		if (s->pattern == CONTENT_PAT_EMAIL)
			return "alex@example.com";
		return "Alex Sample";
	case CONTENT_CONSENT: return "Alex Sample";
	default: return "";
	}
}

/* Answers that make screen target shown: the values its conditions (and
 * theirs, a few levels up) ask for. */
static void seed(const struct content *c, int target, const char **ans, int depth)
{
	const struct content_when *w = &c->screens[target].when;

	for (int i = 0; depth < 8 && i < w->n; i++) {
		const struct content_cond *cd = &w->c[i];

		if (cd->q < 0 || cd->q >= c->n_screens || ans[cd->q])
			continue;
		if (cd->op == CONTENT_OP_EQUALS)
			ans[cd->q] = cd->value;
		seed(c, cd->q, ans, depth + 1);
		if (w->any)
			break;
	}
}

int cmd_preview(int argc, char **argv)
{
	const char *cfgpath = cmd_config_path(&argc, argv);
	const char *target = NULL, *lang = NULL, *dir = NULL;
	const char **ans = NULL;
	config *cfg = NULL;
	struct content *c = NULL;
	engine *e = NULL;
	ui *u = NULL;
	struct kerr err = { { 0 } };
	struct ui_opts uo = { 0, false, NULL };
	char path[PATH_MAX], buf[64];
	int t, status = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lang") && i + 1 < argc)
			lang = argv[++i];
		else if (target == NULL)
			target = argv[i];
		else if (dir == NULL)
			dir = argv[i];
		else
			target = NULL, i = argc;
	}
	if (target == NULL) {
		fprintf(stderr, "usage: kiosk preview SCREEN [--lang CODE] [--config FILE] [DIR]\n");
		return 2;
	}
	if (config_load(&cfg, cfgpath, stderr, &err) != K_OK)
		goto out;
	if (dir == NULL) {
		/* The version in use: the published one, else kiosk.content. */
		if (publish_current(cfg, path, sizeof path, &err) != K_OK)
			goto out;
		dir = path;
	}
	if (load_content(NULL, dir, NULL, false, &c, &err) != K_OK) {
		status = 1;
		goto out;
	}
	t = content_find(c, target);
	if (t < 0) {
		kerr_set(&err, K_ENOTFOUND, "%s has no screen '%s'", dir, target);
		status = 1;
		goto out;
	}
	if (lang && content_lang(c, lang) < 0) {
		kerr_set(&err, K_EINVAL, "%s has no language '%s'", dir, lang);
		goto out;
	}
	ans = calloc((size_t)c->n_screens, sizeof *ans);
	if (ans == NULL || engine_new(&e, c, lang ? lang : config_str(cfg, "kiosk.language"), &err) != K_OK)
		goto out;
	seed(c, t, ans, 0);
	/* Walk the real engine to the screen with sample answers (no store). */
	for (int guard = 0; engine_index(e) != t && guard < 4 * c->n_screens; guard++) {
		const struct content_screen *s = engine_screen(e);
		int i = engine_index(e);
		struct engine_event ev = { ENGINE_EV_NEXT, NULL, 0 };
		struct engine_fxlist fx;

		if (s->kind != CONTENT_INFO && s->kind != CONTENT_REVIEW && s->kind != CONTENT_OUTCOME &&
		    s->kind != CONTENT_AFTERCARE) {
			ev.kind = ENGINE_EV_ANSWER;
			ev.value = ans[i] ? ans[i] : sample(s, buf, sizeof buf);
			if (!strcmp(s->id, "language") && lang)
				ev.value = lang;
		}
		if (engine_step(e, &ev, today(), &fx, &err) != K_OK || engine_error(e) ||
		    (engine_index(e) == i && !engine_completed(e)))
			break;
		if (engine_index(e) == 0 && i != 0)
			break; /* went round: the screen is not shown to this sample */
	}
	if (engine_index(e) != t) {
		kerr_set(&err, K_EINVAL, "screen '%s' is not shown with the sample answers", target);
		status = 1;
		goto out;
	}
	if (ui_new(&u, &uo, &err) != K_OK)
		goto out;
	for (;;) {
		struct ui_view v = { UI_MODE_SCREEN, e, 0, 0, NULL };
		struct engine_event ev;
		enum ui_input in;

		ui_draw(u, &v);
		in = ui_read(u, &v, TICK_MS, &ev);
		if (in != UI_IN_TICK && in != UI_IN_RESIZE)
			break;
	}
	status = 0;
out:
	if (status != 0 && err.msg[0])
		fprintf(stderr, "kiosk preview: %s\n", err.msg);
	ui_free(u);
	engine_free(e);
	free(ans);
	content_free(c);
	config_free(cfg);
	return status;
}
