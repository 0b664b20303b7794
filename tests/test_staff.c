/* test_staff: staff accounts, peppered Argon2id PINs and the lockout, on a
 * real database file in a temporary folder (the lock must survive a
 * restart, which :memory: cannot show). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "content.h"
#include "staff.h"
#include "store.h"

#define T0 1764115200 /* 2025-11-26 00:00 UTC */
#define GOOD "482913"
#define BAD "482914"

struct fx {
	char dir[64];
	char db[128];
	char pepper[128];
	store *st;
	staff *sf;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct kerr err = { "" };

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_staff.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/var/kiosk.db", f->dir);
	snprintf(f->pepper, sizeof f->pepper, "%s/var/pepper", f->dir);
	assert_int_equal(store_create(&f->st, f->db, &err), K_OK);
	assert_int_equal(staff_new(&f->sf, f->st, f->pepper, &err), K_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	staff_free(f->sf);
	store_close(f->st);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Reopen the database and the pepper as a restarted kiosk would. */
static void reopen(struct fx *f)
{
	struct kerr err = { "" };

	staff_free(f->sf);
	store_close(f->st);
	assert_int_equal(store_create(&f->st, f->db, &err), K_OK);
	assert_int_equal(staff_new(&f->sf, f->st, f->pepper, &err), K_OK);
}

static krc try_login(struct fx *f, const char *name, const char *pin, int64_t now,
		     struct staff_login *res, char *msg)
{
	struct kerr err = { "" };
	krc rc = staff_login(f->sf, name, pin, now, res, &err);

	if (msg)
		strcpy(msg, err.msg);
	return rc;
}

/* Count audit rows matching the SQL LIKE patterns, read with sqlite3
 * directly so the test sees what an auditor would. */
static int audit_count(struct fx *f, const char *actor, const char *action, const char *detail)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int n;

	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM audit WHERE actor LIKE ?1 AND "
					    "action LIKE ?2 AND detail LIKE ?3",
					    -1, &q, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(q, 1, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, detail, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static void add(struct fx *f, const char *name, const char *role)
{
	struct kerr err = { "" };

	assert_int_equal(staff_add(f->sf, name, role, GOOD, "test", T0, &err), K_OK);
}

static void test_pepper_file(void **state)
{
	struct fx *f = *state;
	struct stat sb;
	staff *other = NULL;
	struct kerr err = { "" };

	assert_int_equal(stat(f->pepper, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, STAFF_PEPPER_LEN);
	/* A pepper others can read is refused, naming the file. */
	assert_int_equal(chmod(f->pepper, 0644), 0);
	assert_int_equal(staff_new(&other, f->st, f->pepper, &err), K_EAUTH);
	assert_null(other);
	assert_non_null(strstr(err.msg, f->pepper));
	assert_int_equal(chmod(f->pepper, 0600), 0);
}

static void test_hash_verify_with_pepper(void **state)
{
	struct fx *f = *state;
	struct store_staff *acc = NULL;
	struct staff_login res;
	struct kerr err = { "" };
	char other_pepper[160];
	staff *other = NULL;

	add(f, "maria", "staff");
	assert_int_equal(store_staff_get(f->st, "maria", &acc, &err), K_OK);
	assert_non_null(strstr(acc->pin_hash, "$argon2id$"));
	assert_null(strstr(acc->pin_hash, GOOD));
	/* The stored hash is of the peppered PIN, not of the PIN itself. */
	assert_int_not_equal(crypto_pwhash_str_verify(acc->pin_hash, GOOD, strlen(GOOD)), 0);
	store_staff_free(acc);

	assert_int_equal(try_login(f, "maria", GOOD, T0 + 1, &res, NULL), K_OK);
	assert_true(res.ok);
	assert_false(res.admin);

	/* The same PIN with another pepper does not verify. */
	snprintf(other_pepper, sizeof other_pepper, "%s/other-pepper", f->dir);
	assert_int_equal(staff_new(&other, f->st, other_pepper, &err), K_OK);
	assert_int_equal(staff_login(other, "maria", GOOD, T0 + 2, &res, &err), K_EAUTH);
	assert_false(res.ok);
	staff_free(other);

	assert_int_equal(audit_count(f, "maria", "staff login", "ok%"), 1);
}

static void test_wrong_pin_and_audit(void **state)
{
	struct fx *f = *state;
	struct staff_login res;
	char msg[256];

	add(f, "ahmed", "admin");
	assert_int_equal(try_login(f, "ahmed", BAD, T0, &res, msg), K_EAUTH);
	assert_false(res.ok);
	assert_string_equal(msg, "wrong name or PIN");
	assert_int_equal(res.tries_left, STAFF_MAX_FAILURES - 1);
	assert_int_equal(try_login(f, "ahmed", GOOD, T0 + 1, &res, NULL), K_OK);
	assert_true(res.admin);

	/* Unknown names get the very same answer, and are audited too. */
	assert_int_equal(try_login(f, "nobody", BAD, T0 + 2, &res, msg), K_EAUTH);
	assert_string_equal(msg, "wrong name or PIN");
	assert_int_equal(res.tries_left, STAFF_MAX_FAILURES - 1);
	assert_int_equal(audit_count(f, "ahmed", "staff login refused", "wrong PIN%"), 1);
	/* ... under a placeholder: what was typed may be a patient's name. */
	assert_int_equal(audit_count(f, "(unknown name)", "staff login refused", "%"), 1);
	assert_int_equal(audit_count(f, "%nobody%", "%", "%"), 0);
	/* No PIN anywhere in the audit. */
	assert_int_equal(audit_count(f, "%", "%", "%" GOOD "%"), 0);
	assert_int_equal(audit_count(f, "%", "%", "%" BAD "%"), 0);
}

static void five_wrong(struct fx *f, const char *name, int64_t now, struct staff_login *res)
{
	for (int i = 0; i < STAFF_MAX_FAILURES; i++)
		assert_int_equal(try_login(f, name, BAD, now + i, res, NULL), K_EAUTH);
}

static void test_lock_after_five_doubling(void **state)
{
	struct fx *f = *state;
	struct staff_login res;
	char msg[256];
	int64_t t = T0;

	add(f, "li", "staff");
	for (int i = 0; i < STAFF_MAX_FAILURES - 1; i++) {
		assert_int_equal(try_login(f, "li", BAD, t + i, &res, NULL), K_EAUTH);
		assert_int_equal(res.locked_until, 0);
	}
	assert_int_equal(try_login(f, "li", BAD, t + 4, &res, msg), K_EAUTH);
	assert_int_equal(res.locked_until, t + 4 + STAFF_LOCK_SECONDS);
	assert_non_null(strstr(msg, "locked for 5 minutes"));

	/* While locked even the right PIN is refused. */
	assert_int_equal(try_login(f, "li", GOOD, t + 100, &res, msg), K_EAUTH);
	assert_false(res.ok);
	assert_non_null(strstr(msg, "locked"));
	assert_int_equal(audit_count(f, "li", "staff login refused", "account locked"), 1);

	/* The second lock lasts twice as long, the third four times. */
	t += 4 + STAFF_LOCK_SECONDS;
	five_wrong(f, "li", t, &res);
	assert_int_equal(res.locked_until, t + 4 + 2 * STAFF_LOCK_SECONDS);
	t += 4 + 2 * STAFF_LOCK_SECONDS;
	five_wrong(f, "li", t, &res);
	assert_int_equal(res.locked_until, t + 4 + 4 * STAFF_LOCK_SECONDS);

	/* A day of quiet after a lock ends: the doubling starts again. */
	{
		int64_t later = t + 4 + 4 * STAFF_LOCK_SECONDS + STAFF_LOCK_MAX_SECONDS + 1;

		five_wrong(f, "li", later, &res);
		assert_int_equal(res.locked_until, later + 4 + STAFF_LOCK_SECONDS);
		t = later + 4;
	}

	/* After it expires the right PIN works and clears the record. */
	t += STAFF_LOCK_SECONDS;
	assert_int_equal(try_login(f, "li", GOOD, t, &res, NULL), K_OK);
	five_wrong(f, "li", t + 1, &res);
	assert_int_equal(res.locked_until, t + 5 + STAFF_LOCK_SECONDS);
}

static void test_unknown_name_locks_too(void **state)
{
	struct fx *f = *state;
	struct staff_login res;
	char msg[256];

	five_wrong(f, "guess", T0, &res);
	assert_int_equal(res.locked_until, T0 + 4 + STAFF_LOCK_SECONDS);
	assert_int_equal(try_login(f, "guess", GOOD, T0 + 10, &res, msg), K_EAUTH);
	assert_non_null(strstr(msg, "locked"));
	/* The typed name is not kept in clear outside the audit log. */
	{
		char *v = NULL;
		struct kerr err = { "" };

		assert_int_equal(store_meta_get(f->st, "staff.unknown.guess", &v, &err), K_OK);
		assert_null(v);
	}
}

static void test_lock_survives_reopen(void **state)
{
	struct fx *f = *state;
	struct staff_login res;

	add(f, "sam", "staff");
	five_wrong(f, "sam", T0, &res);
	reopen(f);
	assert_int_equal(try_login(f, "sam", GOOD, T0 + 60, &res, NULL), K_EAUTH);
	assert_int_equal(res.locked_until, T0 + 4 + STAFF_LOCK_SECONDS);
	reopen(f);
	assert_int_equal(try_login(f, "sam", GOOD, T0 + 5 + STAFF_LOCK_SECONDS, &res, NULL), K_OK);
}

static void test_rehash(void **state)
{
	struct fx *f = *state;
	struct store_staff *acc = NULL;
	struct staff_login res;
	struct kerr err = { "" };
	char weak[STAFF_HASH_LEN];

	add(f, "old", "staff");
	/* A hash made with older, weaker limits, as an earlier release might
	 * have stored it. */
	assert_int_equal(staff_hash_pin(f->sf, GOOD, crypto_pwhash_OPSLIMIT_MIN,
					crypto_pwhash_MEMLIMIT_MIN, weak, &err),
			 K_OK);
	assert_int_equal(store_staff_get(f->st, "old", &acc, &err), K_OK);
	free(acc->pin_hash);
	acc->pin_hash = strdup(weak);
	assert_int_equal(store_staff_put(f->st, acc, &err), K_OK);
	store_staff_free(acc);

	assert_int_equal(try_login(f, "old", GOOD, T0, &res, NULL), K_OK);
	assert_true(res.rehashed);
	assert_int_equal(store_staff_get(f->st, "old", &acc, &err), K_OK);
	assert_string_not_equal(acc->pin_hash, weak);
	assert_int_equal(crypto_pwhash_str_needs_rehash(acc->pin_hash,
							crypto_pwhash_OPSLIMIT_INTERACTIVE,
							crypto_pwhash_MEMLIMIT_INTERACTIVE),
			 0);
	store_staff_free(acc);
	assert_int_equal(try_login(f, "old", GOOD, T0 + 1, &res, NULL), K_OK);
	assert_false(res.rehashed);
}

static void test_pin_policy(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	static const char *const bad[] = { "", "12345", "4829", "48291a", "482 913", "111111",
					   "123456", "987654", "567890", "12345678901234567" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kerr_clear(&err);
		assert_int_equal(staff_pin_valid(bad[i], &err), K_EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(staff_pin_valid(GOOD, NULL), K_OK);
	assert_int_equal(staff_pin_valid("0482913577", NULL), K_OK);

	kerr_clear(&err);
	assert_int_equal(staff_add(f->sf, "short", "staff", "12345", "test", T0, &err), K_EINVAL);
	assert_non_null(strstr(err.msg, "6"));
	{
		struct store_staff *acc = NULL;

		assert_int_equal(store_staff_get(f->st, "short", &acc, &err), K_ENOTFOUND);
	}
	assert_int_equal(staff_add(f->sf, "Bad Name", "staff", GOOD, "test", T0, NULL), K_EINVAL);
	assert_int_equal(staff_add(f->sf, "okname", "root", GOOD, "test", T0, NULL), K_EINVAL);
}

static void test_add_pin_remove(void **state)
{
	struct fx *f = *state;
	struct staff_login res;
	struct kerr err = { "" };

	add(f, "kim", "staff");
	assert_int_equal(staff_add(f->sf, "kim", "admin", GOOD, "test", T0, &err), K_EINVAL);
	assert_non_null(strstr(err.msg, "already exists"));

	/* A new PIN replaces the old one and clears a lock. */
	five_wrong(f, "kim", T0, &res);
	assert_int_equal(staff_set_pin(f->sf, "kim", "305917", "test", T0 + 10, NULL), K_OK);
	assert_int_equal(try_login(f, "kim", GOOD, T0 + 11, &res, NULL), K_EAUTH);
	assert_int_equal(try_login(f, "kim", "305917", T0 + 12, &res, NULL), K_OK);
	assert_int_equal(staff_set_pin(f->sf, "nobody", "305917", "test", T0, NULL), K_ENOTFOUND);

	assert_int_equal(staff_remove(f->sf, "kim", "test", T0 + 20, NULL), K_OK);
	assert_int_equal(try_login(f, "kim", "305917", T0 + 21, &res, NULL), K_EAUTH);
	assert_int_equal(staff_remove(f->sf, "kim", "test", T0 + 22, NULL), K_ENOTFOUND);
	assert_int_equal(audit_count(f, "test", "staff account removed", "%kim%"), 1);
}

/* Today's intakes as staff see them: language, defer first, the date a
 * rule looked at, what a "not sure" was about; without the content the
 * stored messages stay and the severity is unknown. */
static void test_intakes(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	struct content *c = NULL;
	struct staff_intake *v = NULL;
	char id[STORE_ID_LEN];
	int n = 0;
	struct store_completion sc = {
		.outcome = "defer",
		.flags = "SKIN-TYPE-DARKER,ISOTRETINOIN-RECENT,OLD-CODE,UNSURE-allergies",
		.flag_details = "SKIN-TYPE-DARKER: darker skin\nISOTRETINOIN-RECENT: stopped recently\n"
				"OLD-CODE: from an older version\nUNSURE-allergies: not sure to: Allergies",
		.bundle = "{}",
		.patient_name = "José Núñez",
		.patient_dob = "1979-02-11",
		.now = T0 + 60,
	};

	assert_int_equal(content_load(&c, "screens", NULL, &err), K_OK);
	assert_int_equal(store_session_start(f->st, c->version, "es", T0, id, &err), K_OK);
	assert_int_equal(store_answer_save(f->st, id, "isotretinoin_stop", "2025-10-01", T0, &err), K_OK);
	assert_int_equal(store_answer_save(f->st, id, "allergies", "metal,unsure", T0, &err), K_OK);
	sc.session = id;
	assert_int_equal(store_session_complete(f->st, &sc, &err), K_OK);

	assert_int_equal(staff_intakes(f->st, c, 0, "maria", T0 + 120, &v, &n, &err), K_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "José Núñez");
	assert_string_equal(v[0].lang, "es Español");
	assert_int_equal(v[0].n_flags, 4);
	assert_string_equal(v[0].flags[0].code, "ISOTRETINOIN-RECENT");
	assert_int_equal(v[0].flags[0].severity, CONTENT_SEV_DEFER);
	assert_non_null(strstr(v[0].flags[0].text, "ISOTRETINOIN-RECENT: stopped recently - patient gave: "));
	assert_non_null(strstr(v[0].flags[0].text, ": 2025-10-01"));
	assert_string_equal(v[0].flags[1].code, "SKIN-TYPE-DARKER");
	assert_int_equal(v[0].flags[1].severity, CONTENT_SEV_REVIEW);
	assert_string_equal(v[0].flags[2].code, "UNSURE-allergies");
	assert_non_null(strstr(v[0].flags[2].text, "- items: Numbing cream"));
	assert_non_null(strstr(v[0].flags[2].text, "- also chose: Metals like nickel"));
	assert_string_equal(v[0].flags[3].code, "OLD-CODE");
	assert_int_equal(v[0].flags[3].severity, -1);
	assert_string_equal(v[0].flags[3].text, "OLD-CODE: from an older version");
	staff_intakes_free(v, n);

	assert_int_equal(staff_intakes(f->st, NULL, 0, "maria", T0 + 130, &v, &n, &err), K_OK);
	assert_int_equal(v[0].flags[0].severity, -1);
	assert_string_equal(v[0].flags[0].text, "SKIN-TYPE-DARKER: darker skin");
	assert_string_equal(v[0].lang, "es");
	staff_intakes_free(v, n);
	content_free(c);
	/* Each look is audited: who and when, never the patient. */
	assert_int_equal(audit_count(f, "maria", "staff viewed intakes", "today"), 2);
	assert_int_equal(audit_count(f, "%", "%", "%Núñez%"), 0);
}

/* Retry puts failed records back and lifts a pause, audited. */
static void test_retry_failed(void **state)
{
	struct fx *f = *state;
	struct kerr err = { "" };
	char *paused = NULL;
	int n = -1;

	assert_int_equal(store_meta_set(f->st, "sync.paused", "HTTP 401", &err), K_OK);
	assert_int_equal(staff_retry_failed(f->st, "maria", T0, &n, &err), K_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_meta_get(f->st, "sync.paused", &paused, &err), K_OK);
	assert_null(paused);
	assert_int_equal(audit_count(f, "maria", "staff retry failed records", "0 records"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pepper_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_verify_with_pepper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_pin_and_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_after_five_doubling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_name_locks_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_survives_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_pin_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_failed, setup, teardown),
	};

	return cmocka_run_group_tests_name("staff", tests, NULL, NULL);
}
