/* engine: the intake state machine over the content model.
 *
 * Owns the answers of one patient, which screens are shown, where the
 * patient is, and the effects the caller must perform.  It never touches a
 * terminal, a file, the clock or the network, and allocates only in
 * engine_new(): every answer has a fixed slot sized from the content, so a
 * long session cannot fragment or exhaust memory. */
#include "engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktext.h"

struct engine {
	const struct content *c;
	int lang, default_lang;
	int cur;
	int review_return;       /* review screen to come back to after a JUMP edit, or -1 */
	bool started, completed;

	char **ans;              /* ans[i]: slot for screen i's answer */
	size_t *cap;             /* slot sizes */
	bool *has;               /* screen i answered */
	const char **view;       /* answers as rules see them: NULL when unanswered */
	bool *shown;

	struct engine_fx *fx;
	int n_fx, cap_fx;

	struct rules_flag flags[RULES_MAX_FLAGS];
	int n_flags;
	enum content_severity outcome;

	bool has_error;
	char error[320];
	char lang_code[16];
	char *arena;
};

static size_t slot_size(const struct content_screen *s)
{
	size_t n = 0;

	switch (s->kind) {
	case CONTENT_YESNO: return 8;
	case CONTENT_NUMBER: return 24;
	case CONTENT_DATE: return 11;
	case CONTENT_TEXT:
	case CONTENT_CONSENT: return (size_t)s->max_length * 4 + 1; /* UTF-8: 4 bytes a character */
	case CONTENT_CHOICE:
	case CONTENT_MULTI:
		for (int i = 0; i < s->n_options; i++)
			n += (s->options[i].id ? strlen(s->options[i].id) : 0) + 1;
		return n + 1;
	default: return 0;
	}
}

krc engine_new(engine **out, const struct content *c, const char *lang, struct kerr *err)
{
	engine *e;
	size_t total = 0, off = 0;
	int n = c->n_screens;

	*out = NULL;
	if (n == 0)
		return kerr_set(err, K_EINVAL, "the content has no screens");
	e = calloc(1, sizeof *e);
	if (e == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	e->c = c;
	e->ans = calloc((size_t)n, sizeof *e->ans);
	e->cap = calloc((size_t)n, sizeof *e->cap);
	e->has = calloc((size_t)n, sizeof *e->has);
	e->view = calloc((size_t)n, sizeof *e->view);
	e->shown = calloc((size_t)n, sizeof *e->shown);
	e->cap_fx = n + 8;
	e->fx = calloc((size_t)e->cap_fx, sizeof *e->fx);
	for (int i = 0; i < n; i++)
		total += slot_size(&c->screens[i]);
	e->arena = calloc(total + 1, 1);
	if (!e->ans || !e->cap || !e->has || !e->view || !e->shown || !e->fx || !e->arena) {
		engine_free(e);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++) {
		e->cap[i] = slot_size(&c->screens[i]);
		e->ans[i] = e->arena + off;
		off += e->cap[i];
	}
	e->default_lang = content_lang(c, lang);
	if (e->default_lang < 0)
		e->default_lang = 0;
	e->lang = e->default_lang;
	e->review_return = -1;
	{
		struct engine_fxlist fl;
		struct kdate any = { 2000, 1, 1 };
		struct engine_event ev = { ENGINE_EV_RESET, NULL, 0 };

		/* A reset of a fresh engine has no effects; it positions it. */
		engine_step(e, &ev, any, &fl, NULL);
	}
	*out = e;
	return K_OK;
}

void engine_free(engine *e)
{
	if (e == NULL)
		return;
	free(e->ans);
	free(e->cap);
	free(e->has);
	free(e->view);
	free(e->shown);
	free(e->fx);
	free(e->arena);
	free(e);
}

static void fx_add(engine *e, enum engine_fx_kind kind, const char *qid, const char *value)
{
	if (e->n_fx < e->cap_fx) {
		e->fx[e->n_fx].kind = kind;
		e->fx[e->n_fx].qid = qid;
		e->fx[e->n_fx].value = value;
		e->n_fx++;
	}
}

/* Recompute which screens are shown, in order, dropping the answers of
 * screens that no longer are (so later conditions see them unanswered). */
static void refresh(engine *e, struct kdate today, bool emit)
{
	const struct content *c = e->c;

	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];

		e->shown[i] = rules_when(c, &s->when, i, e->view, today);
		if (s->kind == CONTENT_AFTERCARE && e->completed && e->outcome == CONTENT_SEV_DEFER)
			e->shown[i] = false; /* a deferred patient is sent to the desk, not home */
		if (!e->shown[i] && e->has[i]) {
			e->has[i] = false;
			e->view[i] = NULL;
			e->ans[i][0] = '\0';
			if (emit)
				fx_add(e, ENGINE_FX_DROP, s->id, NULL);
		}
	}
	e->n_flags = rules_eval(c, e->view, today, e->flags, RULES_MAX_FLAGS, &e->outcome);
}

