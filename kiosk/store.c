/* store: the kiosk's SQLite database and every SQL statement in the kiosk.
 *
 * Owns the schema (migrations keyed on PRAGMA user_version), the statement
 * cache, the transactions that keep a completed intake and its outbox entry
 * together, the purge of patient data once the server has a record, and the
 * hash-chained audit log.  It never logs, never prints and never puts patient
 * data into an error message, an audit entry or an index.
 *
 * Two processes open the same file (the kiosk and kiosk-sync): WAL lets one
 * read while the other writes, every write transaction is BEGIN IMMEDIATE so
 * a writer waits for the lock up front (busy timeout) instead of failing
 * half way through, and synchronous=FULL makes each commit survive a power
 * cut.  secure_delete zeroes deleted rows in the database file and a
 * TRUNCATE checkpoint after each purge removes the old pages from the WAL. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lazylib.h"

/* ---- SQLite, loaded at first use ----
 *
 * The kiosk draws its welcome screen before it opens the database, and
 * libsqlite3 (built BIND_NOW) costs about a million instructions to map
 * and relocate: it is opened by the first connect_db() (lazylib.h).  The
 * calls below read as plain SQLite calls; each name is a pointer filled
 * from the library. */
#define SQLITE_FUNCS(X) \
	X(sqlite3_backup_finish) \
	X(sqlite3_backup_init) \
	X(sqlite3_backup_step) \
	X(sqlite3_bind_blob) \
	X(sqlite3_bind_int64) \
	X(sqlite3_bind_null) \
	X(sqlite3_bind_text) \
	X(sqlite3_busy_timeout) \
	X(sqlite3_changes) \
	X(sqlite3_clear_bindings) \
	X(sqlite3_close) \
	X(sqlite3_column_blob) \
	X(sqlite3_column_bytes) \
	X(sqlite3_column_int) \
	X(sqlite3_column_int64) \
	X(sqlite3_column_text) \
	X(sqlite3_db_readonly) \
	X(sqlite3_errcode) \
	X(sqlite3_errmsg) \
	X(sqlite3_errstr) \
	X(sqlite3_exec) \
	X(sqlite3_extended_result_codes) \
	X(sqlite3_finalize) \
	X(sqlite3_get_autocommit) \
	X(sqlite3_open_v2) \
	X(sqlite3_prepare_v2) \
	X(sqlite3_prepare_v3) \
	X(sqlite3_reset) \
	X(sqlite3_sleep) \
	X(sqlite3_step) \
	X(sqlite3_wal_checkpoint_v2)

SQLITE_FUNCS(LAZYLIB_PTR)
static const struct lazylib_sym sqlite_syms[] = { SQLITE_FUNCS(LAZYLIB_SYM) { NULL, NULL } };
static struct lazylib sqlite_lib = { "libsqlite3.so.0", "libsqlite3-0", sqlite_syms, NULL };

#define sqlite3_backup_finish (*lazy_sqlite3_backup_finish)
#define sqlite3_backup_init (*lazy_sqlite3_backup_init)
#define sqlite3_backup_step (*lazy_sqlite3_backup_step)
#define sqlite3_bind_blob (*lazy_sqlite3_bind_blob)
#define sqlite3_bind_int64 (*lazy_sqlite3_bind_int64)
#define sqlite3_bind_null (*lazy_sqlite3_bind_null)
#define sqlite3_bind_text (*lazy_sqlite3_bind_text)
#define sqlite3_busy_timeout (*lazy_sqlite3_busy_timeout)
#define sqlite3_changes (*lazy_sqlite3_changes)
#define sqlite3_clear_bindings (*lazy_sqlite3_clear_bindings)
#define sqlite3_close (*lazy_sqlite3_close)
#define sqlite3_column_blob (*lazy_sqlite3_column_blob)
#define sqlite3_column_bytes (*lazy_sqlite3_column_bytes)
#define sqlite3_column_int (*lazy_sqlite3_column_int)
#define sqlite3_column_int64 (*lazy_sqlite3_column_int64)
#define sqlite3_column_text (*lazy_sqlite3_column_text)
#define sqlite3_db_readonly (*lazy_sqlite3_db_readonly)
#define sqlite3_errcode (*lazy_sqlite3_errcode)
#define sqlite3_errmsg (*lazy_sqlite3_errmsg)
#define sqlite3_errstr (*lazy_sqlite3_errstr)
#define sqlite3_exec (*lazy_sqlite3_exec)
#define sqlite3_extended_result_codes (*lazy_sqlite3_extended_result_codes)
#define sqlite3_finalize (*lazy_sqlite3_finalize)
#define sqlite3_get_autocommit (*lazy_sqlite3_get_autocommit)
#define sqlite3_open_v2 (*lazy_sqlite3_open_v2)
#define sqlite3_prepare_v2 (*lazy_sqlite3_prepare_v2)
#define sqlite3_prepare_v3 (*lazy_sqlite3_prepare_v3)
#define sqlite3_reset (*lazy_sqlite3_reset)
#define sqlite3_sleep (*lazy_sqlite3_sleep)
#define sqlite3_step (*lazy_sqlite3_step)
#define sqlite3_wal_checkpoint_v2 (*lazy_sqlite3_wal_checkpoint_v2)

/* ---- schema ----
 *
 * migrations[i] upgrades a database at user_version i to i + 1.  A new
 * database runs them all.  Never edit a released step: add a new one. */
static const char *const migrations[] = {
	/* 0 -> 1: sessions, answers, outbox, audit, meta */
	"CREATE TABLE sessions ("
	"  id TEXT PRIMARY KEY,"
	"  state TEXT NOT NULL CHECK (state IN ('in_progress', 'interrupted', 'completed')),"
	"  lang TEXT NOT NULL DEFAULT '',"
	"  content_version TEXT NOT NULL DEFAULT '',"
	"  started INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  completed INTEGER,"
	"  outcome TEXT,"
	"  flags TEXT,"
	"  flag_details TEXT,"
	"  patient_name TEXT,"
	"  patient_dob TEXT,"
	"  purged INTEGER"
	");"
	"CREATE TABLE answers ("
	"  session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
	"  qid TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  saved INTEGER NOT NULL,"
	"  PRIMARY KEY (session, qid)"
	");"
	"CREATE TABLE outbox ("
	"  id TEXT PRIMARY KEY REFERENCES sessions(id),"
	"  bundle TEXT,"
	"  queued INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('waiting', 'failed', 'delivered')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  reason TEXT NOT NULL DEFAULT '',"
	"  delivered INTEGER"
	");"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  hash BLOB NOT NULL"
	");"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",

	/* 1 -> 2: staff accounts, the server's location in the receipt, the
	 * order of permanent failures, and an index for the sync queue. */
	"CREATE TABLE staff ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL,"
	"  pin_hash TEXT NOT NULL,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  locked_until INTEGER NOT NULL DEFAULT 0,"
	"  lockouts INTEGER NOT NULL DEFAULT 0"
	");"
	"ALTER TABLE outbox ADD COLUMN location TEXT;"
	"ALTER TABLE outbox ADD COLUMN failed_seq INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX outbox_due ON outbox (state, next_attempt);",
	/* 3: the queue is read in order through an index (a sort over every
	 * waiting bundle made each send cost O(backlog)), and purging looks
	 * only at delivered records that still hold patient data. */
	"CREATE INDEX outbox_queue ON outbox (state, queued);"
	"CREATE INDEX outbox_unpurged ON outbox (delivered)"
	"  WHERE state = 'delivered' AND bundle IS NOT NULL;",
	/* 4: what kiosk-sync last did (one row, no patient data), for staff and
	 * `kiosk status`; and the server's free text that older versions kept
	 * after "HTTP nnn:" (it can quote the patient) is cut off. */
	"CREATE TABLE sync_state ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  last_attempt INTEGER NOT NULL,"
	"  result TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  failing_since INTEGER NOT NULL,"
	"  next_try INTEGER NOT NULL"
	");"
	"UPDATE outbox SET reason = substr(reason, 1, instr(reason, ':') - 1)"
	"  WHERE reason LIKE 'HTTP %:%';"
	"UPDATE meta SET value = substr(value, 1, instr(value, ':') - 1)"
	"  WHERE key = 'questionnaire.failed' AND value LIKE 'HTTP %:%';",
	/* 5: records of made-up patients (kiosk simulate --record), shown as
	 * test records to staff and in kiosk status. */
	"ALTER TABLE sessions ADD COLUMN test INTEGER NOT NULL DEFAULT 0;",
	/* 6: flat after years of receipts (about 90,000 a year).  Start-up's
	 * recovery, the staff list of today's intakes and kiosk status each
	 * scanned every session or outbox row ever kept: they read through
	 * indexes now, and the delivered count is kept by triggers instead
	 * of counted. */
	"CREATE INDEX sessions_state ON sessions (state, completed);"
	"CREATE INDEX outbox_delivered ON outbox (delivered);"
	"CREATE INDEX outbox_failed_seq ON outbox (failed_seq);"
	"CREATE INDEX sessions_test ON sessions (id) WHERE test = 1;"
	"CREATE TABLE outbox_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO outbox_counts (state, n) SELECT 'delivered', count(*) FROM outbox"
	"  WHERE state = 'delivered';"
	"CREATE TRIGGER outbox_count_insert AFTER INSERT ON outbox WHEN new.state = 'delivered' BEGIN"
	"  UPDATE outbox_counts SET n = n + 1 WHERE state = 'delivered'; END;"
	"CREATE TRIGGER outbox_count_update AFTER UPDATE OF state ON outbox"
	"  WHEN (new.state = 'delivered') <> (old.state = 'delivered') BEGIN"
	"  UPDATE outbox_counts SET n = n + iif(new.state = 'delivered', 1, -1) WHERE state = 'delivered'; END;"
	"CREATE TRIGGER outbox_count_delete AFTER DELETE ON outbox WHEN old.state = 'delivered' BEGIN"
	"  UPDATE outbox_counts SET n = n - 1 WHERE state = 'delivered'; END;",
};

#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- statement cache ---- */

