/* test_store: the store's whole API on real SQLite files (and :memory:).
 *
 * Checks go through the store's own API where it has one, and through raw
 * sqlite3 calls or the raw bytes of the files where the question is what
 * is really on disk (nothing left after a wipe or a purge, one outbox row). */
#define _GNU_SOURCE /* memmem, unshare */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"

/* A fictional patient, easy to find in raw bytes. */
#define PT_NAME "Zo\xc3\xab Testpatient-Quokka"
#define PT_DOB "1987-02-19"
#define PT_PHONE "+44 7700 900461"

struct fx {
	char dir[64];
	char path[128];
	store *s;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct kerr err = { "" };

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/var/kiosk.db", f->dir);
	assert_int_equal(store_create(&f->s, f->path, &err), K_OK);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	store_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* One integer from a query on a separate raw connection. */
static long long q_int(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void q_exec(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
			 SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
	sqlite3_close(db);
}

/* Whether needle is anywhere in the bytes of file (a missing file has none). */
static bool file_has(const char *file, const char *needle)
{
	FILE *fp = fopen(file, "rb");
	size_t n = strlen(needle), cap = 0, len = 0;
	char *buf = NULL;
	bool found;

	if (fp == NULL)
		return false;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + len, 1, cap - len, fp);

		if (got == 0)
			break;
		len += got;
	}
	fclose(fp);
	found = len >= n && memmem(buf, len, needle, n) != NULL;
	free(buf);
	return found;
}

/* Whether needle is in the database, its WAL or its rollback journal. */
static bool db_has(const char *path, const char *needle)
{
	char p[160];
	bool found = file_has(path, needle);

	snprintf(p, sizeof p, "%s-wal", path);
	found |= file_has(p, needle);
	snprintf(p, sizeof p, "%s-journal", path);
	found |= file_has(p, needle);
	return found;
}

static void start(store *s, int64_t now, char id[STORE_ID_LEN])
{
	struct kerr err = { "" };

	assert_int_equal(store_session_start(s, "cv-1", "en", now, id, &err), K_OK);
}

static void save(store *s, const char *id, const char *qid, const char *v, int64_t now)
{
	struct kerr err = { "" };

	assert_int_equal(store_answer_save(s, id, qid, v, now, &err), K_OK);
}

static krc complete(store *s, const char *id, const char *bundle, int64_t now, struct kerr *err)
{
	struct store_completion c = {
		.session = id,
		.outcome = "review",
		.flags = "retinoid-recent,unsure-pregnant",
		.flag_details = "Retinoid in the last 7 days\nNot sure about pregnancy",
		.bundle = bundle,
		.patient_name = PT_NAME,
		.patient_dob = PT_DOB,
		.now = now,
	};

	return store_session_complete(s, &c, err);
}

/* ---- open ---- */

static void test_open_private_files(void **state)
{
	struct fx *f = *state;
	char dir[160], wal[160];
	struct stat sb;
	char id[STORE_ID_LEN];

	start(f->s, 100, id);
	snprintf(dir, sizeof dir, "%s/var", f->dir);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof wal, "%s-wal", f->path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* The settings that make a commit durable and shared. */
	assert_int_equal(q_int(f->path, "PRAGMA user_version"), 6);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
			 1);
	/* UUID v4 text. */
	assert_int_equal(strlen(id), 36);
	assert_int_equal(id[14], '4');
	assert_non_null(strchr("89ab", id[19]));
}

static void test_open_memory(void **state)
{
	store *s = NULL;
	struct kerr err = { "" };
	char id[STORE_ID_LEN], id2[STORE_ID_LEN];
	struct store_status st;

	(void)state;
	assert_int_equal(store_create(&s, ":memory:", &err), K_OK);
	start(s, 10, id);
	start(s, 11, id2);
	assert_string_not_equal(id, id2);
	assert_int_equal(store_status_get(s, &st, &err), K_OK);
	assert_int_equal(st.in_progress, 2);
	store_close(s);
	store_close(NULL);
}

/* ---- answers and completion ---- */

static void test_answers_saved_and_overwritten(void **state)
{
	struct fx *f = *state;
	struct store_session *ss = NULL;
	struct kerr err = { "" };
	char id[STORE_ID_LEN];
	int n = -1;

	start(f->s, 100, id);
	save(f->s, id, "name", PT_NAME, 101);
	save(f->s, id, "area", "face", 102);
	save(f->s, id, "area", "neck", 103);
	save(f->s, id, "pregnant", "no", 104);
	assert_int_equal(store_answer_drop(f->s, id, "pregnant", &err), K_OK);
	assert_int_equal(store_session_lang(f->s, id, "fr", &err), K_OK);
	/* On disk the moment they are given: a second connection sees them. */
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers"), 2);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers WHERE value = 'neck'"), 1);

	/* A crash: the next start finds it interrupted, staff resume it. */
	store_close(f->s);
	assert_int_equal(store_create(&f->s, f->path, &err), K_OK);
	assert_int_equal(store_recover(f->s, 200, 1800, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_session_resume(f->s, &ss, &err), K_OK);
	assert_string_equal(ss->id, id);
	assert_string_equal(ss->lang, "fr");
	assert_string_equal(ss->content_version, "cv-1");
	assert_int_equal(ss->started, 100);
	assert_int_equal(ss->n, 2);
	assert_string_equal(ss->qids[0], "name");
	assert_string_equal(ss->values[0], PT_NAME);
	assert_string_equal(ss->qids[1], "area");
	assert_string_equal(ss->values[1], "neck");
	store_session_free(ss);
	store_session_free(NULL);
	/* Resumed means in progress again: answers are accepted. */
	save(f->s, id, "pregnant", "no", 205);
}