static void reset(engine *e, struct kdate today)
{
	for (int i = 0; i < e->c->n_screens; i++) {
		e->has[i] = false;
		e->view[i] = NULL;
		if (e->cap[i])
			e->ans[i][0] = '\0';
	}
	e->started = e->completed = false;
	e->lang = e->default_lang;
	e->review_return = -1;
	refresh(e, today, false);
	e->cur = 0;
	while (e->cur < e->c->n_screens - 1 && !e->shown[e->cur])
		e->cur++;
}

/* Fill e->error from message key with {field}, {min} and {max}. */
static void set_error(engine *e, const char *key, const char *min, const char *max)
{
	const char *tpl = content_msg(e->c, key, e->lang);
	const char *field = content_str(e->c, &e->c->screens[e->cur].title, e->lang);
	size_t o = 0;

	e->has_error = true;
	for (const char *p = tpl; *p && o + 1 < sizeof e->error;) {
		const char *sub = NULL;
		size_t skip = 0;

		if (!strncmp(p, "{field}", 7)) {
			sub = field;
			skip = 7;
		} else if (!strncmp(p, "{min}", 5)) {
			sub = min ? min : "";
			skip = 5;
		} else if (!strncmp(p, "{max}", 5)) {
			sub = max ? max : "";
			skip = 5;
		}
		if (sub) {
			size_t n = strlen(sub);

			if (n > sizeof e->error - 1 - o)
				n = sizeof e->error - 1 - o;
			memcpy(e->error + o, sub, n);
			o += n;
			p += skip;
		} else {
			e->error[o++] = *p++;
		}
	}
	e->error[o] = '\0';
}

/* The one cleaning of typed text: Unicode spaces (no-break, ideographic,
 * en/em...) become U+0020, and the text is refused (false) when it holds
 * invalid UTF-8, a control character or a format character (zero-width
 * space, text direction overrides...): such a character would reach the
 * database, the FHIR record and the staff list unseen.  *chars receives
 * the number of characters. */
static bool clean_text(const char *in, char *out, size_t n, long *chars)
{
	size_t left = strlen(in), o = 0;

	*chars = 0;
	while (left > 0) {
		uint32_t cp;
		int len = ktext_decode(in, left, &cp);

		if (len <= 0 || ktext_is_control(cp) || ktext_is_format(cp))
			return false;
		if (o + (size_t)len + 1 > n)
			return false;
		if (ktext_is_space(cp)) {
			out[o++] = ' ';
		} else {
			memcpy(out + o, in, (size_t)len);
			o += (size_t)len;
		}
		in += len;
		left -= (size_t)len;
		(*chars)++;
	}
	out[o] = '\0';
	return true;
}

static bool valid_phone(const char *s)
{
	int digits = 0;

	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (!strchr(" +-().", *p))
			return false;
	}
	return digits >= 7 && digits <= 15;
}