enum sid {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_USER_VERSION,
	ST_SESSION_INSERT,
	ST_SESSION_TOUCH,
	ST_SESSION_STATE,
	ST_ANSWER_UPSERT,
	ST_ANSWER_DROP,
	ST_SESSION_LANG,
	ST_SESSION_COMPLETE,
	ST_OUTBOX_INSERT,
	ST_SESSION_WIPE,
	ST_RECOVER_MARK,
	ST_RECOVER_EXPIRE,
	ST_COUNT_INTERRUPTED,
	ST_RESUME_LATEST,
	ST_ANSWERS_OF,
	ST_SESSION_REOPEN,
	ST_OUTBOX_NEXT,
	ST_OUTBOX_NEXT_DUE,
	ST_OUTBOX_ANY_DUE,
	ST_OUTBOX_STATE,
	ST_OUTBOX_DELIVERED,
	ST_OUTBOX_RETRY,
	ST_OUTBOX_FAILED,
	ST_OUTBOX_REQUEUE,
	ST_PURGE_ANSWERS,
	ST_PURGE_SESSIONS,
	ST_PURGE_BUNDLES,
	ST_META_SET,
	ST_META_DEL,
	ST_META_GET,
	ST_META_HAS,
	ST_AUDIT_LAST,
	ST_AUDIT_INSERT,
	ST_AUDIT_ALL,
	ST_STATUS,
	ST_INTAKES,
	ST_INTAKES_FAILED,
	ST_STAFF_PUT,
	ST_STAFF_GET,
	ST_STAFF_DEL,
	ST_INTERRUPTED_LIST,
	ST_RESUME_ID,
	ST_SYNC_STATE_PUT,
	ST_SYNC_STATE_GET,
	ST_N
};

static const char *const sql[ST_N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_USER_VERSION] = "PRAGMA user_version",
	[ST_SESSION_INSERT] = "INSERT INTO sessions (id, state, lang, content_version, started, updated)"
			      " VALUES (?1, 'in_progress', ?2, ?3, ?4, ?4)",
	[ST_SESSION_TOUCH] = "UPDATE sessions SET updated = ?2 WHERE id = ?1 AND state = 'in_progress'",
	[ST_SESSION_STATE] = "SELECT state FROM sessions WHERE id = ?1",
	[ST_ANSWER_UPSERT] = "INSERT INTO answers (session, qid, value, saved) VALUES (?1, ?2, ?3, ?4)"
			     " ON CONFLICT (session, qid) DO UPDATE SET value = excluded.value,"
			     " saved = excluded.saved",
	[ST_ANSWER_DROP] = "DELETE FROM answers WHERE session = ?1 AND qid = ?2"
			   " AND EXISTS (SELECT 1 FROM sessions WHERE id = ?1 AND state = 'in_progress')",
	[ST_SESSION_LANG] = "UPDATE sessions SET lang = ?2 WHERE id = ?1 AND state = 'in_progress'",
	[ST_SESSION_COMPLETE] = "UPDATE sessions SET state = 'completed', completed = ?2, updated = ?2,"
				" outcome = ?3, flags = ?4, flag_details = ?5, patient_name = ?6,"
				" patient_dob = ?7 WHERE id = ?1 AND state <> 'completed'",
	[ST_OUTBOX_INSERT] = "INSERT INTO outbox (id, bundle, queued, state, attempts, next_attempt)"
			     " VALUES (?1, ?2, ?3, 'waiting', 0, ?3)",
	[ST_SESSION_WIPE] = "DELETE FROM sessions WHERE id = ?1 AND state <> 'completed'",
	[ST_RECOVER_MARK] = "UPDATE sessions SET state = 'interrupted' WHERE state = 'in_progress'",
	[ST_RECOVER_EXPIRE] = "DELETE FROM sessions WHERE state = 'interrupted' AND updated < ?1",
	[ST_COUNT_INTERRUPTED] = "SELECT count(*) FROM sessions WHERE state = 'interrupted'",
	[ST_RESUME_LATEST] = "SELECT id, lang, content_version, started FROM sessions"
			     " WHERE state = 'interrupted' ORDER BY updated DESC, rowid DESC LIMIT 1",
	[ST_ANSWERS_OF] = "SELECT qid, value FROM answers WHERE session = ?1 ORDER BY rowid",
	[ST_SESSION_REOPEN] = "UPDATE sessions SET state = 'in_progress' WHERE id = ?1 AND state = 'interrupted'",
	/* INDEXED BY: without statistics the planner would sort every waiting
	 * bundle on each call (see migration 3). */
	[ST_OUTBOX_NEXT] = "SELECT id, bundle, attempts FROM outbox INDEXED BY outbox_queue WHERE state = 'waiting'"
			   " AND next_attempt <= ?1 ORDER BY queued, rowid LIMIT ?2",
	[ST_OUTBOX_NEXT_DUE] = "SELECT min(next_attempt) FROM outbox WHERE state = 'waiting'",
	[ST_OUTBOX_ANY_DUE] = "SELECT 1 FROM outbox WHERE state = 'waiting' AND next_attempt <= ?1 LIMIT 1",
	[ST_OUTBOX_STATE] = "SELECT state FROM outbox WHERE id = ?1",
	[ST_OUTBOX_DELIVERED] = "UPDATE outbox SET state = 'delivered', delivered = ?2, location = ?3,"
				" reason = '' WHERE id = ?1 AND state <> 'delivered'",
	[ST_OUTBOX_RETRY] = "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, reason = ?3"
			    " WHERE id = ?1 AND state = 'waiting'",
	[ST_OUTBOX_FAILED] = "UPDATE outbox SET state = 'failed', attempts = attempts + 1, reason = ?2,"
			     " failed_seq = (SELECT coalesce(max(failed_seq), 0) + 1 FROM outbox)"
			     " WHERE id = ?1 AND state = 'waiting'",
	[ST_OUTBOX_REQUEUE] = "UPDATE outbox SET state = 'waiting', next_attempt = 0 WHERE state = 'failed'",
	[ST_PURGE_ANSWERS] = "DELETE FROM answers WHERE session IN (SELECT id FROM outbox INDEXED BY outbox_unpurged"
			     " WHERE state = 'delivered' AND delivered <= ?1 AND bundle IS NOT NULL)",
	[ST_PURGE_SESSIONS] = "UPDATE sessions SET patient_name = NULL, patient_dob = NULL, purged = ?2"
			      " WHERE purged IS NULL AND id IN (SELECT id FROM outbox INDEXED BY outbox_unpurged"
			      " WHERE state = 'delivered' AND delivered <= ?1 AND bundle IS NOT NULL)",
	[ST_PURGE_BUNDLES] = "UPDATE outbox INDEXED BY outbox_unpurged SET bundle = NULL WHERE state = 'delivered'"
			     " AND delivered <= ?1 AND bundle IS NOT NULL",
	[ST_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
			" ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[ST_META_DEL] = "DELETE FROM meta WHERE key = ?1",
	[ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[ST_META_HAS] = "SELECT instr(value, ?2) > 0 FROM meta WHERE key = ?1",
	[ST_AUDIT_LAST] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
	[ST_AUDIT_INSERT] = "INSERT INTO audit (id, time, actor, action, detail, hash)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_AUDIT_ALL] = "SELECT id, time, actor, action, detail, hash FROM audit ORDER BY id",
	[ST_STATUS] = "SELECT"
		      " (SELECT count(*) FROM sessions WHERE state = 'in_progress'),"
		      " (SELECT count(*) FROM sessions WHERE state = 'interrupted'),"
		      " (SELECT count(*) FROM outbox WHERE state = 'waiting'),"
		      " (SELECT count(*) FROM outbox WHERE state = 'failed'),"
		      " (SELECT n FROM outbox_counts WHERE state = 'delivered'),"
		      " (SELECT coalesce(min(queued), 0) FROM outbox WHERE state = 'waiting'),"
		      " (SELECT coalesce(max(delivered), 0) FROM outbox),"
		      " (SELECT reason FROM outbox WHERE state = 'failed'"
		      "   ORDER BY failed_seq DESC LIMIT 1),"
		      " (SELECT value FROM meta WHERE key = 'sync.paused')",
	[ST_INTAKES] = "SELECT s.id, s.completed, s.patient_name, s.patient_dob, s.outcome, s.flags,"
		       " s.flag_details, o.state, o.reason, s.test, s.lang FROM sessions s JOIN outbox o ON o.id = s.id"
		       " WHERE s.state = 'completed' AND s.completed >= ?1"
		       " ORDER BY s.completed DESC, s.rowid DESC",
	/* CROSS JOIN: the few failed records first, then their sessions;
	 * the other order reads every session ever completed. */
	[ST_INTAKES_FAILED] = "SELECT s.id, s.completed, s.patient_name, s.patient_dob, s.outcome, s.flags,"
			      " s.flag_details, o.state, o.reason, s.test, s.lang FROM outbox o CROSS JOIN sessions s"
			      " ON s.id = o.id WHERE o.state = 'failed' AND s.state = 'completed'"
			      " AND s.completed >= ?1"
			      " ORDER BY s.completed DESC, s.rowid DESC",
	[ST_STAFF_PUT] = "INSERT INTO staff (name, role, pin_hash, failures, locked_until, lockouts)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO UPDATE SET"
			 " role = excluded.role, pin_hash = excluded.pin_hash,"
			 " failures = excluded.failures, locked_until = excluded.locked_until,"
			 " lockouts = excluded.lockouts",
	[ST_STAFF_GET] = "SELECT name, role, pin_hash, failures, locked_until, lockouts FROM staff"
			 " WHERE name = ?1",
	[ST_STAFF_DEL] = "DELETE FROM staff WHERE name = ?1",
	/* Only ids, times and question ids: the list staff see holds no answer. */
	[ST_INTERRUPTED_LIST] = "SELECT s.id, s.started, s.updated,"
				" (SELECT qid FROM answers a WHERE a.session = s.id ORDER BY a.saved DESC, a.rowid DESC LIMIT 1),"
				" (SELECT count(*) FROM answers a WHERE a.session = s.id)"
				" FROM sessions s WHERE s.state = 'interrupted' ORDER BY s.updated DESC, s.rowid DESC LIMIT ?1",
	[ST_RESUME_ID] = "SELECT id, lang, content_version, started FROM sessions"
			 " WHERE id = ?1 AND state = 'interrupted'",
	[ST_SYNC_STATE_PUT] = "INSERT INTO sync_state (id, last_attempt, result, detail, failing_since, next_try)"
			      " VALUES (1, ?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO UPDATE SET"
			      " last_attempt = excluded.last_attempt, result = excluded.result,"
			      " detail = excluded.detail, failing_since = excluded.failing_since,"
			      " next_try = excluded.next_try",
	[ST_SYNC_STATE_GET] = "SELECT last_attempt, result, detail, failing_since, next_try FROM sync_state"
			      " WHERE id = 1",
};

struct store {
	sqlite3 *db;
	char *path;
	int64_t retention;
	int64_t last_checkpoint;   /* time of the last WAL truncation after a delivery */
	sqlite3_stmt *st[ST_N];
	int64_t resume_window;     /* store_purge also expires interrupted sessions older (0: no) */
	bool have_id;              /* dev/ino hold the identity of the file opened */
	dev_t dev;
	ino_t ino;
};

#define AUDIT_HEAD_KEY "audit.head"

/* ---- errors ---- */

/* Turn an SQLite failure into a krc and a message that says what the staff
 * or the administrator can do about it.  Never includes bound values. */
static krc fail(store *s, int rc, const char *what, struct kerr *err)
{
	const char *path = s && s->path ? s->path : "?";
	const char *detail = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

	switch (rc & 0xff) {
	case SQLITE_READONLY:
		return kerr_set(err, K_ESTORE, "database is read-only: %s", path);
	case SQLITE_FULL:
		return kerr_set(err, K_ESTORE, "disk is full (%s): %s", what, path);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return kerr_set(err, K_ESTORE, "database is corrupt or not a kiosk database: %s", path);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		/* K_ESTORE, not K_EBUSY: callers read K_EBUSY as "another
		 * instance is running"; this is a lock held past the timeout. */
		return kerr_set(err, K_ESTORE, "database is locked by another process for over 5 s (%s): %s",
				what, path);
	case SQLITE_CANTOPEN:
		return kerr_set(err, K_ESTORE, "cannot open database: %s", path);
	case SQLITE_IOERR:
		return kerr_set(err, K_ESTORE, "database input/output error during %s (%s): %s", what,
				detail, path);
	case SQLITE_NOMEM:
		return kerr_set(err, K_ENOMEM, "out of memory during %s", what);
	default:
		return kerr_set(err, K_ESTORE, "database error during %s (%s): %s", what, detail, path);
	}
}

/* A prepared statement from the cache, reset and with no bindings. */
static sqlite3_stmt *stmt(store *s, enum sid id, struct kerr *err)
{
	sqlite3_stmt *st = s->st[id];
	int rc;

	if (st == NULL) {
		rc = sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL);
		if (rc != SQLITE_OK) {
			s->st[id] = NULL;
			fail(s, rc, "prepare", err);
			return NULL;
		}
		return s->st[id];
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* Bind helpers return nonzero on failure.  Strings are bound SQLITE_STATIC:
 * every statement is stepped and reset before the caller's strings go away,
 * so patient data is not copied more often than needed. */
static int bt(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int bi(sqlite3_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st, i, v);
}

/* Step a statement that returns no row; resets it. */
static krc run(store *s, sqlite3_stmt *st, const char *what, struct kerr *err)
{
	int rc = sqlite3_step(st);
	krc r = K_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		r = fail(s, rc, what, err);
	sqlite3_reset(st);
	return r;
}

/* Step a statement expected to return a row (SQLITE_ROW) or none
 * (SQLITE_DONE).  On error resets it and fills err; returns -1. */
static int row(store *s, sqlite3_stmt *st, const char *what, krc *r, struct kerr *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	*r = fail(s, rc, what, err);
	sqlite3_reset(st);
	return -1;
}

static krc bind_fail(store *s, sqlite3_stmt *st, struct kerr *err)
{
	int rc = sqlite3_errcode(s->db);

	sqlite3_reset(st);
	return fail(s, rc == SQLITE_OK ? SQLITE_NOMEM : rc, "bind", err);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

/* Copy column i into a fixed buffer ("" for NULL). */
static void col_copy(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(buf, n, "%s", t ? (const char *)t : "");
}

/* ---- transactions ---- */

static krc tx_begin(store *s, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_BEGIN, err);

	return st ? run(s, st, "begin", err) : K_ESTORE;
}

/* A read snapshot: takes no write lock, so the other process may write. */
static krc tx_begin_read(store *s, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_BEGIN_READ, err);

	return st ? run(s, st, "begin", err) : K_ESTORE;
}

static krc tx_commit(store *s, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_COMMIT, err);

	return st ? run(s, st, "commit", err) : K_ESTORE;
}

