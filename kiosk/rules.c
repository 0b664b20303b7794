/* rules: evaluates conditions and contraindication flags on answers.
 *
 * Pure: the answers and "today" are passed in, nothing is allocated, nothing
 * is read or written.  The clinic's safety rules live here: the most serious
 * flag wins, every flag is kept, and a "not sure" on a safety question is at
 * least a review (contraindications.md, rules 1 to 3). */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rules_severity_name(enum content_severity sev)
{
	switch (sev) {
	case CONTENT_SEV_CLEAR: return "clear";
	case CONTENT_SEV_REVIEW: return "review";
	case CONTENT_SEV_DEFER: return "defer";
	}
	return "review";
}

/* Is option id among the comma-joined ids of a multi answer? */
static bool has_item(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncmp(p, id, n))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

bool rules_is_unsure(const struct content_screen *s, const char *a)
{
	if (a == NULL)
		return false;
	switch (s->kind) {
	case CONTENT_YESNO:
		return !strcmp(a, "unsure");
	case CONTENT_CHOICE:
	case CONTENT_MULTI:
		for (int i = 0; i < s->n_options; i++)
			if (s->options[i].unsure && has_item(a, s->options[i].id))
				return true;
		return false;
	default:
		return false;
	}
}

bool rules_cond(const struct content *c, const struct content_cond *cond, int self,
		const char *const *answers, struct kdate today)
{
	int q = cond->q >= 0 ? cond->q : (cond->question ? -1 : self);
	const struct content_screen *s;
	const char *a;
	struct kdate d;

	if (q < 0 || q >= c->n_screens)
		return false; /* the checker reports unknown questions */
	s = &c->screens[q];
	a = answers[q];
	if (a != NULL && a[0] == '\0')
		a = NULL;
	switch (cond->op) {
	case CONTENT_OP_ANSWERED:
		return a != NULL;
	case CONTENT_OP_UNANSWERED:
		return a == NULL;
	case CONTENT_OP_UNSURE:
		return rules_is_unsure(s, a);
	case CONTENT_OP_EQUALS:
		if (a == NULL || cond->value == NULL)
			return false;
		return s->kind == CONTENT_MULTI ? has_item(a, cond->value) : !strcmp(a, cond->value);
	case CONTENT_OP_NOT_EQUALS:
		if (a == NULL || cond->value == NULL)
			return false;
		return s->kind == CONTENT_MULTI ? !has_item(a, cond->value) : strcmp(a, cond->value) != 0;
	case CONTENT_OP_WITHIN:
		/* After the date exactly one span back, and not in the future. */
		if (a == NULL || !kdate_parse(a, &d))
			return false;
		return kdate_cmp(d, kdate_sub(today, cond->span)) > 0 && kdate_cmp(d, today) <= 0;
	case CONTENT_OP_OLDER_THAN:
		if (a == NULL || !kdate_parse(a, &d))
			return false;
		return kdate_cmp(d, kdate_sub(today, cond->span)) <= 0;
	case CONTENT_OP_AGE_UNDER:
		if (a == NULL || !kdate_parse(a, &d))
			return false;
		return kdate_age(d, today) < cond->years;
	case CONTENT_OP_AGE_AT_LEAST:
		if (a == NULL || !kdate_parse(a, &d))
			return false;
		return kdate_age(d, today) >= cond->years;
	}
	return false;
}

bool rules_when(const struct content *c, const struct content_when *w, int self,
		const char *const *answers, struct kdate today)
{
	if (w->n == 0)
		return true;
	for (int i = 0; i < w->n; i++) {
		bool h = rules_cond(c, &w->c[i], self, answers, today);

		if (w->any && h)
			return true;
		if (!w->any && !h)
			return false;
	}
	return !w->any;
}

int rules_eval(const struct content *c, const char *const *answers, struct kdate today,
	       struct rules_flag *out, int max, enum content_severity *outcome)
{
	int n = 0;
	enum content_severity worst = CONTENT_SEV_CLEAR;

	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];
		bool raised = false;

		if (answers[i] == NULL)
			continue;
		for (int f = 0; f < s->n_flags; f++) {
			const struct content_flag *fl = &s->flags[f];

			if (!rules_when(c, &fl->when, i, answers, today))
				continue;
			raised = true;
			if (fl->severity > worst)
				worst = fl->severity;
			if (n < max) {
				struct rules_flag *r = &out[n++];

				memset(r, 0, sizeof *r);
				snprintf(r->code, sizeof r->code, "%s", fl->code ? fl->code : "");
				r->severity = fl->severity;
				r->rule = fl;
				r->staff = fl->staff ? fl->staff : "";
				r->patient = &fl->patient;
				r->screen = i;
			}
		}
		/* When in doubt, review: an unsure answer nobody wrote a rule
		 * for still reaches a clinician. */
		if (!raised && s->safety && rules_is_unsure(s, answers[i])) {
			if (worst < CONTENT_SEV_REVIEW)
				worst = CONTENT_SEV_REVIEW;
			if (n < max) {
				struct rules_flag *r = &out[n++];

				memset(r, 0, sizeof *r);
				snprintf(r->code, sizeof r->code, "UNSURE-%.50s", s->id);
				r->severity = CONTENT_SEV_REVIEW;
				snprintf(r->staff_buf, sizeof r->staff_buf,
					 "Patient answered \"not sure\" to: %.150s",
					 content_str(c, &s->title, 0));
				r->staff = r->staff_buf;
				r->screen = i;
			}
		}
	}
	if (outcome)
		*outcome = worst;
	return n;
}
