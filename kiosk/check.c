/* check: whole-model checks of the content and the path finder.
 *
 * The path finder answers "which answers raise this flag?" by search: it
 * starts from a baseline patient with nothing to report and changes as few
 * answers as possible, walking the same skip logic and rules the engine
 * uses (rules.c).  The same search proves screens reachable and rules able
 * to fire, so `kiosk check` can refuse content that would silently never
 * flag a contraindication. */
#include "check.h"

#include "ktext.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"
#include "kstr.h"
#include "ktext.h"
#include "rules.h"

#define CHECK_MAX_LIST 64 /* options listed in one message */
#define CHECK_MAX_STAFF 300 /* columns of a staff message: 4 lines of the staff screen */
#define MAX_CAND 24     /* candidate answers tried per question */
#define MAX_DEPTH 3     /* answers changed at most, from the baseline */
#define MAX_EVALS 20000 /* brute-force fallback only */

struct cands {
	int n;
	char v[MAX_CAND][128];
};

struct solver {
	const struct content *c;
	struct kdate today;
	struct cands *cand;     /* per screen */
	const char **base;      /* baseline answer per screen (NULL: none) */
	const char **try_;      /* assignment being tried */
	const char **view;      /* what rules see */
	bool *shown;
	bool *base_shown;       /* screens the baseline patient sees */
	const char **base_view; /* what rules see on the baseline walk */
	bool have_base;         /* base_shown and base_view are set */
	int *dep_off, *dep;     /* dep[dep_off[j]..dep_off[j+1]): screens whose when names j */
	int *odd, nodd;         /* screens whose when names no earlier screen: always judged */
	int *dirty, ndirty;     /* where view/shown differ from the baseline walk */
	int *heap, nheap;       /* screens to judge again, lowest first */
	bool *queued;
	bool *pinned;           /* backchaining: answers fixed so far */
	int *trail;             /* pinned screens, in order, for undo */
	int ntrail;
	int *changed;           /* screens a found path changes from the baseline */
	long steps;             /* backchaining work done for this target */
	struct rules_flag flags[RULES_MAX_FLAGS];
	int n_flags;
	enum content_severity outcome;
	long evals;
};

