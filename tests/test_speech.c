/* test_speech: the real espeak-ng synthesiser, with its output going to a
 * sink file instead of a sound card: what is said, in which voice, that it
 * is spoken to the end, and that a stop or a new utterance cuts it off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "speech.h"

static char sink[64];
static atomic_int starts;

static void on_start(void *arg)
{
	(void)arg;
	atomic_fetch_add(&starts, 1);
}

static speech *open_speech(void)
{
	struct speech_opts o = { 175, 100, sink, on_start, NULL };
	struct kerr err = { "" };
	speech *s = NULL;

	atomic_store(&starts, 0);
	assert_int_equal(speech_new(&s, &o, &err), K_OK);
	return s;
}

/* Wait (up to 10 s: the machine may be busy) until audio has started. */
static void wait_started(int n)
{
	for (int i = 0; i < 2000 && atomic_load(&starts) < n; i++) {
		struct timespec ts = { 0, 5000000 };

		nanosleep(&ts, NULL);
	}
	assert_true(atomic_load(&starts) >= n);
}

static char *read_sink(void)
{
	FILE *f = fopen(sink, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(sink, sizeof sink, "/tmp/test_speech.XXXXXX");
	fd = mkstemp(sink);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(sink);
	return 0;
}

static void test_says_to_the_end(void **state)
{
	speech *s = open_speech();
	struct kerr err = { "" };
	char *out;
	long ms = 0;

	(void)state;
	assert_int_equal(speech_say(s, "en", "Question 1 of 20.\nYes.", &err), K_OK);
	speech_wait(s);
	assert_false(speech_speaking(s));
	assert_int_equal(atomic_load(&starts), 1);
	out = read_sink();
	assert_string_equal(strtok(out, "\n"), "say\ten\tQuestion 1 of 20. Yes.");
	assert_int_equal(sscanf(strtok(NULL, "\n"), "end\t%ld", &ms), 1);
	assert_true(ms > 300); /* a real voice said five words */
	assert_null(strtok(NULL, "\n"));
	free(out);
	speech_free(s);
}

static void test_stop_cuts_off(void **state)
{
	speech *s = open_speech();
	struct kerr err = { "" };
	char *out;
	long ms = -1;

	(void)state;
	assert_int_equal(speech_say(s, "en", "This sentence is long enough that a key press comes "
				    "well before its end, as a patient would press a key while the "
				    "screen is still being read to them.", &err), K_OK);
	wait_started(1);
	assert_true(speech_speaking(s));
	speech_stop(s);
	assert_false(speech_speaking(s));
	speech_wait(s);
	out = read_sink();
	assert_non_null(strstr(out, "say\ten\tThis sentence"));
	assert_non_null(strstr(out, "\ncut\t"));
	assert_int_equal(sscanf(strstr(out, "\ncut\t"), "\ncut\t%ld", &ms), 1);
	assert_true(ms >= 0);
	assert_null(strstr(out, "\nend\t"));
	free(out);
	/* Stopping when silent does nothing. */
	speech_stop(s);
	speech_free(s);
	out = read_sink();
	assert_null(strstr(strstr(out, "\ncut\t") + 1, "\ncut\t"));
	free(out);
}

static void test_new_text_cuts_the_old(void **state)
{
	speech *s = open_speech();
	struct kerr err = { "" };
	char *out, *cut, *second;

	(void)state;
	assert_int_equal(speech_say(s, "en", "The first screen has a long question that the patient "
				    "does not wait to hear to the end of, because they know it.", &err), K_OK);
	wait_started(1);
	assert_int_equal(speech_say(s, "es", "Segunda pantalla.", &err), K_OK);
	speech_wait(s);
	out = read_sink();
	cut = strstr(out, "\ncut\t");
	second = strstr(out, "say\tes\tSegunda pantalla.\n");
	assert_non_null(cut);
	assert_non_null(second);
	assert_true(cut < second);
	assert_non_null(strstr(second, "\nend\t"));
	free(out);
	speech_free(s);
}

static void test_voices(void **state)
{
	speech *s = open_speech(), *t = NULL;
	struct speech_opts o = { 175, 100, sink, NULL, NULL };
	struct kerr err = { "" };

	(void)state;
	assert_int_equal(speech_say(s, "es", "Sí.", &err), K_OK);
	assert_int_equal(speech_say(s, "en", "Yes.", &err), K_OK);
	speech_wait(s);
	assert_int_equal(speech_say(s, "xx-none", "?", &err), K_ENOTFOUND);
	assert_non_null(strstr(err.msg, "xx-none"));
	/* One synthesiser per process. */
	kerr_clear(&err);
	assert_int_equal(speech_new(&t, &o, &err), K_EBUSY);
	assert_null(t);
	speech_free(s);
	speech_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_says_to_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_cuts_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_text_cuts_the_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_voices, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
