/* test_sync: the pure parts of the sync process, table-driven: status
 * classification, full-jitter backoff, Retry-After parsing, and what each
 * answer of a server means (sync_answer_judge: delivered only when the
 * transaction-response proves it; no server text kept).
 * The network parts are tested against a real TLS server in
 * tests/it/sync_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"
#include "sync_status.h"

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

#define TR(e) "{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\",\"entry\":[" e "]}"
#define ENT(st, loc) "{\"response\":{\"status\":\"" st "\",\"location\":\"" loc "\"}}"
#define OK2 ENT("201 Created", "Patient/p1/_history/1") "," \
	ENT("201 Created", "QuestionnaireResponse/q-1/_history/1")
#define OO(sev, code, diag, expr) "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"" \
	sev "\",\"code\":\"" code "\",\"diagnostics\":\"" diag "\",\"details\":{\"text\":\"" diag \
	"\"},\"expression\":[" expr "]}]}"

/* What every kind of answer to a transaction means.  The lies a server can
 * tell (a searchset, a batch-response, a failed entry, one entry short, a
 * location naming another resource or carrying a query) are never taken
 * as delivered. */
static void test_judge_transaction(void **state)
{
	static const struct sync_ref refs[] = { { "Patient", "p1" }, { "QuestionnaireResponse", "q-1" } };
	static const struct {
		long status;
		const char *body;
		bool cut;
		enum sync_class want;
		const char *text;       /* summary (or locations when delivered) */
	} cases[] = {
		{ 200, TR(OK2), false, SYNC_DELIVERED,
		  "Patient/p1/_history/1 QuestionnaireResponse/q-1/_history/1" },
		{ 200, TR(ENT("200 OK", "Patient/p1") "," ENT("200", "QuestionnaireResponse/q-1")), false,
		  SYNC_DELIVERED, "Patient/p1 QuestionnaireResponse/q-1" },
		{ 201, TR(ENT("201 Created", "https://fhir.example.org:8443/r4/Patient/p1/_history/2") ","
			  ENT("201 Created", "http://h/QuestionnaireResponse/q-1/_history/x.1")), false,
		  SYNC_DELIVERED, "Patient/p1/_history/2 QuestionnaireResponse/q-1/_history/x.1" },
		/* searchset, batch-response with 422 entries */
		{ 200, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":0}", false, SYNC_RETRY,
		  "HTTP 200 but the Bundle is a searchset, not a transaction-response" },
		{ 200, "{\"resourceType\":\"Bundle\",\"type\":\"batch-response\",\"entry\":["
		       ENT("422 Unprocessable Entity", "Patient/p1") ","
		       ENT("422 Unprocessable Entity", "QuestionnaireResponse/q-1") "]}", false, SYNC_RETRY,
		  "HTTP 200 but the Bundle is a batch-response, not a transaction-response" },
		{ 200, "{\"resourceType\":\"Bundle\",\"type\":\"x\\u001b[2J\"}", false, SYNC_RETRY,
		  "HTTP 200 but the Bundle is not a transaction-response" },
		{ 200, "{\"resourceType\":\"Bundle\",\"entry\":[]}", false, SYNC_RETRY,
		  "HTTP 200 but the Bundle is not a transaction-response" },
		/* an entry refused, one short, one too many, none */
		{ 200, TR(ENT("201 Created", "Patient/p1/_history/1") ","
			  ENT("422 Unprocessable Entity", "QuestionnaireResponse/q-1/_history/1")), false,
		  SYNC_RETRY, "HTTP 200 but entry 2 has status 422" },
		{ 200, TR(ENT("201 Created", "Patient/p1/_history/1")), false, SYNC_RETRY,
		  "HTTP 200 but the transaction-response has 1 entries for 2 sent" },
		{ 200, TR(OK2 "," ENT("201 Created", "Patient/p1")), false, SYNC_RETRY,
		  "HTTP 200 but the transaction-response has 3 entries for 2 sent" },
		{ 200, "{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\"}", false, SYNC_RETRY,
		  "HTTP 200 but the transaction-response has 0 entries for 2 sent" },
		/* statuses that are not a 2xx code */
		{ 200, TR(ENT("2010", "Patient/p1") "," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but entry 1 has no valid status" },
		{ 200, TR("{\"response\":{\"location\":\"Patient/p1\"}}," ENT("201", "QuestionnaireResponse/q-1")),
		  false, SYNC_RETRY, "HTTP 200 but entry 1 has no valid status" },
		{ 200, TR(ENT("302 Found", "Patient/p1") "," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but entry 1 has status 302" },
		/* locations that do not name what was sent */
		{ 200, TR(ENT("201 Created", "Patient/00000000-0000-0000-0000-000000000000/_history/1") ","
			  ENT("201 Created", "QuestionnaireResponse/q-1/_history/1")), false, SYNC_RETRY,
		  "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR(ENT("201 Created", "Patient/p1/_history/1?name=Quokka") ","
			  ENT("201 Created", "QuestionnaireResponse/q-1/_history/1?name=Quokka")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR(ENT("201", "QuestionnaireResponse/q-1") "," ENT("201", "Patient/p1")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR(ENT("201", "Patient/p1#x") "," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR(ENT("201", "Patient/p1/") "," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR(ENT("201", "x/Patient/p1") "," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR(ENT("201", "Patient/p1/_history/..") "," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR(ENT("201", "Patient/p%31") "," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		{ 200, TR("{\"response\":{\"status\":\"201\"}}," ENT("201", "QuestionnaireResponse/q-1")), false,
		  SYNC_RETRY, "HTTP 200 but the location of entry 1 does not name the resource sent" },
		/* not a Bundle at all, cut, ambiguous */
		{ 200, "{\"resourceType\": \"Bundle\", <html>proxy error", false, SYNC_RETRY,
		  "HTTP 200 but the answer is not a FHIR Bundle" },
		{ 201, "", false, SYNC_RETRY, "HTTP 201 but the answer is not a FHIR Bundle" },
		{ 200, OO("information", "informational", "All OK", ""), false, SYNC_RETRY,
		  "HTTP 200 but the answer is not a FHIR Bundle" },
		{ 200, TR(OK2), true, SYNC_RETRY, "HTTP 200 but the answer is larger than the kiosk reads" },
		{ 200, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"type\":\"transaction-response\","
		       "\"entry\":[" OK2 "]}", false, SYNC_RETRY, "HTTP 200 but the answer is not a FHIR Bundle" },
		/* refusals: only status, severity, code and element paths kept */
		{ 422, OO("error", "invariant", "Patient.name 'Quokka' rejected", "\"Patient.name[0].family\""),
		  false, SYNC_PERMANENT, "HTTP 422: error invariant at Patient.name[0].family" },
		{ 400, OO("error", "invalid", "Quokka", "\"Patient.name.where(family='Quokka')\","
			  "\"Bundle.entry[0].resource.ofType(Patient).birthDate\",\"Quokka \\u202eevil\""),
		  false, SYNC_PERMANENT, "HTTP 400: error invalid at Bundle.entry[0].resource.ofType(Patient).birthDate" },
		{ 400, OO("bogus", "Quokka Smith", "x", "\"\\u009b2J\""), false, SYNC_PERMANENT, "HTTP 400" },
		{ 404, "<html>Quokka</html>", false, SYNC_PERMANENT, "HTTP 404" },
		{ 401, OO("error", "login", "token for Quokka expired", ""), false, SYNC_AUTH,
		  "HTTP 401: error login" },
		{ 403, "", false, SYNC_AUTH, "HTTP 403" },
		{ 503, OO("error", "transient", "busy", ""), false, SYNC_RETRY, "HTTP 503: error transient" },
		{ 429, "", false, SYNC_RETRY, "HTTP 429" },
		{ 0, NULL, false, SYNC_RETRY, "HTTP 0" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sync_verdict v;
		const char *b = cases[i].body;
		const char *got;

		sync_answer_judge(cases[i].status, b, b ? strlen(b) : 0, cases[i].cut, refs, 2, true, &v);
		got = v.cls == SYNC_DELIVERED ? v.locations : v.summary;
		if (v.cls != cases[i].want || strcmp(got, cases[i].text) != 0)
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, v.cls, got, cases[i].want,
				 cases[i].text);
		/* Nothing the server wrote beyond codes and paths is kept. */
		if (strstr(v.summary, "Quokka") || strstr(v.why, "Quokka") || strstr(v.locations, "Quokka"))
			fail_msg("case %zu: the server's text was kept: '%s'", i, v.summary);
		/* The log line holds no server words at all. */
		if (v.cls != SYNC_DELIVERED && strncmp(v.why, v.summary, strlen(v.why)) != 0)
			fail_msg("case %zu: why '%s' is not the start of '%s'", i, v.why, v.summary);
	}
}

static void test_judge_update(void **state)
{
	static const struct sync_ref q = { "Questionnaire", "intake" };
	static const struct {
		long status;
		const char *body;
		enum sync_class want;
	} cases[] = {
		{ 200, "{\"resourceType\":\"Questionnaire\",\"id\":\"intake\",\"status\":\"active\"}", SYNC_DELIVERED },
		{ 201, "", SYNC_DELIVERED },
		{ 200, OO("information", "informational", "ok", ""), SYNC_DELIVERED },
		{ 200, OO("error", "processing", "no", ""), SYNC_RETRY },
		{ 200, "{\"resourceType\":\"Questionnaire\",\"id\":\"other\"}", SYNC_RETRY },
		{ 200, "{\"resourceType\":\"Patient\",\"id\":\"intake\"}", SYNC_RETRY },
		{ 200, "not json", SYNC_RETRY },
		{ 422, OO("error", "invariant", "x", ""), SYNC_PERMANENT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sync_verdict v;

		sync_answer_judge(cases[i].status, cases[i].body, strlen(cases[i].body), false, &q, 1,
				  false, &v);
		if (v.cls != cases[i].want)
			fail_msg("case %zu: got %d (%s), want %d", i, v.cls, v.summary, cases[i].want);
	}
}

/* The Patient as a conditional create (sync.patient = match): the server
 * chooses the id, so any valid id of the type sent is the answer, and the
 * audit names the id the server gave, checked. */
static void test_judge_conditional_create(void **state)
{
	const char *tx =
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
		"{\"fullUrl\":\"urn:uuid:5d5c1dd2-6e54-4ef0-9b10-e803f56c8af0\","
		"\"resource\":{\"resourceType\":\"Patient\"},"
		"\"request\":{\"method\":\"POST\",\"url\":\"Patient\","
		"\"ifNoneExist\":\"family:exact=Doe&birthdate=1990-01-01\"}}]}";
	struct sync_ref *refs = NULL;
	struct sync_verdict v;
	struct kerr err = { "" };
	size_t n = 0;

	(void)state;
	assert_int_equal(sync_bundle_refs(tx, strlen(tx), &refs, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_string_equal(refs[0].type, "Patient");
	assert_string_equal(refs[0].id, "");

	sync_answer_judge(200, TR(ENT("201 Created", "Patient/srv-9/_history/3")),
			  strlen(TR(ENT("201 Created", "Patient/srv-9/_history/3"))), false, refs, n, true, &v);
	assert_int_equal(v.cls, SYNC_DELIVERED);
	assert_string_equal(v.locations, "Patient/srv-9/_history/3");
	/* Found, not created: the same. */
	sync_answer_judge(200, TR(ENT("200 OK", "Patient/srv-9")), strlen(TR(ENT("200 OK", "Patient/srv-9"))),
			  false, refs, n, true, &v);
	assert_int_equal(v.cls, SYNC_DELIVERED);
	assert_string_equal(v.locations, "Patient/srv-9");
	/* Another type, a query, no id: not proof of anything. */
	sync_answer_judge(200, TR(ENT("201 Created", "Observation/srv-9")),
			  strlen(TR(ENT("201 Created", "Observation/srv-9"))), false, refs, n, true, &v);
	assert_int_equal(v.cls, SYNC_RETRY);
	sync_answer_judge(200, TR(ENT("201 Created", "Patient/srv-9?name=Doe")),
			  strlen(TR(ENT("201 Created", "Patient/srv-9?name=Doe"))), false, refs, n, true, &v);
	assert_int_equal(v.cls, SYNC_RETRY);
	sync_answer_judge(200, TR(ENT("201 Created", "Patient")), strlen(TR(ENT("201 Created", "Patient"))),
			  false, refs, n, true, &v);
	assert_int_equal(v.cls, SYNC_RETRY);
	free(refs);
}

static void test_bundle_refs(void **state)
{
	static const char *const bad[] = {
		"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[]}",
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}",
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
		"{\"resourceType\":\"Patient\",\"id\":\"a\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}",
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
		"{\"resourceType\":\"Patient\",\"id\":\"a\"},\"request\":{\"method\":\"PUT\",\"url\":\"Patient/b\"}}]}",
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
		"{\"resourceType\":\"Patient\",\"id\":\"..\"},\"request\":{\"method\":\"PUT\",\"url\":\"Patient/..\"}}]}",
		"[]",
	};
	const char *good =
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
		"{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"a-1\"},"
		"\"request\":{\"method\":\"PUT\",\"url\":\"Patient/a-1\"}},"
		"{\"resource\":{\"resourceType\":\"Flag\",\"id\":\"f.2\"},"
		"\"request\":{\"method\":\"PUT\",\"url\":\"Flag/f.2\"}}]}";
	struct sync_ref *refs = NULL;
	struct kerr err = { "" };
	size_t n = 0;

	(void)state;
	assert_int_equal(sync_bundle_refs(good, strlen(good), &refs, &n, &err), K_OK);
	assert_int_equal(n, 2);
	assert_string_equal(refs[0].type, "Patient");
	assert_string_equal(refs[0].id, "a-1");
	assert_string_equal(refs[1].type, "Flag");
	assert_string_equal(refs[1].id, "f.2");
	free(refs);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kerr_clear(&err);
		if (sync_bundle_refs(bad[i], strlen(bad[i]), &refs, &n, &err) != K_EINVAL)
			fail_msg("bundle %zu accepted", i);
		assert_null(refs);
	}
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

static void test_sync_status_format(void **state)
{
	const int64_t now = 1764630000; /* 2025-12-01 */
	static const struct {
		bool configured;
		const char *paused;
		struct store_sync_state last;
		int64_t last_delivery;
		enum sync_status_kind kind;
		const char *word;
		const char *starts;
	} cases[] = {
		{ false, "", { 0, "", "", 0, 0 }, 0, SYNC_STATUS_OFF, "not configured", "not configured" },
		{ false, "x", { now, "retry", "HTTP 503", now - 60, now + 5 }, 0, SYNC_STATUS_OFF,
		  "not configured", "not configured" },
		{ true, "", { 0, "", "", 0, 0 }, 0, SYNC_STATUS_NEW, "not started", "not started" },
		{ true, "", { now, "delivered", "HTTP 200", 0, 0 }, now - 5, SYNC_STATUS_OK, "ok",
		  "ok, last delivery " },
		{ true, "", { now, "refused", "HTTP 422: error invariant", 0, 0 }, 0, SYNC_STATUS_OK, "ok",
		  "ok, nothing delivered yet" },
		{ true, "", { now, "retry", "Connection refused", now - 300, now + 30 }, now - 900,
		  SYNC_STATUS_FAILING, "failing", "failing since " },
		{ true, "server refused the credentials (401)", { now, "auth", "HTTP 401", now, 0 }, 0,
		  SYNC_STATUS_PAUSED, "paused", "paused: server refused the credentials (401)" },
		/* Text from an older database is cleaned before it is shown. */
		{ true, "bad\x1b[2J\xc2\x9b" "1m\xe2\x80\xae", { 0, "", "", 0, 0 }, 0, SYNC_STATUS_PAUSED,
		  "paused", "paused: bad[2J1m" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sync_status st;

		sync_status_format(cases[i].configured, cases[i].paused, &cases[i].last,
				   cases[i].last_delivery, now, &st);
		if (st.kind != cases[i].kind || strcmp(st.word, cases[i].word) != 0 ||
		    strncmp(st.line, cases[i].starts, strlen(cases[i].starts)) != 0)
			fail_msg("case %zu: got %d '%s' '%s'", i, st.kind, st.word, st.line);
	}
	{
		struct sync_status st;
		struct store_sync_state last = { now, "retry", "HTTP 503", now - 300, now + 30 };

		sync_status_format(true, "", &last, 0, now, &st);
		assert_non_null(strstr(st.line, "(next try "));
		assert_non_null(strstr(st.line, "): HTTP 503"));
	}
}

static void test_store_sync_state(void **state)
{
	store *st = NULL;
	struct kerr err = { "" };
	struct store_sync_state in = { 100, "retry", "HTTP 503", 90, 130 }, out;

	(void)state;
	assert_int_equal(store_open(&st, ":memory:", &err), K_OK);
	assert_int_equal(store_sync_state_get(st, &out, &err), K_OK);
	assert_int_equal(out.last_attempt, 0);
	assert_string_equal(out.result, "");
	assert_int_equal(store_sync_state_set(st, &in, &err), K_OK);
	in.last_attempt = 200;
	snprintf(in.result, sizeof in.result, "delivered");
	in.failing_since = 0;
	in.next_try = 0;
	assert_int_equal(store_sync_state_set(st, &in, &err), K_OK);
	assert_int_equal(store_sync_state_get(st, &out, &err), K_OK);
	assert_int_equal(out.last_attempt, 200);
	assert_string_equal(out.result, "delivered");
	assert_string_equal(out.detail, "HTTP 503");
	assert_int_equal(out.failing_since, 0);
	assert_int_equal(out.next_try, 0);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_backoff_bounds),
		cmocka_unit_test(test_backoff_full_jitter),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_judge_transaction),
		cmocka_unit_test(test_judge_update),
		cmocka_unit_test(test_bundle_refs),
		cmocka_unit_test(test_judge_conditional_create),
		cmocka_unit_test(test_sync_status_format),
		cmocka_unit_test(test_store_sync_state),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_json_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
