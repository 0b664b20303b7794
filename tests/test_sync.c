/* test_sync: the pure parts of the sync process, table-driven: status
 * classification, full-jitter backoff, Retry-After parsing, and reading
 * the server's answers (OperationOutcome text, transaction locations).
 * The network parts are tested against a real TLS server in
 * tests/it/sync_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sync.h"

static void test_classify(void **state)
{
	static const struct {
		long status;
		enum sync_class want;
	} cases[] = {
		{ 0, SYNC_RETRY },        /* no answer: connection refused, reset, timeout */
		{ 100, SYNC_RETRY },
		{ 200, SYNC_DELIVERED },
		{ 201, SYNC_DELIVERED },
		{ 299, SYNC_DELIVERED },
		{ 301, SYNC_RETRY },      /* redirects are not followed */
		{ 400, SYNC_PERMANENT },
		{ 401, SYNC_AUTH },
		{ 403, SYNC_AUTH },
		{ 404, SYNC_PERMANENT },
		{ 408, SYNC_RETRY },
		{ 409, SYNC_RETRY },
		{ 412, SYNC_PERMANENT },
		{ 422, SYNC_PERMANENT },
		{ 429, SYNC_RETRY },
		{ 499, SYNC_PERMANENT },
		{ 500, SYNC_RETRY },
		{ 502, SYNC_RETRY },
		{ 503, SYNC_RETRY },
		{ 504, SYNC_RETRY },
		{ 599, SYNC_RETRY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (sync_classify(cases[i].status) != cases[i].want)
			fail_msg("status %ld: got %d, want %d", cases[i].status,
				 sync_classify(cases[i].status), cases[i].want);
	}
}

static void test_backoff_bounds(void **state)
{
	static const uint32_t rnds[] = { 0, 1, 2, 3, 7, 1000, 65535, 0x7fffffffu, 0xffffffffu };

	(void)state;
	/* The wait is always in [1, min(max, 2^failures)]. */
	for (int failures = -1; failures <= 70; failures++)
		for (int64_t max = 0; max <= 400; max += 57)
			for (size_t r = 0; r < sizeof rnds / sizeof rnds[0]; r++) {
				int64_t cap = 1, w = sync_backoff(failures, max, rnds[r]);

				for (int i = 0; i < failures && cap < 1000000; i++)
					cap *= 2;
				if (cap > (max < 1 ? 1 : max))
					cap = max < 1 ? 1 : max;
				if (w < 1 || w > cap)
					fail_msg("failures %d max %lld rnd %u: wait %lld not in [1, %lld]",
						 failures, (long long)max, rnds[r], (long long)w,
						 (long long)cap);
			}
	assert_int_equal(sync_backoff(0, 300, 12345), 1);
	assert_int_equal(sync_backoff(100, 300, 299), 300);
	assert_int_equal(sync_backoff(100, 300, 300), 1);
}

static void test_backoff_full_jitter(void **state)
{
	/* Full jitter: every value of the window is reachable, so a crowd of
	 * kiosks that failed together does not come back together. */
	int seen[65] = { 0 };

	(void)state;
	for (uint32_t r = 0; r < 6400; r++)
		seen[sync_backoff(6, 300, r)]++;
	for (int v = 1; v <= 64; v++)
		if (seen[v] == 0)
			fail_msg("wait %d never drawn", v);
	assert_int_equal(seen[0], 0);
	/* And the cap holds: backoff_max 5 minutes. */
	for (uint32_t r = 0; r < 100000; r += 7)
		assert_true(sync_backoff(30, 300, r * 2654435761u) <= 300);
}

