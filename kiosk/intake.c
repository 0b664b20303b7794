/* intake: engine effects -> store calls.  Never logs: every string that
 * passes through here may be patient data. */
#include "intake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fhir.h"

void intake_datetime(int64_t now, char *buf, size_t n)
{
	time_t t = (time_t)now;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

/* Everything completing one session writes, copied out of the engine so
 * that it survives the engine being reset for the next patient. */
struct intake_pending {
	char session[STORE_ID_LEN];
	char outcome[8];
	char *flags, *details, *bundle, *name, *dob;
};

static void pending_free(struct intake_pending *p)
{
	if (p == NULL)
		return;
	free(p->flags);
	free(p->details);
	free(p->bundle);
	free(p->name);
	free(p->dob);
	free(p);
}

void intake_clear(struct intake *in)
{
	pending_free(in->pending);
	in->pending = NULL;
}

krc intake_retry(struct intake *in, int64_t now, struct kerr *err)
{
	struct intake_pending *p = in->pending;
	struct store_completion sc;
	krc rc;

	if (in->stranded[0]) {
		if (in->st == NULL)
			return kerr_set(err, K_ESTORE, "no database");
		rc = store_session_interrupt(in->st, in->stranded, err);
		if (rc != K_OK)
			return rc;
		store_audit(in->st, now, "kiosk", "session interrupted", "store failure", NULL);
		in->stranded[0] = '\0';
	}
	if (p == NULL)
		return K_OK;
	if (in->st == NULL)
		return kerr_set(err, K_ESTORE, "no database");
	memset(&sc, 0, sizeof sc);
	sc.session = p->session;
	sc.outcome = p->outcome;
	sc.flags = p->flags;
	sc.flag_details = p->details;
	sc.bundle = p->bundle;
	sc.patient_name = p->name;
	sc.patient_dob = p->dob;
	sc.now = now;
	sc.test = in->test;
	rc = store_session_complete(in->st, &sc, err);
	if (rc == K_ENOTFOUND) {
		/* Its database file was deleted or replaced while the patient
		 * answered: the record goes into the database there now. */
		struct kerr again = { "" };

		sc.recreate = true;
		rc = store_session_complete(in->st, &sc, &again);
		if (rc != K_OK)
			kerr_set(err, rc, "%s", again.msg);
	}
	if (rc != K_OK)
		return rc;
	store_audit(in->st, now, "kiosk", "session completed", p->outcome, NULL);
	intake_clear(in);
	return K_OK;
}

static char *dup_opt(const char *s, bool *oom)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = strdup(s);
	if (r == NULL)
		*oom = true;
	return r;
}

/* Append a staff message to dst as one line: flag_details holds one line
 * per flag (store.h), and a message an administrator wrote over several
 * lines (YAML `staff: |` or `>`) would otherwise put its second line under
 * the next flag's code on the staff screen. */
