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
	assert_string_equal(config_str(cfg, "sync.patient"), "match");
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

	out = load("[sync]\npatient = merge\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, ":2: sync.patient: 'merge' is not match, create or none"));
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

/* Inline comments: the README's [sync] example, as written, gives the
 * values without their comments; a quoted value keeps a " ;". */
static void test_inline_comments(void **state)
{
	config *cfg = NULL;
	krc rc;
	char *out = load("[sync]\n"
			 "server = https://fhir.clinic.example/r4\n"
			 "ca_file = /etc/kiosk/clinic-ca.pem      ; the CA that signed the server's certificate\n"
			 "token_file = /etc/kiosk/token           ; chmod 600, owned by the sync user\n"
			 "; or, for mutual TLS:\n"
			 "; client_cert = /etc/kiosk/kiosk.crt\n"
			 "pinned_pubkey = sha256//a;sha256//b # two pins\n"
			 "[kiosk]\n"
			 "language = \"es ;x\" ; quoted\n",
			 &rc, &cfg);

	(void)state;
	assert_int_equal(rc, K_OK);
	assert_string_equal(out, "");
	assert_string_equal(config_str(cfg, "sync.ca_file"), "/etc/kiosk/clinic-ca.pem");
	assert_string_equal(config_str(cfg, "sync.token_file"), "/etc/kiosk/token");
	assert_string_equal(config_str(cfg, "sync.client_cert"), "");
	assert_string_equal(config_str(cfg, "sync.pinned_pubkey"), "sha256//a;sha256//b");
	assert_string_equal(config_str(cfg, "kiosk.language"), "es ;x");
	assert_int_equal(config_line(cfg, "sync.ca_file"), 3);
	assert_int_equal(config_line(cfg, "sync.timeout"), 0);
	config_free(cfg);
	free(out);

	out = load("[kiosk]\nlanguage = \"en\n", &rc, &cfg);
	assert_int_equal(rc, K_ECONFIG);
	assert_non_null(strstr(out, ":2: language: a quoted value needs its closing"));
	free(out);
}

/* What each key is used for: the four values that the syntax
 * check approved, each now named with its line and the path it tried. */
static void test_check_usage(void **state)
{
	config *cfg = NULL;
	krc rc;
	char *out, *diag = NULL;
	size_t n = 0;
	FILE *f;
	int bad;

	(void)state;
	out = load("[kiosk]\ncontent = /nonexistent\n[sync]\nserver = https://\npinned_pubkey = abc\n"
		   "ca_file = /nonexistent/ca.pem\nclient_cert = /etc/hostname\n",
		   &rc, &cfg);
	assert_int_equal(rc, K_OK);
	free(out);
	f = open_memstream(&diag, &n);
	bad = config_check(cfg, f);
	fclose(f);
	assert_int_equal(bad, 6);
	assert_non_null(strstr(diag, ":7: sync.client_cert: /etc/hostname holds no PEM CERTIFICATE"));
	assert_non_null(strstr(diag, ":2: kiosk.content: /nonexistent: No such file or directory"));
	assert_non_null(strstr(diag, ":4: sync.server: 'https://' has no host name"));
	assert_non_null(strstr(diag, ":5: sync.pinned_pubkey: 'abc' is not sha256//BASE64"));
	assert_non_null(strstr(diag, ":6: sync.ca_file: /nonexistent/ca.pem: No such file or directory"));
	assert_non_null(strstr(diag, ":7: sync.client_cert: sync.client_cert and sync.client_key go together"));
	free(diag);
	config_free(cfg);

	out = load("[kiosk]\ncontent = /\ndatabase = /nonexistent/x/kiosk.db\n[sync]\n"
		   "server = https://fhir.test:99999/r4\n"
		   "pinned_pubkey = sha256//47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		   &rc, &cfg);
	assert_int_equal(rc, K_OK);
	free(out);
	diag = NULL;
	f = open_memstream(&diag, &n);
	bad = config_check(cfg, f);
	fclose(f);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(diag, ":3: kiosk.database: /nonexistent/x/kiosk.db does not exist, nor does the folder /nonexistent"));
	assert_non_null(strstr(diag, ":5: sync.server: 'https://fhir.test:99999/r4' has a bad port"));
	assert_null(strstr(diag, "pinned_pubkey"));
	free(diag);
	config_free(cfg);
}

/* A database that `kiosk init` has not created yet is a note, not a
 * problem (expected before the first start), and names the command. */
static void test_check_database_note(void **state)
{
	config *cfg = NULL;
	krc rc;
	char *out, *diag = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	out = load("[kiosk]\ncontent = /\ndatabase = /tmp/no-such-kiosk-db-here.db\n", &rc, &cfg);
	assert_int_equal(rc, K_OK);
	free(out);
	f = open_memstream(&diag, &n);
	assert_int_equal(config_check(cfg, f), 0);
	fclose(f);
	assert_non_null(strstr(diag, "note: kiosk.database: /tmp/no-such-kiosk-db-here.db does not exist yet; "
				     "`kiosk init --config "));
	free(diag);
	config_free(cfg);
}

/* `kiosk config --list` output is itself a valid kiosk.conf that sets
 * every key to its default. */
static void test_list_loads(void **state)
{
	config *cfg = NULL;
	krc rc;
	char *text = NULL, *out;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);

	(void)state;
	config_list(NULL, f);
	fclose(f);
	assert_non_null(strstr(text, "# seconds to connect\n#   a whole number from 1 to 300\n#   default: 10\nconnect_timeout = 10\n"));
	out = load(text, &rc, &cfg);
	assert_int_equal(rc, K_OK);
	assert_string_equal(out, "");
	assert_int_equal(config_int(cfg, "kiosk.idle_seconds"), 90);
	config_free(cfg);
	free(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_inline_comments),
		cmocka_unit_test(test_check_usage),
		cmocka_unit_test(test_check_database_note),
		cmocka_unit_test(test_list_loads),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
