/* readaloud: builds the text to speak from the engine's screen and the
 * content's words.  Pure (see readaloud.h): it never touches the terminal,
 * the synthesiser or the store, and never says a word that is not in the
 * content; the only characters it adds are the spaces and full stops that
 * make the synthesiser pause between pieces. */
#include "readaloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"

static const char *const yesno_codes[] = { "yes", "no", "unsure" };

/* A growing string; `oom` remembers a failed allocation. */
struct sb {
	char *s;
	size_t n, cap;
	bool oom;
};

static void sb_put(struct sb *b, const char *p, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *t;

		while (b->n + len + 1 > cap)
			cap *= 2;
		t = realloc(b->s, cap);
		if (t == NULL) {
			b->oom = true;
			return;
		}
		b->s = t;
		b->cap = cap;
	}
	memcpy(b->s + b->n, p, len);
	b->n += len;
	b->s[b->n] = '\0';
}

/* Append text with every run of white space (line breaks of the content's
 * paragraphs included) as one space. */
static void sb_text(struct sb *b, const char *t)
{
	for (const char *p = t; *p;) {
		size_t run = strcspn(p, " \t\r\n");

		if (run) {
			sb_put(b, p, run);
			p += run;
		}
		if (*p) {
			p += strspn(p, " \t\r\n");
			if (*p && b->n && b->s[b->n - 1] != ' ')
				sb_put(b, " ", 1);
		}
	}
}

static bool ends_sentence(const struct sb *b)
{
	const char *s = b->s;
	size_t n = b->n;

	if (n == 0)
		return true;
	if (strchr(".!?:;", s[n - 1]))
		return true;
	return n >= 3 && !memcmp(s + n - 3, "\xe2\x80\xa6", 3); /* … */
}

/* Start a new piece: a space after the previous one, which gets a full stop
 * if it does not end a sentence (titles do not), so the voice pauses. */
static void sb_piece(struct sb *b)
{
	if (b->n == 0)
		return;
	while (b->n && b->s[b->n - 1] == ' ')
		b->s[--b->n] = '\0';
	if (!ends_sentence(b))
		sb_put(b, ".", 1);
	sb_put(b, " ", 1);
}

static void sb_say(struct sb *b, const char *t)
{
	if (t == NULL || t[strspn(t, " \t\r\n")] == '\0')
		return;
	sb_piece(b);
	sb_text(b, t + strspn(t, " \t\r\n"));
	while (b->n && b->s[b->n - 1] == ' ')
		b->s[--b->n] = '\0';
}

/* A message template with {n}, {total}, {label}, {value} and {key} filled in. */
static void sb_fill(struct sb *b, const char *tpl, int n, int total, const char *label, const char *value,
		    const char *key)
{
	static const char *const names[] = { "{n}", "{total}", "{label}", "{value}", "{key}" };
	struct sb t = { 0 };
	char num[16], tot[16];
	const char *vals[5];

	snprintf(num, sizeof num, "%d", n);
	snprintf(tot, sizeof tot, "%d", total);
	vals[0] = num;
	vals[1] = tot;
	vals[2] = label ? label : "";
	vals[3] = value ? value : "";
	vals[4] = key ? key : "";
	for (const char *p = tpl; *p;) {
		bool hit = false;

		for (int i = 0; i < 5 && !hit; i++) {
			size_t len = strlen(names[i]);

			if (!strncmp(p, names[i], len)) {
				sb_put(&t, vals[i], strlen(vals[i]));
				p += len;
				hit = true;
			}
		}
		if (!hit)
			sb_put(&t, p++, 1);
	}
	if (t.oom)
		b->oom = true;
	else if (t.s)
		sb_say(b, t.s);
	free(t.s);
}

