/* engine: the intake state machine.
 *
 * Pure C: no ncurses, no SQLite, no files, no clock.  The UI turns keys into
 * events and draws engine_screen(); the caller performs the effects that
 * engine_step() returns (save an answer, complete the record, ...).  Only
 * engine_new() and engine_free() allocate.
 *
 * Lifecycle: a fresh engine shows the first screen with no session.  The
 * first answer starts a session (ENGINE_FX_START).  Confirming the review
 * screen completes the intake (ENGINE_FX_COMPLETE, then the outcome screen);
 * from then on answers are frozen and Back is refused.  Leaving the last
 * screen, a reset or an idle timeout ends the session (ENGINE_FX_END or
 * ENGINE_FX_WIPE) and the engine is back at the first screen, empty. */
#ifndef KIOSK_ENGINE_H
#define KIOSK_ENGINE_H

#include <stdbool.h>

#include "content.h"
#include "kdate.h"
#include "kerr.h"
#include "rules.h"

typedef struct engine engine;

enum engine_ev {
	ENGINE_EV_ANSWER,  /* value: the answer for the current screen; validated, then next */
	ENGINE_EV_NEXT,    /* continue (info, outcome, aftercare, review confirm, keep answer) */
	ENGINE_EV_BACK,    /* previous shown screen; answers kept */
	ENGINE_EV_JUMP,    /* screen: edit that answered screen from review, then return to review */
	ENGINE_EV_LANG,    /* value: language code; answers kept */
	ENGINE_EV_TIMEOUT, /* idle timeout ran out: wipe an open session, end a completed one */
	ENGINE_EV_RESET,   /* staff reset: wipe */
};

struct engine_event {
	enum engine_ev kind;
	const char *value;
	int screen;
};

enum engine_fx_kind {
	ENGINE_FX_START,    /* a session begins (before its first SAVE) */
	ENGINE_FX_SAVE,     /* qid, value: store this answer now */
	ENGINE_FX_DROP,     /* qid: the screen is no longer shown; delete its answer */
	ENGINE_FX_LANG,     /* value: the session's language changed */
	ENGINE_FX_COMPLETE, /* the intake is complete: write record + outbox in one transaction */
	ENGINE_FX_END,      /* a completed session is over; clear the screen */
	ENGINE_FX_WIPE,     /* an unfinished session is abandoned or reset; delete it */
};

struct engine_fx {
	enum engine_fx_kind kind;
	const char *qid;   /* borrowed from content */
	const char *value; /* borrowed from the engine; valid until the next step */
};

struct engine_fxlist {
	int n;
	const struct engine_fx *fx;
};

/* New engine over content c (borrowed: c must outlive the engine), in
 * language lang (a code such as "en"; NULL or unknown = first language). */
krc engine_new(engine **out, const struct content *c, const char *lang, struct kerr *err);
void engine_free(engine *e);

/* Apply one event.  *fx receives the effects to perform, in order (valid
 * until the next call).  A bad answer is not an error: it stays on the
 * screen and engine_error() says why in the patient's language.  Returns
 * K_EINVAL only for an event that makes no sense (jump to an unanswered
 * screen, answer on an info screen...), with a message in err. */
krc engine_step(engine *e, const struct engine_event *ev, struct kdate today,
		struct engine_fxlist *fx, struct kerr *err);

/* Load a saved answer without validation or effects (resuming an
 * interrupted session from the store).  Call engine_resume() after. */
krc engine_restore(engine *e, const char *qid, const char *value, struct kerr *err);
/* Go to the first shown screen that still needs an answer. */
void engine_resume(engine *e, struct kdate today);

/* The screen to draw and its index in content.screens. */
const struct content_screen *engine_screen(const engine *e);
int engine_index(const engine *e);

/* Current language index (into content.langs) and code. */
int engine_lang(const engine *e);

/* The answer for screen i (or NULL). Borrowed until the next step. */
const char *engine_answer(const engine *e, int i);

/* Why the last answer was refused, in the patient's language; NULL if it
 * was not.  Borrowed until the next step. */
const char *engine_error(const engine *e);

/* Question n of total (1-based): n counts the questions shown up to this
 * one, total also those that may still be asked, so that answering only
 * ever moves the progress forward.  Both 0 on screens that ask nothing. */
void engine_progress(const engine *e, int *n, int *total);

/* The most characters an answer to s may hold: the screen stops taking
 * letters there (and says so) and the engine refuses more, so the two can
 * never disagree.  0 for screens without a typed answer. */
int engine_max_chars(const struct content_screen *s);

/* Date d in words in the patient's language ("23 May 1990", "23 de mayo de
 * 1990"), from the content's messages "months" and "date_words".  Returns
 * buf. */
const char *engine_date_words(const engine *e, struct kdate d, char *buf, size_t n);

/* What the patient typed on a date screen, read back in words when it is a
 * date the calendar knows (the screen shows it before the patient moves
 * on); NULL when it is not (yet) one. */
const char *engine_date_typed(const engine *e, const char *typed, char *buf, size_t n);

/* Screens shown to this patient so far, in order (for review and simulate). */
bool engine_shown(const engine *e, int i);

/* Session state. */
bool engine_started(const engine *e);
bool engine_completed(const engine *e);

/* Outcome and flags of the current answers (final once completed). */
enum content_severity engine_outcome(const engine *e);
const struct rules_flag *engine_flags(const engine *e, int *n);

/* The flag lines the patient may see (and hear), in the session's
 * language: only those of rules the content marks patient_visible (an
 * instruction, never a reason), each text once since flags of one meaning
 * share a line.  Start with *pos = 0; each call returns the next line
 * (borrowed from the content) and advances *pos; NULL after the last. */
const char *engine_patient_line(const engine *e, int *pos);

/* The content the engine runs. */
const struct content *engine_content(const engine *e);

#endif