/* Undo whatever the open transaction did.  Some errors (disk full, I/O)
 * have already rolled it back, so only roll back when one is open. */
static void tx_rollback(store *s)
{
	sqlite3_stmt *st;

	if (sqlite3_get_autocommit(s->db))
		return;
	st = stmt(s, ST_ROLLBACK, NULL);
	if (st != NULL)
		run(s, st, "rollback", NULL);
}

/* End a transaction: commit on success, roll back on failure. */
static krc tx_end(store *s, krc r, struct kerr *err)
{
	if (r == K_OK)
		r = tx_commit(s, err);
	if (r != K_OK)
		tx_rollback(s);
	return r;
}

/* Move everything in the WAL into the database file and truncate the WAL
 * to zero bytes, so deleted patient data does not linger there.  A reader
 * in the other process can make it incomplete (SQLITE_BUSY); the next
 * purge finishes the job, so that is not an error. */
static krc checkpoint(store *s, struct kerr *err)
{
	int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);

	if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return K_OK;
	return fail(s, rc, "checkpoint", err);
}

/* Run a script of DDL statements one by one (used only for migrations). */
static krc exec_script(store *s, const char *script, struct kerr *err)
{
	const char *p = script;

	while (p && *p) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(s->db, p, -1, &st, &tail);

		if (rc != SQLITE_OK)
			return fail(s, rc, "schema upgrade", err);
		if (st == NULL)
			break; /* only whitespace left */
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return fail(s, rc, "schema upgrade", err);
		p = tail;
	}
	return K_OK;
}

/* A one-off statement (pragmas at open).  If want is set, the first column
 * of the first row is copied into want (size n). */
static krc pragma(store *s, const char *q, char *want, size_t n, struct kerr *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, q, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return fail(s, rc, "open", err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && want != NULL)
		col_copy(st, 0, want, n);
	else if (want != NULL)
		want[0] = '\0';
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, rc, "open", err);
	return K_OK;
}

static krc user_version(store *s, int *v, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_USER_VERSION, err);
	krc r = K_OK;

	if (st == NULL)
		return K_ESTORE;
	if (row(s, st, "open", &r, err) < 0)
		return r;
	*v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return K_OK;
}

static krc migrate(store *s, struct kerr *err)
{
	char q[64];
	int v = 0;
	krc r;

	if ((r = user_version(s, &v, err)) != K_OK)
		return r;
	if (v > SCHEMA_VERSION)
		return kerr_set(err, K_ESTORE, "database schema %d is newer than this kiosk (%d): %s", v,
				SCHEMA_VERSION, s->path);
	if (v == SCHEMA_VERSION)
		return K_OK;
	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	/* The other process may have upgraded it while we waited for the lock. */
	r = user_version(s, &v, err);
	for (; r == K_OK && v < SCHEMA_VERSION; v++)
		r = exec_script(s, migrations[v], err);
	if (r == K_OK) {
		snprintf(q, sizeof q, "PRAGMA user_version = %d", SCHEMA_VERSION);
		r = pragma(s, q, NULL, 0, err);
	}
	return tx_end(s, r, err);
}

/* ---- open / close ---- */

static bool is_memory(const char *path)
{
	return strcmp(path, ":memory:") == 0;
}

/* Create path's folder (and missing parents) 0700. */
static krc make_dirs(const char *path, struct kerr *err)
{
	char *d = strdup(path);
	char *slash;
	krc r = K_OK;

	if (d == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	slash = strrchr(d, '/');
	if (slash == NULL || slash == d)
		goto out;
	*slash = '\0';
	for (char *p = d + 1; r == K_OK; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST)
			r = kerr_set(err, K_ESTORE, "cannot create database folder %s: %s", d, strerror(errno));
		if (end)
			break;
		*p = '/';
	}
out:
	free(d);
	return r;
}

/* Create the file 0600 before SQLite does (SQLite would use 0644 minus the
 * umask); SQLite gives the -wal and -shm files the same mode.  An existing
 * file readable by others is tightened (group access is kept). */
static krc make_file(const char *path, bool create, struct kerr *err)
{
	struct stat sb;
	int fd = open(path, O_RDWR | (create ? O_CREAT : 0) | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == EROFS || ((errno == EACCES || errno == EPERM) && access(path, F_OK) == 0))
			return kerr_set(err, K_ESTORE, "database is read-only: %s", path);
		return kerr_set(err, K_ESTORE, "cannot create database %s: %s", path, strerror(errno));
	}
	/* Others never read patient data.  The group may: a deployment shares
	 * the file between the kiosk and sync users through one group
	 * (deploy/DEPLOY.md), and a new file is 0600 anyway. */
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 007) != 0 && fchmod(fd, sb.st_mode & 0770) != 0) {
		close(fd);
		return kerr_set(err, K_ESTORE, "cannot make database private (chmod o-rwx) %s: %s", path,
				strerror(errno));
	}
	close(fd);
	return K_OK;
}

/* A new store handle on path, opened with SQLite flags, extended result
 * codes and the busy timeout both processes rely on.  On failure *sp may
 * hold a half-made handle for the caller's store_close(). */
static krc connect_db(store **sp, const char *path, int flags, struct kerr *err)
{
	store *s = calloc(1, sizeof *s);
	int rc;

	*sp = s;
	if (s == NULL || (s->path = strdup(path)) == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	if (lazylib_load(&sqlite_lib, err) != K_OK)
		return K_ESTORE;
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "open", err);
	sqlite3_extended_result_codes(s->db, 1);
	if ((rc = sqlite3_busy_timeout(s->db, 5000)) != SQLITE_OK)
		return fail(s, rc, "open", err);
	return K_OK;
}

krc store_open_readonly(store **out, const char *path, struct kerr *err)
{
	store *s = NULL;
	int v = 0;
	krc r = K_OK;

	*out = NULL;
	if (path == NULL || path[0] == '\0' || is_memory(path))
		return kerr_set(err, K_EINVAL, "no database file to read");
	if ((r = connect_db(&s, path, SQLITE_OPEN_READONLY, err)) != K_OK)
		goto out;
	if ((r = user_version(s, &v, err)) != K_OK)
		goto out;
	/* Reading never upgrades: a database the running kiosk has not
	 * migrated yet (or a newer one) is reported, not touched. */
	if (v != SCHEMA_VERSION)
		r = kerr_set(err, K_ESTORE, "database schema %d differs from this kiosk's (%d); start the "
			     "kiosk to upgrade it: %s", v, SCHEMA_VERSION, path);
out:
	if (r != K_OK) {
		store_close(s);
		return r;
	}
	*out = s;
	return K_OK;
}