static void append_line(char *dst, const char *s)
{
	size_t o = strlen(dst), start = o;

	for (; *s; s++)
		dst[o++] = *s == '\n' || *s == '\r' ? ' ' : *s;
	while (o > start && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

/* Build the completion from the engine, keep it as pending, and write it. */
static krc complete(struct intake *in, int64_t now, struct kerr *err)
{
	const struct content *c = engine_content(in->e);
	const char **answers = calloc((size_t)c->n_screens, sizeof *answers);
	const struct rules_flag *flags;
	struct intake_pending *p = calloc(1, sizeof *p);
	char authored[40];
	size_t clen = 1, dlen = 1;
	int n_flags, name_q, dob_q;
	bool oom = false;
	krc rc;

	/* An earlier unwritten intake goes first; it is never replaced (a
	 * session resumed by staff completes without a START before it). */
	if ((rc = intake_retry(in, now, err)) != K_OK) {
		free(answers);
		free(p);
		return rc;
	}
	if (answers == NULL || p == NULL) {
		free(answers);
		free(p);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	for (int i = 0; i < c->n_screens; i++)
		answers[i] = engine_answer(in->e, i);
	flags = engine_flags(in->e, &n_flags);
	for (int i = 0; i < n_flags; i++) {
		clen += strlen(flags[i].code) + 1;
		dlen += strlen(flags[i].code) + strlen(flags[i].staff) + 4;
	}
	p->flags = calloc(clen, 1);
	p->details = calloc(dlen, 1);
	if (p->flags == NULL || p->details == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto fail;
	}
	for (int i = 0; i < n_flags; i++) {
		if (i) {
			strcat(p->flags, ",");
			strcat(p->details, "\n");
		}
		strcat(p->flags, flags[i].code);
		strcat(p->details, flags[i].code);
		strcat(p->details, ": ");
		append_line(p->details, flags[i].staff);
	}
	intake_datetime(now, authored, sizeof authored);
	rc = (in->test ? fhir_bundle_test : fhir_bundle)(c, answers, flags, n_flags, engine_outcome(in->e),
							 in->session, authored, engine_lang(in->e), &p->bundle, err);
	if (rc != K_OK)
		goto fail;
	name_q = c->name_question ? content_find(c, c->name_question) : -1;
	dob_q = c->dob_question ? content_find(c, c->dob_question) : -1;
	p->name = dup_opt(name_q >= 0 ? answers[name_q] : NULL, &oom);
	p->dob = dup_opt(dob_q >= 0 ? answers[dob_q] : NULL, &oom);
	if (oom) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(p->session, sizeof p->session, "%s", in->session);
	snprintf(p->outcome, sizeof p->outcome, "%s", rules_severity_name(engine_outcome(in->e)));
	free(answers);
	in->pending = p;
	in->completed = true;
	return intake_retry(in, now, err);
fail:
	free(answers);
	pending_free(p);
	return rc;
}

krc intake_questionnaire(struct intake *in, const struct content *c, struct kerr *err)
{
	char *uploaded = NULL, *json = NULL;
	krc rc;

	if (in->st == NULL || !strcmp(in->questionnaire, c->version))
		return K_OK;
	rc = store_meta_get(in->st, "questionnaire.uploaded", &uploaded, err);
	if (rc != K_OK)
		return rc;
	if (uploaded == NULL || strcmp(uploaded, c->version) != 0) {
		bool queued = false;

		/* Already queued by an earlier start: building it again costs
		 * more than the rest of start-up. */
		rc = store_meta_contains(in->st, "questionnaire.pending", c->version, &queued, err);
		if (rc == K_OK && queued) {
			free(uploaded);
			snprintf(in->questionnaire, sizeof in->questionnaire, "%s", c->version);
			return K_OK;
		}
	}
	if (rc == K_OK && (uploaded == NULL || strcmp(uploaded, c->version) != 0)) {
		rc = fhir_questionnaire(c, &json, err);
		if (rc == K_OK)
			rc = store_meta_set(in->st, "questionnaire.pending", json, err);
	}
	if (rc == K_OK)
		snprintf(in->questionnaire, sizeof in->questionnaire, "%s", c->version);
	free(uploaded);
	free(json);
	return rc;
}

krc intake_apply(struct intake *in, const struct engine_fxlist *fx, int64_t now, struct kerr *err)
{
	const struct content *c = engine_content(in->e);

	for (int i = 0; i < fx->n; i++) {
		const struct engine_fx *f = &fx->fx[i];
		krc rc = K_OK;

		switch (f->kind) {
		case ENGINE_FX_START:
			/* A finished intake that is not on disk yet goes first. */
			rc = intake_retry(in, now, err);
			if (rc != K_OK)
				break;
			in->completed = false;
			rc = store_session_start(in->st, c->version, c->langs[engine_lang(in->e)], now, in->session, err);
			if (rc == K_OK)
				store_audit(in->st, now, "kiosk", "session started", "", NULL);
			break;
		case ENGINE_FX_SAVE:
			rc = store_answer_save(in->st, in->session, f->qid, f->value, now, err);
			break;
		case ENGINE_FX_DROP:
			rc = store_answer_drop(in->st, in->session, f->qid, err);
			break;
		case ENGINE_FX_LANG:
			/* A completed record is frozen; its language is the one it
			 * was taken in. */
			if (in->session[0] && !in->completed)
				rc = store_session_lang(in->st, in->session, f->value, err);
			break;
		case ENGINE_FX_COMPLETE:
			rc = complete(in, now, err);
			break;
		case ENGINE_FX_END:
			in->session[0] = '\0';
			in->completed = false;
			break;
		case ENGINE_FX_WIPE:
			if (in->session[0])
				rc = store_session_wipe(in->st, in->session, "idle or reset", "kiosk", err);
			in->session[0] = '\0';
			in->completed = false;
			break;
		}
		if (rc != K_OK) {
			/* The screen drops a session it cannot save into: keep
			 * it for staff rather than "in progress" for ever.  On a
			 * full disk the mark may fail too; intake_retry() tries
			 * again. */
			if ((f->kind == ENGINE_FX_SAVE || f->kind == ENGINE_FX_DROP || f->kind == ENGINE_FX_LANG) &&
			    in->session[0] && !in->completed) {
				snprintf(in->stranded, sizeof in->stranded, "%s", in->session);
				intake_retry(in, now, NULL);
			}
			return rc;
		}
	}
	return K_OK;
}