static bool valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	const char *dot = at ? strrchr(at, '.') : NULL;

	if (at == NULL || at == s || strchr(at + 1, '@') || dot == NULL || dot == at + 1 || dot[1] == '\0')
		return false;
	for (const char *p = s; *p; p++)
		if (*p == ' ')
			return false;
	return true;
}

/* A name: letters of any script with their marks, spaces, hyphens,
 * apostrophes and dots; at least one letter. */
static bool valid_name(const char *s)
{
	bool letter = false;
	size_t left = strlen(s);

	while (left > 0) {
		uint32_t cp;
		int len = ktext_decode(s, left, &cp);

		if (len <= 0)
			return false;
		if (ktext_is_letter(cp))
			letter = true;
		else if (!(cp < 0x80 && strchr(" -'.", (int)cp)) && cp != 0x2019 &&
			 ktext_cp_width(cp) != 0)
			return false; /* zero width here is a combining mark (format ones are refused earlier) */
		s += len;
		left -= (size_t)len;
	}
	return letter;
}

/* A date as patients type it: year, month, day, with '-', '/', '.' or a
 * space between and one or two digits for month and day ("1990-5-23").
 * Fills *d (not checked against the calendar) or returns false. */
static bool loose_date(const char *t, struct kdate *d)
{
	long v[3];
	const char *p = t;

	for (int i = 0; i < 3; i++) {
		int digits = 0;

		v[i] = 0;
		while (*p >= '0' && *p <= '9' && digits < 5) {
			v[i] = v[i] * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0 || (i == 0 && digits != 4) || (i > 0 && digits > 2))
			return false;
		if (i < 2) {
			if (*p != '-' && *p != '/' && *p != '.' && *p != ' ')
				return false;
			p++;
		}
	}
	if (*p != '\0')
		return false;
	d->y = (int)v[0];
	d->m = (int)v[1];
	d->d = (int)v[2];
	return true;
}

/* Copy s without leading/trailing spaces into buf of size n. */
static void trim_copy(char *buf, size_t n, const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= n)
		len = n - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
}

static struct kdate bound(const struct content_datebound *b, struct kdate today)
{
	if (!b->relative)
		return b->abs;
	return b->span.unit ? kdate_sub(today, b->span) : today;
}

/* Validate value for the current screen and normalise it into out.
 * Returns false with e->error set when the patient must try again. */
