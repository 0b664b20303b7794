/* Calendar arithmetic, including the clinic's rule 5 month-end cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kdate.h"

static struct kdate D(const char *s)
{
	struct kdate d = { 0, 0, 0 };

	assert_true(kdate_parse(s, &d));
	return d;
}

static void test_parse(void **state)
{
	struct kdate d;
	char buf[11];

	(void)state;
	assert_true(kdate_parse("2026-11-26", &d));
	assert_int_equal(d.y, 2026);
	assert_int_equal(d.m, 11);
	assert_int_equal(d.d, 26);
	assert_true(kdate_parse("2024-02-29", &d));
	assert_false(kdate_parse("2026-02-29", &d));
	assert_false(kdate_parse("2026-02-31", &d));
	assert_false(kdate_parse("2026-13-01", &d));
	assert_false(kdate_parse("2026-1-01", &d));
	assert_false(kdate_parse("26-11-2026", &d));
	assert_false(kdate_parse("1899-12-31", &d));
	assert_false(kdate_parse("", &d));
	assert_false(kdate_parse(NULL, &d));
	kdate_format(D("2001-02-03"), buf);
	assert_string_equal(buf, "2001-02-03");
}

static void test_span(void **state)
{
	struct kdate_span s;

	(void)state;
	assert_true(kdate_span_parse("6m", &s));
	assert_int_equal(s.n, 6);
	assert_int_equal(s.unit, 'm');
	assert_true(kdate_span_parse("14d", &s));
	assert_true(kdate_span_parse("120y", &s));
	assert_false(kdate_span_parse("0d", &s));
	assert_false(kdate_span_parse("6", &s));
	assert_false(kdate_span_parse("6 months", &s));
	assert_false(kdate_span_parse("-6m", &s));
	assert_false(kdate_span_parse("6mm", &s));
	assert_false(kdate_span_parse("999y", &s));
}

static void test_sub(void **state)
{
	char buf[11];
	struct kdate_span six = { 6, 'm' }, year = { 1, 'y' }, twoweeks = { 2, 'w' }, d14 = { 14, 'd' };

	(void)state;
	/* contraindications.md rule 5, worked example */
	kdate_format(kdate_sub(D("2026-11-26"), six), buf);
	assert_string_equal(buf, "2026-05-26");
	/* month end with no matching day: last day of that month */
	kdate_format(kdate_sub(D("2026-08-31"), six), buf);
	assert_string_equal(buf, "2026-02-28");
	kdate_format(kdate_sub(D("2028-08-31"), six), buf);
	assert_string_equal(buf, "2028-02-29");
	kdate_format(kdate_sub(D("2024-02-29"), year), buf);
	assert_string_equal(buf, "2023-02-28");
	kdate_format(kdate_sub(D("2026-01-10"), twoweeks), buf);
	assert_string_equal(buf, "2025-12-27");
	kdate_format(kdate_sub(D("2026-03-01"), d14), buf);
	assert_string_equal(buf, "2026-02-15");
}

static void test_age(void **state)
{
	(void)state;
	assert_int_equal(kdate_age(D("2008-11-26"), D("2026-11-26")), 18);
	assert_int_equal(kdate_age(D("2008-11-27"), D("2026-11-26")), 17);
	assert_int_equal(kdate_age(D("2008-02-29"), D("2026-02-28")), 17);
	assert_int_equal(kdate_age(D("2008-02-29"), D("2026-03-01")), 18);
	assert_true(kdate_cmp(D("2026-05-27"), D("2026-05-26")) > 0);
	assert_int_equal(kdate_cmp(D("2026-05-26"), D("2026-05-26")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_sub),
		cmocka_unit_test(test_age),
	};

	return cmocka_run_group_tests_name("kdate", tests, NULL, NULL);
}
