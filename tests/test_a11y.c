/* test_a11y: the patient's larger-text and read-aloud settings, with the
 * real synthesiser speaking into a sink: offered only where they work, on
 * and off, a key cuts speech, idle time grows while read aloud is on, and
 * the per-patient reset turns everything off. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "a11y.h"

static char dir[64], conf[128], sink[128];

static config *load(const char *text)
{
	FILE *f = fopen(conf, "w");
	config *cfg = NULL;
	struct kerr err = { "" };

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(config_load(&cfg, conf, stderr, &err), K_OK);
	return cfg;
}

static char *read_sink(void)
{
	FILE *f = fopen(sink, "r");
	char *buf = calloc(1, 65536);

	assert_non_null(buf);
	if (f) {
		buf[fread(buf, 1, 65535, f)] = '\0';
		fclose(f);
	}
	return buf;
}

static int open_pty(int *master)
{
	int fd;

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(*master >= 0);
	assert_int_equal(grantpt(*master), 0);
	assert_int_equal(unlockpt(*master), 0);
	fd = open(ptsname(*master), O_RDWR | O_NOCTTY);
	assert_true(fd >= 0);
	return fd;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_a11y.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(conf, sizeof conf, "%s/kiosk.conf", dir);
	snprintf(sink, sizeof sink, "%s/spoken", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(conf);
	unlink(sink);
	rmdir(dir);
	return 0;
}

/* A terminal window or SSH session: no larger text. */
static void test_no_larger_text_off_a_vt(void **state)
{
	config *cfg = load("[kiosk]\nlanguage = en\n");
	a11y *a = NULL;
	struct kerr err = { "" };
	int master, fd = open_pty(&master);

	(void)state;
	assert_int_equal(a11y_new(&a, cfg, fd, &err), K_OK);
	assert_false(a11y_can_enlarge(a));
	assert_int_equal(a11y_set_large(a, true, &err), K_ENOTFOUND);
	assert_false(a11y_large(a));
	a11y_crash_restore(); /* nothing changed: nothing to do */
	a11y_free(a);
	config_free(cfg);
	close(fd);
	close(master);
}

/* The test terminal: offered, on, and off again by the reset. */
static void test_larger_text_test_terminal(void **state)
{
	config *cfg = load("[display]\nlarge_text_pty = true\n");
	a11y *a = NULL;
	struct kerr err = { "" };
	int master, fd = open_pty(&master);

	(void)state;
	assert_int_equal(a11y_new(&a, cfg, fd, &err), K_OK);
	assert_true(a11y_can_enlarge(a));
	assert_false(a11y_large(a));
	assert_int_equal(a11y_set_large(a, true, &err), K_OK);
	assert_true(a11y_large(a));
	a11y_reset(a);
	assert_false(a11y_large(a));
	a11y_free(a);
	config_free(cfg);
	close(fd);
	close(master);
}

static void test_read_aloud(void **state)
{
	char text[256];
	config *cfg;
	a11y *a = NULL;
	struct kerr err = { "" };
	char *out;

	(void)state;
	snprintf(text, sizeof text, "[speech]\nsink = %s\nidle_factor = 3\n", sink);
	cfg = load(text);
	assert_int_equal(a11y_new(&a, cfg, -1, &err), K_OK);
	/* Nothing is spoken unless the patient turns it on. */
	assert_false(a11y_speech(a));
	assert_int_equal(a11y_say(a, "en", "Welcome.", &err), K_OK);
	assert_int_equal(a11y_idle(a, 90), 90);
	assert_int_equal(a11y_set_speech(a, true, &err), K_OK);
	assert_true(a11y_speech(a));
	assert_int_equal(a11y_idle(a, 90), 270);
	assert_int_equal(a11y_say(a, "es", "Bienvenido a la clínica. Antes de su cita, por favor responda "
				    "unas preguntas sobre su salud y su piel.", &err), K_OK);
	/* Wait (up to 10 s on a busy machine) until it is being said. */
	for (int i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10000000 };

		out = read_sink();
		if (strstr(out, "say\tes\t")) {
			free(out);
			break;
		}
		free(out);
		nanosleep(&ts, NULL);
	}
	a11y_key(a); /* a key cuts it off */
	/* The next patient: off, silent, normal idle time. */
	a11y_reset(a);
	assert_false(a11y_speech(a));
	assert_int_equal(a11y_idle(a, 90), 90);
	assert_int_equal(a11y_say(a, "en", "Not for the next patient.", &err), K_OK);
	a11y_free(a);
	config_free(cfg);
	out = read_sink();
	assert_null(strstr(out, "Welcome"));
	assert_non_null(strstr(out, "say\tes\tBienvenido a la cl\xc3\xadnica."));
	assert_non_null(strstr(out, "\ncut\t"));
	assert_null(strstr(out, "\nend\t"));
	assert_null(strstr(out, "next patient"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_larger_text_off_a_vt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_larger_text_test_terminal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_aloud, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