static void test_answer_refused_when_not_open(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char id[STORE_ID_LEN];

	assert_int_equal(store_answer_save(f->s, "no-such-session", "q", "v", 1, &err), K_ENOTFOUND);
	start(f->s, 100, id);
	assert_int_equal(complete(f->s, id, "{}", 110, &err), K_OK);
	kerr_clear(&err);
	assert_int_equal(store_answer_save(f->s, id, "area", "face", 111, &err), K_EINVAL);
	assert_non_null(strstr(err.msg, "already completed"));
}

static void test_complete_once(void **state)
{
	struct fx *f = *state;
	struct store_outbox_item *it = NULL;
	struct kerr err = { "" };
	char id[STORE_ID_LEN];
	const char *bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}";
	int64_t due = -1;

	start(f->s, 100, id);
	save(f->s, id, "area", "face", 101);
	assert_int_equal(complete(f->s, id, bundle, 120, &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox"), 1);

	/* Twice: refused, and still exactly one outbox entry. */
	assert_int_equal(complete(f->s, id, "{\"other\":1}", 130, &err), K_EINVAL);
	assert_non_null(strstr(err.msg, "already completed"));
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox"), 1);

	/* The outbox holds the bundle exactly as completed. */
	kerr_clear(&err);
	assert_int_equal(store_outbox_next(f->s, 120, &it, &due, &err), K_OK);
	assert_string_equal(it->id, id);
	assert_string_equal(it->bundle, bundle);
	assert_int_equal(it->attempts, 0);
	store_outbox_item_free(it);
	store_outbox_item_free(NULL);

	/* Completing an unknown session queues nothing. */
	kerr_clear(&err);
	assert_int_equal(complete(f->s, "nope", bundle, 140, &err), K_ENOTFOUND);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox"), 1);
	/* Unless told its database was replaced since: the row is made again. */
	{
		struct store_completion c = { .session = "a1b2c3d4-0000-4000-8000-000000000001",
					      .outcome = "clear", .bundle = bundle, .patient_name = PT_NAME,
					      .now = 150, .recreate = true };

		kerr_clear(&err);
		assert_int_equal(store_session_complete(f->s, &c, &err), K_OK);
		assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox"), 2);
		assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions WHERE state = 'completed'"), 2);
		assert_int_equal(store_session_complete(f->s, &c, &err), K_EINVAL);
	}
	/* A completed session cannot be wiped. */
	kerr_clear(&err);
	assert_int_equal(store_session_wipe(f->s, id, "reset", "kiosk", &err), K_EINVAL);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions"), 2);
}

static void test_wipe_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct store_session *ss = NULL;
	struct kerr err = { "" };
	char id[STORE_ID_LEN], other[STORE_ID_LEN];
	int n = -1;

	start(f->s, 100, other);
	save(f->s, other, "area", "face", 100);
	start(f->s, 100, id);
	save(f->s, id, "name", PT_NAME, 101);
	save(f->s, id, "phone", PT_PHONE, 102);
	assert_true(db_has(f->path, PT_PHONE));
	assert_int_equal(store_session_wipe(f->s, id, "idle", "kiosk", &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions"), 1);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers"), 1);
	assert_false(db_has(f->path, PT_PHONE));
	assert_false(db_has(f->path, PT_NAME));
	/* Nothing left to resume but the other session. */
	assert_int_equal(store_recover(f->s, 200, 1800, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_session_resume(f->s, &ss, &err), K_OK);
	assert_string_equal(ss->id, other);
	store_session_free(ss);
	/* Wiping it twice: not found. */
	assert_int_equal(store_session_wipe(f->s, id, "idle", "kiosk", &err), K_ENOTFOUND);
	/* The audit entry names the reason, not the patient. */
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit WHERE action = 'session.wipe'"
				      " AND detail LIKE '%idle'"),
			 1);
}

static void test_recover_and_resume(void **state)
{
	struct fx *f = *state;
	struct store_session *ss = NULL;
	struct kerr err = { "" };
	char old[STORE_ID_LEN], a[STORE_ID_LEN], b[STORE_ID_LEN];
	int n = -1;

	assert_int_equal(store_session_resume(f->s, &ss, &err), K_ENOTFOUND);
	assert_null(ss);
	start(f->s, 1000, old);
	save(f->s, old, "area", "face", 1010);
	start(f->s, 5000, a);
	save(f->s, a, "area", "neck", 5010);
	start(f->s, 5100, b);
	save(f->s, b, "area", "hands", 5110);
	/* Window 30 min at 6000: "old" (last answer 1010) is deleted. */
	kerr_clear(&err);
	assert_int_equal(store_recover(f->s, 6000, 1800, &n, &err), K_OK);
	assert_int_equal(n, 2);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers WHERE value = 'face'"), 0);
	/* Interrupted sessions take no answers until resumed. */
	assert_int_equal(store_answer_save(f->s, a, "x", "y", 6001, &err), K_EINVAL);
	/* Latest first. */
	assert_int_equal(store_session_resume(f->s, &ss, &err), K_OK);
	assert_string_equal(ss->id, b);
	assert_int_equal(ss->n, 1);
	assert_string_equal(ss->values[0], "hands");
	store_session_free(ss);
	assert_int_equal(store_session_resume(f->s, &ss, &err), K_OK);
	assert_string_equal(ss->id, a);
	store_session_free(ss);
	kerr_clear(&err);
	assert_int_equal(store_session_resume(f->s, &ss, &err), K_ENOTFOUND);
	/* Recovering again marks the two resumed (in progress) ones again. */
	assert_int_equal(store_recover(f->s, 6100, 1800, &n, &err), K_OK);
	assert_int_equal(n, 2);
}

/* Interrupted sessions go once resume_window has passed, whenever the
 * check runs (the kiosk's timer, kiosk-sync's purge), not only at start-up;
 * a session in progress is never touched. */
