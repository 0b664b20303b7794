/* test_readaloud: what the kiosk speaks, over the bundled content in every
 * language.  Every patient in tests/content/ is walked through the real
 * engine, in English and in Spanish; on every screen the spoken text must
 * hold that screen's words, in order and in the session's language, with
 * each option numbered, and never an answer the patient typed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content.h"
#include "engine.h"
#include "readaloud.h"

static struct content *bundled;

/* The text as the voice gets it: white space runs as one space. */
static char *squash(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	assert_non_null(out);
	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			if (o > out && o[-1] != ' ')
				*o++ = ' ';
		} else {
			*o++ = *s;
		}
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

/* Position of words in said, after `from`; fails the test when absent. */
static const char *expect_after(const char *said, const char *from, const char *words, const char *where)
{
	char *w = squash(words);
	const char *at = strstr(from, w);

	if (at == NULL)
		fail_msg("%s: \"%s\" is not in what is said: \"%s\"", where, w, said);
	at += strlen(w);
	free(w);
	return at;
}

static const char *lookup(char **keys, char **vals, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return vals[i];
	return NULL;
}

static const char *msg(const engine *e, const char *key)
{
	return content_msg(bundled, key, engine_lang(e));
}

static const char *str(const engine *e, const struct content_text *t)
{
	return content_str(bundled, t, engine_lang(e));
}

static const char *label(const engine *e, const struct content_screen *s, int i)
{
	static const char *const yn[] = { "yes", "no", "unsure" };

	return s->kind == CONTENT_YESNO ? msg(e, yn[i]) : str(e, &s->options[i].label);
}

/* The check for one screen: its words, in order, in its language. */
static void check_screen(const engine *e, char **keys, char **vals, int n_kv, const char *where)
{
	const struct content_screen *s = engine_screen(e);
	struct readaloud_view v = { NULL, 0, "F6" };
	struct kerr err = { "" };
	char *said = NULL, spot[800], num[16];
	const char *at;
	int lang = engine_lang(e), n_opt = 0;

	assert_int_equal(readaloud_screen(e, &v, &said, &err), K_OK);
	snprintf(spot, sizeof spot, "%s, screen %s, %s", where, s->id, bundled->langs[lang]);
	at = said;
	at = expect_after(said, at, str(e, &s->title), spot);
	if (*str(e, &s->text))
		at = expect_after(said, at, str(e, &s->text), spot);
	if (*str(e, &s->help))
		at = expect_after(said, at, str(e, &s->help), spot);
	if (s->kind == CONTENT_YESNO)
		n_opt = s->not_sure ? 3 : 2;
	else if (s->kind == CONTENT_CHOICE || s->kind == CONTENT_MULTI)
		n_opt = s->n_options;
	for (int i = 0; i < n_opt; i++) {
		snprintf(num, sizeof num, "%d, ", i + 1);
		at = expect_after(said, at, num, spot);
		at = expect_after(said, at, label(e, s, i), spot);
	}
	if (s->kind == CONTENT_DATE)
		expect_after(said, at, msg(e, "date_hint"), spot);
	if (s->kind == CONTENT_OUTCOME) {
		static const char *const k[] = { "outcome_clear", "outcome_review", "outcome_defer" };

		at = expect_after(said, at, msg(e, k[engine_outcome(e)]), spot);
		expect_after(said, at, str(e, &s->outcome[engine_outcome(e)]), spot);
	}
	if (s->kind == CONTENT_AFTERCARE)
		expect_after(said, at, str(e, &s->body), spot);
	if (s->kind == CONTENT_REVIEW) {
		for (int i = 0; i < engine_index(e); i++) {
			const struct content_screen *q = &bundled->screens[i];
			const char *a = engine_answer(e, i);

			if (!engine_shown(e, i) || !content_asks(q->kind))
				continue;
			at = expect_after(said, at, str(e, &q->title), spot);
			/* Typed answers (name, birth date, phone, signature) are
			 * never read out with the screen. */
			if (a && (q->kind == CONTENT_TEXT || q->kind == CONTENT_DATE ||
				  q->kind == CONTENT_NUMBER || q->kind == CONTENT_CONSENT) &&
			    strstr(said, a))
				fail_msg("%s: the typed answer to %s is read out: \"%s\"", spot, q->id, said);
		}
		expect_after(said, at, msg(e, "finish"), spot);
		assert_non_null(strstr(said, "F6"));
	}
	/* Every template filled in; the other language's title never said. */
	assert_null(strstr(said, "{"));
	for (int l = 0; l < bundled->n_langs; l++) {
		const char *other = s->title.s[l];

		if (l != lang && other && strcmp(other, str(e, &s->title)) && strstr(said, other))
			fail_msg("%s: the %s title is said: \"%s\"", spot, bundled->langs[l], said);
	}
	(void)keys;
	(void)vals;
	(void)n_kv;
	free(said);
}

