/* Loads every file of the bundled content and the test content, checks
 * them, and reads answers files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "check.h"
#include "content.h"

static const struct kdate today = { 2026, 11, 26 };

static void test_bundled(void **state)
{
	struct content *c = NULL;
	struct content_diags d = { 0 };
	struct kerr err = { "" };

	(void)state;
	if (content_load(&c, "screens", &d, &err) != K_OK)
		check_print(&d, "screens", stderr);
	assert_non_null(c);
	assert_int_equal(check_content(c, today, &d), K_OK);
	assert_int_equal(d.errors, 0);
	assert_int_equal(c->n_langs, 2);
	assert_string_equal(c->langs[1], "es");
	assert_true(c->n_screens >= 20);
	assert_int_equal(strncmp(c->version, "sha256:", 7), 0);
	assert_int_equal(strlen(c->version), 7 + 64);
	/* every patient-visible text has both languages */
	for (int i = 0; i < c->n_screens; i++) {
		assert_non_null(c->screens[i].title.s[0]);
		assert_non_null(c->screens[i].title.s[1]);
		for (int f = 0; f < c->screens[i].n_flags; f++) {
			assert_non_null(c->screens[i].flags[f].patient.s[0]);
			assert_non_null(c->screens[i].flags[f].patient.s[1]);
		}
	}
	/* every interface message exists in every language */
	for (int k = 0; content_msg_required[k]; k++)
		for (int l = 0; l < c->n_langs; l++)
			assert_string_not_equal(content_msg(c, content_msg_required[k], l), content_msg_required[k]);
	/* {phone} is filled in */
	{
		int o = content_find(c, "outcome");

		assert_true(o >= 0);
		assert_non_null(strstr(content_str(c, &c->screens[o].outcome[2], 0), c->phone));
	}
	/* every flag is reachable */
	{
		char *out = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&out, &n);

		assert_int_equal(check_paths(c, today, f), 0);
		fclose(f);
		assert_null(strstr(out, "UNREACHABLE"));
		free(out);
	}
	content_diags_free(&d);
	content_free(c);
}

static void test_version_changes_with_content(void **state)
{
	struct content *a = NULL, *b = NULL;
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(content_load(&a, "screens", NULL, &err), K_OK);
	assert_int_equal(content_load(&b, "tests/fixtures/mini/screens", NULL, &err), K_OK);
	assert_string_not_equal(a->version, b->version);
	content_free(b);
	assert_int_equal(content_load(&b, "screens", NULL, &err), K_OK);
	assert_string_equal(a->version, b->version);
	content_free(a);
	content_free(b);
}

static void test_missing_folder(void **state)
{
	struct content *c = NULL;
	struct content_diags d = { 0 };
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(content_load(&c, "/nonexistent/screens", &d, &err), K_ECONTENT);
	assert_null(c);
	assert_non_null(strstr(err.msg, "cannot open content folder"));
	content_diags_free(&d);
}

static void test_read_kv(void **state)
{
	char **k = NULL, **v = NULL;
	int n = 0;
	struct kerr err = { "" };
	FILE *f = fopen("/tmp/kiosk-kv-test.yaml", "w");

	(void)state;
	assert_non_null(f);
	fputs("today: 2026-11-26\nmeds: [iso, thinner]\nname: \"Zoë\"\n", f);
	fclose(f);
	assert_int_equal(content_read_kv("/tmp/kiosk-kv-test.yaml", &k, &v, &n, &err), K_OK);
	assert_int_equal(n, 3);
	assert_string_equal(k[1], "meds");
	assert_string_equal(v[1], "iso,thinner");
	assert_string_equal(v[2], "Zoë");
	content_kv_free(k, v, n);
	f = fopen("/tmp/kiosk-kv-test.yaml", "w");
	assert_non_null(f);
	fputs("- just\n- a list\n", f);
	fclose(f);
	assert_int_equal(content_read_kv("/tmp/kiosk-kv-test.yaml", &k, &v, &n, &err), K_EINVAL);
	remove("/tmp/kiosk-kv-test.yaml");
}

/* A chain of 80 follow-ups, each asked only when the one before was not
 * "yes", each with a flag that also looks two links back: every screen is
 * reachable and every flag can fire (the checker works back through the
 * chain instead of trying combinations, which found no path here). */
