/* kbench: in-process timings against libkiosk.a for `make bench`.
 *
 *   kbench fsync DIR N          fdatasync floor: N x (512-byte pwrite +
 *                               fdatasync) on a file in DIR, overwriting
 *   kbench fsync-append DIR N   the same, each write growing the file (as
 *                               a WAL does after it was truncated)
 *   kbench answers DB N         N x store_answer_save on one session
 *   kbench intakes DB N         N x (session start, 15 answers, complete
 *                               with a ~4 KB FHIR bundle)
 *   kbench fill DB N [OUTDIR]   queue N completed ~4 KB intakes as fast as
 *                               the store allows; with OUTDIR also write
 *                               each bundle to OUTDIR/<n>.json (the same
 *                               records for the curl comparison)
 *   kbench content DIR N        N x content_load + check_content
 *   kbench paired DIR N         N rounds, each under the same disk load:
 *                               one fdatasync overwriting, one growing a
 *                               file, one store_answer_save (new value), and
 *                               every 15th round a store_session_complete;
 *                               prints "kind us" lines
 *
 *   kbench today DB N W         a day's live data: queue N intakes, deliver
 *                               all but W of them keeping their patient data
 *                               (kiosk.retention_days 7), leave W waiting
 *   kbench staff-list DB N      N x the staff list of today's intakes
 *                               (store_intakes since local midnight);
 *                               prints "us rows"
 *   kbench status DB N          N x the queries of `kiosk status` without its
 *                               page check (store_status_get and the failed
 *                               records)
 *   kbench quick-check DB N     N x store_check (PRAGMA quick_check)
 *   kbench purge DB N           N x store_purge with retention 0: the first
 *                               purges what `today` delivered, the others
 *                               find nothing (the hourly purge)
 *   kbench speech DIR N         read-aloud start: N x (the text of a screen
 *                               of content DIR built, handed to espeak-ng)
 *                               until its first audio sample is ready;
 *                               prints "first_sample_us text_us"
 *
 * Timed modes print one line per operation: microseconds (wall clock).
 * intakes prints "complete_us intake_us".  Patient data is synthetic. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdatomic.h>

#include "check.h"
#include "content.h"
#include "engine.h"
#include "readaloud.h"
#include "speech.h"
#include "store.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int fail(const char *what, const struct kerr *err)
{
	fprintf(stderr, "kbench: %s: %s\n", what, err ? err->msg : "failed");
	return 1;
}

static int do_fsync(const char *dir, int n, int append)
{
	char path[4096], buf[512];
	int fd;

	snprintf(path, sizeof path, "%s/fsync-probe", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return fail(path, NULL);
	memset(buf, 'x', sizeof buf);
	/* Grow the file first so each timed write overwrites allocated
	 * blocks, as a WAL that is reused after a checkpoint does. */
	for (int i = 0; i < 64; i++)
		if (pwrite(fd, buf, sizeof buf, (off_t)i * 4096) != (ssize_t)sizeof buf)
			return fail("pwrite", NULL);
	fsync(fd);
	for (int i = 0; i < n; i++) {
		double t = now_us();

		off_t at = append ? (off_t)(64 + i) * 4096 : (off_t)(i % 64) * 4096;

		if (pwrite(fd, buf, sizeof buf, at) != (ssize_t)sizeof buf ||
		    fdatasync(fd))
			return fail("fdatasync", NULL);
		printf("%.1f\n", now_us() - t);
	}
	close(fd);
	unlink(path);
	return 0;
}

/* A FHIR transaction Bundle of about 4 KB: a Patient and a
 * QuestionnaireResponse with the kiosk's question ids. */