/* Walk one patient's answers through the engine in language lang, checking
 * every screen; marks seen[screen] for each screen shown. */
static void walk(const char *path, const char *lang, bool *seen)
{
	char **keys = NULL, **vals = NULL;
	int n_kv = 0, steps = 0;
	struct kerr err = { "" };
	struct kdate today = { 2026, 11, 26 };
	engine *e = NULL;
	const char *t;

	assert_int_equal(content_read_kv(path, &keys, &vals, &n_kv, &err), K_OK);
	t = lookup(keys, vals, n_kv, "today");
	if (t)
		assert_true(kdate_parse(t, &today));
	assert_int_equal(engine_new(&e, bundled, lang, &err), K_OK);
	while (steps++ < 4 * bundled->n_screens) {
		const struct content_screen *s = engine_screen(e);
		struct engine_event ev = { ENGINE_EV_NEXT, NULL, 0 };
		struct engine_fxlist fx;
		const char *a = lookup(keys, vals, n_kv, s->id);

		check_screen(e, keys, vals, n_kv, path);
		seen[engine_index(e)] = true;
		if (engine_completed(e)) {
			/* Stop on the last screen: leaving it ends the session. */
			int j = engine_index(e) + 1;

			while (j < bundled->n_screens && !engine_shown(e, j))
				j++;
			if (j >= bundled->n_screens)
				break;
		}
		if (!strcmp(s->id, "language"))
			a = lang; /* the same patient, in each language */
		if (content_asks(s->kind) && a) {
			ev.kind = ENGINE_EV_ANSWER;
			ev.value = a;
		}
		assert_int_equal(engine_step(e, &ev, today, &fx, &err), K_OK);
		assert_null(engine_error(e));
	}
	if (engine_screen(e)->kind != CONTENT_AFTERCARE && engine_screen(e)->kind != CONTENT_OUTCOME)
		fail_msg("%s in %s stopped on %s", path, lang, engine_screen(e)->id);
	engine_free(e);
	content_kv_free(keys, vals, n_kv);
}

static void test_every_screen_every_language(void **state)
{
	DIR *d = opendir("tests/content");
	struct dirent *de;
	bool *seen;
	int walked = 0;

	(void)state;
	assert_non_null(d);
	seen = calloc((size_t)bundled->n_screens * CONTENT_MAX_LANGS, sizeof *seen);
	assert_non_null(seen);
	while ((de = readdir(d)) != NULL) {
		char path[512];
		size_t n = strlen(de->d_name);

		if (n < 6 || strcmp(de->d_name + n - 5, ".yaml"))
			continue;
		snprintf(path, sizeof path, "tests/content/%s", de->d_name);
		for (int l = 0; l < bundled->n_langs; l++)
			walk(path, bundled->langs[l], seen + (size_t)l * bundled->n_screens);
		walked++;
	}
	closedir(d);
	assert_true(walked > 10);
	for (int l = 0; l < bundled->n_langs; l++)
		for (int i = 0; i < bundled->n_screens; i++)
			if (!seen[(size_t)l * bundled->n_screens + i])
				fail_msg("screen %s was never read aloud in %s", bundled->screens[i].id,
					 bundled->langs[l]);
	free(seen);
}

