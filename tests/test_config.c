/* kiosk.conf: defaults, values, and every kind of bad line named by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static char path[64];

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof path, "/tmp/kiosk-test-%d.conf", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load text; return what was printed as diagnostics (caller frees). */
static char *load(const char *text, krc *rc, config **cfg)
{
	char *out = NULL;
	size_t n = 0;
	FILE *diag = open_memstream(&out, &n);
	struct kerr err = { "" };

	write_conf(text);
	*rc = config_load(cfg, path, diag, &err);
	fclose(diag);
	unlink(path);
	return out;
}

static void test_defaults(void **state)
{
	config *cfg = NULL;
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(config_load(&cfg, NULL, NULL, &err), K_OK);
	assert_int_equal(config_int(cfg, "kiosk.idle_seconds"), 90);
	assert_int_equal(config_int(cfg, "kiosk.idle_warning_seconds"), 30);
	assert_string_equal(config_str(cfg, "kiosk.database"), "var/kiosk.db");
	assert_string_equal(config_str(cfg, "sync.server"), "");
	config_free(cfg);
}

static void test_values(void **state)
{
	config *cfg = NULL;
	krc rc;
	char buf[256];
	char *out = load("# comment\n[kiosk]\nidle_seconds = 20\ndatabase = \"db/k.db\"\n\n[sync]\nserver = https://fhir.test/r4\n",
			 &rc, &cfg);

	(void)state;
	assert_int_equal(rc, K_OK);
	assert_string_equal(out, "");
	assert_int_equal(config_int(cfg, "kiosk.idle_seconds"), 20);
	assert_string_equal(config_str(cfg, "sync.server"), "https://fhir.test/r4");
	config_path(cfg, "kiosk.database", buf, sizeof buf);
	assert_string_equal(buf, "/tmp/db/k.db");
	config_free(cfg);
	free(out);
}

static void test_errors(void **state)
{
	config *cfg = NULL;
	krc rc;
	char *out;

	(void)state;
	out = load("[kiosk]\nidle_secnds = 20\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_null(cfg);
	assert_non_null(strstr(out, ":2: unknown key 'kiosk.idle_secnds' (did you mean 'kiosk.idle_seconds'?)"));
	free(out);

	out = load("[kiosk]\nidle_seconds = soon\nidle_warning_seconds = 1\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, ":2: kiosk.idle_seconds: 'soon' is not a whole number"));
	assert_non_null(strstr(out, ":3: kiosk.idle_warning_seconds: 1 is out of range (3..600)"));
	free(out);

	out = load("[sync]\nserver = http://fhir.test\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, ":2: sync.server: the server must be an https:// URL"));
	free(out);

	out = load("idle_seconds = 5\n[kiosk\n[kiosk]\nnonsense\nlanguage = en\nlanguage = es\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, ":1: key 'idle_seconds' is outside a [section]"));
	assert_non_null(strstr(out, ":2: bad section header"));
	assert_non_null(strstr(out, ":4: expected 'key = value'"));
	assert_non_null(strstr(out, ":6: 'kiosk.language' is set twice (first on line 5)"));
	free(out);

	out = load("[kiosk]\ndatabase =\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, ":2: kiosk.database: must name a file or folder"));
	free(out);

	out = load("[kiosk]\nstaff_key = Ctrl-C\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, "is not a function key"));
	free(out);
}

static void test_grid(void **state)
{
	config *cfg = NULL;
	krc rc;
	int cols = 0, lines = 0;
	char *out;

	(void)state;
	assert_int_equal(config_load(&cfg, NULL, NULL, NULL), K_OK);
	assert_true(config_grid(cfg, "display.large_grid", &cols, &lines));
	assert_int_equal(cols, 120); /* 1920x1080 with a 32x16 font */
	assert_int_equal(lines, 33);
	assert_int_equal(config_int(cfg, "speech.rate"), 160);
	config_free(cfg);

	out = load("[display]\nlarge_grid = 80x22\n", &rc, &cfg);
	assert_int_equal(rc, K_OK);
	assert_true(config_grid(cfg, "display.large_grid", &cols, &lines));
	assert_int_equal(cols, 80);
	assert_int_equal(lines, 22);
	config_free(cfg);
	free(out);

	out = load("[display]\nlarge_grid = 120 by 33\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, ":2: display.large_grid: '120 by 33' is not COLSxLINES"));
	free(out);
	out = load("[display]\nlarge_grid = 20x5\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	free(out);
	out = load("[speech]\nrate = 1000\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, "speech.rate: 1000 is out of range (80..450)"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_grid),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