/* The identity of the file at path (stat follows a link, as SQLite does). */
static krc file_id(const char *path, dev_t *dev, ino_t *ino, struct kerr *err)
{
	struct stat sb;

	if (stat(path, &sb) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return kerr_set(err, K_ESTORE, "no database at %s: create it once with `kiosk init` "
					"(first installation), or mount or restore the volume that holds it", path);
		return kerr_set(err, K_ESTORE, "cannot reach database %s: %s", path, strerror(errno));
	}
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	return K_OK;
}

/* Open path read-write.  Only create (kiosk init) may make the file and
 * the schema; every other open refuses a missing or empty database, so a
 * deleted file or an unmounted volume never becomes a new empty database
 * (with the staff accounts gone) without anyone noticing. */
static krc open_rw(store **out, const char *path, bool create, struct kerr *err)
{
	store *s = NULL;
	char buf[128];
	bool mem;
	int v = 0;
	krc r = K_OK;

	*out = NULL;
	if (path == NULL)
		return kerr_set(err, K_EINVAL, "no database path");
	if (sodium_init() < 0)
		return kerr_set(err, K_ESTORE, "libsodium failed to initialise");
	if (path[0] == '\0')
		return kerr_set(err, K_ESTORE, "no database file configured (kiosk.database)");
	mem = is_memory(path);
	if (!mem && create && ((r = make_dirs(path, err)) != K_OK || (r = make_file(path, true, err)) != K_OK))
		return r;
	if (!mem && !create) {
		dev_t dev;
		ino_t ino;

		if ((r = file_id(path, &dev, &ino, err)) != K_OK || (r = make_file(path, false, err)) != K_OK)
			return r;
	}
	if ((r = connect_db(&s, path, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), err)) != K_OK)
		goto out;
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		r = kerr_set(err, K_ESTORE, "database is read-only: %s", path);
		goto out;
	}
	/* journal_mode is the first read of the file: a file that is not a
	 * database fails here, before anything is written to it. */
	if ((r = pragma(s, "PRAGMA journal_mode = WAL", buf, sizeof buf, err)) != K_OK)
		goto out;
	if (!mem && strcmp(buf, "wal") != 0) {
		r = kerr_set(err, K_ESTORE, "database cannot use WAL mode (journal_mode %s): %s", buf, path);
		goto out;
	}
	if ((r = pragma(s, "PRAGMA synchronous = FULL", NULL, 0, err)) != K_OK ||
	    (r = pragma(s, "PRAGMA foreign_keys = ON", NULL, 0, err)) != K_OK ||
	    (r = pragma(s, "PRAGMA secure_delete = ON", NULL, 0, err)) != K_OK ||
	    (r = pragma(s, "PRAGMA trusted_schema = OFF", NULL, 0, err)) != K_OK ||
	    /* statement journals and sort files hold patient data too: keep
	     * them off the disk */
	    (r = pragma(s, "PRAGMA temp_store = MEMORY", NULL, 0, err)) != K_OK)
		goto out;
	if (!mem && !create) {
		if ((r = user_version(s, &v, err)) != K_OK)
			goto out;
		if (v == 0) {
			r = kerr_set(err, K_ESTORE, "%s is empty, not a kiosk database: create the database "
				     "with `kiosk init`, or restore it from a backup", path);
			goto out;
		}
	}
	r = migrate(s, err);
	if (r == K_OK && !mem && (r = file_id(path, &s->dev, &s->ino, err)) == K_OK)
		s->have_id = true;
out:
	if (r != K_OK) {
		store_close(s);
		return r;
	}
	*out = s;
	return K_OK;
}

krc store_open(store **out, const char *path, struct kerr *err)
{
	return open_rw(out, path, false, err);
}

krc store_create(store **out, const char *path, struct kerr *err)
{
	return open_rw(out, path, true, err);
}

void store_close(store *s)
{
	if (s == NULL)
		return;
	if (sqlite_lib.handle) { /* else nothing was opened */
		for (int i = 0; i < ST_N; i++)
			sqlite3_finalize(s->st[i]);
		sqlite3_close(s->db);
	}
	free(s->path);
	free(s);
}

void store_set_retention(store *s, int64_t seconds)
{
	s->retention = seconds > 0 ? seconds : 0;
}

/* ---- audit ---- */

static void hash_str(crypto_hash_sha256_state *h, const char *v)
{
	uint64_t n = strlen(v);
	unsigned char len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (56 - 8 * i));
	crypto_hash_sha256_update(h, len, sizeof len);
	crypto_hash_sha256_update(h, (const unsigned char *)v, n);
}

static void hash_int(crypto_hash_sha256_state *h, int64_t v)
{
	unsigned char b[8];
	uint64_t u = (uint64_t)v;

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	crypto_hash_sha256_update(h, b, sizeof b);
}

/* sha256(prev || id || time || actor || action || detail), each string
 * length-prefixed so no two different entries hash the same input. */
static void audit_hash(const unsigned char prev[32], int64_t id, int64_t t, const char *actor,
		       const char *action, const char *detail, unsigned char out[32])
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, 32);
	hash_int(&h, id);
	hash_int(&h, t);
	hash_str(&h, actor);
	hash_str(&h, action);
	hash_str(&h, detail);
	crypto_hash_sha256_final(&h, out);
}

static krc meta_put(store *s, const char *key, const char *value, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, value ? ST_META_SET : ST_META_DEL, err);

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, key) || (value && bt(st, 2, value)))
		return bind_fail(s, st, err);
	return run(s, st, "saving a setting", err);
}

/* Append one entry inside the caller's transaction.  The newest id and
 * hash are also kept in meta, so deleting the last entries is detected. */
static krc audit_append(store *s, int64_t now, const char *actor, const char *action,
			const char *detail, struct kerr *err)
{
	unsigned char prev[32] = { 0 }, h[32];
	char head[32 + 2 * 32 + 1], hex[2 * 32 + 1];
	int64_t id = 1;
	sqlite3_stmt *st = stmt(s, ST_AUDIT_LAST, err);
	krc r = K_OK;
	int got;

	if (st == NULL)
		return K_ESTORE;
	got = row(s, st, "audit", &r, err);
	if (got < 0)
		return r;
	if (got) {
		id = sqlite3_column_int64(st, 0) + 1;
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(prev, sqlite3_column_blob(st, 1), 32);
		sqlite3_reset(st);
	}
	actor = actor ? actor : "";
	action = action ? action : "";
	detail = detail ? detail : "";
	audit_hash(prev, id, now, actor, action, detail, h);
	if ((st = stmt(s, ST_AUDIT_INSERT, err)) == NULL)
		return K_ESTORE;
	if (bi(st, 1, id) || bi(st, 2, now) || bt(st, 3, actor) || bt(st, 4, action) ||
	    bt(st, 5, detail) || sqlite3_bind_blob(st, 6, h, 32, SQLITE_STATIC))
		return bind_fail(s, st, err);
	if ((r = run(s, st, "audit", err)) != K_OK)
		return r;
	sodium_bin2hex(hex, sizeof hex, h, 32);
	snprintf(head, sizeof head, "%" PRId64 ":%s", id, hex);
	return meta_put(s, AUDIT_HEAD_KEY, head, err);
}

krc store_audit(store *s, int64_t now, const char *actor, const char *action, const char *detail,
		struct kerr *err)
{
	krc r = tx_begin(s, err);

	if (r != K_OK)
		return r;
	return tx_end(s, audit_append(s, now, actor, action, detail, err), err);
}

static krc meta_get(store *s, const char *key, char **out, struct kerr *err);

krc store_audit_verify(store *s, int64_t *bad_id, struct kerr *err)
{
	unsigned char prev[32] = { 0 }, h[32];
	char hex[2 * 32 + 1], want[32 + 2 * 32 + 1];
	char *head = NULL;
	int64_t expect = 1, last = 0;
	sqlite3_stmt *st;
	krc r = K_OK;
	int got;

	*bad_id = 0;
	/* A consistent snapshot: the other process may append meanwhile. */
	if ((r = tx_begin_read(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_AUDIT_ALL, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	while ((got = row(s, st, "audit check", &r, err)) == 1) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *actor = (const char *)sqlite3_column_text(st, 2);
		const char *action = (const char *)sqlite3_column_text(st, 3);
		const char *detail = (const char *)sqlite3_column_text(st, 4);

		/* A gap in the ids is a deleted entry: report the first missing. */
		if (id != expect) {
			*bad_id = expect;
			break;
		}
		audit_hash(prev, id, sqlite3_column_int64(st, 1), actor ? actor : "",
			   action ? action : "", detail ? detail : "", h);
		if (sqlite3_column_bytes(st, 5) != 32 || sodium_memcmp(h, sqlite3_column_blob(st, 5), 32) != 0) {
			*bad_id = id;
			break;
		}
		memcpy(prev, h, 32);
		last = id;
		expect = id + 1;
	}
	sqlite3_reset(st);
	if (got < 0 || *bad_id != 0)
		goto out;
	/* Entries deleted from the end leave no gap: compare with the head. */
	if ((r = meta_get(s, AUDIT_HEAD_KEY, &head, err)) != K_OK)
		goto out;
	sodium_bin2hex(hex, sizeof hex, prev, 32);
	snprintf(want, sizeof want, "%" PRId64 ":%s", last, hex);
	if (head == NULL ? last != 0 : strcmp(head, want) != 0)
		*bad_id = last + 1;
out:
	free(head);
	tx_rollback(s);
	return r;
}

/* ---- sessions ---- */

static krc uuid4(char id[STORE_ID_LEN], struct kerr *err)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kerr_set(err, K_EIO, "getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(id, STORE_ID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
	return K_OK;
}

krc store_session_start(store *s, const char *content_version, const char *lang, int64_t now,
			char id[STORE_ID_LEN], struct kerr *err)
{
	sqlite3_stmt *st;
	krc r;

	if ((r = uuid4(id, err)) != K_OK || (r = store_file_check(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_SESSION_INSERT, err)) == NULL)
		return K_ESTORE;
	if (bt(st, 1, id) || bt(st, 2, lang ? lang : "") ||
	    bt(st, 3, content_version ? content_version : "") || bi(st, 4, now))
		return bind_fail(s, st, err);
	return run(s, st, "starting a session", err);
}

/* Why a session cannot take a change: it is gone or already completed. */
static krc session_closed(store *s, const char *session, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_SESSION_STATE, err);
	krc r = K_OK;
	int got;

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, session))
		return bind_fail(s, st, err);
	got = row(s, st, "session lookup", &r, err);
	if (got < 0)
		return r;
	if (got == 0)
		return kerr_set(err, K_ENOTFOUND, "no such session %s", session);
	r = strcmp((const char *)sqlite3_column_text(st, 0), "completed") == 0
		    ? kerr_set(err, K_EINVAL, "session %s is already completed", session)
		    : kerr_set(err, K_EINVAL, "session %s is not in progress (interrupted)", session);
	sqlite3_reset(st);
	return r;
}

