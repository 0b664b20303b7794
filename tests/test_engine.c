/* The intake state machine, table-driven over tests/fixtures/mini. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "content.h"
#include "engine.h"

static const struct kdate today = { 2026, 11, 26 };

struct step {
	enum engine_ev ev;
	const char *value;  /* answer / language; for JUMP the screen id */
	const char *screen; /* expected screen afterwards */
	const char *fx;     /* expected effects, e.g. "START SAVE" */
	bool error;         /* expect a refusal shown to the patient */
};

static const char *fx_name(enum engine_fx_kind k)
{
	switch (k) {
	case ENGINE_FX_START: return "START";
	case ENGINE_FX_SAVE: return "SAVE";
	case ENGINE_FX_DROP: return "DROP";
	case ENGINE_FX_LANG: return "LANG";
	case ENGINE_FX_COMPLETE: return "COMPLETE";
	case ENGINE_FX_END: return "END";
	case ENGINE_FX_WIPE: return "WIPE";
	}
	return "?";
}

static struct content *load(void)
{
	struct content *c = NULL;
	struct kerr err = { "" };

	assert_int_equal(content_load(&c, "tests/fixtures/mini/screens", NULL, &err), K_OK);
	return c;
}

static void run(engine *e, const struct content *c, const struct step *steps, int n)
{
	for (int i = 0; i < n; i++) {
		struct engine_event ev = { steps[i].ev, steps[i].value, 0 };
		struct engine_fxlist fx;
		struct kerr err = { "" };
		char got[256] = "";

		if (steps[i].ev == ENGINE_EV_JUMP)
			ev.screen = content_find(c, steps[i].value);
		assert_int_equal(engine_step(e, &ev, today, &fx, &err), K_OK);
		for (int k = 0; k < fx.n; k++) {
			if (k)
				strcat(got, " ");
			strcat(got, fx_name(fx.fx[k].kind));
		}
		if (strcmp(engine_screen(e)->id, steps[i].screen) || strcmp(got, steps[i].fx) ||
		    (engine_error(e) != NULL) != steps[i].error)
			fail_msg("step %d: screen %s (want %s), effects '%s' (want '%s'), error %s", i,
				 engine_screen(e)->id, steps[i].screen, got, steps[i].fx,
				 engine_error(e) ? engine_error(e) : "none");
	}
}

#define A(v, s, fx) { ENGINE_EV_ANSWER, v, s, fx, false }
#define BAD(v, s) { ENGINE_EV_ANSWER, v, s, "", true }
#define NEXT(s, fx) { ENGINE_EV_NEXT, NULL, s, fx, false }
#define BACK(s) { ENGINE_EV_BACK, NULL, s, "", false }

static void test_all_clear(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };
	static const struct step steps[] = {
		NEXT("language", ""),
		A("en", "name", "START SAVE"),
		A("Zoë Ñúñez-Øster", "dob", "SAVE"),
		A("1990-04-01", "pregnant", "SAVE"),
		A("no", "meds", "SAVE"),
		A("none", "consent", "SAVE"),
		A("Zoë Ñúñez-Øster", "review", "SAVE"),
		NEXT("outcome", "COMPLETE"),
		BACK("outcome"),
		NEXT("aftercare", ""),
		NEXT("welcome", "END"),
	};

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	assert_string_equal(engine_screen(e)->id, "welcome");
	run(e, c, steps, 9);
	assert_true(engine_completed(e));
	assert_int_equal(engine_outcome(e), CONTENT_SEV_CLEAR);
	run(e, c, steps + 9, 2);
	assert_false(engine_started(e));
	assert_null(engine_answer(e, content_find(c, "name")));
	engine_free(e);
	content_free(c);
}