static void test_expire_interrupted(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char a[STORE_ID_LEN], b[STORE_ID_LEN], live[STORE_ID_LEN];
	int n = -1;

	start(f->s, 1000, a);
	save(f->s, a, "area", "face", 1010);
	start(f->s, 1000, b);
	save(f->s, b, "area", "neck", 2000);
	assert_int_equal(store_recover(f->s, 2100, 1800, &n, &err), K_OK);
	assert_int_equal(n, 2);
	start(f->s, 1000, live);
	save(f->s, live, "area", "hands", 1020);
	/* Nothing is older than 30 min yet. */
	assert_int_equal(store_expire_interrupted(f->s, 2500, 1800, &n, &err), K_OK);
	assert_int_equal(n, 0);
	/* At 3000 only "a" (last change 1010) is past the window. */
	assert_int_equal(store_expire_interrupted(f->s, 3000, 1800, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers WHERE value = 'face'"), 0);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers WHERE value = 'neck'"), 1);
	/* kiosk-sync's purge pass does it too once told the window. */
	assert_int_equal(store_purge(f->s, 9000, 0, &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers WHERE value = 'neck'"), 1);
	store_set_resume_window(f->s, 1800);
	assert_int_equal(store_purge(f->s, 9000, 0, &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers WHERE value = 'neck'"), 0);
	/* The session in progress (last answer 1020) is still there. */
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers WHERE value = 'hands'"), 1);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions WHERE state = 'in_progress'"), 1);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit WHERE action = 'session.expire'"), 2);
}

/* ---- outbox ---- */

static void make_intake(store *s, int64_t now, char id[STORE_ID_LEN])
{
	struct kerr err = { "" };
	char bundle[256];

	start(s, now - 10, id);
	save(s, id, "name", PT_NAME, now - 9);
	save(s, id, "phone", PT_PHONE, now - 8);
	snprintf(bundle, sizeof bundle,
		 "{\"resourceType\":\"Bundle\",\"id\":\"%s\",\"name\":\"%s\",\"birthDate\":\"%s\","
		 "\"telecom\":\"%s\"}",
		 id, PT_NAME, PT_DOB, PT_PHONE);
	assert_int_equal(complete(s, id, bundle, now, &err), K_OK);
}

static void test_outbox_lifecycle(void **state)
{
	struct fx *f = *state;
	struct store_outbox_item *it = NULL;
	struct store_status st;
	struct store_intake *v = NULL;
	struct kerr err = { "" };
	char a[STORE_ID_LEN], b[STORE_ID_LEN], c[STORE_ID_LEN];
	int64_t due = -1;
	int n = -1;

	assert_int_equal(store_outbox_next(f->s, 100, &it, &due, &err), K_ENOTFOUND);
	assert_int_equal(due, 0);
	make_intake(f->s, 100, a);
	make_intake(f->s, 200, b);
	make_intake(f->s, 300, c);

	/* Oldest first. */
	assert_int_equal(store_outbox_next(f->s, 1000, &it, &due, &err), K_OK);
	assert_string_equal(it->id, a);
	store_outbox_item_free(it);
	/* A temporary failure moves it back until its next attempt. */
	assert_int_equal(store_outbox_retry(f->s, a, 2000, "HTTP 503", &err), K_OK);
	assert_int_equal(store_outbox_next(f->s, 1000, &it, &due, &err), K_OK);
	assert_string_equal(it->id, b);
	store_outbox_item_free(it);
	/* A permanent failure is kept for staff. */
	assert_int_equal(store_outbox_failed(f->s, b, "HTTP 422: Patient.name 'Jane Quokka' invalid", &err),
			 K_OK);
	/* The audit log (kept for good) has the status, not the server's
	 * words, which may quote the patient. */
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit WHERE action = 'record.failed'"
				       " AND detail LIKE '%HTTP 422'"), 1);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit WHERE detail LIKE '%Quokka%'"), 0);
	assert_int_equal(store_outbox_next(f->s, 1000, &it, &due, &err), K_OK);
	assert_string_equal(it->id, c);
	store_outbox_item_free(it);
	assert_int_equal(store_outbox_delivered(f->s, c, "Bundle/c/_history/1", 1100, &err), K_OK);
	/* Delivered again (lost reply, retried): fine, nothing changes. */
	assert_int_equal(store_outbox_delivered(f->s, c, "Bundle/c/_history/1", 1200, &err), K_OK);
	/* Nothing due before 2000. */
	assert_int_equal(store_outbox_next(f->s, 1000, &it, &due, &err), K_ENOTFOUND);
	assert_null(it);
	assert_int_equal(due, 2000);
	kerr_clear(&err);
	assert_int_equal(store_outbox_next(f->s, 2000, &it, &due, &err), K_OK);
	assert_string_equal(it->id, a);
	assert_int_equal(it->attempts, 1);
	store_outbox_item_free(it);
	/* retry / failed on a record that is not waiting are refused. */
	assert_int_equal(store_outbox_retry(f->s, c, 3000, "x", &err), K_EINVAL);
	kerr_clear(&err);
	assert_int_equal(store_outbox_failed(f->s, b, "x", &err), K_EINVAL);
	kerr_clear(&err);
	assert_int_equal(store_outbox_retry(f->s, "unknown", 3000, "x", &err), K_ENOTFOUND);
	kerr_clear(&err);

	assert_int_equal(store_meta_set(f->s, "sync.paused", "token file missing", &err), K_OK);
	assert_int_equal(store_status_get(f->s, &st, &err), K_OK);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(st.oldest_waiting, 100);
	assert_int_equal(st.last_delivery, 1100);
	assert_string_equal(st.last_failure, "HTTP 422: Patient.name 'Jane Quokka' invalid");
	assert_string_equal(st.paused, "token file missing");
	assert_int_equal(store_meta_set(f->s, "sync.paused", NULL, &err), K_OK);

	/* Staff's list: newest first, delivered one purged. */
	assert_int_equal(store_intakes(f->s, 150, &v, &n, &err), K_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, c);
	assert_null(v[0].name);
	assert_null(v[0].dob);
	assert_string_equal(v[0].outcome, "review");
	assert_string_equal(v[0].flags, "retinoid-recent,unsure-pregnant");
	assert_string_equal(v[0].delivery, "delivered");
	assert_string_equal(v[1].id, b);
	assert_string_equal(v[1].name, PT_NAME);
	assert_string_equal(v[1].dob, PT_DOB);
	assert_string_equal(v[1].delivery, "failed: HTTP 422: Patient.name 'Jane Quokka' invalid");
	store_intakes_free(v, n);

	/* Staff requeue: b is due again at once. */
	assert_int_equal(store_outbox_requeue(f->s, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_next(f->s, 1000, &it, &due, &err), K_OK);
	assert_string_equal(it->id, b);
	store_outbox_item_free(it);
	assert_int_equal(store_status_get(f->s, &st, &err), K_OK);
	assert_int_equal(st.failed, 0);
	assert_string_equal(st.last_failure, "");
	assert_string_equal(st.paused, "");

	/* The receipt of the delivered one stays; its patient data does not. */
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox WHERE bundle IS NULL"), 1);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions WHERE patient_name IS NULL"), 1);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers"), 4);
	assert_int_equal(q_int(f->path, "SELECT delivered FROM outbox WHERE location = 'Bundle/c/_history/1'"),
			 1100);
}