static void err_at(struct content_diags *d, const struct content_screen *s, int line, int col,
		   bool warning, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void err_at(struct content_diags *d, const struct content_screen *s, int line, int col,
		   bool warning, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	content_diag_add(d, s ? s->file : "_content.yaml", line ? line : (s ? s->line : 0), col ? col : 1,
			 warning, "%s", msg);
}

static struct kdate plus_days(struct kdate d, int n)
{
	struct kdate_span sp = { -n, 'd' };

	return kdate_sub(d, sp);
}

static struct kdate bound(const struct content_datebound *b, struct kdate today)
{
	if (!b->relative)
		return b->abs;
	return b->span.unit ? kdate_sub(today, b->span) : today;
}

/* ---- references and contradictions ---- */

static int did_you_mean_screen(const struct content *c, const char *q)
{
	const char **ids = calloc((size_t)c->n_screens + 1, sizeof *ids);
	const char *best;
	int r = -1;

	if (ids == NULL)
		return -1;
	for (int i = 0; i < c->n_screens; i++)
		ids[i] = c->screens[i].id;
	best = kstr_suggest(q, ids, c->n_screens);
	for (int i = 0; best && i < c->n_screens; i++)
		if (ids[i] == best)
			r = i;
	free(ids);
	return r;
}

static void check_cond(const struct content *c, int self, const struct content_cond *cd, bool on_screen,
		       struct content_diags *d)
{
	const struct content_screen *me = &c->screens[self], *q;

	if (cd->question == NULL)
		return; /* reported by the loader */
	if (cd->q < 0) {
		int hint = did_you_mean_screen(c, cd->question);

		if (hint >= 0)
			err_at(d, me, cd->line, cd->col, false, "unknown question '%s' (did you mean '%s'?)",
			       cd->question, c->screens[hint].id);
		else if (c->n_unloaded)
			err_at(d, me, cd->line, cd->col, false,
			       "unknown question '%s' (or it is in a file that did not load, above)", cd->question);
		else
			err_at(d, me, cd->line, cd->col, false, "unknown question '%s'", cd->question);
		return;
	}
	q = &c->screens[cd->q];
	if (on_screen ? cd->q >= self : cd->q > self) {
		err_at(d, me, cd->line, cd->col, false,
		       "condition looks at '%s', which comes later (%s); a condition can only use earlier answers",
		       cd->question, q->file);
		return;
	}
	if (!content_asks(q->kind)) {
		err_at(d, me, cd->line, cd->col, false, "'%s' is a %s screen and has no answer to test",
		       cd->question, content_kind_name(q->kind));
		return;
	}
	switch (cd->op) {
	case CONTENT_OP_EQUALS:
	case CONTENT_OP_NOT_EQUALS:
		if (cd->value == NULL)
			return;
		if (q->kind == CONTENT_YESNO) {
			if (strcmp(cd->value, "yes") && strcmp(cd->value, "no") && strcmp(cd->value, "unsure"))
				err_at(d, me, cd->line, cd->col, false,
				       "'%s' is a yes/no question: compare with \"yes\", \"no\" or \"unsure\", not '%s'",
				       cd->question, cd->value);
			else if (!strcmp(cd->value, "unsure") && !q->not_sure)
				err_at(d, me, cd->line, cd->col, false,
				       "'%s' does not offer \"not sure\" (add not_sure: true), so this never holds",
				       cd->question);
		} else if (q->kind == CONTENT_CHOICE || q->kind == CONTENT_MULTI) {
			if (content_option(q, cd->value) < 0) {
				/* Options are a closed set: list them, and point at
				 * the close one. */
				const char *ids[CHECK_MAX_LIST];
				const char *hint;
				char list[200];
				int n = 0;

				for (int i = 0; i < q->n_options && n < CHECK_MAX_LIST; i++)
					ids[n++] = q->options[i].id;
				hint = kstr_suggest(cd->value, ids, n);
				kstr_join(list, sizeof list, ids, n);
				if (hint)
					err_at(d, me, cd->line, cd->col, false,
					       "'%s' has no option '%s' (did you mean '%s'?; its options: %s)", cd->question,
					       cd->value, hint, list);
				else
					err_at(d, me, cd->line, cd->col, false, "'%s' has no option '%s' (its options: %s)",
					       cd->question, cd->value, list);
			}
		} else if (q->kind == CONTENT_NUMBER) {
			char *end;
			long v = strtol(cd->value, &end, 10);

			if (*end || !*cd->value)
				err_at(d, me, cd->line, cd->col, false, "'%s' is a number question; '%s' is not a number",
				       cd->question, cd->value);
			else if (v < q->min || v > q->max)
				err_at(d, me, cd->line, cd->col, false, "'%s' only accepts %ld..%ld, so it is never %ld",
				       cd->question, q->min, q->max, v);
		} else if (q->kind == CONTENT_DATE) {
			struct kdate dt;

			if (!kdate_parse(cd->value, &dt))
				err_at(d, me, cd->line, cd->col, false, "'%s' is not a date (YYYY-MM-DD)", cd->value);
		}
		return;
	case CONTENT_OP_UNSURE:
		if (!((q->kind == CONTENT_YESNO && q->not_sure) || q->kind == CONTENT_CHOICE ||
		      q->kind == CONTENT_MULTI)) {
			err_at(d, me, cd->line, cd->col, false, "'%s' has no \"not sure\" answer", cd->question);
		} else if (q->kind != CONTENT_YESNO) {
			bool any = false;

			for (int i = 0; i < q->n_options; i++)
				any |= q->options[i].unsure;
			if (!any)
				err_at(d, me, cd->line, cd->col, false,
				       "'%s' has no option marked unsure: true, so this never holds", cd->question);
		}
		return;
	case CONTENT_OP_WITHIN:
	case CONTENT_OP_OLDER_THAN:
	case CONTENT_OP_AGE_UNDER:
	case CONTENT_OP_AGE_AT_LEAST:
		if (q->kind != CONTENT_DATE)
			err_at(d, me, cd->line, cd->col, false, "'%s' is not a date question; windows and ages need a date",
			       cd->question);
		return;
	case CONTENT_OP_ANSWERED:
	case CONTENT_OP_UNANSWERED:
		return;
	}
}

/* Two conditions on the same question that cannot both hold. */
static const char *contradicts(const struct content *c, const struct content_cond *a,
			       const struct content_cond *b)
{
	const struct content_screen *q;

	if (a->q < 0 || a->q != b->q)
		return NULL;
	q = &c->screens[a->q];
	if ((a->op == CONTENT_OP_UNANSWERED) != (b->op == CONTENT_OP_UNANSWERED))
		return "asks for no answer and for an answer at once";
	if (a->op == CONTENT_OP_EQUALS && b->op == CONTENT_OP_EQUALS && q->kind != CONTENT_MULTI &&
	    a->value && b->value && strcmp(a->value, b->value))
		return "asks for two different answers at once";
	if (((a->op == CONTENT_OP_EQUALS && b->op == CONTENT_OP_NOT_EQUALS) ||
	     (a->op == CONTENT_OP_NOT_EQUALS && b->op == CONTENT_OP_EQUALS)) &&
	    a->value && b->value && !strcmp(a->value, b->value))
		return "asks for an answer to be and not be the same value";
	if ((a->op == CONTENT_OP_AGE_UNDER && b->op == CONTENT_OP_AGE_AT_LEAST && b->years >= a->years) ||
	    (b->op == CONTENT_OP_AGE_UNDER && a->op == CONTENT_OP_AGE_AT_LEAST && a->years >= b->years))
		return "asks for an age range that is empty";
	if ((a->op == CONTENT_OP_WITHIN && b->op == CONTENT_OP_OLDER_THAN) ||
	    (a->op == CONTENT_OP_OLDER_THAN && b->op == CONTENT_OP_WITHIN)) {
		const struct content_cond *w = a->op == CONTENT_OP_WITHIN ? a : b;
		const struct content_cond *o = a->op == CONTENT_OP_WITHIN ? b : a;
		/* Non-empty when "today minus older_than" is after "today minus
		 * within" on some day; try a spread of todays. */
		static const struct kdate probes[] = {
			{ 2025, 1, 31 }, { 2025, 3, 31 }, { 2026, 2, 28 }, { 2028, 2, 29 }, { 2026, 8, 31 },
		};

		for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
			if (kdate_cmp(kdate_sub(probes[i], o->span), kdate_sub(probes[i], w->span)) > 0)
				return NULL;
		return "asks for a date window that cannot hold (the 'older_than' span must be shorter than 'within')";
	}
	return NULL;
}

/* A window that the question's own date bounds rule out. */
static const char *outside_bounds(const struct content *c, const struct content_cond *cd, struct kdate today)
{
	const struct content_screen *q;
	struct kdate lo = { 1900, 1, 1 }, hi = { 9999, 12, 31 }, edge;

	if (cd->q < 0)
		return NULL;
	q = &c->screens[cd->q];
	if (q->kind != CONTENT_DATE)
		return NULL;
	if ((cd->op == CONTENT_OP_WITHIN || cd->op == CONTENT_OP_OLDER_THAN) && cd->span.unit == 0)
		return NULL; /* a window the loader could not read: reported there */
	if (q->date_min.set)
		lo = bound(&q->date_min, today);
	if (q->date_max.set)
		hi = bound(&q->date_max, today);
	switch (cd->op) {
	case CONTENT_OP_WITHIN:
		edge = kdate_sub(today, cd->span);
		if (kdate_cmp(hi, edge) <= 0 || kdate_cmp(lo, today) > 0)
			return "the question's date range never falls in this window";
		return NULL;
	case CONTENT_OP_OLDER_THAN:
		edge = kdate_sub(today, cd->span);
		if (kdate_cmp(lo, edge) > 0)
			return "the question never accepts a date that old";
		return NULL;
	case CONTENT_OP_AGE_UNDER:
		if (cd->years == 0)
			return "nobody is younger than 0 years";
		if (kdate_age(hi, today) >= cd->years && kdate_cmp(hi, today) <= 0)
			return "the question's dates never give an age that young";
		return NULL;
	case CONTENT_OP_AGE_AT_LEAST:
		if (kdate_cmp(lo, kdate_sub(today, (struct kdate_span){ cd->years, 'y' })) > 0)
			return "the question's dates never give an age that old";
		return NULL;
	default:
		return NULL;
	}
}

static void check_when(const struct content *c, int self, const struct content_when *w, bool on_screen,
		       struct kdate today, struct content_diags *d)
{
	const struct content_screen *me = &c->screens[self];

	for (int i = 0; i < w->n; i++) {
		const char *why;

		check_cond(c, self, &w->c[i], on_screen, d);
		why = outside_bounds(c, &w->c[i], today);
		if (why)
			err_at(d, me, w->c[i].line, w->c[i].col, false, "this condition can never hold: %s", why);
		if (w->any)
			continue;
		for (int j = i + 1; j < w->n; j++) {
			why = contradicts(c, &w->c[i], &w->c[j]);
			if (why)
				err_at(d, me, w->c[j].line, w->c[j].col, false,
				       "contradictory conditions: this %s (with line %d), so it can never hold", why,
				       w->c[i].line);
		}
	}
}

/* ---- fit on an 80x24 screen ---- */

static void check_fit_grid(const struct content *c, const struct content_screen *s, struct content_diags *d,
			   int cols, int lines, const char *what);

/* Display lines s needs when wrapped at width columns, measured in display
 * columns by ktext (the screen wraps with the same widths). */
static int wrapped_lines(const char *s, int width)
{
	int lines = 0, col = 0, word = 0;
	size_t left;

	if (s == NULL || *s == '\0')
		return 0;
	left = strlen(s);
	for (;;) {
		uint32_t cp = 0;
		int len = left ? ktext_decode(s, left, &cp) : 0;

		if (len < 0)
			len = 1, cp = '?';
		if (len == 0 || cp == '\n' || cp == ' ') {
			if (col && col + 1 + word > width) {
				lines++;
				col = word;
			} else {
				col += (col ? 1 : 0) + word;
			}
			word = 0;
			if (len == 0 || cp == '\n') {
				lines++;
				col = 0;
				if (len == 0)
					break;
			}
		} else {
			int w = ktext_cp_width(cp);

			word += w < 0 ? 1 : w;
		}
		while (word > width) {
			lines++;
			word -= width;
		}
		s += len;
		left -= (size_t)len;
	}
	return lines;
}

/* Interface messages drawn on one line, and the columns they have at 80
 * columns (the key help: the last row less its margins).  Anything longer
 * is cut on the screen, so it is an error here. */
static const struct {
	const char *key;
	int cols;
} one_line[] = {
	{ "keys_choice", 77 }, { "keys_multi", 77 }, { "keys_many", 77 }, { "keys_many_choice", 77 },
	{ "keys_text", 77 }, { "keys_info", 77 }, { "keys_review", 77 }, { "keys_review_finish", 77 },
	{ "keys_button", 77 }, { "keys_start_over", 77 }, { "keys_done", 77 }, { "more", 40 },
	{ "next", 30 }, { "back", 30 }, { "finish", 30 }, { "start_over_yes", 30 },
	{ "start_over_no", 30 }, { "language", 34 }, { "contrast", 34 }, { "progress", 30 },
};

static void check_messages(const struct content *c, struct content_diags *d)
{
	for (size_t k = 0; k < sizeof one_line / sizeof one_line[0]; k++) {
		int i;

		for (i = 0; i < c->n_msgs && strcmp(c->msg_keys[i], one_line[k].key); i++)
			;
		if (i >= c->n_msgs)
			continue;
		for (int l = 0; l < c->n_langs; l++) {
			const char *m = c->msgs[i].s[l];
			int w = m ? ktext_width(m) : 0;

			if (w > one_line[k].cols)
				err_at(d, NULL, c->msgs[i].line, c->msgs[i].col, false,
				       "messages.%s (%s) is %d columns wide; an 80x24 screen shows %d: shorten it",
				       one_line[k].key, c->langs[l], w, one_line[k].cols);
		}
	}
}

/* Words (5 letters or more, ASCII case folded) of a that also occur in b. */
static bool shares_word(const char *a, const char *b, char *word, size_t n)
{
	static const char *const common[] = { "please", "treatment", "today", "before", "about",
					      "staff", "clinician", "speak", "these", "there", "their",
					      "which", "would", "could", "should", "after", "other",
					      "antes", "favor", "personal", "tratamiento",
					      /* an instruction about medicines names none */
					      "taking", "prescribed", "prescription", "medicines", "medicine",
					      "doctor", "medicinas", "recetadas", NULL };

	for (const char *p = a; *p;) {
		size_t len = 0;

		while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0x80))
			p++;
		while (p[len] && ((p[len] >= 'a' && p[len] <= 'z') || (p[len] >= 'A' && p[len] <= 'Z') ||
				  (unsigned char)p[len] >= 0x80))
			len++;
		if (len >= 5 && len < n) {
			bool skip = false;

			for (size_t i = 0; i < len; i++)
				word[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
			word[len] = '\0';
			for (int i = 0; common[i] && !skip; i++)
				skip = !strcmp(common[i], word);
			for (const char *q = b; !skip && *q; q++) {
				size_t j = 0;

				while (j < len && q[j] && (q[j] >= 'A' && q[j] <= 'Z' ? q[j] - 'A' + 'a' : q[j]) == word[j])
					j++;
				if (j == len)
					return true;
			}
		}
		p += len;
	}
	return false;
}