static void make_bundle(char *out, size_t n, const char *id, int i)
{
	static const char *qids[] = {
		"language", "full_name", "dob", "phone", "area", "pregnancy", "skin_today",
		"skin_history", "skin_type", "health", "medicines", "procedures", "skincare",
		"allergies", "consent",
	};
	char qr[STORE_ID_LEN];
	size_t len;

	memcpy(qr, id, sizeof qr);
	qr[0] = qr[0] == 'f' ? '0' : (char)(qr[0] == '9' ? 'a' : qr[0] + 1);
	len = (size_t)snprintf(out, n,
		"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
		"{\"fullUrl\":\"urn:uuid:%s\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"%s\","
		"\"name\":[{\"text\":\"Bench Person %d\",\"family\":\"Person\",\"given\":[\"Bench\"]}],"
		"\"birthDate\":\"1990-01-%02d\",\"telecom\":[{\"system\":\"phone\",\"value\":\"(561) 555-0100\"}]},"
		"\"request\":{\"method\":\"PUT\",\"url\":\"Patient/%s\"}},"
		"{\"fullUrl\":\"urn:uuid:%s\",\"resource\":{\"resourceType\":\"QuestionnaireResponse\","
		"\"id\":\"%s\",\"status\":\"completed\","
		"\"questionnaire\":\"https://fhir.example.org/Questionnaire/microneedling-intake|bench\","
		"\"subject\":{\"reference\":\"Patient/%s\"},\"authored\":\"2026-01-02T10:00:00Z\",\"item\":[",
		id, id, i, i % 28 + 1, id, qr, qr, id);
	for (int r = 0; len < 3900 && len < n; r++)
		len += (size_t)snprintf(out + len, n - len,
			"%s{\"linkId\":\"%s\",\"text\":\"Question text as shown to the patient, "
			"number %d\",\"answer\":[{\"valueCoding\":{\"system\":\"https://fhir.example.org/"
			"CodeSystem/answers\",\"code\":\"none\",\"display\":\"None of these\"}}]}",
			r ? "," : "", qids[r % 15], r);
	snprintf(out + len, n - len,
		 "]},\"request\":{\"method\":\"PUT\",\"url\":\"QuestionnaireResponse/%s\"}}]}", qr);
}

static int complete(store *st, const char *id, int i, int64_t now, struct kerr *err)
{
	static char bundle[8192];
	struct store_completion c = { 0 };
	char name[32];

	make_bundle(bundle, sizeof bundle, id, i);
	snprintf(name, sizeof name, "Bench Person %d", i);
	c.session = id;
	c.outcome = "clear";
	c.flags = "";
	c.flag_details = "";
	c.bundle = bundle;
	c.patient_name = name;
	c.patient_dob = "1990-01-01";
	c.now = now;
	return store_session_complete(st, &c, err) == K_OK ? 0 : 1;
}

static int do_store(const char *mode, const char *db, int n, const char *outdir)
{
	struct kerr err = { "" };
	store *st = NULL;
	char id[STORE_ID_LEN];
	int64_t now = (int64_t)time(NULL);
	int rc = 1;

	if (store_create(&st, db, &err) != K_OK)
		return fail("store_open", &err);
	if (!strcmp(mode, "answers")) {
		if (store_session_start(st, "bench", "en", now, id, &err) != K_OK)
			goto out;
		for (int i = 0; i < n; i++) {
			char qid[32], val[32];
			double t;

			/* A new value every time (a patient changing an answer):
			 * SQLite writes nothing for an update that changes nothing. */
			snprintf(qid, sizeof qid, "q%d", i % 20);
			snprintf(val, sizeof val, "answer %d", i);
			t = now_us();
			if (store_answer_save(st, id, qid, val, now + i, &err) != K_OK)
				goto out;
			printf("%.1f\n", now_us() - t);
		}
	} else if (!strcmp(mode, "intakes")) {
		for (int i = 0; i < n; i++) {
			double t0 = now_us(), t1;

			if (store_session_start(st, "bench", "en", now, id, &err) != K_OK)
				goto out;
			for (int q = 0; q < 15; q++) {
				char qid[32];

				snprintf(qid, sizeof qid, "q%d", q);
				if (store_answer_save(st, id, qid, "none", now, &err) != K_OK)
					goto out;
			}
			t1 = now_us();
			if (complete(st, id, i, now, &err))
				goto out;
			printf("%.1f %.1f\n", now_us() - t1, now_us() - t0);
		}
	} else { /* fill */
		for (int i = 0; i < n; i++) {
			if (store_session_start(st, "bench", "en", now, id, &err) != K_OK ||
			    complete(st, id, i, now, &err))
				goto out;
			if (outdir) {
				static char bundle[8192];
				char path[4096];
				FILE *f;

				/* Different ids from the queued record, same shape. */
				id[0] = id[0] == 'a' ? 'b' : 'a';
				make_bundle(bundle, sizeof bundle, id, i);
				snprintf(path, sizeof path, "%s/%d.json", outdir, i);
				f = fopen(path, "w");
				if (!f || fputs(bundle, f) < 0 || fclose(f))
					return fail(path, NULL);
			}
		}
	}
	rc = 0;
out:
	if (rc)
		fail(mode, &err);
	store_close(st);
	return rc;
}

static int64_t local_midnight(void)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