/* kiosk status lists the failed records (not every receipt kept for
 * years) and counts the delivered ones from a kept count that follows
 * every change of state. */
static void test_failed_list_and_counts(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	struct store_intake *v = NULL;
	struct store_status st;
	char a[STORE_ID_LEN], b[STORE_ID_LEN], c[STORE_ID_LEN], d[STORE_ID_LEN];
	int n = -1;

	make_intake(f->s, 100, a);
	make_intake(f->s, 200, b);
	make_intake(f->s, 300, c);
	make_intake(f->s, 400, d);
	assert_int_equal(store_outbox_delivered(f->s, a, "Bundle/a", 1000, &err), K_OK);
	assert_int_equal(store_outbox_delivered(f->s, c, "Bundle/c", 1100, &err), K_OK);
	assert_int_equal(store_outbox_delivered(f->s, c, "Bundle/c", 1200, &err), K_OK);
	assert_int_equal(store_outbox_failed(f->s, b, "HTTP 422", &err), K_OK);
	assert_int_equal(store_status_get(f->s, &st, &err), K_OK);
	assert_int_equal(st.delivered, 2);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(st.last_delivery, 1100);
	assert_int_equal(store_intakes_failed(f->s, &v, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, b);
	assert_string_equal(v[0].delivery, "failed: HTTP 422");
	assert_string_equal(v[0].name, PT_NAME);
	store_intakes_free(v, n);

	assert_int_equal(store_outbox_requeue(f->s, &n, &err), K_OK);
	assert_int_equal(store_intakes_failed(f->s, &v, &n, &err), K_OK);
	assert_int_equal(n, 0);
	store_intakes_free(v, n);
	assert_int_equal(store_outbox_delivered(f->s, b, "Bundle/b", 1300, &err), K_OK);
	assert_int_equal(store_outbox_delivered(f->s, d, "Bundle/d", 1400, &err), K_OK);
	assert_int_equal(store_status_get(f->s, &st, &err), K_OK);
	assert_int_equal(st.delivered, 4);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.waiting, 0);
	assert_int_equal(st.last_delivery, 1400);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox WHERE state = 'delivered'"), 4);
}

/* kiosk-sync reads the queue a window at a time and records the window's
 * deliveries in one transaction: all of them, with their receipts, audit
 * entries and the purge, as one record at a time would. */
static void test_delivered_batch(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	struct store_outbox_item *items[4] = { NULL };
	char a[STORE_ID_LEN], b[STORE_ID_LEN], c[STORE_ID_LEN];
	int n = -1;
	int64_t due = -1;

	make_intake(f->s, 100, a);
	make_intake(f->s, 200, b);
	make_intake(f->s, 300, c);
	assert_int_equal(store_outbox_next_batch(f->s, 1000, 2, items, &n, &due, &err), K_OK);
	assert_int_equal(n, 2);
	assert_string_equal(items[0]->id, a);
	assert_string_equal(items[1]->id, b);
	{
		struct store_delivery v[2] = { { items[0]->id, "Bundle/a/_history/1" },
					       { items[1]->id, "Bundle/b/_history/1" } };

		assert_int_equal(store_outbox_delivered_batch(f->s, v, 2, 1000, &err), K_OK);
	}
	store_outbox_item_free(items[0]);
	store_outbox_item_free(items[1]);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox WHERE state = 'delivered'"
				       " AND bundle IS NULL AND delivered = 1000"), 2);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit WHERE action = 'record.delivered'"), 2);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions WHERE patient_name IS NULL"), 2);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers"), 2);
	/* The rest of the queue; then nothing due. */
	assert_int_equal(store_outbox_next_batch(f->s, 1000, 4, items, &n, &due, &err), K_OK);
	assert_int_equal(n, 1);
	assert_string_equal(items[0]->id, c);
	{
		/* A record delivered again in a later window changes nothing. */
		struct store_delivery v[2] = { { a, "Bundle/a/_history/1" }, { items[0]->id, "Bundle/c" } };

		assert_int_equal(store_outbox_delivered_batch(f->s, v, 2, 1100, &err), K_OK);
	}
	store_outbox_item_free(items[0]);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit WHERE action = 'record.delivered'"), 3);
	assert_int_equal(q_int(f->path, "SELECT delivered FROM outbox WHERE location = 'Bundle/a/_history/1'"),
			 1000);
	assert_int_equal(store_outbox_next_batch(f->s, 1000, 4, items, &n, &due, &err), K_ENOTFOUND);
	assert_int_equal(n, 0);
	assert_int_equal(due, 0);
	kerr_clear(&err);
	{
		/* An id the outbox never had: nothing of the window is kept. */
		char d[STORE_ID_LEN];
		struct store_delivery v[2];

		make_intake(f->s, 400, d);
		v[0] = (struct store_delivery){ d, "Bundle/d" };
		v[1] = (struct store_delivery){ "00000000-0000-4000-8000-000000000000", "Bundle/x" };
		assert_int_equal(store_outbox_delivered_batch(f->s, v, 2, 1200, &err), K_ENOTFOUND);
		kerr_clear(&err);
		assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox WHERE state = 'waiting'"), 1);
		assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit WHERE action = 'record.delivered'"), 3);
	}
}