/* A patient line the outcome screen shows (patient_visible: true) must not
 * name a condition: warn when it shares a word with the flag's staff
 * message or with the answers that raise it. */
static void check_visible(const struct content *c, const struct content_screen *s, struct content_diags *d)
{
	for (int j = 0; j < s->n_flags; j++) {
		const struct content_flag *f = &s->flags[j];

		for (int l = 0; f->patient_visible && l < c->n_langs; l++) {
			const char *p = f->patient.s[l];
			char word[64];
			bool hit = false;

			if (p == NULL)
				continue;
			hit = f->staff && shares_word(p, f->staff, word, sizeof word);
			/* The answers that raise the flag name the condition. */
			for (int k = 0; !hit && k < f->when.n; k++) {
				const struct content_cond *cd = &f->when.c[k];
				const struct content_screen *q = cd->q >= 0 && cd->q < c->n_screens ? &c->screens[cd->q] : s;
				int o = cd->value ? content_option(q, cd->value) : -1;

				if (o >= 0 && q->options[o].label.s[l])
					hit = shares_word(p, q->options[o].label.s[l], word, sizeof word);
			}
			if (hit)
				err_at(d, s, f->line, f->col, true,
				       "flag '%s' is patient_visible but its %s patient line says '%s', which names the condition to the lobby: keep it an instruction, or remove patient_visible",
				       f->code ? f->code : "?", c->langs[l], word);
		}
	}
}

static void check_fit(const struct content *c, const struct content_screen *s, struct content_diags *d)
{
	check_fit_grid(c, s, d, 80, 24, "an 80x24 screen");
}

/* The fit on a cols x lines screen, named `what` in the message. */
static void check_fit_grid(const struct content *c, const struct content_screen *s, struct content_diags *d,
			   int cols, int lines, const char *what)
{
	/* Chrome: title, blank, progress and key help, validation message. */
	const int room = lines - 5;
	const int tw = cols - 4 < 76 ? cols - 4 : 76, ow = tw - 6;

	if (!content_asks(s->kind) || s->kind == CONTENT_CONSENT)
		return; /* info, consent and aftercare text scroll */
	for (int l = 0; l < c->n_langs; l++) {
		int need = wrapped_lines(s->text.s[l], tw) + wrapped_lines(s->help.s[l], tw);

		if (s->kind == CONTENT_YESNO)
			need += 1 + 2 + s->not_sure;
		for (int i = 0; i < s->n_options; i++)
			need += wrapped_lines(s->options[i].label.s[l], ow);
		if (s->n_options)
			need += 1;
		if (s->kind == CONTENT_TEXT || s->kind == CONTENT_NUMBER || s->kind == CONTENT_DATE)
			need += 3;
		if (need > room)
			err_at(d, s, s->text.line, s->text.col, false,
			       "screen '%s' (%s) needs %d lines but %s has room for %d: shorten the text or split the question",
			       s->id, c->langs[l], need, what, room);
	}
}

/* ---- the solver ---- */

static void add_cand(struct cands *k, const char *v)
{
	if (k->n >= MAX_CAND || v == NULL)
		return;
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->v[i], v))
			return;
	snprintf(k->v[k->n++], sizeof k->v[0], "%s", v);
}

static void add_date(struct cands *k, const struct content_screen *s, struct kdate dt, struct kdate today)
{
	char buf[11];

	if (s->date_min.set && kdate_cmp(dt, bound(&s->date_min, today)) < 0)
		return;
	if (s->date_max.set && kdate_cmp(dt, bound(&s->date_max, today)) > 0)
		return;
	kdate_format(dt, buf);
	add_cand(k, buf);
}

static void cands_from_cond(const struct content *c, const struct content_cond *cd, struct kdate today,
			    struct cands *all)
{
	const struct content_screen *q;
	struct cands *k;
	struct kdate edge;