krc store_answer_save(store *s, const char *session, const char *qid, const char *value,
		      int64_t now, struct kerr *err)
{
	sqlite3_stmt *st;
	krc r;

	if (session == NULL || qid == NULL || value == NULL)
		return kerr_set(err, K_EINVAL, "answer without session, question or value");
	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_SESSION_TOUCH, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bt(st, 1, session) || bi(st, 2, now)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	if ((r = run(s, st, "saving an answer", err)) != K_OK)
		goto out;
	if (sqlite3_changes(s->db) == 0) {
		r = session_closed(s, session, err);
		goto out;
	}
	if ((st = stmt(s, ST_ANSWER_UPSERT, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bt(st, 1, session) || bt(st, 2, qid) || bt(st, 3, value) || bi(st, 4, now)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	r = run(s, st, "saving an answer", err);
out:
	return tx_end(s, r, err);
}

krc store_answer_drop(store *s, const char *session, const char *qid, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_ANSWER_DROP, err);

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, session) || bt(st, 2, qid))
		return bind_fail(s, st, err);
	return run(s, st, "deleting an answer", err);
}

krc store_session_lang(store *s, const char *session, const char *lang, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_SESSION_LANG, err);
	krc r;

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, session) || bt(st, 2, lang ? lang : ""))
		return bind_fail(s, st, err);
	if ((r = run(s, st, "saving the language", err)) != K_OK)
		return r;
	return sqlite3_changes(s->db) ? K_OK : session_closed(s, session, err);
}

static krc session_recreate(store *s, const struct store_completion *c, struct kerr *err);
static krc session_mark_test(store *s, const char *session, struct kerr *err);

krc store_session_complete(store *s, const struct store_completion *c, struct kerr *err)
{
	char detail[96];
	sqlite3_stmt *st;
	krc r;

	if (c == NULL || c->session == NULL || c->outcome == NULL || c->bundle == NULL)
		return kerr_set(err, K_EINVAL, "completion without session, outcome or bundle");
	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_SESSION_COMPLETE, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bt(st, 1, c->session) || bi(st, 2, c->now) || bt(st, 3, c->outcome) ||
	    bt(st, 4, c->flags ? c->flags : "") || bt(st, 5, c->flag_details ? c->flag_details : "") ||
	    bt(st, 6, c->patient_name) || bt(st, 7, c->patient_dob)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	if ((r = run(s, st, "completing the intake", err)) != K_OK)
		goto out;
	if (sqlite3_changes(s->db) == 0) {
		struct kerr why = { "" };

		r = session_closed(s, c->session, &why);
		if (r == K_ENOTFOUND && c->recreate)
			r = session_recreate(s, c, err);
		if (r != K_OK) {
			kerr_set(err, r, "%s", why.msg[0] ? why.msg : "session lookup failed");
			goto out;
		}
	}
	if ((st = stmt(s, ST_OUTBOX_INSERT, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bt(st, 1, c->session) || bt(st, 2, c->bundle) || bi(st, 3, c->now)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	if ((r = run(s, st, "queueing the record", err)) != K_OK)
		goto out;
	if (c->test && (r = session_mark_test(s, c->session, err)) != K_OK)
		goto out;
	snprintf(detail, sizeof detail, "%s %s", c->session, c->outcome);
	r = audit_append(s, c->now, "kiosk", "record.queued", detail, err);
	/* Committing into a deleted file would tell the patient "all set"
	 * for a record nobody can read: the caller keeps it instead. */
	if (r == K_OK)
		r = store_file_check(s, err);
out:
	return tx_end(s, r, err);
}

krc store_session_wipe(store *s, const char *session, const char *reason, const char *actor,
		       struct kerr *err)
{
	char detail[96];
	sqlite3_stmt *st;
	int n = 0;
	krc r;

	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_SESSION_WIPE, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bt(st, 1, session)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	if ((r = run(s, st, "wiping a session", err)) != K_OK)
		goto out;
	n = sqlite3_changes(s->db);
	if (n == 0) {
		r = session_closed(s, session, err);
		goto out;
	}
	snprintf(detail, sizeof detail, "%s %s", session, reason ? reason : "");
	/* wipe takes no time argument: the audit entry uses the wall clock. */
	r = audit_append(s, (int64_t)time(NULL), actor ? actor : "kiosk", "session.wipe", detail, err);
out:
	r = tx_end(s, r, err);
	return r == K_OK ? checkpoint(s, err) : r;
}

krc store_recover(store *s, int64_t now, int64_t resume_window, int *n_interrupted,
		  struct kerr *err)
{
	char detail[64];
	sqlite3_stmt *st;
	int marked = 0, deleted = 0, got;
	krc r;

	*n_interrupted = 0;
	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_RECOVER_MARK, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if ((r = run(s, st, "recovering sessions", err)) != K_OK)
		goto out;
	marked = sqlite3_changes(s->db);
	if ((st = stmt(s, ST_RECOVER_EXPIRE, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bi(st, 1, now - resume_window)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	if ((r = run(s, st, "recovering sessions", err)) != K_OK)
		goto out;
	deleted = sqlite3_changes(s->db);
	if ((st = stmt(s, ST_COUNT_INTERRUPTED, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	got = row(s, st, "recovering sessions", &r, err);
	if (got < 0)
		goto out;
	*n_interrupted = got ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (marked || deleted) {
		snprintf(detail, sizeof detail, "interrupted %d, expired %d", marked, deleted);
		r = audit_append(s, now, "kiosk", "session.recover", detail, err);
	}
out:
	r = tx_end(s, r, err);
	if (r != K_OK)
		*n_interrupted = 0;
	return r == K_OK && deleted ? checkpoint(s, err) : r;
}

void store_session_free(struct store_session *ss)
{
	if (ss == NULL)
		return;
	for (int i = 0; i < ss->n; i++) {
		free(ss->qids[i]);
		free(ss->values[i]);
	}
	free(ss->qids);
	free(ss->values);
	free(ss->lang);
	free(ss->content_version);
	free(ss);
}

/* Load the answers of ss->id into ss. */
static krc load_answers(store *s, struct store_session *ss, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_ANSWERS_OF, err);
	krc r = K_OK;
	int cap = 0, got;

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, ss->id))
		return bind_fail(s, st, err);
	while ((got = row(s, st, "loading answers", &r, err)) == 1) {
		if (ss->n == cap) {
			int ncap = cap ? 2 * cap : 16;
			char **q = realloc(ss->qids, (size_t)ncap * sizeof *q);
			char **v;

			if (q == NULL) {
				sqlite3_reset(st);
				return kerr_set(err, K_ENOMEM, "out of memory");
			}
			ss->qids = q;
			v = realloc(ss->values, (size_t)ncap * sizeof *v);
			if (v == NULL) {
				sqlite3_reset(st);
				return kerr_set(err, K_ENOMEM, "out of memory");
			}
			ss->values = v;
			cap = ncap;
		}
		ss->qids[ss->n] = col_dup(st, 0);
		ss->values[ss->n] = col_dup(st, 1);
		ss->n++;
		if (ss->qids[ss->n - 1] == NULL || ss->values[ss->n - 1] == NULL) {
			sqlite3_reset(st);
			return kerr_set(err, K_ENOMEM, "out of memory");
		}
	}
	return got < 0 ? r : K_OK;
}

krc store_session_resume(store *s, struct store_session **out, struct kerr *err)
{
	return store_session_resume_id(s, NULL, out, err);
}

krc store_session_resume_id(store *s, const char *id, struct store_session **out, struct kerr *err)
{
	struct store_session *ss = NULL;
	sqlite3_stmt *st;
	krc r;
	int got;

	*out = NULL;
	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, id ? ST_RESUME_ID : ST_RESUME_LATEST, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (id && bt(st, 1, id)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	got = row(s, st, "resuming a session", &r, err);
	if (got <= 0) {
		if (got == 0)
			r = kerr_set(err, K_ENOTFOUND, "no interrupted session to resume");
		goto out;
	}
	if ((ss = calloc(1, sizeof *ss)) == NULL) {
		sqlite3_reset(st);
		r = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	col_copy(st, 0, ss->id, sizeof ss->id);
	ss->lang = col_dup(st, 1);
	ss->content_version = col_dup(st, 2);
	ss->started = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	if (ss->lang == NULL || ss->content_version == NULL) {
		r = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = load_answers(s, ss, err)) != K_OK)
		goto out;
	if ((st = stmt(s, ST_SESSION_REOPEN, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bt(st, 1, ss->id)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	r = run(s, st, "resuming a session", err);
out:
	r = tx_end(s, r, err);
	if (r != K_OK) {
		store_session_free(ss);
		return r;
	}
	*out = ss;
	return K_OK;
}

/* ---- outbox ---- */

void store_outbox_item_free(struct store_outbox_item *it)
{
	if (it == NULL)
		return;
	if (it->bundle != NULL) {
		sodium_memzero(it->bundle, strlen(it->bundle));
		free(it->bundle);
	}
	free(it);
}

/* A window of records read together holds at most about this much. */
#define BATCH_BYTES (4 << 20)

krc store_outbox_next_batch(store *s, int64_t now, int max, struct store_outbox_item **out, int *n,
			    int64_t *next_due, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_NEXT, err);
	size_t bytes = 0;
	krc r = K_OK;
	int got;

	*n = 0;
	if (next_due != NULL)
		*next_due = 0;
	if (st == NULL)
		return K_ESTORE;
	if (bi(st, 1, now) || bi(st, 2, max > 0 ? max : 1))
		return bind_fail(s, st, err);
	/* One read transaction: the records form one consistent queue. */
	if ((r = tx_begin_read(s, err)) != K_OK)
		return r;
	while (bytes < BATCH_BYTES && (got = row(s, st, "reading the outbox", &r, err)) == 1) {
		struct store_outbox_item *it = calloc(1, sizeof *it);

		if (it != NULL) {
			col_copy(st, 0, it->id, sizeof it->id);
			it->bundle = col_dup(st, 1);
			it->attempts = sqlite3_column_int(st, 2);
		}
		if (it == NULL || it->bundle == NULL) {
			store_outbox_item_free(it);
			sqlite3_reset(st);
			r = kerr_set(err, K_ENOMEM, "out of memory");
			break;
		}
		bytes += strlen(it->bundle);
		out[(*n)++] = it;
	}
	if (bytes >= BATCH_BYTES)
		sqlite3_reset(st);
	if (r == K_OK && *n == 0) {
		if ((st = stmt(s, ST_OUTBOX_NEXT_DUE, err)) == NULL) {
			r = K_ESTORE;
		} else if ((got = row(s, st, "reading the outbox", &r, err)) >= 0) {
			if (got && next_due != NULL)
				*next_due = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
			r = kerr_set(err, K_ENOTFOUND, "no record due");
		}
	}
	tx_rollback(s);
	if (r != K_OK && r != K_ENOTFOUND) {
		for (int i = 0; i < *n; i++)
			store_outbox_item_free(out[i]);
		*n = 0;
	}
	return r;
}

krc store_outbox_next(store *s, int64_t now, struct store_outbox_item **out, int64_t *next_due,
		      struct kerr *err)
{
	int n = 0;

	*out = NULL;
	return store_outbox_next_batch(s, now, 1, out, &n, next_due, err);
}

/* Delete the patient data of records delivered at or before cutoff, in the
 * caller's transaction.  *n receives how many records were purged. */
static krc purge_before(store *s, int64_t cutoff, int64_t now, int *n, struct kerr *err)
{
	sqlite3_stmt *st;
	krc r;

	*n = 0;
	if ((st = stmt(s, ST_PURGE_ANSWERS, err)) == NULL)
		return K_ESTORE;
	if (bi(st, 1, cutoff))
		return bind_fail(s, st, err);
	if ((r = run(s, st, "purging patient data", err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_PURGE_SESSIONS, err)) == NULL)
		return K_ESTORE;
	if (bi(st, 1, cutoff) || bi(st, 2, now))
		return bind_fail(s, st, err);
	if ((r = run(s, st, "purging patient data", err)) != K_OK)
		return r;
	*n = sqlite3_changes(s->db);
	if ((st = stmt(s, ST_PURGE_BUNDLES, err)) == NULL)
		return K_ESTORE;
	if (bi(st, 1, cutoff))
		return bind_fail(s, st, err);
	return run(s, st, "purging patient data", err);
}

/* Whether the outbox has id, and its state; K_ENOTFOUND if it does not. */
static krc outbox_state(store *s, const char *id, char *state, size_t n, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_STATE, err);
	krc r = K_OK;
	int got;

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, id))
		return bind_fail(s, st, err);
	got = row(s, st, "reading the outbox", &r, err);
	if (got < 0)
		return r;
	if (got == 0)
		return kerr_set(err, K_ENOTFOUND, "no record %s in the outbox", id);
	col_copy(st, 0, state, n);
	sqlite3_reset(st);
	return K_OK;
}

/* Is another record waiting to be sent now?  (An error counts as no: the
 * caller then checkpoints, which is the safe side.) */
static bool any_due(store *s, int64_t now)
{
	struct kerr ignore = { "" };
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_ANY_DUE, &ignore);
	krc r = K_OK;
	int got;

	if (st == NULL || bi(st, 1, now))
		return false;
	got = row(s, st, "reading the outbox", &r, &ignore);
	sqlite3_reset(st);
	return got > 0;
}

krc store_outbox_delivered_batch(store *s, const struct store_delivery *v, int n, int64_t now,
				 struct kerr *err)
{
	char detail[320], state[16];
	sqlite3_stmt *st;
	int purged = 0, changed = 0;
	krc r;

	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	for (int i = 0; i < n && r == K_OK; i++) {
		const char *location = v[i].location ? v[i].location : "";

		if ((st = stmt(s, ST_OUTBOX_DELIVERED, err)) == NULL) {
			r = K_ESTORE;
			break;
		}
		if (bt(st, 1, v[i].id) || bi(st, 2, now) || bt(st, 3, location)) {
			r = bind_fail(s, st, err);
			break;
		}
		if ((r = run(s, st, "recording a delivery", err)) != K_OK)
			break;
		if (sqlite3_changes(s->db) == 0) {
			/* Delivered twice (a retry after a lost reply) is fine. */
			r = outbox_state(s, v[i].id, state, sizeof state, err);
			continue;
		}
		changed++;
		snprintf(detail, sizeof detail, "%s %s", v[i].id, location);
		r = audit_append(s, now, "sync", "record.delivered", detail, err);
	}
	if (r == K_OK && changed && s->retention == 0)
		r = purge_before(s, now, now, &purged, err);
	r = tx_end(s, r, err);
	if (r != K_OK || !purged)
		return r;
	/* Truncate the WAL, where the purged data still has old frames, once
	 * the queue is drained and at least every 2 s while it drains: one
	 * truncation per record made a backlog crawl. */
	if (now - s->last_checkpoint >= 2 || !any_due(s, now)) {
		s->last_checkpoint = now;
		return checkpoint(s, err);
	}
	return K_OK;
}

krc store_outbox_delivered(store *s, const char *id, const char *location, int64_t now,
			   struct kerr *err)
{
	struct store_delivery one = { id, location };

	return store_outbox_delivered_batch(s, &one, 1, now, err);
}

krc store_outbox_retry(store *s, const char *id, int64_t next_attempt, const char *reason,
		       struct kerr *err)
{
	char state[16];
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_RETRY, err);
	krc r;

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, id) || bi(st, 2, next_attempt) || bt(st, 3, reason ? reason : ""))
		return bind_fail(s, st, err);
	if ((r = run(s, st, "scheduling a retry", err)) != K_OK)
		return r;
	if (sqlite3_changes(s->db))
		return K_OK;
	if ((r = outbox_state(s, id, state, sizeof state, err)) != K_OK)
		return r;
	return kerr_set(err, K_EINVAL, "record %s is %s, not waiting", id, state);
}

krc store_outbox_failed(store *s, const char *id, const char *reason, struct kerr *err)
{
	char detail[320], state[16];
	sqlite3_stmt *st;
	krc r;

	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_OUTBOX_FAILED, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bt(st, 1, id) || bt(st, 2, reason ? reason : "")) {
		r = bind_fail(s, st, err);
		goto out;
	}
	if ((r = run(s, st, "recording a failure", err)) != K_OK)
		goto out;
	if (sqlite3_changes(s->db) == 0) {
		if ((r = outbox_state(s, id, state, sizeof state, err)) == K_OK)
			r = kerr_set(err, K_EINVAL, "record %s is %s, not waiting", id, state);
		goto out;
	}
	/* The audit log is kept for good and cannot be redacted, while a
	 * server's explanation may quote the patient's data: only its status
	 * ("HTTP 422", the part before the first ':') goes into the log.  The
	 * full reason stays on the record, for staff, until it is delivered. */
	snprintf(detail, sizeof detail, "%s %.*s", id, reason ? (int)strcspn(reason, ":") : 0,
		 reason ? reason : "");
	r = audit_append(s, (int64_t)time(NULL), "sync", "record.failed", detail, err);
out:
	return tx_end(s, r, err);
}

krc store_outbox_requeue(store *s, int *n, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_OUTBOX_REQUEUE, err);
	krc r;

	*n = 0;
	if (st == NULL)
		return K_ESTORE;
	if ((r = run(s, st, "requeueing records", err)) != K_OK)
		return r;
	*n = sqlite3_changes(s->db);
	return K_OK;
}