static int do_years(const char *mode, const char *db, int n, int w)
{
	struct kerr err = { "" };
	store *st = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc = 1;

	if (store_create(&st, db, &err) != K_OK)
		return fail("store_open", &err);
	if (!strcmp(mode, "today")) {
		char id[STORE_ID_LEN];

		int64_t mid = local_midnight();

		/* Completed since local midnight, so the staff list shows them
		 * however early in the day the bench runs. */
		store_set_retention(st, 7 * 86400);
		for (int i = 0; i < n; i++) {
			int64_t t = mid + (now - mid) * i / (n > 0 ? n : 1);

			if (store_session_start(st, "bench", "en", t, id, &err) != K_OK ||
			    complete(st, id, i, t, &err))
				goto out;
		}
		for (int i = 0; i < n - w; i++) {
			struct store_outbox_item *it = NULL;
			int64_t due = 0;

			if (store_outbox_next(st, now, &it, &due, &err) != K_OK || it == NULL)
				goto out;
			if (store_outbox_delivered(st, it->id, "QuestionnaireResponse/x/_history/1", now,
						   &err) != K_OK) {
				store_outbox_item_free(it);
				goto out;
			}
			store_outbox_item_free(it);
		}
	} else {
		for (int i = 0; i < n; i++) {
			struct store_intake *v = NULL;
			struct store_status ss;
			int nv = 0;
			double t = now_us();
			krc r;

			if (!strcmp(mode, "staff-list"))
				r = store_intakes(st, local_midnight(), &v, &nv, &err);
			else if (!strcmp(mode, "status"))
				r = store_status_get(st, &ss, &err) == K_OK ?
				    store_intakes_failed(st, &v, &nv, &err) : K_ESTORE;
			else if (!strcmp(mode, "quick-check"))
				r = store_check(st, &err);
			else
				r = store_purge(st, now, 0, &err);
			t = now_us() - t;
			store_intakes_free(v, nv);
			if (r != K_OK)
				goto out;
			printf("%.1f %d\n", t, nv);
		}
	}
	rc = 0;
out:
	if (rc)
		fail(mode, &err);
	store_close(st);
	return rc;
}

static double sync_once(int fd, off_t at)
{
	char buf[512];
	double t;

	memset(buf, 'x', sizeof buf);
	t = now_us();
	if (pwrite(fd, buf, sizeof buf, at) != (ssize_t)sizeof buf || fdatasync(fd))
		return -1;
	return now_us() - t;
}