	if (cd->q < 0)
		return;
	q = &c->screens[cd->q];
	k = &all[cd->q];
	switch (cd->op) {
	case CONTENT_OP_EQUALS:
	case CONTENT_OP_NOT_EQUALS:
		if (q->kind == CONTENT_TEXT || q->kind == CONTENT_NUMBER || q->kind == CONTENT_DATE)
			add_cand(k, cd->value);
		break;
	case CONTENT_OP_WITHIN:
		edge = kdate_sub(today, cd->span);
		add_date(k, q, plus_days(edge, 1), today);
		add_date(k, q, today, today);
		add_date(k, q, edge, today);
		break;
	case CONTENT_OP_OLDER_THAN:
		edge = kdate_sub(today, cd->span);
		add_date(k, q, edge, today);
		add_date(k, q, plus_days(edge, 1), today);
		break;
	case CONTENT_OP_AGE_UNDER:
	case CONTENT_OP_AGE_AT_LEAST:
		edge = kdate_sub(today, (struct kdate_span){ cd->years, 'y' });
		add_date(k, q, edge, today);
		add_date(k, q, plus_days(edge, 1), today);
		break;
	default:
		break;
	}
}

static void build_cands(struct solver *sv)
{
	const struct content *c = sv->c;

	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];
		struct cands *k = &sv->cand[i];

		switch (s->kind) {
		case CONTENT_YESNO:
			add_cand(k, "no");
			add_cand(k, "yes");
			if (s->not_sure)
				add_cand(k, "unsure");
			break;
		case CONTENT_CHOICE:
		case CONTENT_MULTI:
			/* Exclusive ("none of these") first: the likeliest benign answer. */
			for (int j = 0; j < s->n_options; j++)
				if (s->options[j].exclusive)
					add_cand(k, s->options[j].id);
			for (int j = 0; j < s->n_options; j++)
				add_cand(k, s->options[j].id);
			break;
		case CONTENT_TEXT:
			add_cand(k, s->pattern == CONTENT_PAT_PHONE ? "555-0100" :
				 s->pattern == CONTENT_PAT_EMAIL ? "alex@example.org" : "Alex Sample");
			break;
		case CONTENT_CONSENT:
			add_cand(k, "Alex Sample");
			break;
		case CONTENT_NUMBER: {
			char b[24];

			snprintf(b, sizeof b, "%ld", s->min);
			add_cand(k, b);
			snprintf(b, sizeof b, "%ld", s->max);
			add_cand(k, b);
			break;
		}
		case CONTENT_DATE:
			add_date(k, s, kdate_sub(sv->today, (struct kdate_span){ 40, 'y' }), sv->today);
			add_date(k, s, kdate_sub(sv->today, (struct kdate_span){ 5, 'y' }), sv->today);
			add_date(k, s, kdate_sub(sv->today, (struct kdate_span){ 1, 'y' }), sv->today);
			add_date(k, s, sv->today, sv->today);
			if (s->date_min.set)
				add_date(k, s, bound(&s->date_min, sv->today), sv->today);
			break;
		default:
			break;
		}
	}
	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];

		for (int j = 0; j < s->when.n; j++)
			cands_from_cond(c, &s->when.c[j], sv->today, sv->cand);
		for (int f = 0; f < s->n_flags; f++)
			for (int j = 0; j < s->flags[f].when.n; j++)
				cands_from_cond(c, &s->flags[f].when.c[j], sv->today, sv->cand);
	}
}

/* Walk the flow with assignment a up to screen last, as the engine would:
 * which screens are shown, and the answers rules see.
 *
 * Once the baseline walk is known, view and shown hold it except at the
 * screens the last walk changed (dirty), and a walk judges again only the
 * screens that can differ from it: those whose answer differs from the
 * baseline, and, in screen order, those whose `when` names a screen the
 * rules now see differently.  Judging every screen on every walk made the
 * check grow with the square of the screen count. */
static void heap_push(struct solver *sv, int i)
{
	int k;

	if (sv->queued[i])
		return;
	sv->queued[i] = true;
	for (k = sv->nheap++; k > 0 && sv->heap[(k - 1) / 2] > i; k = (k - 1) / 2)
		sv->heap[k] = sv->heap[(k - 1) / 2];
	sv->heap[k] = i;
}

static int heap_pop(struct solver *sv)
{
	int top = sv->heap[0], last = sv->heap[--sv->nheap], k = 0;

	for (;;) {
		int ch = 2 * k + 1;

		if (ch >= sv->nheap)
			break;
		if (ch + 1 < sv->nheap && sv->heap[ch + 1] < sv->heap[ch])
			ch++;
		if (sv->heap[ch] >= last)
			break;
		sv->heap[k] = sv->heap[ch];
		k = ch;
	}
	if (sv->nheap > 0)
		sv->heap[k] = last;
	sv->queued[top] = false;
	return top;
}

static void walk(struct solver *sv, const char *const *a, int last)
{
	const struct content *c = sv->c;

	sv->evals++;
	if (!sv->have_base) {
		for (int i = 0; i <= last; i++) {
			sv->shown[i] = rules_when(c, &c->screens[i].when, i, sv->view, sv->today);
			sv->view[i] = sv->shown[i] ? a[i] : NULL;
		}
		return;
	}
	while (sv->ndirty > 0) {
		int i = sv->dirty[--sv->ndirty];

		sv->shown[i] = sv->base_shown[i];
		sv->view[i] = sv->base_view[i];
	}
	for (int i = 0; i <= last; i++)
		if (a[i] != sv->base[i])
			heap_push(sv, i);
	for (int k = 0; k < sv->nodd; k++)
		if (sv->odd[k] <= last)
			heap_push(sv, sv->odd[k]);
	while (sv->nheap > 0) {
		int i = heap_pop(sv);
		bool shown = rules_when(c, &c->screens[i].when, i, sv->view, sv->today);
		const char *v = shown ? a[i] : NULL;

		if (shown == sv->shown[i] && v == sv->view[i])
			continue;
		sv->shown[i] = shown;
		sv->view[i] = v;
		sv->dirty[sv->ndirty++] = i;
		for (int k = sv->dep_off[i]; k < sv->dep_off[i + 1]; k++)
			if (sv->dep[k] <= last)
				heap_push(sv, sv->dep[k]);
	}
}

/* The whole walk, then every rule: flags and outcome. */
static void eval(struct solver *sv, const char *const *a)
{
	walk(sv, a, sv->c->n_screens - 1);
	sv->n_flags = rules_eval(sv->c, sv->view, sv->today, sv->flags, RULES_MAX_FLAGS, &sv->outcome);
}

/* Baseline: for each question in order, the first candidate that raises
 * none of its own flags and is not "not sure", judged as if the screen
 * were shown (so a follow-up's baseline is benign too). */
static void build_baseline(struct solver *sv)
{
	const struct content *c = sv->c;

	for (int i = 0; i < c->n_screens; i++)
		sv->base[i] = NULL;
	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];

		if (!content_asks(s->kind) || sv->cand[i].n == 0)
			continue;
		sv->base[i] = sv->cand[i].v[0];
		for (int k = 0; k < sv->cand[i].n; k++) {
			bool bad = rules_is_unsure(s, sv->cand[i].v[k]);

			sv->base[i] = sv->cand[i].v[k];
			for (int f = 0; f < s->n_flags && !bad; f++)
				bad = rules_when(c, &s->flags[f].when, i, sv->base, sv->today);
			if (!bad)
				break;
		}
	}
	eval(sv, sv->base);
	for (int i = 0; i < c->n_screens; i++) {
		sv->base_shown[i] = sv->shown[i];
		sv->base_view[i] = sv->view[i];
	}
	sv->have_base = true;
}