static void test_retention(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char a[STORE_ID_LEN];

	store_set_retention(f->s, 7 * 86400);
	make_intake(f->s, 100, a);
	assert_int_equal(store_outbox_delivered(f->s, a, "Bundle/a", 1000, &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions WHERE patient_name IS NOT NULL"), 1);
	assert_int_equal(store_purge(f->s, 1000 + 86400, 7 * 86400, &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers"), 2);
	assert_int_equal(store_purge(f->s, 1000 + 7 * 86400, 7 * 86400, &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM answers"), 0);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM sessions WHERE patient_name IS NOT NULL"), 0);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox WHERE bundle IS NOT NULL"), 0);
	assert_false(db_has(f->path, PT_NAME));
}

/* The purge is real: the name, date of birth and phone of a delivered
 * patient are in none of the files' bytes any more. */
static void test_purge_raw_bytes(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char a[STORE_ID_LEN];

	make_intake(f->s, 100, a);
	/* The search works: before delivery the data is there. */
	assert_true(db_has(f->path, PT_NAME));
	assert_true(db_has(f->path, PT_DOB));
	assert_true(db_has(f->path, PT_PHONE));
	assert_int_equal(store_outbox_delivered(f->s, a, "Bundle/a/_history/1", 500, &err), K_OK);
	assert_false(db_has(f->path, PT_NAME));
	assert_false(db_has(f->path, "Testpatient-Quokka"));
	assert_false(db_has(f->path, PT_DOB));
	assert_false(db_has(f->path, PT_PHONE));
	/* And still not after the last connection closes. */
	store_close(f->s);
	f->s = NULL;
	assert_false(db_has(f->path, "Testpatient-Quokka"));
	assert_false(db_has(f->path, PT_DOB));
	assert_false(db_has(f->path, PT_PHONE));
	assert_int_equal(store_create(&f->s, f->path, &err), K_OK);
}

/* ---- audit ---- */

static void audit_five(store *s)
{
	struct kerr err = { "" };
	char d[32];

	for (int i = 1; i <= 5; i++) {
		snprintf(d, sizeof d, "entry %d", i);
		assert_int_equal(store_audit(s, 1000 + i, "front-desk", "staff.login", d, &err), K_OK);
	}
}

static void test_audit_intact(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char id[STORE_ID_LEN];
	int64_t bad = -1;

	assert_int_equal(store_audit_verify(f->s, &bad, &err), K_OK);
	assert_int_equal(bad, 0);
	audit_five(f->s);
	start(f->s, 2000, id);
	assert_int_equal(store_session_wipe(f->s, id, "reset", "front-desk", &err), K_OK);
	assert_int_equal(store_audit_verify(f->s, &bad, &err), K_OK);
	assert_int_equal(bad, 0);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM audit"), 6);
}

static void test_audit_deleted_row(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	int64_t bad = -1;

	audit_five(f->s);
	q_exec(f->path, "DELETE FROM audit WHERE id = 3");
	assert_int_equal(store_audit_verify(f->s, &bad, &err), K_OK);
	assert_int_equal(bad, 3);
}

static void test_audit_deleted_renumbered(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	int64_t bad = -1;

	/* Hiding the gap by renumbering breaks the hashes instead. */
	audit_five(f->s);
	q_exec(f->path, "DELETE FROM audit WHERE id = 3; UPDATE audit SET id = id - 1 WHERE id > 3");
	assert_int_equal(store_audit_verify(f->s, &bad, &err), K_OK);
	assert_int_equal(bad, 3);
}

static void test_audit_deleted_last(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	int64_t bad = -1;

	audit_five(f->s);
	q_exec(f->path, "DELETE FROM audit WHERE id = 5");
	assert_int_equal(store_audit_verify(f->s, &bad, &err), K_OK);
	assert_int_equal(bad, 5);
}

static void test_audit_altered_row(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	int64_t bad = -1;

	audit_five(f->s);
	q_exec(f->path, "UPDATE audit SET detail = 'nothing happened' WHERE id = 2");
	assert_int_equal(store_audit_verify(f->s, &bad, &err), K_OK);
	assert_int_equal(bad, 2);
}

/* ---- schema ---- */

static char *slurp(const char *file)
{
	FILE *fp = fopen(file, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		fail_msg("cannot open %s (run from the repository root)", file);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

static void test_migrate_v1(void **state)
{
	struct fx *f = *state;
	char path[160], *script = slurp("tests/fixtures/store/v1.sql");
	struct store_outbox_item *it = NULL;
	struct store_session *ss = NULL;
	struct store_staff staff = { "front-desk", "staff", "$argon2id$fixture", 2, 0, 0 }, *got = NULL;
	struct store_status st;
	struct kerr err = { "" };
	store *s = NULL;
	int64_t due, bad = -1;
	int n = -1;

	snprintf(path, sizeof path, "%s/old.db", f->dir);
	q_exec(path, script);
	free(script);
	assert_int_equal(q_int(path, "PRAGMA user_version"), 1);

	/* Reading (kiosk status) never upgrades the database under a kiosk. */
	assert_int_equal(store_open_readonly(&s, path, &err), K_ESTORE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "database schema 1 differs from this kiosk's (6)"));
	assert_int_equal(q_int(path, "PRAGMA user_version"), 1);
	kerr_clear(&err);

	assert_int_equal(store_create(&s, path, &err), K_OK);
	assert_int_equal(q_int(path, "PRAGMA user_version"), 6);
	{
		store *ro = NULL;
		struct store_status rst;

		assert_int_equal(store_open_readonly(&ro, path, &err), K_OK);
		assert_int_equal(store_status_get(ro, &rst, &err), K_OK);
		assert_int_equal(rst.waiting, 1);
		/* ... and cannot write. */
		assert_int_equal(store_audit(ro, 1, "test", "x", "", &err), K_ESTORE);
		kerr_clear(&err);
		store_close(ro);
	}
	/* The waiting record is still queued, its retry time kept. */
	assert_int_equal(store_outbox_next(s, 1000, &it, &due, &err), K_ENOTFOUND);
	assert_int_equal(due, 1500);
	kerr_clear(&err);
	assert_int_equal(store_outbox_next(s, 1500, &it, &due, &err), K_OK);
	assert_string_equal(it->id, "11111111-1111-4111-8111-111111111111");
	assert_string_equal(it->bundle, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}");
	assert_int_equal(it->attempts, 2);
	store_outbox_item_free(it);
	assert_int_equal(store_status_get(s, &st, &err), K_OK);
	assert_int_equal(st.in_progress, 1);
	assert_int_equal(st.waiting, 1);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(st.last_delivery, 940);
	assert_string_equal(st.paused, "token file missing");
	/* The crashed session is recoverable. */
	assert_int_equal(store_recover(s, 1300, 1800, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_session_resume(s, &ss, &err), K_OK);
	assert_string_equal(ss->lang, "fr");
	assert_string_equal(ss->values[0], "face");
	store_session_free(ss);
	/* What schema 2 adds works: staff accounts and delivery locations. */
	assert_int_equal(store_staff_put(s, &staff, &err), K_OK);
	assert_int_equal(store_staff_get(s, "front-desk", &got, &err), K_OK);
	assert_int_equal(got->failures, 2);
	store_staff_free(got);
	assert_int_equal(store_outbox_delivered(s, "11111111-1111-4111-8111-111111111111", "Bundle/old",
					       1600, &err),
			 K_OK);
	assert_false(db_has(path, "Old Fixture Patient"));
	assert_int_equal(store_audit_verify(s, &bad, &err), K_OK);
	assert_int_equal(bad, 0);
	store_close(s);
	/* Opening an up-to-date database again changes nothing. */
	assert_int_equal(store_create(&s, path, &err), K_OK);
	store_close(s);
}

static void test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	char path[160];
	struct kerr err = { "" };
	store *s = NULL;

	snprintf(path, sizeof path, "%s/new.db", f->dir);
	q_exec(path, "CREATE TABLE future (x); INSERT INTO future VALUES (42); PRAGMA user_version = 7;");
	assert_int_equal(store_create(&s, path, &err), K_ESTORE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "database schema 7 is newer than this kiosk (6)"));
	/* Left as it was. */
	assert_int_equal(q_int(path, "SELECT x FROM future"), 42);
	assert_int_equal(q_int(path, "PRAGMA user_version"), 7);
}

static void test_not_a_database(void **state)
{
	struct fx *f = *state;
	char path[160], *after;
	const char *junk = "these are the clinic's notes, not a database\n";
	struct kerr err = { "" };
	store *s = NULL;
	FILE *fp;

	snprintf(path, sizeof path, "%s/notes.db", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs(junk, fp);
	fclose(fp);
	assert_int_equal(store_create(&s, path, &err), K_ESTORE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "corrupt"));
	assert_non_null(strstr(err.msg, path));
	after = slurp(path);
	assert_int_equal(strlen(after), 200 * strlen(junk));
	free(after);
}

static void test_corrupt_pages(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char id[STORE_ID_LEN], junk[4096];
	store *s = NULL;
	krc rc;
	int fd;

	for (int i = 0; i < 40; i++)
		make_intake(f->s, 100 + i, id);
	store_close(f->s);
	f->s = NULL;
	/* Scribble over the second page (a table's root). */
	memset(junk, 0x5a, sizeof junk);
	fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, junk, sizeof junk, 4096), (ssize_t)sizeof junk);
	close(fd);
	/* Opening no longer reads every page (that is store_check's job, at
	 * the kiosk's start and in status checks): either step may see it. */
	rc = store_open(&s, f->path, &err);
	if (rc == K_OK)
		rc = store_check(s, &err);
	store_close(s);
	s = NULL;
	assert_int_equal(rc, K_ESTORE);
	assert_non_null(strstr(err.msg, "corrupt"));
	/* The same read-only, as `kiosk status` opens it. */
	kerr_clear(&err);
	rc = store_open_readonly(&s, f->path, &err);
	if (rc == K_OK)
		rc = store_check(s, &err);
	store_close(s);
	assert_int_equal(rc, K_ESTORE);
	assert_non_null(strstr(err.msg, "corrupt"));
	/* f->s stays NULL; teardown copes. */
}

/* The outcome of a check of every page is kept for `kiosk status`, and a
 * read-only handle checks without keeping anything. */
static void test_check_kept(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char result[256];
	int64_t when = 1;
	store *ro = NULL;

	assert_int_equal(store_integrity_last(f->s, &when, result, sizeof result, &err), K_OK);
	assert_int_equal(when, 0);
	assert_int_equal(store_check_record(f->s, 1764000000, &err), K_OK);
	assert_int_equal(store_integrity_last(f->s, &when, result, sizeof result, &err), K_OK);
	assert_int_equal(when, 1764000000);
	assert_string_equal(result, "ok");
	assert_int_equal(store_open_readonly(&ro, f->path, &err), K_OK);
	assert_int_equal(store_check_record(ro, 1764999999, &err), K_OK);
	assert_int_equal(store_integrity_last(ro, &when, result, sizeof result, &err), K_OK);
	assert_int_equal(when, 1764000000);
	store_close(ro);
}

static void test_open_refuses_missing(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char path[200];
	store *s = NULL;
	int fd;

	(void)f;
	/* A missing file is never created by an ordinary open. */
	snprintf(path, sizeof path, "%s.gone/kiosk.db", f->path);
	assert_int_equal(store_open(&s, path, &err), K_ESTORE);
	assert_null(s);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "kiosk init"));
	assert_int_equal(access(path, F_OK), -1);
	/* Nor is an empty one (a file touched, or a volume's stub). */
	snprintf(path, sizeof path, "%s.empty", f->path);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	kerr_clear(&err);
	assert_int_equal(store_open(&s, path, &err), K_ESTORE);
	assert_non_null(strstr(err.msg, "kiosk init"));
	/* store_create makes it, and then it opens. */
	assert_int_equal(store_create(&s, path, &err), K_OK);
	store_close(s);
	s = NULL;
	assert_int_equal(store_open(&s, path, &err), K_OK);
	assert_int_equal(store_check(s, &err), K_OK);
	store_close(s);
	unlink(path);
}