krc store_purge(store *s, int64_t now, int64_t retention, struct kerr *err)
{
	char detail[64];
	int n = 0;
	krc r;

	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	r = purge_before(s, now - (retention > 0 ? retention : 0), now, &n, err);
	if (r == K_OK && n > 0) {
		snprintf(detail, sizeof detail, "%d records", n);
		r = audit_append(s, now, "kiosk", "record.purge", detail, err);
	}
	r = tx_end(s, r, err);
	if (r == K_OK && s->resume_window > 0)
		r = store_expire_interrupted(s, now, s->resume_window, NULL, err);
	return r == K_OK && n ? checkpoint(s, err) : r;
}

/* ---- meta ---- */

krc store_meta_set(store *s, const char *key, const char *value, struct kerr *err)
{
	if (key == NULL)
		return kerr_set(err, K_EINVAL, "setting without a key");
	return meta_put(s, key, value, err);
}

krc store_meta_contains(store *s, const char *key, const char *text, bool *yes, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_META_HAS, err);
	krc r = K_OK;
	int got;

	*yes = false;
	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, key) || bt(st, 2, text))
		return bind_fail(s, st, err);
	got = row(s, st, "reading a setting", &r, err);
	if (got <= 0)
		return r;
	*yes = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return K_OK;
}

static krc meta_get(store *s, const char *key, char **out, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_META_GET, err);
	krc r = K_OK;
	int got;

	*out = NULL;
	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, key))
		return bind_fail(s, st, err);
	got = row(s, st, "reading a setting", &r, err);
	if (got <= 0)
		return r;
	*out = col_dup(st, 0);
	sqlite3_reset(st);
	return *out ? K_OK : kerr_set(err, K_ENOMEM, "out of memory");
}

krc store_meta_get(store *s, const char *key, char **out, struct kerr *err)
{
	if (key == NULL)
		return kerr_set(err, K_EINVAL, "setting without a key");
	return meta_get(s, key, out, err);
}

/* ---- status and staff views ---- */

static krc test_counts(store *s, struct store_status *stt, struct kerr *err);

krc store_status_get(store *s, struct store_status *stt, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_STATUS, err);
	krc r = K_OK;
	int got;

	memset(stt, 0, sizeof *stt);
	if (st == NULL)
		return K_ESTORE;
	got = row(s, st, "reading the status", &r, err);
	if (got <= 0)
		return got < 0 ? r : kerr_set(err, K_ESTORE, "status query returned nothing");
	stt->in_progress = sqlite3_column_int(st, 0);
	stt->interrupted = sqlite3_column_int(st, 1);
	stt->waiting = sqlite3_column_int(st, 2);
	stt->failed = sqlite3_column_int(st, 3);
	stt->delivered = sqlite3_column_int(st, 4);
	stt->oldest_waiting = sqlite3_column_int64(st, 5);
	stt->last_delivery = sqlite3_column_int64(st, 6);
	col_copy(st, 7, stt->last_failure, sizeof stt->last_failure);
	col_copy(st, 8, stt->paused, sizeof stt->paused);
	sqlite3_reset(st);
	return test_counts(s, stt, err);
}