enum target_kind { T_FLAG, T_SCREEN, T_OUTCOME };

struct target {
	enum target_kind kind;
	const struct content_flag *flag;
	int screen;
	enum content_severity outcome;
};

/* Does assignment a reach t?  Flags and screens only depend on earlier
 * screens, so the walk stops at the target's screen and evaluates only
 * its rule; an outcome needs the whole walk. */
static bool reach(struct solver *sv, const struct target *t, const char *const *a)
{
	const struct content *c = sv->c;
	int lim = t->screen;

	if (t->kind == T_OUTCOME) {
		eval(sv, a);
		return sv->outcome == t->outcome;
	}
	walk(sv, a, lim);
	if (t->kind == T_SCREEN)
		return sv->shown[lim];
	return sv->view[lim] != NULL && rules_when(c, &t->flag->when, lim, sv->view, sv->today);
}

/* Screens whose answers can matter for target: those its conditions name,
 * and, recursively, those deciding whether they are shown. */
static int relevant(const struct solver *sv, const struct target *t, int *out, int max)
{
	const struct content *c = sv->c;
	bool *mark = calloc((size_t)c->n_screens, sizeof *mark);
	int n = 0, stack[512], sp = 0;

	if (mark == NULL)
		return 0;
	if (t->kind == T_FLAG) {
		stack[sp++] = t->screen;
		for (int j = 0; j < t->flag->when.n && sp < 512; j++)
			if (t->flag->when.c[j].q >= 0)
				stack[sp++] = t->flag->when.c[j].q;
	} else if (t->kind == T_SCREEN) {
		for (int j = 0; j < c->screens[t->screen].when.n && sp < 512; j++)
			if (c->screens[t->screen].when.c[j].q >= 0)
				stack[sp++] = c->screens[t->screen].when.c[j].q;
	}
	while (sp > 0) {
		int q = stack[--sp];

		if (q < 0 || mark[q])
			continue;
		mark[q] = true;
		if (n < max && content_asks(c->screens[q].kind))
			out[n++] = q;
		for (int j = 0; j < c->screens[q].when.n && sp < 512; j++)
			stack[sp++] = c->screens[q].when.c[j].q;
	}
	free(mark);
	return n;
}

/* Try every way of changing `depth` answers among rel[from..]. */
static bool search(struct solver *sv, const struct target *t, const int *rel, int nrel, int from, int depth,
		   int *changed, int nchanged)
{
	if (depth == 0) {
		if (sv->evals > MAX_EVALS)
			return false;
		return reach(sv, t, sv->try_);
	}
	for (int r = from; r < nrel; r++) {
		int q = rel[r];

		for (int k = 0; k < sv->cand[q].n; k++) {
			if (sv->base[q] && !strcmp(sv->cand[q].v[k], sv->base[q]))
				continue;
			sv->try_[q] = sv->cand[q].v[k];
			changed[nchanged] = q;
			if (search(sv, t, rel, nrel, r + 1, depth - 1, changed, nchanged + 1))
				return true;
		}
		sv->try_[q] = sv->base[q];
	}
	return false;
}

/* ---- backchaining: work back from what the target needs ----
 *
 * To make a condition hold, pick an answer for its question that satisfies
 * it (the baseline answer first, so paths stay short), then make that
 * question shown by satisfying its own `when`, recursively.  Conditions only
 * look at earlier screens, so this ends, and it costs about one pass per
 * link of a chain of follow-ups however deep. */

static void unpin_to(struct solver *sv, int mark)
{
	while (sv->ntrail > mark) {
		int q = sv->trail[--sv->ntrail];

		sv->pinned[q] = false;
		sv->try_[q] = sv->base[q];
	}
}

static bool want_when(struct solver *sv, const struct content_when *w, int self, int depth);

/* Conditions i.. of an all-list. */
static bool want_all(struct solver *sv, const struct content_when *w, int i, int self, int depth)
{
	const struct content_cond *cd;
	int q, mark;

	if (i == w->n)
		return true;
	cd = &w->c[i];
	q = cd->q >= 0 ? cd->q : (cd->question ? -1 : self);
	if (q < 0)
		return false;
	if (cd->op == CONTENT_OP_UNANSWERED)
		return want_all(sv, w, i + 1, self, depth); /* judged by the final walk */
	if (sv->pinned[q])
		return rules_cond(sv->c, cd, self, sv->try_, sv->today) && want_all(sv, w, i + 1, self, depth);
	mark = sv->ntrail;
	for (int k = -1; k < sv->cand[q].n; k++) {
		const char *v = k < 0 ? sv->base[q] : sv->cand[q].v[k];

		if (v == NULL || (k >= 0 && sv->base[q] && !strcmp(v, sv->base[q])))
			continue;
		sv->try_[q] = v;
		if (!rules_cond(sv->c, cd, self, sv->try_, sv->today)) {
			sv->try_[q] = sv->base[q];
			continue;
		}
		sv->pinned[q] = true;
		sv->trail[sv->ntrail++] = q;
		if (want_when(sv, &sv->c->screens[q].when, q, depth + 1) && want_all(sv, w, i + 1, self, depth))
			return true;
		unpin_to(sv, mark);
	}
	return false;
}

static bool want_when(struct solver *sv, const struct content_when *w, int self, int depth)
{
	if (w->n == 0)
		return true;
	/* Conditions look only at earlier screens, so depth stays below the
	 * screen count; the step budget bounds backtracking on content where
	 * the target cannot be reached (then the bounded search takes over). */
	if (depth > sv->c->n_screens || ++sv->steps > 100000)
		return false;
	if (!w->any)
		return want_all(sv, w, 0, self, depth);
	for (int i = 0; i < w->n; i++) {
		struct content_when one = { false, 1, &w->c[i], w->line, w->col };
		int mark = sv->ntrail;

		if (want_all(sv, &one, 0, self, depth))
			return true;
		unpin_to(sv, mark);
	}
	return false;
}

static bool backchain(struct solver *sv, const struct target *t)
{
	const struct content *c = sv->c;
	bool ok = false;

	unpin_to(sv, 0);
	sv->steps = 0;
	if (t->kind == T_SCREEN) {
		ok = want_when(sv, &c->screens[t->screen].when, t->screen, 0);
	} else if (t->kind == T_FLAG) {
		/* The flag's screen must be shown, then its rule must hold. */
		ok = want_when(sv, &c->screens[t->screen].when, t->screen, 0) &&
		     want_when(sv, &t->flag->when, t->screen, 0);
	}
	return ok && reach(sv, t, sv->try_);
}

/* Find a short change of the baseline reaching t: backchaining first,
 * then a bounded search over combinations.  On success the assignment is
 * in sv->try_ and the changed screens in changed[0..*n). */