static int do_paired(const char *dir, int n)
{
	char path[4096], id[STORE_ID_LEN];
	struct kerr err = { "" };
	store *st = NULL;
	int64_t now = (int64_t)time(NULL);
	int fd, rc = 1;

	snprintf(path, sizeof path, "%s/paired-probe", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return fail(path, NULL);
	for (int i = 0; i < 64; i++)
		if (sync_once(fd, (off_t)i * 4096) < 0)
			return fail("fdatasync", NULL);
	snprintf(path, sizeof path, "%s/paired.db", dir);
	if (store_create(&st, path, &err) != K_OK)
		return fail("store_open", &err);
	if (store_session_start(st, "bench", "en", now, id, &err) != K_OK)
		goto out;
	for (int i = 0; i < n; i++) {
		char qid[32], val[32];
		double t;

		printf("fsync %.1f\n", sync_once(fd, (off_t)(i % 64) * 4096));
		printf("fsync_append %.1f\n", sync_once(fd, (off_t)(64 + i) * 4096));
		snprintf(qid, sizeof qid, "q%d", i % 15);
		snprintf(val, sizeof val, "answer %d", i);
		t = now_us();
		if (store_answer_save(st, id, qid, val, now + i, &err) != K_OK)
			goto out;
		printf("answer %.1f\n", now_us() - t);
		if (i % 15 == 14) {
			t = now_us();
			if (complete(st, id, i, now + i, &err))
				goto out;
			printf("complete %.1f\n", now_us() - t);
			if (store_session_start(st, "bench", "en", now + i, id, &err) != K_OK)
				goto out;
		}
	}
	rc = 0;
out:
	if (rc)
		fail("paired", &err);
	store_close(st);
	close(fd);
	snprintf(path, sizeof path, "%s/paired-probe", dir);
	unlink(path);
	return rc;
}

static int do_content(const char *dir, int n)
{
	time_t t = time(NULL);
	struct tm tm;
	struct kdate today;

	gmtime_r(&t, &tm);
	today.y = tm.tm_year + 1900;
	today.m = tm.tm_mon + 1;
	today.d = tm.tm_mday;
	for (int i = 0; i < n; i++) {
		struct content *c = NULL;
		struct content_diags d = { 0 };
		struct kerr err = { "" };
		double t0 = now_us(), t1;

		if (content_load(&c, dir, &d, &err) != K_OK)
			return fail(dir, &err);
		t1 = now_us();
		if (check_content(c, today, &d) != K_OK)
			return fail("check_content", NULL);
		printf("%.1f %.1f %d\n", t1 - t0, now_us() - t1, d.errors);
		content_diags_free(&d);
		content_free(c);
	}
	return 0;
}

static atomic_int speech_starts;

static void on_speech_start(void *arg)
{
	(void)arg;
	atomic_fetch_add(&speech_starts, 1);
}

/* Some answer the engine accepts on screen s, to move on through the
 * content (NULL: just continue). */
static const char *any_answer(const struct content_screen *s)
{
	switch (s->kind) {
	case CONTENT_YESNO: return "no";
	case CONTENT_CHOICE: return s->n_options ? s->options[0].id : NULL;
	case CONTENT_MULTI:
		for (int i = 0; i < s->n_options; i++)
			if (s->options[i].exclusive)
				return s->options[i].id;
		return s->n_options ? s->options[0].id : NULL;
	case CONTENT_TEXT: return s->pattern == CONTENT_PAT_PHONE ? "(561) 555-0100" : "Bench Person";
	case CONTENT_DATE: return "1990-04-01";
	case CONTENT_NUMBER: return "1";
	case CONTENT_CONSENT: return "Bench Person";
	default: return NULL;
	}
}

/* The sink stands in for the sound card (the samples are produced and
 * paced as it would play them); what is timed is the key's work: the text
 * built and the synthesiser's first audio ready. */
static int do_speech(const char *dir, int n)
{
	struct content *c = NULL;
	struct kerr err = { "" };
	struct speech_opts o = { 175, 100, "/dev/null", on_speech_start, NULL };
	struct kdate today = { 2026, 11, 26 };
	speech *sp = NULL;
	engine *e = NULL;

	if (content_load(&c, dir, NULL, &err) != K_OK)
		return fail(dir, &err);
	if (speech_new(&sp, &o, &err) != K_OK || engine_new(&e, c, NULL, &err) != K_OK)
		return fail("speech", &err);
	for (int i = 0; i < n; i++) {
		struct readaloud_view v = { NULL, 0, "F6" };
		struct engine_event ev = { ENGINE_EV_NEXT, NULL, 0 };
		struct engine_fxlist fx;
		int before = atomic_load(&speech_starts);
		double t0 = now_us(), t1, t2;
		char *text = NULL;

		if (readaloud_screen(e, &v, &text, &err) != K_OK)
			return fail("readaloud", &err);
		t1 = now_us();
		if (speech_say(sp, c->langs[engine_lang(e)], text, &err) != K_OK)
			return fail("speech_say", &err);
		while (atomic_load(&speech_starts) == before) {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
		t2 = now_us();
		printf("%.1f %.1f\n", t2 - t0, t1 - t0);
		free(text);
		speech_stop(sp);
		/* On to the next screen, or back to the first at the end. */
		ev.value = content_asks(engine_screen(e)->kind) ? any_answer(engine_screen(e)) : NULL;
		ev.kind = ev.value ? ENGINE_EV_ANSWER : ENGINE_EV_NEXT;
		if (engine_step(e, &ev, today, &fx, &err) != K_OK || engine_error(e)) {
			engine_free(e);
			e = NULL;
			if (engine_new(&e, c, NULL, &err) != K_OK)
				return fail("engine", &err);
		}
	}
	engine_free(e);
	speech_free(sp);
	content_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	int n;

	if (argc < 4) {
		fprintf(stderr, "usage: kbench fsync|fsync-append|answers|intakes|fill|content|paired|speech|today|staff-list|status|quick-check|purge PATH N [OUTDIR|W]\n");
		return 2;
	}
	n = atoi(argv[3]);
	if (!strcmp(argv[1], "fsync") || !strcmp(argv[1], "fsync-append"))
		return do_fsync(argv[2], n, argv[1][5] == '-');
	if (!strcmp(argv[1], "content"))
		return do_content(argv[2], n);
	if (!strcmp(argv[1], "paired"))
		return do_paired(argv[2], n);
	if (!strcmp(argv[1], "today") || !strcmp(argv[1], "staff-list") || !strcmp(argv[1], "status") ||
	    !strcmp(argv[1], "quick-check") || !strcmp(argv[1], "purge"))
		return do_years(argv[1], argv[2], n, argc > 4 ? atoi(argv[4]) : 0);
	if (!strcmp(argv[1], "speech"))
		return do_speech(argv[2], n);
	if (!strcmp(argv[1], "answers") || !strcmp(argv[1], "intakes") || !strcmp(argv[1], "fill"))
		return do_store(argv[1], argv[2], n, argc > 4 ? argv[4] : NULL);
	fprintf(stderr, "kbench: unknown mode %s\n", argv[1]);
	return 2;
}