static void test_retry_after(void **state)
{
	/* now = Wed, 21 Oct 2015 07:28:00 GMT */
	const int64_t now = 1445412480;
	static const struct {
		const char *value;
		int ok;
		int64_t wait;
	} cases[] = {
		{ "120", 0, 120 },
		{ "0", 0, 0 },
		{ " 5 ", 0, 5 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT", 0, 0 },
		{ "Wed, 21 Oct 2015 07:29:30 GMT", 0, 90 },
		{ "Thu, 22 Oct 2015 07:28:00 GMT", 0, 86400 },
		{ "Tue, 20 Oct 2015 07:28:00 GMT", 0, 0 },          /* past: now */
		{ "Wednesday, 21-Oct-15 07:28:10 GMT", 0, 10 },     /* RFC 850 */
		{ "Wed Oct 21 07:28:20 2015", 0, 20 },              /* asctime */
		{ "Wed Oct  1 07:28:20 2015", 0, 0 },
		{ "Sat, 29 Feb 2020 00:00:00 GMT", 0, 1582934400 - 1445412480 }, /* leap day */
		{ "", -1, 0 },
		{ "soon", -1, 0 },
		{ "-5", -1, 0 },
		{ "12s", -1, 0 },
		{ "1.5", -1, 0 },
		{ "Wed, 21 Oct 2015 07:28:00", -1, 0 },              /* no GMT */
		{ "Wed, 21 Foo 2015 07:28:00 GMT", -1, 0 },
		{ "Wed, 21 Oct 2015 25:28:00 GMT", -1, 0 },
		{ "Wed, 21 Oct 2015 07:28:00 GMT trailing", -1, 0 },
		{ "Wed, 32 Oct 2015 07:28:00 GMT", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t w = -1;
		int ok = sync_retry_after(cases[i].value, now, &w);

		if (ok != cases[i].ok || (ok == 0 && w != cases[i].wait))
			fail_msg("'%s': got %d/%lld, want %d/%lld", cases[i].value, ok, (long long)w,
				 cases[i].ok, (long long)cases[i].wait);
	}
	/* A huge number does not overflow. */
	{
		int64_t w = 0;

		assert_int_equal(sync_retry_after("99999999999999999999999", now, &w), 0);
		assert_true(w > 0);
	}
	assert_int_equal(sync_retry_after(NULL, now, &(int64_t){ 0 }), -1);
}

static void test_outcome_text(void **state)
{
	static const struct {
		const char *json;
		int ok;
		const char *want;
	} cases[] = {
		{ "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
		  "\"code\":\"invalid\",\"diagnostics\":\"birthDate is not a date\"}]}",
		  0, "birthDate is not a date" },
		{ "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"details\":{\"text\":\"Bad id\"}}]}",
		  0, "Bad id" },
		{ "{\"issue\":[{\"diagnostics\":\"one\"},{\"diagnostics\":\"two\"}]}", 0, "one; two" },
		{ "{\"issue\":[{\"details\":{\"text\":\"d\"},\"diagnostics\":\"x\"}]}", 0, "x" },
		{ "{\"issue\":[{\"diagnostics\":\"line\\nbreak\\ttab\"}]}", 0, "line break tab" },
		{ "{\"issue\":[{\"diagnostics\":\"caf\\u00e9 \\ud83d\\ude00\"}]}", 0,
		  "caf\xc3\xa9 \xf0\x9f\x98\x80" },
		{ "{\"text\":{\"div\":\"<div>x</div>\"},\"diagnostics\":\"top level\"}", -1, "" },
		{ "{\"resourceType\":\"OperationOutcome\",\"issue\":[]}", -1, "" },
		{ "<html>Bad Gateway</html>", -1, "" },
		{ "{\"issue\":[{\"diagnostics\":\"unterminated}]}", -1, "" },
		{ "", -1, "" },
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int ok = sync_outcome_text(cases[i].json, strlen(cases[i].json), buf, sizeof buf);

		if (ok != cases[i].ok || strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, ok, buf, cases[i].ok,
				 cases[i].want);
	}
}

static void test_outcome_text_cut(void **state)
{
	/* A long text is cut to the buffer, never in the middle of a UTF-8
	 * character. */
	const char *json = "{\"issue\":[{\"diagnostics\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}]}";
	char buf[6];

	(void)state;
	assert_int_equal(sync_outcome_text(json, strlen(json), buf, sizeof buf), 0);
	assert_string_equal(buf, "\xc3\xa9\xc3\xa9");
}

static void test_json_string(void **state)
{
	const char *resp =
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\",\"entry\":["
		"{\"response\":{\"status\":\"201 Created\",\"location\":\"Patient/a/_history/1\"}},"
		"{\"response\":{\"status\":\"201 Created\",\"location\":\"QuestionnaireResponse/b/_history/1\"}}],"
		"\"meta\":{\"n\":-1.5e+3,\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"o\":{}}}";
	char buf[64];

	(void)state;
	assert_int_equal(sync_json_string(resp, strlen(resp), "resourceType", buf, sizeof buf), 0);
	assert_string_equal(buf, "Bundle");
	assert_int_equal(sync_json_string(resp, strlen(resp), "entry[].response.location", buf,
					  sizeof buf), 0);
	assert_string_equal(buf, "Patient/a/_history/1");
	assert_int_equal(sync_json_string(resp, strlen(resp), "location", buf, sizeof buf), -1);
	assert_int_equal(sync_json_string(resp, strlen(resp), NULL, NULL, 0), 0);
	/* Length-bounded: the same text cut short is not valid. */
	assert_int_equal(sync_json_string(resp, 40, NULL, NULL, 0), -1);
}

static void test_json_invalid(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "{\"a\":1,}",
		"01", "1.", "-", "1e", "tru", "nul", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"",
		"\"\\udc00x\"", "\"a\nb\"", "{\"a\":1} x", "[1] [2]", "'a'", "NaN",
		"{\"resourceType\": \"Bundle\", <html>proxy error",
	};
	char deep[200];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (sync_json_string(bad[i], strlen(bad[i]), NULL, NULL, 0) != -1)
			fail_msg("accepted invalid JSON '%s'", bad[i]);
	/* Nesting is bounded: a hostile answer cannot exhaust the stack. */
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(sync_json_string(deep, sizeof deep, NULL, NULL, 0), -1);
	memset(deep, '[', 50);
	memset(deep + 50, ']', 50);
	assert_int_equal(sync_json_string(deep, 100, NULL, NULL, 0), 0);
	{
		static const char *const good[] = { "0", "-0.5E-2", "\"\"", "[]", "{}", " true ",
						    "[null,false,{\"\":\"\\/\"}]" };

		for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
			if (sync_json_string(good[i], strlen(good[i]), NULL, NULL, 0) != 0)
				fail_msg("refused valid JSON '%s'", good[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_backoff_full_jitter),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_outcome_text),
		cmocka_unit_test(test_outcome_text_cut),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_json_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