static void test_file_identity(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char id[STORE_ID_LEN], moved[200], fresh[200];
	store *other = NULL;

	assert_int_equal(store_file_check(f->s, &err), K_OK);
	make_intake(f->s, 100, id);
	/* Deleted while open: starting and completing refuse, the open
	 * handle reports why. */
	snprintf(moved, sizeof moved, "%s.moved", f->path);
	assert_int_equal(rename(f->path, moved), 0);
	assert_int_equal(store_file_check(f->s, &err), K_ESTORE);
	assert_non_null(strstr(err.msg, "was deleted"));
	kerr_clear(&err);
	assert_int_equal(store_session_start(f->s, "v1", "en", 200, id, &err), K_ESTORE);
	/* Another database put in its place is not the one open either. */
	snprintf(fresh, sizeof fresh, "%s/fresh.db", f->dir);
	assert_int_equal(store_create(&other, fresh, &err), K_OK);
	store_close(other);
	assert_int_equal(rename(fresh, f->path), 0);
	kerr_clear(&err);
	assert_int_equal(store_file_check(f->s, &err), K_ESTORE);
	assert_non_null(strstr(err.msg, "replaced"));
	assert_int_equal(rename(moved, f->path), 0);
	kerr_clear(&err);
	assert_int_equal(store_file_check(f->s, &err), K_OK);
}