static bool solve(struct solver *sv, const struct target *t, int *n)
{
	int *changed = sv->changed, rel[64], nrel;

	for (int i = 0; i < sv->c->n_screens; i++)
		sv->try_[i] = sv->base[i];
	sv->evals = 0;
	if (reach(sv, t, sv->try_)) {
		*n = 0;
		return true;
	}
	if (t->kind == T_OUTCOME) {
		/* The shortest path to any flag of that severity that ends in
		 * exactly that outcome. */
		int best = -1, best_n = 0;
		const struct content_flag *bf = NULL;

		for (int i = 0; i < sv->c->n_screens; i++)
			for (int f = 0; f < sv->c->screens[i].n_flags; f++) {
				struct target tf = { T_FLAG, &sv->c->screens[i].flags[f], i, CONTENT_SEV_CLEAR };
				int k;

				if (tf.flag->severity != t->outcome || !solve(sv, &tf, &k))
					continue;
				eval(sv, sv->try_);
				if (sv->outcome == t->outcome && (best < 0 || k < best_n)) {
					best = i;
					best_n = k;
					bf = tf.flag;
				}
			}
		if (bf) {
			struct target tf = { T_FLAG, bf, best, CONTENT_SEV_CLEAR };

			return solve(sv, &tf, n);
		}
		for (int i = 0; i < sv->c->n_screens; i++)
			sv->try_[i] = sv->base[i];
	}
	if (backchain(sv, t)) {
		*n = 0;
		for (int i = 0; i < sv->ntrail; i++) {
			int q = sv->trail[i];

			if (sv->base[q] == NULL || strcmp(sv->try_[q], sv->base[q]) != 0)
				changed[(*n)++] = q;
		}
		/* Keep the answers, forget the pins. */
		for (int i = 0; i < sv->ntrail; i++)
			sv->pinned[sv->trail[i]] = false;
		sv->ntrail = 0;
		return true;
	}
	unpin_to(sv, 0);
	for (int i = 0; i < sv->c->n_screens; i++)
		sv->try_[i] = sv->base[i];
	nrel = relevant(sv, t, rel, 64);
	if (t->kind == T_OUTCOME) {
		nrel = 0;
		for (int i = 0; i < sv->c->n_screens && nrel < 64; i++)
			if (sv->c->screens[i].n_flags || sv->c->screens[i].safety)
				rel[nrel++] = i;
	}
	for (int depth = 1; depth <= MAX_DEPTH && depth <= nrel; depth++) {
		for (int i = 0; i < sv->c->n_screens; i++)
			sv->try_[i] = sv->base[i];
		if (search(sv, t, rel, nrel, 0, depth, changed, 0)) {
			*n = depth;
			return true;
		}
	}
	return false;
}

/* Who depends on whom, for walk. */
static krc build_deps(struct solver *sv)
{
	const struct content *c = sv->c;
	int n = c->n_screens, total = 0;

	sv->dep_off = calloc((size_t)n + 1, sizeof *sv->dep_off);
	sv->odd = calloc((size_t)n + 1, sizeof *sv->odd);
	sv->dirty = calloc((size_t)n + 1, sizeof *sv->dirty);
	sv->heap = calloc((size_t)n + 1, sizeof *sv->heap);
	sv->queued = calloc((size_t)n + 1, sizeof *sv->queued);
	if (!sv->dep_off || !sv->odd || !sv->dirty || !sv->heap || !sv->queued)
		return K_ENOMEM;
	for (int i = 0; i < n; i++) {
		const struct content_when *w = &c->screens[i].when;
		bool odd = false;

		for (int j = 0; j < w->n; j++) {
			int q = w->c[j].q;

			if (q >= 0 && q < i) {
				sv->dep_off[q + 1]++;
				total++;
			} else {
				odd = true;
			}
		}
		if (odd)
			sv->odd[sv->nodd++] = i;
	}
	for (int j = 0; j < n; j++)
		sv->dep_off[j + 1] += sv->dep_off[j];
	sv->dep = calloc((size_t)total + 1, sizeof *sv->dep);
	if (sv->dep == NULL)
		return K_ENOMEM;
	{
		int *fill = calloc((size_t)n + 1, sizeof *fill);

		if (fill == NULL)
			return K_ENOMEM;
		for (int i = 0; i < n; i++) {
			const struct content_when *w = &c->screens[i].when;

			for (int j = 0; j < w->n; j++) {
				int q = w->c[j].q;

				if (q >= 0 && q < i)
					sv->dep[sv->dep_off[q] + fill[q]++] = i;
			}
		}
		free(fill);
	}
	return K_OK;
}

static krc solver_new(struct solver *sv, const struct content *c, struct kdate today)
{
	size_t n = (size_t)(c->n_screens ? c->n_screens : 1);

	memset(sv, 0, sizeof *sv);
	sv->c = c;
	sv->today = today;
	sv->cand = calloc(n, sizeof *sv->cand);
	sv->base = calloc(n, sizeof *sv->base);
	sv->try_ = calloc(n, sizeof *sv->try_);
	sv->view = calloc(n, sizeof *sv->view);
	sv->shown = calloc(n, sizeof *sv->shown);
	sv->base_shown = calloc(n, sizeof *sv->base_shown);
	sv->base_view = calloc(n, sizeof *sv->base_view);
	sv->pinned = calloc(n, sizeof *sv->pinned);
	sv->trail = calloc(n, sizeof *sv->trail);
	sv->changed = calloc(n + MAX_DEPTH + 1, sizeof *sv->changed);
	if (!sv->changed || !sv->cand || !sv->base || !sv->try_ || !sv->view || !sv->shown || !sv->base_shown || !sv->base_view ||
	    !sv->pinned || !sv->trail)
		return K_ENOMEM;
	if (build_deps(sv) != K_OK)
		return K_ENOMEM;
	build_cands(sv);
	build_baseline(sv);
	return K_OK;
}

static void solver_free(struct solver *sv)
{
	free(sv->cand);
	free(sv->base);
	free(sv->try_);
	free(sv->view);
	free(sv->shown);
	free(sv->base_shown);
	free(sv->base_view);
	free(sv->dep_off);
	free(sv->dep);
	free(sv->odd);
	free(sv->dirty);
	free(sv->heap);
	free(sv->queued);
	free(sv->pinned);
	free(sv->trail);
	free(sv->changed);
}


/* ---- safety and staff ---- */

/* Whether screen q offers the patient a "not sure". */
static bool offers_unsure(const struct content_screen *q)
{
	if (q->kind == CONTENT_YESNO)
		return q->not_sure;
	for (int i = 0; i < q->n_options; i++)
		if (q->options[i].unsure)
			return true;
	return false;
}

/* A yes/no or choice question a rule looks at, without "not sure": a
 * patient who does not know must guess, and a wrong "no" hides a
 * contraindication (the clinic's rule: not sure is at least review).
 * Warned unless the screen says why (not_sure_reason) or is not about
 * safety (safety: false).  And a staff message too long to read at the
 * desk between patients. */
static void check_safety(const struct content *c, struct content_diags *d)
{
	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];
		bool feeds = s->n_flags > 0;

		for (int j = i + 1; !feeds && j < c->n_screens; j++)
			for (int f = 0; !feeds && f < c->screens[j].n_flags; f++)
				for (int k = 0; k < c->screens[j].flags[f].when.n; k++)
					if (c->screens[j].flags[f].when.c[k].q == i)
						feeds = true;
		if (feeds && s->safety && !s->not_sure_reason && !offers_unsure(s) &&
		    (s->kind == CONTENT_YESNO || s->kind == CONTENT_CHOICE || s->kind == CONTENT_MULTI))
			err_at(d, s, s->line, 1, true,
			       "'%s' feeds a rule but offers no \"not sure\": a patient who does not know must "
			       "guess (not sure is at least review); add %s, or say why in not_sure_reason",
			       s->id, s->kind == CONTENT_YESNO ? "not_sure: true" : "an option with unsure: true");
		for (int f = 0; f < s->n_flags; f++) {
			const struct content_flag *fl = &s->flags[f];
			int w = fl->staff ? ktext_width(fl->staff) : 0;

			if (w > CHECK_MAX_STAFF)
				err_at(d, s, fl->line, fl->col, true,
				       "the staff message of %s is %d characters: staff read it between patients "
				       "on an 80-column screen; keep it under %d",
				       fl->code ? fl->code : "this flag", w, CHECK_MAX_STAFF);
		}
	}
}