static bool validate(engine *e, const char *value, struct kdate today, char *out, size_t n)
{
	const struct content_screen *s = &e->c->screens[e->cur];
	char t[2048], a[64], b[64];
	long chars;

	if (value == NULL)
		value = "";
	if (strlen(value) >= sizeof t) {
		snprintf(a, sizeof a, "%d", engine_max_chars(s));
		set_error(e, "err_too_long", NULL, a);
		return false;
	}
	if (!clean_text(value, t, sizeof t, &chars)) {
		set_error(e, s->kind == CONTENT_CONSENT ? "err_consent" : "err_characters", NULL, NULL);
		return false;
	}
	{
		char u[2048];

		trim_copy(u, sizeof u, t);
		memcpy(t, u, strlen(u) + 1);
		clean_text(u, t, sizeof t, &chars);
	}
	switch (s->kind) {
	case CONTENT_YESNO:
		if (!strcmp(t, "yes") || !strcmp(t, "no") || (s->not_sure && !strcmp(t, "unsure")))
			break;
		set_error(e, "err_choose", NULL, NULL);
		return false;
	case CONTENT_CHOICE:
		if (content_option(s, t) >= 0)
			break;
		set_error(e, "err_choose", NULL, NULL);
		return false;
	case CONTENT_MULTI: {
		bool pick[256] = { false }, excl = false;
		int count = 0;
		size_t o = 0;

		for (char *p = t, *save = NULL, *tok; (tok = strtok_r(p, ",", &save)) != NULL; p = NULL) {
			int k = content_option(s, tok);

			if (k < 0 || k >= 256 || pick[k]) {
				set_error(e, "err_choose", NULL, NULL);
				return false;
			}
			pick[k] = true;
			count++;
			excl |= s->options[k].exclusive;
		}
		if (count == 0 || (excl && count > 1)) {
			set_error(e, "err_choose", NULL, NULL);
			return false;
		}
		out[0] = '\0';
		for (int k = 0; k < s->n_options && k < 256; k++) {
			size_t len;

			if (!pick[k])
				continue;
			len = strlen(s->options[k].id);
			if (o + len + 2 > n)
				break;
			if (o)
				out[o++] = ',';
			memcpy(out + o, s->options[k].id, len + 1);
			o += len;
		}
		return true;
	}
	case CONTENT_TEXT:
	case CONTENT_CONSENT:
		if (t[0] == '\0') {
			set_error(e, s->kind == CONTENT_CONSENT ? "err_consent" : "err_required", NULL, NULL);
			return false;
		}
		if (chars > s->max_length) {
			snprintf(a, sizeof a, "%d", s->max_length);
			set_error(e, "err_too_long", NULL, a);
			return false;
		}
		if (s->kind == CONTENT_CONSENT && !valid_name(t)) {
			set_error(e, "err_consent", NULL, NULL);
			return false;
		}
		if ((s->pattern == CONTENT_PAT_PHONE && !valid_phone(t)) ||
		    (s->pattern == CONTENT_PAT_EMAIL && !valid_email(t)) ||
		    (s->pattern == CONTENT_PAT_NAME && !valid_name(t))) {
			set_error(e, s->pattern == CONTENT_PAT_PHONE ? "err_phone" :
				  s->pattern == CONTENT_PAT_EMAIL ? "err_email" : "err_name", NULL, NULL);
			return false;
		}
		break;
	case CONTENT_NUMBER: {
		char *end;
		long v;

		errno = 0;
		v = strtol(t, &end, 10);
		if (t[0] == '\0' || *end != '\0' || errno) {
			set_error(e, "err_number", NULL, NULL);
			return false;
		}
		if (v < s->min || v > s->max) {
			snprintf(a, sizeof a, "%ld", s->min);
			snprintf(b, sizeof b, "%ld", s->max);
			set_error(e, "err_number_range", a, b);
			return false;
		}
		snprintf(out, n, "%ld", v);
		return true;
	}
	case CONTENT_DATE: {
		struct kdate d, lo;

		if (!loose_date(t, &d)) {
			set_error(e, "err_date_format", NULL, NULL);
			return false;
		}
		if (d.m < 1 || d.m > 12 || d.d < 1 || d.d > kdate_mdays(d.y, d.m)) {
			set_error(e, "err_date_invalid", NULL, NULL);
			return false;
		}
		/* The calendar the kiosk knows starts in 1900: anything before
		 * is "too long ago", not a date that does not exist. */
		lo = s->date_min.set ? bound(&s->date_min, today) : (struct kdate){ 1900, 1, 1 };
		if (kdate_cmp(lo, (struct kdate){ 1900, 1, 1 }) < 0)
			lo = (struct kdate){ 1900, 1, 1 };
		if (kdate_cmp(d, lo) < 0) {
			engine_date_words(e, lo, a, sizeof a);
			set_error(e, "err_date_early", a, NULL);
			return false;
		}
		if (s->date_max.set && kdate_cmp(d, bound(&s->date_max, today)) > 0) {
			engine_date_words(e, bound(&s->date_max, today), b, sizeof b);
			set_error(e, "err_date_late", NULL, b);
			return false;
		}
		kdate_format(d, t);
		break;
	}
	default:
		return false;
	}
	snprintf(out, n, "%s", t);
	return true;
}

/* The next shown screen after i, or -1. */
static int next_shown(const engine *e, int i)
{
	for (int j = i + 1; j < e->c->n_screens; j++)
		if (e->shown[j])
			return j;
	return -1;
}

