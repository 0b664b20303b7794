/* Engine effects on a real SQLite file, including a completion the store
 * cannot write at that moment: it is kept and written later, never lost,
 * and no new session starts before it is on disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "content.h"
#include "engine.h"
#include "intake.h"
#include "staff.h"
#include "store.h"

static const struct kdate today = { 2026, 11, 26 };

static int count(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

static krc send(struct intake *in, engine *e, enum engine_ev kind, const char *value)
{
	struct engine_event ev = { kind, value, 0 };
	struct engine_fxlist fx;
	struct kerr err = { "" };

	assert_int_equal(engine_step(e, &ev, today, &fx, &err), K_OK);
	assert_null(engine_error(e));
	return intake_apply(in, &fx, 1000, &err);
}

static void test_complete_later(void **state)
{
	char dir[64], path[96], cmd[128];
	struct content *c = NULL;
	engine *e = NULL;
	store *st = NULL;
	struct intake in;
	struct kerr err = { "" };
	sqlite3 *lock;
	static const char *answers[] = { "en", "Ana", "1990-01-31", "no", "none", "Ana" };

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/kiosk-intake-%d", (int)getpid());
	snprintf(path, sizeof path, "%s/k.db", dir);
	assert_int_equal(content_load(&c, "tests/fixtures/mini/screens", NULL, &err), K_OK);
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	assert_int_equal(store_create(&st, path, &err), K_OK);
	memset(&in, 0, sizeof in);
	in.st = st;
	in.e = e;

	assert_int_equal(send(&in, e, ENGINE_EV_NEXT, NULL), K_OK);
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
		assert_int_equal(send(&in, e, ENGINE_EV_ANSWER, answers[i]), K_OK);
	assert_string_equal(engine_screen(e)->id, "review");

	/* Another process holds the write lock past the busy timeout. */
	assert_int_equal(sqlite3_open(path, &lock), SQLITE_OK);
	assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(send(&in, e, ENGINE_EV_NEXT, NULL), K_ESTORE);
	assert_non_null(in.pending);

	/* The patient leaves; the next one cannot start while it is unwritten. */
	assert_int_equal(send(&in, e, ENGINE_EV_TIMEOUT, NULL), K_OK);
	assert_int_equal(send(&in, e, ENGINE_EV_NEXT, NULL), K_OK);
	assert_int_equal(send(&in, e, ENGINE_EV_ANSWER, "en"), K_ESTORE);

	/* The lock goes away: the finished intake is written first, once. */
	assert_int_equal(sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(lock);
	assert_int_equal(intake_retry(&in, 1001, &err), K_OK);
	assert_null(in.pending);
	assert_int_equal(intake_retry(&in, 1002, &err), K_OK);
	assert_int_equal(count(path, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(count(path, "SELECT count(*) FROM sessions WHERE state = 'completed'"), 1);

	intake_clear(&in);
	store_close(st);
	engine_free(e);
	content_free(c);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* An answer the store cannot save: the session is dropped from the screen,
 * and marked interrupted (resumable by staff, expired later) as soon as the
 * store works again, never left "in progress" for ever. */
static void test_stranded_session(void **state)
{
	char dir[64], path[96], cmd[128], q[160];
	struct content *c = NULL;
	engine *e = NULL;
	store *st = NULL;
	struct intake in;
	struct kerr err = { "" };
	struct store_session *ss = NULL;
	sqlite3 *lock;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/kiosk-intake-s%d", (int)getpid());
	snprintf(path, sizeof path, "%s/k.db", dir);
	assert_int_equal(content_load(&c, "tests/fixtures/mini/screens", NULL, &err), K_OK);
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	assert_int_equal(store_create(&st, path, &err), K_OK);
	memset(&in, 0, sizeof in);
	in.st = st;
	in.e = e;
	assert_int_equal(send(&in, e, ENGINE_EV_NEXT, NULL), K_OK);
	assert_int_equal(send(&in, e, ENGINE_EV_ANSWER, "en"), K_OK);
	assert_int_equal(send(&in, e, ENGINE_EV_ANSWER, "Ana"), K_OK);

	assert_int_equal(sqlite3_open(path, &lock), SQLITE_OK);
	assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(send(&in, e, ENGINE_EV_ANSWER, "1990-01-31"), K_ESTORE);
	assert_string_equal(in.stranded, in.session);
	snprintf(q, sizeof q, "SELECT count(*) FROM sessions WHERE id = '%s' AND state = 'in_progress'", in.stranded);
	/* Still in progress while the store refuses every write. */
	assert_int_equal(count(path, q), 1);
	assert_int_equal(sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(lock);

	kerr_clear(&err);
	assert_int_equal(intake_retry(&in, 1002, &err), K_OK);
	assert_string_equal(in.stranded, "");
	assert_int_equal(store_session_resume(st, &ss, &err), K_OK);
	assert_int_equal(ss->n, 2);
	store_session_free(ss);

	intake_clear(&in);
	store_close(st);
	engine_free(e);
	content_free(c);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A staff message written over several lines (YAML `staff: |` or `>`)
 * is stored as one line: flag_details holds one line per flag, so a
 * newline inside a message would put the next flag's words under this
 * one's code on the staff screen. */
static void test_multiline_staff(void **state)
{
	char dir[64], path[96], cmd[256];
	struct content *c = NULL;
	engine *e = NULL;
	store *st = NULL;
	struct intake in;
	struct kerr err = { "" };
	struct store_intake *v = NULL;
	struct staff_intake *sv = NULL;
	int n = 0;
	FILE *f;
	static const char *answers[] = { "en", "Ana", "2015-01-31", "yes", "none", "Ana" };

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/kiosk-intake-m%d", (int)getpid());
	snprintf(path, sizeof path, "%s/k.db", dir);
	snprintf(cmd, sizeof cmd, "mkdir -p %s && cp -r tests/fixtures/mini/. %s/", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "%s/screens/040-dob.yaml", dir);
	f = fopen(cmd, "w");
	assert_non_null(f);
	fputs("id: dob\nkind: date\nmin: -120y\nmax: today\n"
	      "title: {en: Date of birth, es: Fecha de nacimiento}\n"
	      "text: {en: When were you born?, es: \"\\u00bfCu\\u00e1ndo naci\\u00f3?\"}\n"
	      "flags:\n  - code: MINOR\n    severity: review\n    when: {age_under: 18}\n"
	      "    staff: |\n      Under 18.\n      A guardian signs.\n"
	      "    patient: {en: A guardian must sign., es: Un tutor debe firmar.}\n", f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof cmd, "%s/screens", dir);
	assert_int_equal(content_load(&c, cmd, NULL, &err), K_OK);
	assert_int_equal(engine_new(&e, c, "en", &err), K_OK);
	assert_int_equal(store_create(&st, path, &err), K_OK);
	memset(&in, 0, sizeof in);
	in.st = st;
	in.e = e;

	assert_int_equal(send(&in, e, ENGINE_EV_NEXT, NULL), K_OK);
	for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
		assert_int_equal(send(&in, e, ENGINE_EV_ANSWER, answers[i]), K_OK);
	assert_int_equal(send(&in, e, ENGINE_EV_NEXT, NULL), K_OK);
	assert_int_equal(count(path, "SELECT count(*) FROM sessions WHERE state = 'completed'"), 1);

	assert_int_equal(store_intakes(st, 0, &v, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].flags, "MINOR,PREGNANT");
	assert_string_equal(v[0].flag_details, "MINOR: Under 18. A guardian signs.\nPREGNANT: Pregnant.");
	store_intakes_free(v, n);
	/* What staff see: each flag under its own code. */
	assert_int_equal(staff_intakes(st, c, 0, "maria", 2000, &sv, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sv[0].n_flags, 2);
	assert_string_equal(sv[0].flags[0].code, "PREGNANT");
	assert_string_equal(sv[0].flags[0].text, "PREGNANT: Pregnant.");
	assert_string_equal(sv[0].flags[1].code, "MINOR");
	assert_string_equal(sv[0].flags[1].text, "MINOR: Under 18. A guardian signs. - patient gave: Date of birth: 2015-01-31");
	staff_intakes_free(sv, n);

	intake_clear(&in);
	store_close(st);
	engine_free(e);
	content_free(c);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete_later),
		cmocka_unit_test(test_stranded_session),
		cmocka_unit_test(test_multiline_staff),
	};

	return cmocka_run_group_tests_name("intake", tests, NULL, NULL);
}