/* ---- structure ---- */

struct flag_ref {
	const char *code;
	int screen, flag;
};

static int flag_ref_cmp(const void *a, const void *b)
{
	const struct flag_ref *x = a, *y = b;
	int r = strcmp(x->code, y->code);

	if (r)
		return r;
	if (x->screen != y->screen)
		return x->screen < y->screen ? -1 : 1;
	return x->flag < y->flag ? -1 : x->flag > y->flag;
}

/* Each flag code that an earlier flag already uses, once per earlier use:
 * sorted, so the check grows as n log n with the flags, not n^2. */
static void check_flag_codes(const struct content *c, struct content_diags *d)
{
	struct flag_ref *v;
	size_t n = 0, cap = 0;

	for (int i = 0; i < c->n_screens; i++)
		cap += (size_t)c->screens[i].n_flags;
	if (cap == 0 || (v = malloc(cap * sizeof *v)) == NULL)
		return;
	for (int i = 0; i < c->n_screens; i++)
		for (int f = 0; f < c->screens[i].n_flags; f++)
			if (c->screens[i].flags[f].code)
				v[n++] = (struct flag_ref){ c->screens[i].flags[f].code, i, f };
	qsort(v, n, sizeof *v, flag_ref_cmp);
	for (size_t k = 1, first = 0; k < n; k++) {
		const struct content_screen *s = &c->screens[v[k].screen];
		const struct content_flag *fl = &s->flags[v[k].flag];

		if (strcmp(v[k].code, v[first].code) != 0) {
			first = k;
			continue;
		}
		for (size_t e = first; e < k; e++)
			err_at(d, s, fl->line, fl->col, false, "duplicate flag code '%s' (also in %s)", fl->code,
			       c->screens[v[e].screen].file);
	}
	free(v);
}

static void check_structure(const struct content *c, struct kdate today, struct content_diags *d)
{
	int outcome = -1, review = -1, consent = -1, last_q = -1;

	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];

		if (content_asks(s->kind))
			last_q = i;
		if (s->kind == CONTENT_OUTCOME && outcome < 0)
			outcome = i;
		if (s->kind == CONTENT_REVIEW && review < 0)
			review = i;
		if (s->kind == CONTENT_CONSENT && consent < 0)
			consent = i;
	}
	if (c->url) {
		/* The url goes into every record: what the FHIR writer would
		 * refuse must never pass the check. */
		const char *why = fhir_url_problem(c->url);

		if (why)
			content_diag_add(d, "_content.yaml", c->url_line, c->url_col, false, "'url' %s", why);
	}
	if (c->n_screens == 0)
		return;
	if (outcome < 0) {
		content_diag_add(d, c->screens[c->n_screens - 1].file, 1, 1, false,
				 "the flow never reaches an outcome: add a screen of kind 'outcome' after the questions");
	} else {
		const struct content_screen *o = &c->screens[outcome];

		if (o->when.n)
			err_at(d, o, o->when.line, o->when.col, false,
			       "the outcome screen has a 'when': a patient it skips would finish without an outcome");
		if (last_q > outcome)
			err_at(d, &c->screens[last_q], 0, 0, false,
			       "question '%s' comes after the outcome screen (%s); it would be asked after the intake is complete",
			       c->screens[last_q].id, o->file);
	}
	if (review >= 0 && last_q > review && (outcome < 0 || last_q < outcome))
		err_at(d, &c->screens[last_q], 0, 0, false,
		       "question '%s' comes after the review screen (%s); the patient could not review it",
		       c->screens[last_q].id, c->screens[review].file);
	if (consent < 0)
		content_diag_add(d, c->screens[0].file, 1, 1, true, "no consent screen: the intake is taken without a signature");
	else if (review >= 0 && consent > review)
		err_at(d, &c->screens[consent], 0, 0, false, "the consent screen must come before the review screen");
	if (c->screens[0].when.n)
		err_at(d, &c->screens[0], c->screens[0].when.line, 0, false,
		       "the first screen must not have a 'when': every patient starts there");

	/* Identity questions staff match people by. */
	{
		const char *ids[3] = { c->name_question, c->dob_question, c->phone_question };
		const char *what[3] = { "name", "dob", "phone" };
		enum content_kind want[3] = { CONTENT_TEXT, CONTENT_DATE, CONTENT_TEXT };

		for (int k = 0; k < 3; k++) {
			int q;

			if (ids[k] == NULL) {
				if (k < 2) /* a phone is optional */
					content_diag_add(d, "_content.yaml", 1, 1, false,
							 "identity has no '%s' question: staff could not match the person",
							 what[k]);
				continue;
			}
			q = content_find(c, ids[k]);
			if (q < 0)
				content_diag_add(d, "_content.yaml", 1, 1, false, "identity.%s names unknown question '%s'",
						 what[k], ids[k]);
			else if (c->screens[q].kind != want[k])
				content_diag_add(d, "_content.yaml", 1, 1, false, "identity.%s '%s' must be a %s question",
						 what[k], ids[k], content_kind_name(want[k]));
		}
	}

	check_flag_codes(c, d);
	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];

		check_when(c, i, &s->when, true, today, d);
		for (int f = 0; f < s->n_flags; f++) {
			const struct content_flag *fl = &s->flags[f];

			check_when(c, i, &fl->when, false, today, d);
			if (fl->code) {
				bool ok = fl->code[0] != '\0' && strlen(fl->code) <= 48;

				for (const char *p = fl->code; *p; p++)
					if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
						ok = false;
				if (!ok)
					err_at(d, s, fl->line, fl->col, false,
					       "flag code '%s' must be capital letters, digits and '-' (at most 48), e.g. PREGNANT",
					       fl->code);
				if (!strncmp(fl->code, "UNSURE-", 7))
					err_at(d, s, fl->line, fl->col, false,
					       "flag codes starting with UNSURE- are reserved for automatic \"not sure\" flags");
			}
		}
		for (int a = 0; a < s->n_options; a++)
			for (int b = a + 1; b < s->n_options; b++)
				if (s->options[a].id && s->options[b].id && !strcmp(s->options[a].id, s->options[b].id))
					err_at(d, s, s->options[b].line, s->options[b].col, false,
					       "duplicate option id '%s'", s->options[b].id);
		if (s->kind == CONTENT_CHOICE)
			for (int a = 0; a < s->n_options; a++)
				if (s->options[a].exclusive)
					err_at(d, s, s->options[a].line, s->options[a].col, true,
					       "'exclusive' only matters on a multi screen");
		if (s->kind == CONTENT_AFTERCARE && s->link) {
			const char *host = strlen(s->link) > 8 ? s->link + 8 : "";
			size_t hl = strcspn(host, "/?#:");

			if (strncmp(s->link, "https://", 8) != 0)
				err_at(d, s, 0, 0, false, "aftercare link '%s' must start with https://", s->link);
			else if (strlen(s->link) > CHECK_MAX_LINK)
				err_at(d, s, 0, 0, false,
				       "aftercare link is %zu characters; at most %d fit a QR code on an 80x24 screen (use a shorter address)",
				       strlen(s->link), CHECK_MAX_LINK);
			else if ((hl >= 7 && !strncmp(host + hl - 7, "example", 7)) ||
				 (hl >= 12 && (!strncmp(host + hl - 12, ".example.com", 12) ||
					       !strncmp(host + hl - 12, ".example.org", 12) ||
					       !strncmp(host + hl - 12, ".example.net", 12))) ||
				 (hl == 11 && (!strncmp(host, "example.com", 11) || !strncmp(host, "example.org", 11) ||
					       !strncmp(host, "example.net", 11))))
				err_at(d, s, 0, 0, true,
				       "aftercare link '%s' is a placeholder on an example domain: set the clinic's real aftercare page",
				       s->link);
			for (const char *p = s->link; *p; p++)
				if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
					err_at(d, s, 0, 0, false, "aftercare link holds spaces or non-ASCII characters");
					break;
				}
		}
		check_fit(c, s, d);
		check_visible(c, s, d);
	}
	check_messages(c, d);
}