static int prev_shown(const engine *e, int i)
{
	for (int j = i - 1; j >= 0; j--)
		if (e->shown[j])
			return j;
	return -1;
}

static void complete(engine *e, struct kdate today)
{
	e->completed = true;
	e->review_return = -1;
	fx_add(e, ENGINE_FX_COMPLETE, NULL, NULL);
	refresh(e, today, false); /* hides aftercare on defer */
}

static void finish(engine *e, struct kdate today)
{
	fx_add(e, e->completed ? ENGINE_FX_END : ENGINE_FX_WIPE, NULL, NULL);
	reset(e, today);
}

/* Move forward from the current screen, completing the intake when the
 * patient crosses into the outcome part (or runs out of screens). */
static void advance(engine *e, struct kdate today)
{
	int j;

	if (e->review_return >= 0) {
		/* Editing from review: visit any newly shown question that needs
		 * an answer, then go back to the summary. */
		for (j = next_shown(e, e->cur); j >= 0 && j < e->review_return; j = next_shown(e, j))
			if (content_asks(e->c->screens[j].kind) && !e->has[j] && e->c->screens[j].required)
				break;
		if (j < 0 || j >= e->review_return) {
			j = e->review_return;
			e->review_return = -1;
		}
		e->cur = j;
		return;
	}
	j = next_shown(e, e->cur);
	if (!e->completed && (j < 0 || e->c->screens[j].kind == CONTENT_OUTCOME ||
			      e->c->screens[j].kind == CONTENT_AFTERCARE)) {
		if (!e->started)
			return; /* nothing was asked: nothing to complete */
		complete(e, today);
		j = next_shown(e, e->cur);
	}
	if (j < 0) {
		finish(e, today);
		return;
	}
	e->cur = j;
}

krc engine_step(engine *e, const struct engine_event *ev, struct kdate today,
		struct engine_fxlist *fx, struct kerr *err)
{
	const struct content *c = e->c;
	const struct content_screen *s;
	krc rc = K_OK;

	e->n_fx = 0;
	e->has_error = false;
	e->error[0] = '\0';
	s = &c->screens[e->cur];
	switch (ev->kind) {
	case ENGINE_EV_ANSWER: {
		char norm[2048];

		if (!content_asks(s->kind) || e->completed) {
			rc = kerr_set(err, K_EINVAL, "screen '%s' takes no answer", s->id);
			break;
		}
		if (!validate(e, ev->value, today, norm, sizeof norm < e->cap[e->cur] ? sizeof norm : e->cap[e->cur]))
			break;
		if (!e->started) {
			e->started = true;
			fx_add(e, ENGINE_FX_START, NULL, NULL);
			if (e->lang != e->default_lang)
				fx_add(e, ENGINE_FX_LANG, NULL, c->langs[e->lang]);
		}
		snprintf(e->ans[e->cur], e->cap[e->cur], "%s", norm);
		e->has[e->cur] = true;
		e->view[e->cur] = e->ans[e->cur];
		fx_add(e, ENGINE_FX_SAVE, s->id, e->ans[e->cur]);
		/* The language question switches the language as it is answered. */
		if (!strcmp(s->id, "language") && s->kind == CONTENT_CHOICE && content_lang(c, norm) >= 0 &&
		    content_lang(c, norm) != e->lang) {
			e->lang = content_lang(c, norm);
			fx_add(e, ENGINE_FX_LANG, NULL, c->langs[e->lang]);
		}
		refresh(e, today, true);
		advance(e, today);
		break;
	}
	case ENGINE_EV_NEXT:
		if (content_asks(s->kind) && !e->has[e->cur] && s->required && !e->completed) {
			set_error(e, s->kind == CONTENT_MULTI || s->kind == CONTENT_CHOICE ||
				  s->kind == CONTENT_YESNO ? "err_choose" : "err_required", NULL, NULL);
			break;
		}
		if (s->kind == CONTENT_REVIEW && e->review_return >= 0)
			e->review_return = -1;
		advance(e, today);
		break;
	case ENGINE_EV_BACK: {
		int j;

		if (e->completed)
			break; /* answers are frozen once the intake is complete */
		if (e->review_return >= 0) {
			e->cur = e->review_return;
			e->review_return = -1;
			break;
		}
		j = prev_shown(e, e->cur);
		if (j >= 0)
			e->cur = j;
		break;
	}
	case ENGINE_EV_JUMP:
		if (e->completed || s->kind != CONTENT_REVIEW || ev->screen < 0 || ev->screen >= e->cur ||
		    !e->shown[ev->screen] || !content_asks(c->screens[ev->screen].kind)) {
			rc = kerr_set(err, K_EINVAL, "cannot edit screen %d from here", ev->screen);
			break;
		}
		e->review_return = e->cur;
		e->cur = ev->screen;
		break;
	case ENGINE_EV_LANG: {
		int l = content_lang(c, ev->value);

		if (l < 0) {
			rc = kerr_set(err, K_EINVAL, "unknown language '%s'", ev->value ? ev->value : "");
			break;
		}
		e->lang = l;
		if (e->started)
			fx_add(e, ENGINE_FX_LANG, NULL, c->langs[l]);
		break;
	}
	case ENGINE_EV_TIMEOUT:
	case ENGINE_EV_RESET:
		if (e->started)
			finish(e, today);
		else
			reset(e, today);
		break;
	}
	fx->n = e->n_fx;
	fx->fx = e->fx;
	return rc;
}