/* An engine on screen `id` after the answers of tests/content/`file`. */
static engine *at_screen(const char *file, const char *lang, const char *id)
{
	char path[256], **keys = NULL, **vals = NULL;
	int n_kv = 0;
	struct kerr err = { "" };
	struct kdate today = { 2026, 11, 26 };
	engine *e = NULL;

	snprintf(path, sizeof path, "tests/content/%s", file);
	assert_int_equal(content_read_kv(path, &keys, &vals, &n_kv, &err), K_OK);
	assert_int_equal(engine_new(&e, bundled, lang, &err), K_OK);
	for (int i = 0; i < 4 * bundled->n_screens && strcmp(engine_screen(e)->id, id); i++) {
		const struct content_screen *s = engine_screen(e);
		struct engine_event ev = { ENGINE_EV_NEXT, NULL, 0 };
		struct engine_fxlist fx;
		const char *a = !strcmp(s->id, "language") ? lang : lookup(keys, vals, n_kv, s->id);

		if (content_asks(s->kind) && a) {
			ev.kind = ENGINE_EV_ANSWER;
			ev.value = a;
		}
		assert_int_equal(engine_step(e, &ev, today, &fx, &err), K_OK);
	}
	assert_string_equal(engine_screen(e)->id, id);
	content_kv_free(keys, vals, n_kv);
	return e;
}

static void said_is(char *said, const char *want)
{
	assert_string_equal(said, want);
	free(said);
}

static void test_yesno_exact(void **state)
{
	engine *e;
	char *said;
	struct kerr err = { "" };

	(void)state;
	e = at_screen("cancer-now.yaml", "en", "cancer_now");
	assert_int_equal(readaloud_screen(e, NULL, &said, &err), K_OK);
	assert_non_null(strstr(said, "Cancer treatment. Are you getting chemotherapy or radiation "
				     "treatment now? 1, Yes. 2, No. 3, I'm not sure."));
	assert_true(strncmp(said, "Question ", 9) == 0);
	free(said);
	assert_int_equal(readaloud_focus(e, NULL, 1, &said, &err), K_OK);
	said_is(said, "2, No.");
	engine_free(e);

	e = at_screen("cancer-now.yaml", "es", "cancer_now");
	assert_int_equal(readaloud_screen(e, NULL, &said, &err), K_OK);
	assert_non_null(strstr(said, "Tratamiento del cáncer. ¿Está recibiendo quimioterapia o "
				     "radioterapia ahora? 1, Sí. 2, No. 3, No estoy seguro/a."));
	assert_true(strncmp(said, "Pregunta ", 9) == 0);
	free(said);
	engine_free(e);
}

static void test_multi_ticks(void **state)
{
	engine *e = at_screen("hsv-history.yaml", "en", "skin_history");
	bool marks[8] = { true };
	struct readaloud_view v = { marks, 8, NULL };
	char *said;
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(readaloud_toggle(e, 0, true, &said, &err), K_OK);
	said_is(said, "Ticked: Cold sores or fever blisters (herpes).");
	assert_int_equal(readaloud_toggle(e, 0, false, &said, &err), K_OK);
	said_is(said, "Unticked: Cold sores or fever blisters (herpes).");
	/* What is ticked on screen is said with the option. */
	assert_int_equal(readaloud_focus(e, &v, 0, &said, &err), K_OK);
	said_is(said, "1, Cold sores or fever blisters (herpes): chosen.");
	assert_int_equal(readaloud_screen(e, &v, &said, &err), K_OK);
	assert_non_null(strstr(said, "1, Cold sores or fever blisters (herpes): chosen. 2, Thick, raised scars (keloids)."));
	free(said);
	engine_free(e);

	e = at_screen("hsv-history.yaml", "es", "skin_history");
	assert_int_equal(readaloud_toggle(e, 1, true, &said, &err), K_OK);
	said_is(said, "Marcado: Cicatrices gruesas y abultadas (queloides).");
	engine_free(e);
}