/* ---- a full disk and a read-only disk ----
 *
 * Real ones: a small tmpfs in a private mount namespace (root only).  The
 * checks run in a child process; it prints what failed and exits nonzero. */

static int child_fail(const char *what, const char *msg)
{
	fprintf(stderr, "disk test: %s (%s)\n", what, msg);
	return 1;
}

static int disk_child(const char *dir)
{
	char path[160], big[8192], q[16];
	struct store_outbox_item *it = NULL;
	struct kerr err = { "" };
	char id[STORE_ID_LEN], kept[STORE_ID_LEN];
	store *s = NULL;
	krc r = K_OK;
	int64_t due;

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=512k,mode=0700") != 0)
		return 77;
	snprintf(path, sizeof path, "%s/kiosk.db", dir);
	if (store_create(&s, path, &err) != K_OK)
		return child_fail("open", err.msg);
	make_intake(s, 100, kept);
	if (store_session_start(s, "cv", "en", 200, id, &err) != K_OK)
		return child_fail("start", err.msg);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 1000 && r == K_OK; i++) {
		snprintf(q, sizeof q, "q%d", i);
		r = store_answer_save(s, id, q, big, 201, &err);
	}
	if (r != K_ESTORE || strstr(err.msg, "disk is full") == NULL)
		return child_fail("full disk not reported", err.msg);
	/* What was already stored is still there and still readable. */
	kerr_clear(&err);
	if (store_outbox_next(s, 100, &it, &due, &err) != K_OK || strcmp(it->id, kept) != 0)
		return child_fail("record lost on a full disk", err.msg);
	store_outbox_item_free(it);
	kerr_clear(&err);
	r = complete(s, id, big, 300, &err);
	if (r == K_OK)
		fprintf(stderr, "disk test: completion fit after all\n");
	else if (r != K_ESTORE)
		return child_fail("completion on a full disk", err.msg);
	store_close(s);

	/* The same disk, read-only. */
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, "size=512k") != 0)
		return child_fail("remount read-only", strerror(errno));
	kerr_clear(&err);
	if (store_create(&s, path, &err) != K_ESTORE || strstr(err.msg, "read-only") == NULL ||
	    strstr(err.msg, path) == NULL)
		return child_fail("read-only not reported", err.msg);
	if (mount(NULL, dir, NULL, MS_REMOUNT, "size=512k") != 0)
		return child_fail("remount read-write", strerror(errno));
	kerr_clear(&err);
	if (store_create(&s, path, &err) != K_OK)
		return child_fail("reopen", err.msg);
	if (store_outbox_next(s, 100, &it, &due, &err) != K_OK || strcmp(it->id, kept) != 0)
		return child_fail("record lost after read-only", err.msg);
	store_outbox_item_free(it);
	store_close(s);
	return 0;
}