krc engine_restore(engine *e, const char *qid, const char *value, struct kerr *err)
{
	int i = content_find(e->c, qid);

	if (i < 0 || !content_asks(e->c->screens[i].kind))
		return kerr_set(err, K_ENOTFOUND, "the content has no question '%s'", qid);
	if (strlen(value) >= e->cap[i])
		return kerr_set(err, K_EINVAL, "saved answer to '%s' does not fit", qid);
	snprintf(e->ans[i], e->cap[i], "%s", value);
	e->has[i] = value[0] != '\0';
	e->view[i] = e->has[i] ? e->ans[i] : NULL;
	e->started = true;
	return K_OK;
}

void engine_resume(engine *e, struct kdate today)
{
	int review = -1;

	refresh(e, today, false);
	for (int i = 0; i < e->c->n_screens; i++) {
		const struct content_screen *s = &e->c->screens[i];

		if (!e->shown[i])
			continue;
		if (s->kind == CONTENT_REVIEW && review < 0)
			review = i;
		if (content_asks(s->kind) && s->required && !e->has[i]) {
			e->cur = i;
			return;
		}
		if (s->kind == CONTENT_OUTCOME || s->kind == CONTENT_AFTERCARE)
			break;
	}
	if (review >= 0)
		e->cur = review;
}

const struct content_screen *engine_screen(const engine *e)
{
	return &e->c->screens[e->cur];
}

int engine_index(const engine *e)
{
	return e->cur;
}

int engine_lang(const engine *e)
{
	return e->lang;
}

const char *engine_answer(const engine *e, int i)
{
	if (i < 0 || i >= e->c->n_screens || !e->has[i])
		return NULL;
	return e->ans[i];
}

const char *engine_error(const engine *e)
{
	return e->has_error ? e->error : NULL;
}

/* Could screen i still be shown?  It is, or its conditions wait on a
 * question not answered yet. */
static bool maybe_shown(const engine *e, int i)
{
	const struct content_when *w = &e->c->screens[i].when;

	if (e->shown[i])
		return true;
	for (int k = 0; k < w->n; k++)
		if (w->c[k].q >= 0 && w->c[k].q < e->c->n_screens && w->c[k].q != i && !e->has[w->c[k].q])
			return true;
	return false;
}