static void test_bad_answers(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };
	static const struct step steps[] = {
		NEXT("language", ""),
		{ ENGINE_EV_NEXT, NULL, "language", "", true }, /* required: refused */
		A("es", "name", "START SAVE LANG"),
		BAD("", "name"),
		BAD("R2-D2", "name"),
		BAD("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "name"),
		A("  Ana  ", "dob", "SAVE"),
		BAD("2026-02-31", "dob"),
		BAD("31/01/1990", "dob"),
		BAD("2027-01-01", "dob"),
		BAD("1800-01-01", "dob"),
		A("1990-01-31", "pregnant", "SAVE"),
		BAD("maybe", "pregnant"),
		A("unsure", "meds", "SAVE"),
		BAD("none,iso", "meds"),
		BAD("aspirin", "meds"),
		BAD("", "meds"),
	};
	int name;

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	run(e, c, steps, 3);
	assert_int_equal(engine_lang(e), content_lang(c, "es"));
	run(e, c, steps + 3, 1);
	/* refusals are in the patient's language and name the field */
	assert_non_null(engine_error(e));
	run(e, c, steps + 4, (int)(sizeof steps / sizeof steps[0]) - 4);
	name = content_find(c, "name");
	assert_string_equal(engine_answer(e, name), "Ana");
	assert_int_equal(engine_outcome(e), CONTENT_SEV_REVIEW); /* "not sure" on pregnancy */
	engine_free(e);
	content_free(c);
}

/* One validation for the screen and `simulate`: format and control
 * characters refused, Unicode spaces made plain, a letter required in a
 * name, the length limit the screen enforces, dates typed loosely. */
static void test_validation(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };
	static const struct step steps[] = {
		NEXT("language", ""),
		A("en", "name", "START SAVE"),
		BAD("\xe2\x80\x8b", "name"),                 /* only a zero-width space */
		BAD("Ana\xe2\x80\xae" "z", "name"),           /* text direction override */
		BAD("An\x01" "a", "name"),                     /* control character */
		BAD("Mu\xf1oz", "name"),                       /* invalid UTF-8 */
		BAD("\xe2\x9c\x93\xe2\x9c\x93", "name"),       /* symbols, no letter */
		BAD("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xb1", "name"), /* 41 characters */
		A("Ana\xc2\xa0Mar\xc3\xad" "a\xe3\x80\x80Lopez", "dob", "SAVE"),
		BAD("1800-01-01", "dob"),
		BAD("1990-2-30", "dob"),
		A("1990-5-23", "pregnant", "SAVE"),
	};
	char buf[64];

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	run(e, c, steps, 10);
	assert_non_null(strstr(engine_error(e), "too long ago"));
	run(e, c, steps + 10, 2);
	assert_string_equal(engine_answer(e, content_find(c, "name")), "Ana Mar\xc3\xad" "a Lopez");
	assert_string_equal(engine_answer(e, content_find(c, "dob")), "1990-05-23");
	assert_int_equal(engine_max_chars(&c->screens[content_find(c, "name")]), 40);
	assert_string_equal(engine_date_typed(e, "1990-5-23", buf, sizeof buf), "23 May 1990");
	assert_null(engine_date_typed(e, "1990-5-", buf, sizeof buf));
	{
		struct engine_event ev = { ENGINE_EV_LANG, "es", 0 };
		struct engine_fxlist fx;

		assert_int_equal(engine_step(e, &ev, today, &fx, &err), K_OK);
		assert_string_equal(engine_date_typed(e, "1990-05-23", buf, sizeof buf), "23 de mayo de 1990");
	}
	engine_free(e);
	content_free(c);
}

/* Progress only moves forward: the total counts the questions that may
 * still be asked, so a follow-up question never makes it grow. */
static void test_progress_forward(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };
	const char *answers[] = { NULL, "en", "Ana", "1990-01-01", "no", "iso", "2026-01-01", "Ana" };
	int last_n = 0, last_total = 1 << 30;

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	for (int i = 0; i < 8; i++) {
		struct engine_event ev = { answers[i] ? ENGINE_EV_ANSWER : ENGINE_EV_NEXT, answers[i], 0 };
		struct engine_fxlist fx;
		int n, total;

		assert_int_equal(engine_step(e, &ev, today, &fx, &err), K_OK);
		assert_null(engine_error(e));
		engine_progress(e, &n, &total);
		if (total == 0)
			break;
		assert_true(n > last_n);
		assert_true(total <= last_total);
		last_n = n;
		last_total = total;
	}
	engine_free(e);
	content_free(c);
}

