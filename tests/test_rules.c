/* Rules over answers: windows (rule 5), ages, multi choices, "not sure". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "content.h"
#include "rules.h"

static struct content *c;
static const char *ans[64];

static int setup(void **state)
{
	struct kerr err = { "" };

	(void)state;
	return content_load(&c, "tests/fixtures/mini/screens", NULL, &err) == K_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	content_free(c);
	return 0;
}

static void set(const char *q, const char *v)
{
	int i = content_find(c, q);

	assert_true(i >= 0);
	ans[i] = v;
}

static void clear(void)
{
	memset(ans, 0, sizeof ans);
	set("language", "en");
	set("name", "Ana");
	set("dob", "1990-01-01");
	set("pregnant", "no");
	set("meds", "none");
}

/* Flags as "CODE CODE" and the outcome. */
static enum content_severity eval(const char *today_s, char *codes)
{
	struct rules_flag f[RULES_MAX_FLAGS];
	struct kdate today;
	enum content_severity out;
	int n;

	assert_true(kdate_parse(today_s, &today));
	n = rules_eval(c, ans, today, f, RULES_MAX_FLAGS, &out);
	codes[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(codes, " ");
		strcat(codes, f[i].code);
	}
	return out;
}

static void test_clear(void **state)
{
	char codes[512];

	(void)state;
	clear();
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_CLEAR);
	assert_string_equal(codes, "");
}

static void test_window_boundaries(void **state)
{
	char codes[512];

	(void)state;
	clear();
	set("meds", "iso");
	set("iso_stop", "2026-05-27"); /* the day after "6 months ago": inside */
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_DEFER);
	assert_string_equal(codes, "ISO-RECENT");
	set("iso_stop", "2026-05-26"); /* exactly 6 months ago: outside, 6-12 months */
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_REVIEW);
	assert_string_equal(codes, "ISO-6-12M");
	set("iso_stop", "2025-11-27");
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_REVIEW);
	set("iso_stop", "2025-11-26"); /* exactly 12 months: no flag */
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_CLEAR);
	/* 31 Aug minus 6 months is 28 Feb */
	set("iso_stop", "2026-03-01");
	assert_int_equal(eval("2026-08-31", codes), CONTENT_SEV_DEFER);
	set("iso_stop", "2026-02-28");
	assert_int_equal(eval("2026-08-31", codes), CONTENT_SEV_REVIEW);
	/* a stop date in the future is not "within" a past window */
	set("iso_stop", "2026-12-01");
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_CLEAR);
}

static void test_age(void **state)
{
	char codes[512];

	(void)state;
	clear();
	set("dob", "2008-11-27");
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_REVIEW);
	assert_string_equal(codes, "MINOR");
	set("dob", "2008-11-26"); /* 18 today */
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_CLEAR);
}

static void test_multi_and_worst_wins(void **state)
{
	char codes[512];

	(void)state;
	clear();
	set("meds", "iso,thinner");
	set("iso_stop", "2026-11-01");
	set("pregnant", "yes");
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_DEFER);
	/* every flag is kept for staff, not only the worst */
	assert_string_equal(codes, "PREGNANT THINNER ISO-RECENT");
}

static void test_unsure(void **state)
{
	char codes[512];
	struct rules_flag f[4];
	struct kdate today = { 2026, 11, 26 };
	enum content_severity out;

	(void)state;
	clear();
	set("pregnant", "unsure");
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_REVIEW);
	assert_string_equal(codes, "UNSURE-pregnant");
	assert_int_equal(rules_eval(c, ans, today, f, 4, &out), 1);
	assert_null(f[0].patient);
	assert_non_null(strstr(f[0].staff, "not sure"));
	set("pregnant", "no");
	set("meds", "unsure");
	assert_int_equal(eval("2026-11-26", codes), CONTENT_SEV_REVIEW);
	assert_string_equal(codes, "UNSURE-meds");
	/* the language question is not a safety question */
	assert_false(c->screens[content_find(c, "language")].safety);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_window_boundaries),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_multi_and_worst_wins),
		cmocka_unit_test(test_unsure),
	};

	return cmocka_run_group_tests_name("rules", tests, setup, teardown);
}
