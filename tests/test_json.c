/* test_json: the JSON reader (json_parse and its accessors), the one parser
 * for everything the kiosk reads from a server.  Table-driven: documents it
 * must accept and refuse, and what the accessors give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int parses(const char *s, size_t n)
{
	json_doc *d = NULL;
	struct kerr err = { "" };
	krc rc = json_parse(s, n, &d, &err);

	json_doc_free(d);
	return rc == K_OK;
}

static void test_valid_invalid(void **state)
{
	static const char *const good[] = {
		"0", "-0.5E-2", "1e+9", "\"\"", "[]", "{}", " true ", "\tnull\r\n", "false",
		"[null,false,{\"\":\"\\/\"}]", "{\"a\":{\"a\":1}}", "\"caf\xc3\xa9 \\ud83d\\ude00\"",
		"{\"a\":1,\"b\":[1,2,{\"a\":2}]}", "\"\\u0000\"",
	};
	static const char *const bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "{\"a\":1,}", "01", "1.",
		"-", "1e", "tru", "nul", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"",
		"\"a\nb\"", "{\"a\":1} x", "[1] [2]", "'a'", "NaN", "+1", ".5",
		"{\"resourceType\": \"Bundle\", <html>proxy error",
		"\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"",  /* invalid UTF-8 */
		"{\"a\":1,\"a\":2}", "{\"type\":\"x\",\"b\":0,\"type\":\"y\"}",  /* repeated names */
	};
	char deep[200];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!parses(good[i], strlen(good[i])))
			fail_msg("refused valid JSON '%s'", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parses(bad[i], strlen(bad[i])))
			fail_msg("accepted invalid JSON '%s'", bad[i]);
	/* Length-bounded: a NUL byte inside, or the text cut short, is invalid. */
	assert_false(parses("[1]\0", 4));
	assert_false(parses("[1,2]", 3));
	assert_true(parses("[1,2]x", 5));
	/* Nesting is bounded: a hostile answer cannot exhaust the stack. */
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_false(parses(deep, sizeof deep));
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	assert_true(parses(deep, 128));
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	assert_false(parses(deep, 130));
	assert_false(parses(NULL, 0));
}

static void test_accessors(void **state)
{
	const char *doc =
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\",\"entry\":["
		"{\"response\":{\"status\":\"201 Created\",\"location\":\"Patient/a/_history/1\"}},"
		"{\"response\":{\"status\":\"200 OK\"}}],"
		"\"n\":-1.5e+3,\"nul\":\"a\\u0000b\",\"t\":true}";
	json_doc *d = NULL;
	struct kerr err = { "" };
	const json_value *root, *entry;
	size_t len = 0;

	(void)state;
	assert_int_equal(json_parse(doc, strlen(doc), &d, &err), K_OK);
	root = json_root(d);
	assert_int_equal(json_kind(root), JSON_OBJECT);
	assert_int_equal(json_len(root), 6);
	assert_string_equal(json_key_of(json_at(root, 1)), "type");
	assert_string_equal(json_get_text(root, "resourceType"), "Bundle");
	entry = json_get(root, "entry");
	assert_int_equal(json_kind(entry), JSON_ARRAY);
	assert_int_equal(json_len(entry), 2);
	assert_string_equal(json_get_text(json_get(json_at(entry, 0), "response"), "location"),
			    "Patient/a/_history/1");
	assert_null(json_get_text(json_get(json_at(entry, 1), "response"), "location"));
	assert_null(json_at(entry, 2));
	assert_null(json_get(entry, "response"));          /* not an object */
	assert_int_equal(json_kind(json_get(root, "n")), JSON_NUMBER);
	assert_null(json_text(json_get(root, "n")));         /* not a string */
	assert_int_equal(json_kind(json_get(root, "t")), JSON_TRUE);
	/* A string holding NUL: its length says so, json_text refuses it. */
	assert_non_null(json_string(json_get(root, "nul"), &len));
	assert_int_equal(len, 3);
	assert_null(json_text(json_get(root, "nul")));
	/* NULL all the way down. */
	assert_int_equal(json_kind(NULL), JSON_NONE);
	assert_int_equal(json_len(NULL), 0);
	assert_null(json_get_text(json_get(json_at(NULL, 0), "x"), "y"));
	json_doc_free(d);
	json_doc_free(NULL);
}

static void test_big(void **state)
{
	/* Many values (the children lists grow) and long strings. */
	size_t n = 200000, k = 0;
	char *s = malloc(n * 10 + 16);
	json_doc *d = NULL;
	struct kerr err = { "" };

	(void)state;
	assert_non_null(s);
	s[k++] = '[';
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(s + k, "%s{\"a\":\"%zu\"}", i ? "," : "", i % 10);
	s[k++] = ']';
	assert_int_equal(json_parse(s, k, &d, &err), K_OK);
	assert_int_equal(json_len(json_root(d)), n);
	assert_string_equal(json_string(json_get(json_at(json_root(d), n - 1), "a"), NULL), "9");
	json_doc_free(d);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_invalid),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