static void test_skip_and_back(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };
	int n, total;
	static const struct step steps[] = {
		NEXT("language", ""),
		A("en", "name", "START SAVE"),
		A("Ana", "dob", "SAVE"),
		A("1990-01-31", "pregnant", "SAVE"),
		A("no", "meds", "SAVE"),
		A("iso,thinner", "iso_stop", "SAVE"),
		A("2026-05-27", "consent", "SAVE"),   /* inside 6 months: defer */
		BACK("iso_stop"),
		BACK("meds"),
		A("thinner", "consent", "SAVE DROP"), /* iso_stop no longer shown */
		A("Ana", "review", "SAVE"),
		NEXT("outcome", "COMPLETE"),
	};

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	run(e, c, steps, 7);
	assert_int_equal(engine_outcome(e), CONTENT_SEV_DEFER);
	engine_progress(e, &n, &total);
	assert_int_equal(total, 7);
	assert_int_equal(n, 7);
	run(e, c, steps + 7, 5);
	assert_null(engine_answer(e, content_find(c, "iso_stop")));
	assert_int_equal(engine_outcome(e), CONTENT_SEV_REVIEW);
	engine_free(e);
	content_free(c);
}

static void test_review_jump(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };
	static const struct step steps[] = {
		NEXT("language", ""),
		A("en", "name", "START SAVE"),
		A("Ana", "dob", "SAVE"),
		A("1990-01-31", "pregnant", "SAVE"),
		A("no", "meds", "SAVE"),
		A("none", "consent", "SAVE"),
		A("Ana", "review", "SAVE"),
		{ ENGINE_EV_JUMP, "meds", "meds", "", false },
		A("iso", "iso_stop", "SAVE"),          /* newly shown follow-up is asked */
		A("2026-05-26", "review", "SAVE"),      /* exactly 6 months: review window */
		{ ENGINE_EV_JUMP, "pregnant", "pregnant", "", false },
		BACK("review"),                         /* Esc returns to the summary */
		{ ENGINE_EV_LANG, "es", "review", "LANG", false },
		NEXT("outcome", "COMPLETE"),
		{ ENGINE_EV_TIMEOUT, NULL, "welcome", "END", false },
	};

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	run(e, c, steps, 14);
	assert_int_equal(engine_outcome(e), CONTENT_SEV_REVIEW);
	{
		int nf;
		const struct rules_flag *f = engine_flags(e, &nf);

		assert_int_equal(nf, 1);
		assert_string_equal(f[0].code, "ISO-6-12M");
	}
	run(e, c, steps + 14, 1);
	assert_int_equal(engine_lang(e), 0);
	engine_free(e);
	content_free(c);
}

static void test_wipe_and_defer(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };
	static const struct step steps[] = {
		NEXT("language", ""),
		A("en", "name", "START SAVE"),
		{ ENGINE_EV_TIMEOUT, NULL, "welcome", "WIPE", false },
		{ ENGINE_EV_RESET, NULL, "welcome", "", false },
		NEXT("language", ""),
		A("en", "name", "START SAVE"),
		A("Ana", "dob", "SAVE"),
		A("1990-01-31", "pregnant", "SAVE"),
		A("yes", "meds", "SAVE"),
		A("none", "consent", "SAVE"),
		A("Ana", "review", "SAVE"),
		NEXT("outcome", "COMPLETE"),
		NEXT("welcome", "END"), /* defer: no aftercare, back to the start */
	};
	struct engine_event bad = { ENGINE_EV_JUMP, NULL, 3 };
	struct engine_fxlist fx;

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	assert_int_equal(engine_step(e, &bad, today, &fx, &err), K_EINVAL);
	kerr_clear(&err);
	run(e, c, steps, 12);
	assert_int_equal(engine_outcome(e), CONTENT_SEV_DEFER);
	run(e, c, steps + 12, 1);
	engine_free(e);
	content_free(c);
}

static void test_restore(void **state)
{
	struct content *c = load();
	engine *e = NULL;
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	assert_int_equal(engine_restore(e, "language", "en", &err), K_OK);
	assert_int_equal(engine_restore(e, "name", "Ana", &err), K_OK);
	assert_int_equal(engine_restore(e, "nosuch", "x", &err), K_ENOTFOUND);
	engine_resume(e, today);
	assert_string_equal(engine_screen(e)->id, "dob");
	assert_true(engine_started(e));
	engine_free(e);
	content_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_clear),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_progress_forward),
		cmocka_unit_test(test_skip_and_back),
		cmocka_unit_test(test_review_jump),
		cmocka_unit_test(test_wipe_and_defer),
		cmocka_unit_test(test_restore),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