static void test_full_and_readonly_disk(void **state)
{
	struct fx *f = *state;
	char dir[128];
	int status = 0;
	pid_t pid;

	snprintf(dir, sizeof dir, "%s/small", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(disk_child(dir));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		fprintf(stderr, "test_full_and_readonly_disk: no mount namespace here (not root?)\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Read-only without mounts: a file this user may read but not write. */
/* A deployment shares the database through a group: group access is
 * kept, access for others is removed. */
static void test_group_mode(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	struct stat sb;

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(chmod(f->path, 0664), 0);
	assert_int_equal(store_create(&f->s, f->path, &err), K_OK);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
}

static void test_readonly_file(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char id[STORE_ID_LEN];
	int status = 0;
	pid_t pid;

	make_intake(f->s, 100, id);
	store_close(f->s);
	f->s = NULL;
	assert_int_equal(chmod(f->dir, 0755), 0);
	{
		char var[128];

		snprintf(var, sizeof var, "%s/var", f->dir);
		assert_int_equal(chmod(var, 0755), 0);
	}
	assert_int_equal(chmod(f->path, 0444), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		store *s = NULL;

		/* Root may write anything: become nobody first. */
		if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		if (store_create(&s, f->path, &err) != K_ESTORE)
			_exit(1);
		if (strstr(err.msg, "read-only") == NULL) {
			fprintf(stderr, "message: %s\n", err.msg);
			_exit(2);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Nothing lost. */
	assert_int_equal(chmod(f->path, 0600), 0);
	assert_int_equal(store_create(&f->s, f->path, &err), K_OK);
	assert_int_equal(q_int(f->path, "SELECT count(*) FROM outbox"), 1);
}

/* ---- two processes ---- */

static void test_two_handles(void **state)
{
	struct fx *f = *state;
	struct store_outbox_item *it = NULL;
	struct kerr err = { "" };
	char id[STORE_ID_LEN];
	store *sync = NULL;
	int64_t due;

	assert_int_equal(store_create(&sync, f->path, &err), K_OK);
	make_intake(f->s, 100, id);
	assert_int_equal(store_outbox_next(sync, 100, &it, &due, &err), K_OK);
	assert_string_equal(it->id, id);
	store_outbox_item_free(it);
	assert_int_equal(store_outbox_delivered(sync, id, "Bundle/x", 200, &err), K_OK);
	assert_int_equal(store_audit(f->s, 300, "kiosk", "staff.logout", "", &err), K_OK);
	store_close(sync);
	assert_int_equal(store_outbox_next(f->s, 1000, &it, &due, &err), K_ENOTFOUND);
	assert_false(db_has(f->path, PT_PHONE));
}

/* The other process holds the write lock: a short hold is waited out, one
 * longer than the busy timeout is a clear error, and nothing is lost. */
static void test_busy_lock(void **state)
{
	struct fx *f = *state;
	struct store_session *ss = NULL;
	struct kerr err = { "" };
	char id[STORE_ID_LEN];
	sqlite3 *other = NULL;
	int status = 0, n;
	pid_t pid;

	start(f->s, 100, id);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;

		if (sqlite3_open(f->path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		usleep(500 * 1000);
		_exit(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : 1);
	}
	usleep(100 * 1000); /* let the child take the lock first */
	save(f->s, id, "area", "face", 101);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);

	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_answer_save(f->s, id, "area", "neck", 102, &err), K_ESTORE);
	assert_non_null(strstr(err.msg, "locked by another process"));
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(store_recover(f->s, 200, 1800, &n, &err), K_OK);
	assert_int_equal(store_session_resume(f->s, &ss, &err), K_OK);
	assert_string_equal(ss->values[0], "face");
	store_session_free(ss);
}

/* ---- staff ---- */

static void test_staff_accounts(void **state)
{
	struct fx *f = *state;
	struct store_staff in = { "Dr Admin", "admin", "$argon2id$v=19$m=65536,t=2,p=1$x$y", 0, 0, 0 };
	struct store_staff *got = NULL;
	struct kerr err = { "" };

	assert_int_equal(store_staff_get(f->s, "Dr Admin", &got, &err), K_ENOTFOUND);
	assert_null(got);
	assert_int_equal(store_staff_put(f->s, &in, &err), K_OK);
	in.failures = 5;
	in.locked_until = 99999;
	in.lockouts = 1;
	assert_int_equal(store_staff_put(f->s, &in, &err), K_OK);
	/* Failures and lock survive a restart. */
	store_close(f->s);
	assert_int_equal(store_create(&f->s, f->path, &err), K_OK);
	assert_int_equal(store_staff_get(f->s, "Dr Admin", &got, &err), K_OK);
	assert_string_equal(got->role, "admin");
	assert_string_equal(got->pin_hash, in.pin_hash);
	assert_int_equal(got->failures, 5);
	assert_int_equal(got->locked_until, 99999);
	assert_int_equal(got->lockouts, 1);
	store_staff_free(got);
	store_staff_free(NULL);
	in.role = "superuser";
	kerr_clear(&err);
	assert_int_equal(store_staff_put(f->s, &in, &err), K_EINVAL);
	assert_int_equal(store_staff_remove(f->s, "Dr Admin", &err), K_OK);
	assert_int_equal(store_staff_remove(f->s, "Dr Admin", &err), K_ENOTFOUND);
}

static void test_meta(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char *v = NULL;

	assert_int_equal(store_meta_get(f->s, "questionnaire.uploaded", &v, &err), K_OK);
	assert_null(v);
	assert_int_equal(store_meta_set(f->s, "questionnaire.uploaded", "cv-1", &err), K_OK);
	assert_int_equal(store_meta_set(f->s, "questionnaire.uploaded", "cv-2", &err), K_OK);
	assert_int_equal(store_meta_get(f->s, "questionnaire.uploaded", &v, &err), K_OK);
	assert_string_equal(v, "cv-2");
	free(v);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_private_files),
		cmocka_unit_test(test_open_memory),
		T(test_answers_saved_and_overwritten),
		T(test_answer_refused_when_not_open),
		T(test_complete_once),
		T(test_wipe_leaves_nothing),
		T(test_recover_and_resume),
		T(test_outbox_lifecycle),
		T(test_failed_list_and_counts),
		T(test_delivered_batch),
		T(test_retention),
		T(test_purge_raw_bytes),
		T(test_audit_intact),
		T(test_audit_deleted_row),
		T(test_audit_deleted_renumbered),
		T(test_audit_deleted_last),
		T(test_audit_altered_row),
		T(test_migrate_v1),
		T(test_newer_schema_refused),
		T(test_not_a_database),
		T(test_corrupt_pages),
		T(test_open_refuses_missing),
		T(test_check_kept),
		T(test_expire_interrupted),
		T(test_file_identity),
		T(test_full_and_readonly_disk),
		T(test_group_mode),
		T(test_readonly_file),
		T(test_two_handles),
		T(test_busy_lock),
		T(test_staff_accounts),
		T(test_meta),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