static void test_error_is_said(void **state)
{
	engine *e = at_screen("all-clear.yaml", "en", "dob");
	struct engine_event ev = { ENGINE_EV_ANSWER, "24/07/1985", 0 };
	struct engine_fxlist fx;
	struct kdate today = { 2026, 11, 26 };
	struct kerr err = { "" };
	char *said;

	(void)state;
	assert_int_equal(readaloud_error(e, &said, &err), K_OK);
	said_is(said, "");
	assert_int_equal(engine_step(e, &ev, today, &fx, &err), K_OK);
	assert_non_null(engine_error(e));
	/* The refused answer's message, as the screen shows it, alone... */
	assert_int_equal(readaloud_error(e, &said, &err), K_OK);
	assert_string_equal(said, engine_error(e));
	free(said);
	/* ...and at the end of the whole screen, after the date hint. */
	assert_int_equal(readaloud_screen(e, NULL, &said, &err), K_OK);
	expect_after(said, expect_after(said, said, msg(e, "date_hint"), "dob"), engine_error(e), "dob");
	free(said);
	engine_free(e);
}

static void test_review_and_spelling(void **state)
{
	engine *e = at_screen("spanish.yaml", "es", "review");
	struct readaloud_view v = { NULL, 0, "F6" };
	struct kerr err = { "" };
	char *said;
	int name = content_find(bundled, "full_name"), item = -1;

	(void)state;
	assert_int_equal(readaloud_screen(e, &v, &said, &err), K_OK);
	assert_null(strstr(said, "Paciente Prueba"));
	assert_null(strstr(said, "555-0100"));
	assert_non_null(strstr(said, "Su nombre: su respuesta escrita. Pulse F6 para oírla letra por letra."));
	assert_non_null(strstr(said, "Terminar."));
	free(said);
	for (int i = 0; readaloud_review_screen(e, i) >= 0; i++)
		if (readaloud_review_screen(e, i) == name)
			item = i;
	assert_true(item >= 0);
	assert_int_equal(readaloud_focus(e, &v, item, &said, &err), K_OK);
	assert_null(strstr(said, "Paciente"));
	free(said);
	/* On request only: spelled out, letter by letter. */
	assert_int_equal(readaloud_spell(e, name, NULL, &said, &err), K_OK);
	said_is(said, "Su nombre: P a c i e n t e, P r u e b a.");
	assert_int_equal(readaloud_spell(e, name, "Ana  Muñoz", &said, &err), K_OK);
	said_is(said, "Su nombre: A n a, M u ñ o z.");
	engine_free(e);
}

static void test_outcome_names_nothing(void **state)
{
	engine *e = at_screen("pregnant.yaml", "en", "outcome");
	struct kerr err = { "" };
	const struct rules_flag *f;
	char *said;
	int nf;

	(void)state;
	assert_int_equal(readaloud_screen(e, NULL, &said, &err), K_OK);
	assert_non_null(strstr(said, "Please speak with the front desk."));
	/* The staff messages, which name the reason, are never spoken. */
	f = engine_flags(e, &nf);
	assert_true(nf > 0);
	for (int i = 0; i < nf; i++) {
		assert_null(strstr(said, f[i].staff));
		/* Nor a patient line the screen does not show (only lines
		 * marked patient_visible are shown, an instruction). */
		if (f[i].patient && (f[i].rule == NULL || !f[i].rule->patient_visible))
			assert_null(strstr(said, str(e, f[i].patient)));
	}
	assert_null(strstr(said, "pregnan"));
	free(said);
	engine_free(e);
}

static int setup(void **state)
{
	struct kerr err = { "" };

	(void)state;
	return content_load(&bundled, "screens", NULL, &err) == K_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	content_free(bundled);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_screen_every_language),
		cmocka_unit_test(test_yesno_exact),
		cmocka_unit_test(test_multi_ticks),
		cmocka_unit_test(test_error_is_said),
		cmocka_unit_test(test_review_and_spelling),
		cmocka_unit_test(test_outcome_names_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