void store_intakes_free(struct store_intake *v, int n)
{
	if (v == NULL)
		return;
	for (int i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].dob);
		free(v[i].outcome);
		free(v[i].flags);
		free(v[i].flag_details);
		free(v[i].delivery);
		free(v[i].lang);
		store_session_free(v[i].answers);
	}
	free(v);
}

static char *delivery_text(const char *state, const char *reason)
{
	char buf[300];

	if (state && strcmp(state, "failed") == 0) {
		snprintf(buf, sizeof buf, "failed: %s", reason ? reason : "");
		return strdup(buf);
	}
	return strdup(state ? state : "");
}

static krc list_intakes(store *s, enum sid q, int64_t since, struct store_intake **out, int *n,
			struct kerr *err)
{
	struct store_intake *v = NULL;
	sqlite3_stmt *st;
	int cap = 0, cnt = 0, got;
	krc r = K_OK;

	*out = NULL;
	*n = 0;
	/* One snapshot, so the list is consistent while sync works. */
	if ((r = tx_begin_read(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, q, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bi(st, 1, since)) {
		r = bind_fail(s, st, err);
		goto out;
	}
	while ((got = row(s, st, "listing intakes", &r, err)) == 1) {
		struct store_intake *it;

		if (cnt == cap) {
			int ncap = cap ? 2 * cap : 16;
			struct store_intake *nv = realloc(v, (size_t)ncap * sizeof *nv);

			if (nv == NULL) {
				sqlite3_reset(st);
				r = kerr_set(err, K_ENOMEM, "out of memory");
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		it = &v[cnt++];
		memset(it, 0, sizeof *it);
		col_copy(st, 0, it->id, sizeof it->id);
		it->completed = sqlite3_column_int64(st, 1);
		it->name = col_dup(st, 2);
		it->dob = col_dup(st, 3);
		it->outcome = col_dup(st, 4);
		it->flags = col_dup(st, 5);
		it->flag_details = col_dup(st, 6);
		it->delivery = delivery_text((const char *)sqlite3_column_text(st, 7),
					     (const char *)sqlite3_column_text(st, 8));
		it->test = sqlite3_column_int(st, 9) != 0;
		if (it->test && it->delivery) {
			/* Staff must not take a made-up patient for a real one. */
			size_t dn = strlen(it->delivery) + 8;
			char *d = malloc(dn);

			if (d)
				snprintf(d, dn, "TEST %s", it->delivery);
			free(it->delivery);
			it->delivery = d;
		}
		it->lang = col_dup(st, 10);
		if (it->outcome == NULL || it->flags == NULL || it->flag_details == NULL ||
		    it->delivery == NULL || it->lang == NULL) {
			sqlite3_reset(st);
			r = kerr_set(err, K_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* The answers, for what staff need to see beside a flag (a date the
	 * patient gave, the items of a "not sure"). */
	for (int i = 0; r == K_OK && got >= 0 && i < cnt; i++) {
		v[i].answers = calloc(1, sizeof *v[i].answers);
		if (v[i].answers == NULL) {
			r = kerr_set(err, K_ENOMEM, "out of memory");
			break;
		}
		memcpy(v[i].answers->id, v[i].id, sizeof v[i].id);
		r = load_answers(s, v[i].answers, err);
	}
out:
	tx_rollback(s);
	if (r != K_OK) {
		store_intakes_free(v, cnt);
		return r;
	}
	*out = v;
	*n = cnt;
	return K_OK;
}

krc store_intakes(store *s, int64_t since, struct store_intake **out, int *n, struct kerr *err)
{
	return list_intakes(s, ST_INTAKES, since, out, n, err);
}

krc store_intakes_failed(store *s, struct store_intake **out, int *n, struct kerr *err)
{
	return list_intakes(s, ST_INTAKES_FAILED, 0, out, n, err);
}

/* ---- staff accounts ---- */

krc store_staff_put(store *s, const struct store_staff *stf, struct kerr *err)
{
	sqlite3_stmt *st;

	if (stf == NULL || stf->name == NULL || stf->name[0] == '\0' || stf->pin_hash == NULL ||
	    stf->role == NULL)
		return kerr_set(err, K_EINVAL, "staff account without name, role or PIN");
	if (strcmp(stf->role, "staff") != 0 && strcmp(stf->role, "admin") != 0)
		return kerr_set(err, K_EINVAL, "unknown staff role '%s' (staff or admin)", stf->role);
	if ((st = stmt(s, ST_STAFF_PUT, err)) == NULL)
		return K_ESTORE;
	if (bt(st, 1, stf->name) || bt(st, 2, stf->role) || bt(st, 3, stf->pin_hash) ||
	    bi(st, 4, stf->failures) || bi(st, 5, stf->locked_until) || bi(st, 6, stf->lockouts))
		return bind_fail(s, st, err);
	return run(s, st, "saving a staff account", err);
}

void store_staff_free(struct store_staff *stf)
{
	if (stf == NULL)
		return;
	free(stf->name);
	free(stf->role);
	if (stf->pin_hash != NULL) {
		sodium_memzero(stf->pin_hash, strlen(stf->pin_hash));
		free(stf->pin_hash);
	}
	free(stf);
}

krc store_staff_get(store *s, const char *name, struct store_staff **out, struct kerr *err)
{
	struct store_staff *stf;
	sqlite3_stmt *st = stmt(s, ST_STAFF_GET, err);
	krc r = K_OK;
	int got;

	*out = NULL;
	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, name))
		return bind_fail(s, st, err);
	got = row(s, st, "reading a staff account", &r, err);
	if (got < 0)
		return r;
	if (got == 0)
		return kerr_set(err, K_ENOTFOUND, "no staff account '%s'", name);
	stf = calloc(1, sizeof *stf);
	if (stf != NULL) {
		stf->name = col_dup(st, 0);
		stf->role = col_dup(st, 1);
		stf->pin_hash = col_dup(st, 2);
		stf->failures = sqlite3_column_int(st, 3);
		stf->locked_until = sqlite3_column_int64(st, 4);
		stf->lockouts = sqlite3_column_int(st, 5);
	}
	sqlite3_reset(st);
	if (stf == NULL || stf->name == NULL || stf->role == NULL || stf->pin_hash == NULL) {
		store_staff_free(stf);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	*out = stf;
	return K_OK;
}

krc store_staff_remove(store *s, const char *name, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_STAFF_DEL, err);
	krc r;

	if (st == NULL)
		return K_ESTORE;
	if (bt(st, 1, name))
		return bind_fail(s, st, err);
	if ((r = run(s, st, "removing a staff account", err)) != K_OK)
		return r;
	return sqlite3_changes(s->db) ? K_OK
				       : kerr_set(err, K_ENOTFOUND, "no staff account '%s'", name);
}

krc store_interrupted(store *s, struct store_interrupted *out, int max, int *n, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_INTERRUPTED_LIST, err);
	krc r = K_OK;
	int got;

	*n = 0;
	if (st == NULL)
		return K_ESTORE;
	if (bi(st, 1, max))
		return bind_fail(s, st, err);
	while ((got = row(s, st, "listing interrupted sessions", &r, err)) == 1) {
		struct store_interrupted *it = &out[(*n)++];

		col_copy(st, 0, it->id, sizeof it->id);
		it->started = sqlite3_column_int64(st, 1);
		it->updated = sqlite3_column_int64(st, 2);
		col_copy(st, 3, it->last_qid, sizeof it->last_qid);
		it->answers = sqlite3_column_int(st, 4);
		if (*n >= max) {
			sqlite3_reset(st);
			break;
		}
	}
	return got < 0 ? r : K_OK;
}

/* ---- sync state ---- */

krc store_sync_state_set(store *s, const struct store_sync_state *ss, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_SYNC_STATE_PUT, err);

	if (st == NULL)
		return K_ESTORE;
	if (bi(st, 1, ss->last_attempt) || bt(st, 2, ss->result) || bt(st, 3, ss->detail) ||
	    bi(st, 4, ss->failing_since) || bi(st, 5, ss->next_try))
		return bind_fail(s, st, err);
	return run(s, st, "recording the sync state", err);
}

krc store_sync_state_get(store *s, struct store_sync_state *ss, struct kerr *err)
{
	sqlite3_stmt *st = stmt(s, ST_SYNC_STATE_GET, err);
	krc r = K_OK;
	int got;

	memset(ss, 0, sizeof *ss);
	if (st == NULL)
		return K_ESTORE;
	got = row(s, st, "reading the sync state", &r, err);
	if (got <= 0)
		return r;
	ss->last_attempt = sqlite3_column_int64(st, 0);
	col_copy(st, 1, ss->result, sizeof ss->result);
	col_copy(st, 2, ss->detail, sizeof ss->detail);
	ss->failing_since = sqlite3_column_int64(st, 3);
	ss->next_try = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	return K_OK;
}
/* ---- integrity and file identity ---- */

krc store_check(store *s, struct kerr *err)
{
	char buf[256], was[32], q[64];
	krc r;

	/* quick_check reads every page: its cost grows with the years of
	 * receipts, so it runs at the kiosk's start and on request only.
	 * Pages read for it need not stay: a small page cache meanwhile
	 * keeps the kiosk's memory the same after five years (the default
	 * would fill 2 MiB), and the cache is emptied after. */
	if ((r = pragma(s, "PRAGMA cache_size", was, sizeof was, err)) != K_OK ||
	    (r = pragma(s, "PRAGMA cache_size = -128", NULL, 0, err)) != K_OK)
		return r;
	r = pragma(s, "PRAGMA quick_check(1)", buf, sizeof buf, err);
	snprintf(q, sizeof q, "PRAGMA cache_size = %ld", strtol(was, NULL, 10));
	(void)pragma(s, q, NULL, 0, NULL);
	(void)pragma(s, "PRAGMA shrink_memory", NULL, 0, NULL);
	if (r != K_OK)
		return r;
	if (strcmp(buf, "ok") != 0) {
		for (char *c = buf; *c; c++)
			if (*c == '\n' || *c == '\r' || *c == '\t')
				*c = ' ';
		return kerr_set(err, K_ESTORE, "database is corrupt (%s): %s", buf, s->path);
	}
	return K_OK;
}

void store_integrity_keep(store *s, int64_t now, const char *result)
{
	struct kerr werr = { "" };
	char val[320];

	snprintf(val, sizeof val, "%lld %s", (long long)now, result);
	/* Kept even when the file is damaged: the settings page may still be
	 * whole, and then status can say so.  A read-only handle keeps none. */
	if (!sqlite3_db_readonly(s->db, "main"))
		(void)meta_put(s, "integrity.checked", val, &werr);
}

krc store_check_record(store *s, int64_t now, struct kerr *err)
{
	struct kerr cerr = { "" };
	krc r = store_check(s, &cerr);

	store_integrity_keep(s, now, r == K_OK ? "ok" : cerr.msg);
	if (r != K_OK)
		return kerr_set(err, r, "%s", cerr.msg);
	return K_OK;
}

krc store_integrity_last(store *s, int64_t *when, char *result, size_t n, struct kerr *err)
{
	char *v = NULL, *end = NULL;
	krc r = meta_get(s, "integrity.checked", &v, err);
	long long t;

	*when = 0;
	if (n)
		result[0] = '\0';
	if (r != K_OK || v == NULL) {
		free(v);
		return r;
	}
	t = strtoll(v, &end, 10);
	if (end != v && *end == ' ' && t > 0) {
		*when = (int64_t)t;
		snprintf(result, n, "%s", end + 1);
	}
	free(v);
	return K_OK;
}

krc store_file_check(store *s, struct kerr *err)
{
	struct stat sb;

	if (!s->have_id)
		return K_OK;
	if (stat(s->path, &sb) != 0)
		return kerr_set(err, K_ESTORE, "the database file was deleted, or its volume unmounted, "
				"while it was open (%s): %s", strerror(errno), s->path);
	if (sb.st_dev != s->dev || sb.st_ino != s->ino)
		return kerr_set(err, K_ESTORE, "the database file was replaced while it was open "
				"(another file is at %s now)", s->path);
	return K_OK;
}

/* ---- expiry of interrupted sessions ---- */

void store_set_resume_window(store *s, int64_t seconds)
{
	s->resume_window = seconds > 0 ? seconds : 0;
}

krc store_expire_interrupted(store *s, int64_t now, int64_t resume_window, int *n_expired,
			     struct kerr *err)
{
	char detail[64];
	sqlite3_stmt *st;
	int n = 0;
	krc r;

	if (n_expired)
		*n_expired = 0;
	if ((r = tx_begin(s, err)) != K_OK)
		return r;
	if ((st = stmt(s, ST_RECOVER_EXPIRE, err)) == NULL) {
		r = K_ESTORE;
		goto out;
	}
	if (bi(st, 1, now - (resume_window > 0 ? resume_window : 0))) {
		r = bind_fail(s, st, err);
		goto out;
	}
	if ((r = run(s, st, "expiring interrupted sessions", err)) != K_OK)
		goto out;
	n = sqlite3_changes(s->db);
	if (n > 0) {
		snprintf(detail, sizeof detail, "expired %d", n);
		r = audit_append(s, now, "kiosk", "session.expire", detail, err);
	}
out:
	r = tx_end(s, r, err);
	if (r != K_OK)
		return r;
	if (n_expired)
		*n_expired = n;
	/* secure_delete zeroed the rows in the file; the WAL still holds
	 * them until a checkpoint. */
	return n ? checkpoint(s, err) : K_OK;
}

/* ---- a session the kiosk had to drop ---- */

krc store_session_interrupt(store *s, const char *session, struct kerr *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	krc r = K_OK;

	if ((r = store_file_check(s, err)) != K_OK)
		return r;
	rc = sqlite3_prepare_v2(s->db, "UPDATE sessions SET state = 'interrupted'"
				" WHERE id = ?1 AND state = 'in_progress'", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "keeping the session for staff", err);
	if (bt(st, 1, session))
		r = bind_fail(s, st, err);
	else if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		r = fail(s, rc, "keeping the session for staff", err);
	sqlite3_finalize(st);
	return r;
}

/* A completion whose session row is not in this database (the file it
 * was started in was deleted or replaced): its record carries everything
 * the server needs, so the row is made again, completed, for the receipt. */
static krc session_recreate(store *s, const struct store_completion *c, struct kerr *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	krc r = K_OK;

	rc = sqlite3_prepare_v2(s->db, "INSERT INTO sessions (id, state, started, updated, completed, outcome,"
				" flags, flag_details, patient_name, patient_dob)"
				" VALUES (?1, 'completed', ?2, ?2, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "completing the intake", err);
	if (bt(st, 1, c->session) || bi(st, 2, c->now) || bt(st, 3, c->outcome) ||
	    bt(st, 4, c->flags ? c->flags : "") || bt(st, 5, c->flag_details ? c->flag_details : "") ||
	    bt(st, 6, c->patient_name) || bt(st, 7, c->patient_dob))
		r = bind_fail(s, st, err);
	else if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		r = fail(s, rc, "completing the intake", err);
	sqlite3_finalize(st);
	return r;
}

/* ---- test records (kiosk simulate --record) ---- */

static krc session_mark_test(store *s, const char *session, struct kerr *err)
{
	sqlite3_stmt *st = NULL;
	int rc;
	krc r = K_OK;

	rc = sqlite3_prepare_v2(s->db, "UPDATE sessions SET test = 1 WHERE id = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "queueing the record", err);
	if (bt(st, 1, session))
		r = bind_fail(s, st, err);
	else if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		r = fail(s, rc, "queueing the record", err);
	sqlite3_finalize(st);
	return r;
}

static krc test_counts(store *s, struct store_status *stt, struct kerr *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(sum(o.state = 'waiting'), 0)"
				" FROM sessions s JOIN outbox o ON o.id = s.id WHERE s.test = 1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc, "reading the status", err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		stt->test_records = sqlite3_column_int(st, 0);
		stt->test_waiting = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? K_OK : fail(s, rc, "reading the status", err);
}

/* ---- backup ---- */

/* Whether dest names the database or a file SQLite or the lock keeps
 * beside it (-wal, -shm, -journal, .kiosk-lock, .sync-lock).  Renamed over
 * it, a backup would take the live database's place under the running kiosk
 * and kiosk-sync (their writes going to the unlinked file) next to a WAL
 * that is not its own. */
static bool names_database(const store *s, const char *dest)
{
	char dir[PATH_MAX], canon_dir[PATH_MAX + 1], canon_db[PATH_MAX + 1], full[2 * PATH_MAX + 2];
	const char *slash = strrchr(dest, '/'), *base = slash ? slash + 1 : dest;
	struct stat sb;
	size_t n;

	if (s->have_id && stat(dest, &sb) == 0 && sb.st_dev == s->dev && sb.st_ino == s->ino)
		return true;
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - dest) + (slash == dest) : 1,
		 slash ? dest : ".");
	if (s->path == NULL || realpath(s->path, canon_db) == NULL || realpath(dir, canon_dir) == NULL)
		return false;
	snprintf(full, sizeof full, "%s/%s", strcmp(canon_dir, "/") ? canon_dir : "", base);
	n = strlen(canon_db);
	return strncmp(full, canon_db, n) == 0 &&
	       (full[n] == '\0' || !strcmp(full + n, "-wal") || !strcmp(full + n, "-shm") ||
		!strcmp(full + n, "-journal") || !strcmp(full + n, ".kiosk-lock") ||
		!strcmp(full + n, ".sync-lock"));
}

krc store_backup(store *s, const char *dest, struct kerr *err)
{
	char tmp[PATH_MAX + 16];
	sqlite3 *db = NULL;
	sqlite3_backup *b = NULL;
	store *copy = NULL;
	int fd, rc;
	krc r = K_OK;

	if (dest == NULL || dest[0] == '\0' || strlen(dest) >= PATH_MAX)
		return kerr_set(err, K_EINVAL, "no backup file named");
	if (names_database(s, dest))
		return kerr_set(err, K_EINVAL, "%s is the database itself (or a file beside it): "
				"write the backup to another file, on another disk", dest);
	/* Into a private temporary file beside the target, renamed over it
	 * only when whole and checked: a failed backup never replaces the
	 * last good one, and the copy (patient data) is 0600 from the start. */
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", dest);
	fd = mkstemp(tmp);
	if (fd < 0)
		return kerr_set(err, K_EIO, "cannot create %s: %s", tmp, strerror(errno));
	if (fchmod(fd, 0600) != 0) {
		r = kerr_set(err, K_EIO, "cannot make %s private: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		r = kerr_set(err, K_EIO, "cannot open %s: %s", tmp, sqlite3_errstr(rc));
		goto out;
	}
	b = sqlite3_backup_init(db, "main", s->db, "main");
	if (b == NULL) {
		r = kerr_set(err, K_ESTORE, "backup failed: %s", sqlite3_errmsg(db));
		goto out;
	}
	/* All pages in one step: one read transaction, so the copy is one
	 * consistent snapshot.  In WAL mode the kiosk and kiosk-sync go on
	 * writing meanwhile; only a checkpoint waits. */
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(100);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		r = fail(s, rc, "backup", err);
		goto out;
	}
	/* One self-contained file (no -wal beside it); a restored copy is put
	 * back in WAL mode by the first store_open. */
	rc = sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		r = kerr_set(err, K_EIO, "cannot finish %s: %s", tmp, sqlite3_errmsg(db));
		goto out;
	}
	rc = sqlite3_close(db);
	db = NULL;
	if (rc != SQLITE_OK) {
		r = kerr_set(err, K_EIO, "cannot finish %s: %s", tmp, sqlite3_errstr(rc));
		goto out;
	}
	if ((r = store_open_readonly(&copy, tmp, err)) != K_OK || (r = store_check(copy, err)) != K_OK)
		goto out;
	store_close(copy);
	copy = NULL;
	if (rename(tmp, dest) != 0) {
		r = kerr_set(err, K_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
		goto out;
	}
	tmp[0] = '\0';
out:
	store_close(copy);
	sqlite3_close(db);
	if (tmp[0]) {
		char side[PATH_MAX + 24];

		unlink(tmp);
		snprintf(side, sizeof side, "%s-wal", tmp);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", tmp);
		unlink(side);
	}
	return r;
}