static void test_deep_chain(void **state)
{
	char dir[64], path[160], cmd[640];
	struct content *c = NULL;
	struct content_diags d = { 0 };
	struct kerr err = { "" };
	FILE *f;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/kiosk-chain-%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/screens && cp -R tests/fixtures/mini/assets %s/ && "
		 "cp tests/fixtures/mini/screens/_content.yaml tests/fixtures/mini/screens/0[1-5]0-*.yaml "
		 "tests/fixtures/mini/screens/080-consent.yaml tests/fixtures/mini/screens/090-review.yaml "
		 "tests/fixtures/mini/screens/100-outcome.yaml %s/screens/", dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	for (int i = 0; i < 80; i++) {
		snprintf(path, sizeof path, "%s/screens/05%03d.yaml", dir, i);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "id: q%d\nkind: yesno\nnot_sure: true\ntitle: {en: Q, es: P}\ntext: {en: Q?, es: P?}\n", i);
		if (i > 0)
			fprintf(f, "when: {question: q%d, not_equals: \"yes\"}\n", i - 1);
		if (i >= 2)
			fprintf(f, "flags:\n  - {code: F%d, severity: review, when: {any: [{equals: \"yes\"}, "
				   "{question: q%d, equals: \"yes\"}]}, staff: S, patient: {en: P, es: P}}\n", i, i - 2);
		else
			fprintf(f, "flags:\n  - {code: F%d, severity: review, when: {equals: \"yes\"}, staff: S,"
				   " patient: {en: P, es: P}}\n", i);
		fclose(f);
	}
	snprintf(path, sizeof path, "%s/screens", dir);
	assert_int_equal(content_load(&c, path, &d, &err), K_OK);
	if (check_content(c, today, &d) != K_OK)
		check_print(&d, path, stderr);
	assert_int_equal(d.errors, 0);
	{
		char *out = NULL;
		size_t n = 0;
		FILE *m = open_memstream(&out, &n);

		assert_int_equal(check_paths(c, today, m), 0);
		fclose(m);
		/* the last flag needs every link of the chain answered "no" */
		assert_non_null(strstr(out, "flag F79 (review): q79=yes\n"));
		free(out);
	}
	content_diags_free(&d);
	content_free(c);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static bool has_diag(const struct content_diags *d, const char *file, const char *text)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->d[i].file, file) && strstr(d->d[i].msg, text))
			return true;
	return false;
}

/* An alias used as a key (the same list given twice through an anchor)
 * overflowed the heap in the loader; anchors and aliases are refused, and
 * the kiosk's own start (content_load) fails cleanly. */
static void test_alias_keys(void **state)
{
	static const char *const cases[][2] = {
		{ "060-meds.yaml",
		  "id: meds\nkind: multi\ntitle: {en: M, es: M}\ntext: {en: M, es: M}\n"
		  "&o options:\n  - {id: a, label: {en: A, es: A}}\n  - {id: b, label: {en: B, es: B}}\n"
		  "  - {id: c, label: {en: C, es: C}}\n  - {id: d, label: {en: D, es: D}}\n"
		  "*o :\n  - {id: e, label: {en: E, es: E}}\n" },
		{ "050-pregnant.yaml",
		  "id: pregnant\nkind: yesno\ntitle: {en: P, es: P}\ntext: {en: P, es: P}\n"
		  "&f flags:\n  - {code: A, severity: review, when: {equals: \"yes\"}, staff: S, patient: {en: P, es: P}}\n"
		  "  - {code: B, severity: review, when: {equals: \"no\"}, staff: S, patient: {en: P, es: P}}\n"
		  "*f :\n  - {code: C, severity: review, when: {equals: \"yes\"}, staff: S, patient: {en: P, es: P}}\n" },
		{ "070-iso-stop.yaml",
		  "id: iso_stop\nkind: date\ntitle: {en: L, es: L}\ntext: {en: L, es: L}\n"
		  "&w when: [{question: meds, equals: iso}, {question: meds, answered: true}]\n"
		  "*w : [{question: meds, equals: iso}]\n" },
	};
	char dir[64], cmd[256], path[160];

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/kiosk-alias-%d", (int)getpid());
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct content *c = NULL;
		struct content_diags d = { 0 };
		struct kerr err = { "" };
		FILE *f;

		snprintf(cmd, sizeof cmd, "rm -rf %s && cp -R tests/fixtures/mini %s", dir, dir);
		assert_int_equal(system(cmd), 0);
		snprintf(path, sizeof path, "%s/screens/%s", dir, cases[i][0]);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(cases[i][1], f);
		fclose(f);
		snprintf(path, sizeof path, "%s/screens", dir);
		assert_int_equal(content_load(&c, path, &d, &err), K_ECONTENT);
		assert_null(c);
		assert_true(has_diag(&d, cases[i][0], "YAML aliases"));
		assert_true(has_diag(&d, cases[i][0], "YAML anchors"));
		content_diags_free(&d);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* content.files: exactly the files read, in hash order (publish copies
 * these and nothing else). */
static void test_files_read(void **state)
{
	struct content *c = NULL;
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(content_load(&c, "tests/fixtures/mini/screens", NULL, &err), K_OK);
	assert_int_equal(c->n_files, 14); /* 12 YAML files, 2 aftercare texts */
	assert_string_equal(c->files[0], "tests/fixtures/mini/screens/_content.yaml");
	assert_string_equal(c->files[1], "tests/fixtures/mini/screens/010-welcome.yaml");
	for (int i = 0; i < c->n_files; i++)
		assert_int_equal(access(c->files[i], R_OK), 0);
	assert_non_null(strstr(c->files[c->n_files - 1], "/assets/care.es.txt"));
	content_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundled),
		cmocka_unit_test(test_version_changes_with_content),
		cmocka_unit_test(test_missing_folder),
		cmocka_unit_test(test_read_kv),
		cmocka_unit_test(test_deep_chain),
		cmocka_unit_test(test_alias_keys),
		cmocka_unit_test(test_files_read),
	};

	return cmocka_run_group_tests_name("content", tests, NULL, NULL);
}