krc check_content(const struct content *c, struct kdate today, struct content_diags *d)
{
	struct solver sv;
	int before = d->errors;

	check_structure(c, today, d);
	check_safety(c, d);
	/* Reachability is meaningless on broken references, or on a content
	 * the loader found errors in (content_load_all): those get the
	 * reference checks only, so every file's errors show in one run. */
	if (d->errors > before || before > 0)
		return K_ECONTENT;
	if (solver_new(&sv, c, today) != K_OK) {
		solver_free(&sv);
		return K_ENOMEM;
	}
	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];
		int n;
		struct target t = { T_SCREEN, NULL, i, CONTENT_SEV_CLEAR };

		if (s->when.n && !solve(&sv, &t, &n)) {
			err_at(d, s, s->when.line, s->when.col, false,
			       "screen '%s' can never be shown: no answers make its 'when' hold", s->id);
			continue;
		}
		for (int f = 0; f < s->n_flags; f++) {
			struct target tf = { T_FLAG, &s->flags[f], i, CONTENT_SEV_CLEAR };

			if (!solve(&sv, &tf, &n))
				err_at(d, s, s->flags[f].line, s->flags[f].col, false,
				       "flag '%s' can never fire: no answers raise it", s->flags[f].code);
		}
	}
	for (int i = 0; i < c->n_screens; i++)
		if (content_asks(c->screens[i].kind) && sv.base[i] == NULL)
			err_at(d, &c->screens[i], 0, 0, true, "question '%s' has no answer that raises no flag",
			       c->screens[i].id);
	solver_free(&sv);
	return d->errors > before ? K_ECONTENT : K_OK;
}

/* The answers that differ from the baseline, plus those of screens the
 * change newly shows (a follow-up's answer is part of the path). */
static void print_answers(struct solver *sv, int *changed, int n, FILE *out)
{
	const struct content *c = sv->c;
	bool any = false;

	eval(sv, sv->try_);
	for (int i = 0; i < c->n_screens; i++) {
		bool ch = false;

		for (int k = 0; k < n; k++)
			ch |= changed[k] == i;
		if (!ch && !(sv->shown[i] && !sv->base_shown[i] && sv->try_[i]))
			continue;
		fprintf(out, " %s=%s", c->screens[i].id, sv->try_[i]);
		any = true;
	}
	if (!any)
		fprintf(out, " (the baseline answers)");
	fputc('\n', out);
}

int check_paths(const struct content *c, struct kdate today, FILE *out)
{
	struct solver sv;
	int missing = 0;
	char d[11];

	if (solver_new(&sv, c, today) != K_OK) {
		solver_free(&sv);
		return -1;
	}
	kdate_format(today, d);
	fprintf(out, "today %s\nbaseline (nothing to report):", d);
	for (int i = 0; i < c->n_screens; i++)
		if (sv.base[i] && sv.shown[i])
			fprintf(out, " %s=%s", c->screens[i].id, sv.base[i]);
	fputc('\n', out);
	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];

		for (int f = 0; f < s->n_flags; f++) {
			struct target t = { T_FLAG, &s->flags[f], i, CONTENT_SEV_CLEAR };
			int n;

			fprintf(out, "flag %s (%s):", s->flags[f].code,
				rules_severity_name(s->flags[f].severity));
			if (solve(&sv, &t, &n)) {
				print_answers(&sv, sv.changed, n, out);
			} else {
				fprintf(out, " UNREACHABLE\n");
				missing++;
			}
		}
	}
	for (int o = CONTENT_SEV_CLEAR; o <= CONTENT_SEV_DEFER; o++) {
		struct target t = { T_OUTCOME, NULL, 0, (enum content_severity)o };
		int n;

		fprintf(out, "outcome %s:", rules_severity_name((enum content_severity)o));
		if (solve(&sv, &t, &n)) {
			print_answers(&sv, sv.changed, n, out);
		} else {
			fprintf(out, " UNREACHABLE\n");
			missing++;
		}
	}
	solver_free(&sv);
	return missing;
}

static int diag_cmp(const void *a, const void *b)
{
	const struct content_diag *x = a, *y = b;
	int r = strcmp(x->file, y->file);

	if (r)
		return r;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

void check_print(const struct content_diags *d, const char *dir, FILE *f)
{
	struct content_diag *v;
	char edir[1024];

	if (d->n == 0)
		return;
	v = malloc((size_t)d->n * sizeof *v);
	if (v == NULL)
		return;
	memcpy(v, d->d, (size_t)d->n * sizeof *v);
	qsort(v, (size_t)d->n, sizeof *v, diag_cmp);
	/* The folder name is the caller's; file and message are escaped by
	 * content_diag_add(). */
	if (dir) {
		ktext_escape(edir, sizeof edir, dir, strlen(dir));
		dir = edir;
	}
	for (int i = 0; i < d->n; i++) {
		/* A problem of the folder itself has no file name: the folder
		 * alone is printed, never "dir/dir". */
		const char *sep = !v[i].file[0] ? "" : dir && dir[0] && dir[strlen(dir) - 1] != '/' ? "/" : "";

		if (v[i].line > 0)
			fprintf(f, "%s%s%s:%d:%d: %s: %s\n", dir ? dir : "", dir ? sep : "", v[i].file, v[i].line,
				v[i].col, v[i].warning ? "warning" : "error", v[i].msg);
		else
			fprintf(f, "%s%s%s: %s: %s\n", dir ? dir : "", dir ? sep : "", v[i].file,
				v[i].warning ? "warning" : "error", v[i].msg);
	}
	free(v);
}

void check_grid(const struct content *c, int cols, int lines, struct content_diags *d)
{
	char what[64];

	/* A grid of at least 80x24 has room for whatever fits 80x24 (the text
	 * column is 76 wide on both), which check_content() has judged. */
	if (cols >= 80 && lines >= 24)
		return;
	snprintf(what, sizeof what, "the larger-text screen (%dx%d, display.large_grid)", cols, lines);
	for (int i = 0; i < c->n_screens; i++)
		check_fit_grid(c, &c->screens[i], d, cols, lines, what);
}
