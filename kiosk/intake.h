/* intake: performs the engine's effects on the store.
 *
 * The one place that turns ENGINE_FX_* into store calls, shared by the
 * patient screen and `kiosk simulate --record`, so a dry run stores exactly
 * what a patient at the screen would.  Completing builds the FHIR bundle
 * from the engine's answers and flags and writes it with the record in one
 * transaction. */
#ifndef KIOSK_INTAKE_H
#define KIOSK_INTAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "kerr.h"
#include "store.h"

struct intake {
	store *st;                     /* borrowed */
	engine *e;                     /* borrowed */
	char session[STORE_ID_LEN];    /* current session id, "" when none */
	bool completed;                /* the current session was completed */
	char questionnaire[80];        /* content version last queued as a Questionnaire */
	/* A completed intake the store could not write yet (disk full, database
	 * locked...): kept here, owned by the intake, and written by
	 * intake_retry() before any new session may start. */
	struct intake_pending *pending;
	/* A session in progress the store failed to save into (disk full...):
	 * the screen drops it, and intake_retry() marks it interrupted so
	 * staff can resume it and kiosk.resume_minutes expires it.  "" when
	 * none. */
	char stranded[STORE_ID_LEN];
	/* The patient is made up (`kiosk simulate --record`): records carry
	 * the FHIR test tag and are stored as test records. */
	bool test;
};

/* Apply fx (from the last engine_step on in->e) at time now (Unix seconds).
 * On a store failure returns K_ESTORE with the reason (no patient data);
 * the caller shows the "please see the front desk" screen.  A completion
 * that fails is kept (see intake_retry), never dropped. */
krc intake_apply(struct intake *in, const struct engine_fxlist *fx, int64_t now, struct kerr *err);

/* Write what failed earlier: mark a stranded session interrupted, and
 * write a completion.  K_OK when nothing is left; otherwise the store's
 * error.  intake_apply() calls it before a new session starts, so no
 * finished intake is ever dropped for the next, and no half-finished one
 * stays "in progress" with nobody able to resume it. */
krc intake_retry(struct intake *in, int64_t now, struct kerr *err);

/* Free what the intake owns (a pending completion).  Safe to call twice. */
void intake_clear(struct intake *in);

/* Queue the content as a FHIR Questionnaire for the sync process (store
 * meta "questionnaire.pending", see sync.h) unless the server already has
 * this version or it is already queued.  Cheap when nothing changed: call
 * it whenever content is (re)loaded. */
krc intake_questionnaire(struct intake *in, const struct content *c, struct kerr *err);

/* Format now as a FHIR dateTime in UTC ("2026-11-26T10:15:00+00:00") into
 * buf (at least 32 bytes). */
void intake_datetime(int64_t now, char *buf, size_t n);

#endif