static krc sb_done(struct sb *b, char **out, struct kerr *err)
{
	*out = NULL;
	if (!b->oom && b->s == NULL)
		sb_put(b, "", 0);
	if (!b->oom && !ends_sentence(b))
		sb_put(b, ".", 1);
	if (b->oom) {
		free(b->s);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	*out = b->s;
	return K_OK;
}

static const char *msg(const engine *e, const char *key)
{
	return content_msg(engine_content(e), key, engine_lang(e));
}

static const char *str(const engine *e, const struct content_text *t)
{
	return content_str(engine_content(e), t, engine_lang(e));
}

static int n_options(const struct content_screen *s)
{
	if (s->kind == CONTENT_YESNO)
		return s->not_sure ? 3 : 2;
	if (s->kind == CONTENT_CHOICE || s->kind == CONTENT_MULTI)
		return s->n_options;
	return 0;
}

static const char *option_label(const engine *e, const struct content_screen *s, int i)
{
	if (s->kind == CONTENT_YESNO)
		return msg(e, yesno_codes[i]);
	return str(e, &s->options[i].label);
}

/* True when `id` is one of the ','-separated ids of answer a. */
static bool in_answer(const char *a, const char *id)
{
	size_t len = strlen(id);

	for (const char *p = a; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, id, len) && (p[len] == ',' || p[len] == '\0'))
			return true;
	return false;
}

static bool option_on(const engine *e, const struct readaloud_view *v, const struct content_screen *s, int i)
{
	const char *a = engine_answer(e, engine_index(e));

	if (s->kind == CONTENT_MULTI && v && v->marks)
		return i < v->n_marks && v->marks[i];
	if (a == NULL)
		return false;
	if (s->kind == CONTENT_YESNO)
		return !strcmp(a, yesno_codes[i]);
	if (s->kind == CONTENT_MULTI)
		return in_answer(a, s->options[i].id);
	return !strcmp(a, s->options[i].id);
}

static void say_option(struct sb *b, const engine *e, const struct readaloud_view *v,
		       const struct content_screen *s, int i)
{
	sb_fill(b, msg(e, option_on(e, v, s, i) ? "say_option_on" : "say_option"), i + 1, 0,
		option_label(e, s, i), NULL, NULL);
}

/* Kinds whose answer the patient typed: never read out unasked. */
static bool typed(enum content_kind k)
{
	return k == CONTENT_TEXT || k == CONTENT_NUMBER || k == CONTENT_DATE || k == CONTENT_CONSENT;
}

/* A chosen answer as words: the labels of the chosen options. */
static void answer_words(struct sb *b, const engine *e, const struct content_screen *q, const char *a)
{
	bool first = true;

	for (int i = 0; i < n_options(q); i++) {
		bool on = q->kind == CONTENT_YESNO ? !strcmp(a, yesno_codes[i])
			  : q->kind == CONTENT_MULTI ? in_answer(a, q->options[i].id)
			  : !strcmp(a, q->options[i].id);

		if (!on)
			continue;
		if (!first)
			sb_put(b, ", ", 2);
		sb_text(b, option_label(e, q, i));
		first = false;
	}
}

static void say_review_item(struct sb *b, const engine *e, const struct readaloud_view *v, int i)
{
	const struct content_screen *q = &engine_content(e)->screens[i];
	const char *a = engine_answer(e, i);
	struct sb words = { 0 };

	if (a == NULL || *a == '\0') {
		sb_fill(b, msg(e, "say_answer"), 0, 0, str(e, &q->title), msg(e, "not_answered"), NULL);
		return;
	}
	if (typed(q->kind)) {
		sb_fill(b, msg(e, "say_typed"), 0, 0, str(e, &q->title), NULL, v ? v->spell_key : NULL);
		return;
	}
	answer_words(&words, e, q, a);
	if (words.oom)
		b->oom = true;
	sb_fill(b, msg(e, "say_answer"), 0, 0, str(e, &q->title), words.s ? words.s : "", NULL);
	free(words.s);
}

int readaloud_review_screen(const engine *e, int item)
{
	const struct content *c = engine_content(e);

	if (engine_screen(e)->kind != CONTENT_REVIEW || item < 0)
		return -1;
	for (int i = 0; i < c->n_screens && i < engine_index(e); i++)
		if (engine_shown(e, i) && content_asks(c->screens[i].kind) && item-- == 0)
			return i;
	return -1;
}

static void say_outcome(struct sb *b, const engine *e, const struct content_screen *s)
{
	static const char *const keys[] = { "outcome_clear", "outcome_review", "outcome_defer" };
	enum content_severity sev = engine_outcome(e);
	const char *p;

	if ((int)sev < 0 || (int)sev > 2)
		sev = CONTENT_SEV_REVIEW;
	sb_say(b, msg(e, keys[sev]));
	sb_say(b, str(e, &s->outcome[sev]));
	/* What the screen shows, no more: the patient lines the content marks
	 * patient_visible (an instruction, never a reason), once each.  Staff
	 * messages are never spoken. */
	for (int pos = 0; (p = engine_patient_line(e, &pos)) != NULL;)
		sb_say(b, p);
}