void engine_progress(const engine *e, int *n, int *total)
{
	int t = 0, k = 0;

	/* The total counts every question that may still be asked, so
	 * answering can only shorten it: "12 of 16" never turns into
	 * "13 of 17" when a follow-up question appears. */
	for (int i = 0; i < e->c->n_screens; i++) {
		if (!content_asks(e->c->screens[i].kind))
			continue;
		if (i <= e->cur ? !e->shown[i] : !maybe_shown(e, i))
			continue;
		t++;
		if (i == e->cur)
			k = t;
	}
	*n = k;
	*total = k ? t : 0;
}

int engine_max_chars(const struct content_screen *s)
{
	switch (s->kind) {
	case CONTENT_TEXT:
	case CONTENT_CONSENT: return s->max_length;
	case CONTENT_DATE: return 10;
	case CONTENT_NUMBER: return 12;
	default: return 0;
	}
}

const char *engine_date_words(const engine *e, struct kdate d, char *buf, size_t n)
{
	const char *months = content_msg(e->c, "months", e->lang);
	const char *tpl = content_msg(e->c, "date_words", e->lang);
	char month[64] = "";
	size_t o = 0;

	/* "months" is the twelve names separated by spaces. */
	for (int m = 1; m <= d.m && *months; m++) {
		size_t len;

		while (*months == ' ')
			months++;
		len = strcspn(months, " ");
		if (m == d.m)
			snprintf(month, sizeof month, "%.*s", (int)len, months);
		months += len;
	}
	if (!strcmp(tpl, "date_words") || month[0] == '\0') {
		kdate_format(d, buf); /* content without the names: the digits */
		return buf;
	}
	for (const char *p = tpl; *p && o + 1 < n;) {
		char num[16];
		const char *sub = NULL;
		size_t skip = 0;

		if (!strncmp(p, "{d}", 3))
			snprintf(num, sizeof num, "%d", d.d), sub = num, skip = 3;
		else if (!strncmp(p, "{y}", 3))
			snprintf(num, sizeof num, "%d", d.y), sub = num, skip = 3;
		else if (!strncmp(p, "{month}", 7))
			sub = month, skip = 7;
		if (sub) {
			size_t len = strlen(sub);

			if (len > n - 1 - o)
				len = n - 1 - o;
			memcpy(buf + o, sub, len);
			o += len;
			p += skip;
		} else {
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
	return buf;
}

const char *engine_date_typed(const engine *e, const char *typed, char *buf, size_t n)
{
	struct kdate d;
	char t[64];

	trim_copy(t, sizeof t, typed ? typed : "");
	if (!loose_date(t, &d) || d.y < 1900 || d.m < 1 || d.m > 12 || d.d < 1 || d.d > kdate_mdays(d.y, d.m))
		return NULL;
	return engine_date_words(e, d, buf, n);
}

bool engine_shown(const engine *e, int i)
{
	return i >= 0 && i < e->c->n_screens && e->shown[i];
}

bool engine_started(const engine *e)
{
	return e->started;
}

bool engine_completed(const engine *e)
{
	return e->completed;
}

enum content_severity engine_outcome(const engine *e)
{
	return e->outcome;
}

const struct rules_flag *engine_flags(const engine *e, int *n)
{
	*n = e->n_flags;
	return e->flags;
}

const char *engine_patient_line(const engine *e, int *pos)
{
	for (; *pos < e->n_flags; (*pos)++) {
		const struct rules_flag *f = &e->flags[*pos];
		const char *p;
		bool dup = false;

		if (f->rule == NULL || !f->rule->patient_visible || f->patient == NULL ||
		    *(p = content_str(e->c, f->patient, e->lang)) == '\0')
			continue;
		for (int j = 0; j < *pos && !dup; j++)
			dup = e->flags[j].patient &&
			      !strcmp(content_str(e->c, e->flags[j].patient, e->lang), p);
		if (!dup) {
			(*pos)++;
			return p;
		}
	}
	return NULL;
}

const struct content *engine_content(const engine *e)
{
	return e->c;
}
