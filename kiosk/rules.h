/* rules: conditions on answers and the contraindication flags they raise.
 *
 * Pure functions over the content and an array of answers (one string per
 * screen, NULL when unanswered or not shown).  "Today" is passed in; there
 * is no clock, no I/O and no allocation here. */
#ifndef KIOSK_RULES_H
#define KIOSK_RULES_H

#include <stdbool.h>

#include "content.h"
#include "kdate.h"

#define RULES_MAX_FLAGS 128

/* One flag raised for this intake.  For an automatic flag, staff points
 * into the struct's own staff_buf: keep flags where rules_eval() wrote
 * them (or engine_flags() returns them) rather than copying one by value. */
struct rules_flag {
	char code[64];
	enum content_severity severity;
	const struct content_flag *rule;      /* NULL for an automatic "not sure" flag */
	const char *staff;                    /* staff message; borrowed from content or .staff_buf */
	const struct content_text *patient;   /* gentle message; NULL for automatic flags */
	int screen;                           /* the screen whose answer raised it */
	char staff_buf[192];
};

/* Does one condition hold?  answers[i] is screen i's answer or NULL. */
bool rules_cond(const struct content *c, const struct content_cond *cond, int self,
		const char *const *answers, struct kdate today);

/* Does a when-list hold (empty holds)? self is the screen it belongs to. */
bool rules_when(const struct content *c, const struct content_when *w, int self,
		const char *const *answers, struct kdate today);

/* Evaluate every rule of every answered screen.  Writes up to max flags
 * into out, in screen order, and returns how many; *outcome receives the
 * highest severity (CONTENT_SEV_CLEAR when none).  A safety question answered
 * "not sure" that raised no flag of its own raises an automatic review flag
 * "UNSURE-<screen id>": when in doubt, review. */
int rules_eval(const struct content *c, const char *const *answers, struct kdate today,
	       struct rules_flag *out, int max, enum content_severity *outcome);

/* True when answer a (for screen s) counts as "not sure". */
bool rules_is_unsure(const struct content_screen *s, const char *a);

const char *rules_severity_name(enum content_severity sev); /* "clear", "review", "defer" */

#endif