krc readaloud_screen(const engine *e, const struct readaloud_view *v, char **out, struct kerr *err)
{
	const struct content_screen *s = engine_screen(e);
	struct sb b = { 0 };
	int n, total;

	engine_progress(e, &n, &total);
	if (total > 0)
		sb_fill(&b, msg(e, "progress"), n, total, NULL, NULL, NULL);
	sb_say(&b, str(e, &s->title));
	sb_say(&b, str(e, &s->text));
	sb_say(&b, str(e, &s->help));
	switch (s->kind) {
	case CONTENT_YESNO:
	case CONTENT_CHOICE:
	case CONTENT_MULTI:
		for (int i = 0; i < n_options(s); i++)
			say_option(&b, e, v, s, i);
		break;
	case CONTENT_DATE:
		sb_say(&b, msg(e, "date_hint"));
		break;
	case CONTENT_REVIEW:
		for (int i = 0; readaloud_review_screen(e, i) >= 0; i++)
			say_review_item(&b, e, v, readaloud_review_screen(e, i));
		sb_say(&b, msg(e, "finish"));
		break;
	case CONTENT_OUTCOME:
		say_outcome(&b, e, s);
		break;
	case CONTENT_AFTERCARE:
		if (s->link && *s->link)
			sb_say(&b, msg(e, "qr_caption"));
		sb_say(&b, str(e, &s->body));
		break;
	default:
		break;
	}
	sb_say(&b, engine_error(e));
	return sb_done(&b, out, err);
}

krc readaloud_focus(const engine *e, const struct readaloud_view *v, int item, char **out,
		    struct kerr *err)
{
	const struct content_screen *s = engine_screen(e);
	struct sb b = { 0 };

	if (s->kind == CONTENT_REVIEW) {
		int q = readaloud_review_screen(e, item), count = 0;

		while (readaloud_review_screen(e, count) >= 0)
			count++;
		if (q >= 0)
			say_review_item(&b, e, v, q);
		else if (item == count)
			sb_say(&b, msg(e, "finish"));
	} else if (item >= 0 && item < n_options(s)) {
		say_option(&b, e, v, s, item);
	}
	return sb_done(&b, out, err);
}

krc readaloud_toggle(const engine *e, int option, bool on, char **out, struct kerr *err)
{
	const struct content_screen *s = engine_screen(e);
	struct sb b = { 0 };

	if (s->kind == CONTENT_MULTI && option >= 0 && option < s->n_options)
		sb_fill(&b, msg(e, on ? "say_ticked" : "say_unticked"), option + 1, 0,
			option_label(e, s, option), NULL, NULL);
	return sb_done(&b, out, err);
}

krc readaloud_error(const engine *e, char **out, struct kerr *err)
{
	struct sb b = { 0 };

	sb_say(&b, engine_error(e));
	return sb_done(&b, out, err);
}

krc readaloud_spell(const engine *e, int screen, const char *value, char **out, struct kerr *err)
{
	const struct content *c = engine_content(e);
	struct sb b = { 0 }, letters = { 0 };

	if (screen < 0 || screen >= c->n_screens)
		return sb_done(&b, out, err);
	if (value == NULL)
		value = engine_answer(e, screen);
	if (value && *value) {
		/* One letter at a time, so the voice spells rather than reads;
		 * a comma between words. */
		for (const char *p = value; *p;) {
			size_t len = 1;

			if (*p == ' ') {
				p += strspn(p, " ");
				if (*p && letters.n)
					sb_put(&letters, ", ", 2);
				continue;
			}
			while ((p[len] & 0xc0) == 0x80)
				len++;
			if (letters.n && letters.s[letters.n - 1] != ' ')
				sb_put(&letters, " ", 1);
			sb_put(&letters, p, len);
			p += len;
		}
		if (letters.oom)
			b.oom = true;
		sb_fill(&b, msg(e, "say_answer"), 0, 0, str(e, &c->screens[screen].title),
			letters.s ? letters.s : "", NULL);
	}
	free(letters.s);
	return sb_done(&b, out, err);
}
