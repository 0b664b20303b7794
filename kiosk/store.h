/* store: the kiosk's SQLite database, and the only place with SQL.
 *
 * Answers are on disk the moment they are given; completing a session writes
 * the record and its outbox entry in one transaction; once the server has
 * acknowledged a record its patient data is deleted and only a receipt stays.
 * WAL, synchronous=FULL, foreign keys, busy timeout, secure_delete, schema
 * migrations on user_version.  Callers never see SQL or sqlite3 types.
 *
 * Times are Unix seconds (int64_t) passed in by the caller, so tests can
 * move the clock.  Strings returned in structs are owned by the struct and
 * freed by its _free function.  No function logs patient data.
 *
 * A database that cannot be written gives K_ESTORE with a message naming
 * the file ("database is read-only: PATH", "disk is full (saving an
 * answer): PATH", "database is corrupt or not a kiosk database: PATH",
 * "database is locked by another process for over 5 s ..."); the failed
 * transaction is rolled back and nothing stored before it is lost. */
#ifndef KIOSK_STORE_H
#define KIOSK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

typedef struct store store;

#define STORE_ID_LEN 37 /* UUID v4 text plus NUL */

/* Open the existing database at path.  A missing or empty file is refused
 * (K_ESTORE, "no database at PATH: create it once with `kiosk init` ...");
 * only store_create makes one.  An older schema is upgraded in place; a
 * newer one is refused (K_ESTORE, "database schema N is newer than this
 * kiosk (M)").  ":memory:" works for tests.  *out is owned by the caller
 * (store_close). */
krc store_open(store **out, const char *path, struct kerr *err);
/* `kiosk init`: as store_open, but a missing database is created (folder
 * 0700, file 0600, the whole schema).  An existing one is opened as is. */
krc store_create(store **out, const char *path, struct kerr *err);
void store_close(store *s);

/* Open an existing database for reading only (kiosk status): nothing is
 * created, chmodded or migrated.  A schema other than this build's is
 * refused with K_ESTORE.  Writing verbs fail on such a handle. */
krc store_open_readonly(store **out, const char *path, struct kerr *err);
/* Keep patient data of delivered records for seconds after delivery
 * (kiosk.retention_days); store_purge() then deletes it.  0 (the default)
 * means store_outbox_delivered() deletes it at once. */
void store_set_retention(store *s, int64_t seconds);

/* ---- patient sessions (kiosk process) ---- */

/* Start a session: new random UUID v4 id written into id. */
krc store_session_start(store *s, const char *content_version, const char *lang, int64_t now,
			char id[STORE_ID_LEN], struct kerr *err);
/* Save (insert or replace) one answer, durable on return.  Only a session
 * in progress takes answers: K_ENOTFOUND for an unknown one, K_EINVAL for
 * a completed or interrupted (not yet resumed) one. */
krc store_answer_save(store *s, const char *session, const char *qid, const char *value,
		      int64_t now, struct kerr *err);
/* Delete one answer (its screen is no longer shown). */
krc store_answer_drop(store *s, const char *session, const char *qid, struct kerr *err);
/* Record the session's language. */
krc store_session_lang(store *s, const char *session, const char *lang, struct kerr *err);

/* What completing a session writes.  bundle is the FHIR transaction Bundle
 * (JSON) sent as is by the sync process; the rest is the receipt that stays
 * after purge (no patient data in outcome, flags or content_version). */
struct store_completion {
	const char *session;
	const char *outcome;         /* "clear" | "review" | "defer" */
	const char *flags;           /* flag codes joined by ',' ("" for none) */
	const char *flag_details;    /* staff messages, one per line, same order (PHI-free) */
	const char *bundle;          /* JSON */
	const char *patient_name;    /* for staff's list of today's intakes; purged with the rest */
	const char *patient_dob;
	int64_t now;
	/* The session is not in this database any more (the file it was
	 * started in was deleted or replaced, see store_file_check): write
	 * its row again from this completion instead of K_ENOTFOUND. */
	bool recreate;
	/* A made-up patient (kiosk simulate --record): the record is marked a
	 * test record for staff and kiosk status (its bundle carries HTEST). */
	bool test;
};
/* One transaction: mark the session completed and queue its outbox entry.
 * Completing twice is refused with K_EINVAL (never a second outbox entry). */
krc store_session_complete(store *s, const struct store_completion *c, struct kerr *err);

/* Delete an unfinished session and all its answers at once (idle wipe or
 * staff reset).  reason ("idle", "reset") goes into the audit log.  A
 * completed session is never wiped (K_EINVAL); K_ENOTFOUND if it is gone. */
krc store_session_wipe(store *s, const char *session, const char *reason, const char *actor,
		       struct kerr *err);

/* Sessions left in progress by a crash: mark them interrupted (call once at
 * start-up, before the first patient).  Interrupted sessions older than
 * resume_window seconds are deleted.  *n_interrupted receives how many are
 * left for staff to resume. */
krc store_recover(store *s, int64_t now, int64_t resume_window, int *n_interrupted,
		  struct kerr *err);

/* An interrupted session staff may resume: its id, language and answers. */
struct store_session {
	char id[STORE_ID_LEN];
	char *lang;
	char *content_version;
	int64_t started;
	int n;
	char **qids;
	char **values;
};
/* The most recent interrupted session (K_ENOTFOUND if none).  Resuming
 * makes it in progress again. */
krc store_session_resume(store *s, struct store_session **out, struct kerr *err);
void store_session_free(struct store_session *ss);
/* The interrupted session id (K_ENOTFOUND if it is not interrupted). */
krc store_session_resume_id(store *s, const char *id, struct store_session **out, struct kerr *err);

/* An interrupted session as the staff list shows it: no answer, no name. */
struct store_interrupted {
	char id[STORE_ID_LEN];
	int64_t started, updated;
	char last_qid[64];           /* question answered last ("" if none) */
	int answers;
};
/* Up to max interrupted sessions, most recent first, into out; *n how many. */
krc store_interrupted(store *s, struct store_interrupted *out, int max, int *n, struct kerr *err);

/* ---- outbox (sync process) ---- */

struct store_outbox_item {
	char id[STORE_ID_LEN];       /* the session id */
	char *bundle;                /* JSON to send */
	int attempts;
};
/* The oldest record due for delivery at now (next_attempt <= now, not
 * failed, not delivered).  K_ENOTFOUND when none is due;
 * *next_due then receives the earliest future attempt time (0: none queued). */
krc store_outbox_next(store *s, int64_t now, struct store_outbox_item **out, int64_t *next_due,
		      struct kerr *err);
void store_outbox_item_free(struct store_outbox_item *it);
/* Up to max records due at now, oldest first (fewer once their bundles
 * pass 4 MiB, at least one), into out[0..*n) (each freed
 * by the caller with store_outbox_item_free); K_ENOTFOUND and *next_due as
 * store_outbox_next when none is due. */
krc store_outbox_next_batch(store *s, int64_t now, int max, struct store_outbox_item **out, int *n,
			    int64_t *next_due, struct kerr *err);
/* The server stored it: keep a receipt (location), delete patient data
 * (answers, bundle, name) unless retention keeps it, and checkpoint the WAL.
 * Delivering the same record again is not an error (a retry after a lost
 * reply); K_ENOTFOUND for an id the outbox never had. */
krc store_outbox_delivered(store *s, const char *id, const char *location, int64_t now,
			   struct kerr *err);
/* The same for n records in one transaction (one durable commit): all
 * are recorded, or none is (then the caller sends them again, which the
 * kiosk-assigned ids make harmless). */
struct store_delivery {
	const char *id;
	const char *location;
};
krc store_outbox_delivered_batch(store *s, const struct store_delivery *v, int n, int64_t now,
				 struct kerr *err);
/* A temporary failure: try again at next_attempt; reason is PHI-free.
 * K_EINVAL if the record is not waiting (failed or delivered). */
krc store_outbox_retry(store *s, const char *id, int64_t next_attempt, const char *reason,
		       struct kerr *err);
/* A permanent failure (a 4xx other than 408/429): kept, shown to staff,
 * retried only when staff ask (store_outbox_requeue). */
krc store_outbox_failed(store *s, const char *id, const char *reason, struct kerr *err);
/* Staff: put every permanently failed record back in the queue. */
krc store_outbox_requeue(store *s, int *n, struct kerr *err);
/* Delete patient data of delivered records older than retention seconds. */
krc store_purge(store *s, int64_t now, int64_t retention, struct kerr *err);

/* Small key/value settings the processes share (e.g. "sync.paused" with
 * the reason, "questionnaire.uploaded" with the content version).  A NULL
 * value deletes the key. */
krc store_meta_set(store *s, const char *key, const char *value, struct kerr *err);
/* *out is a copy owned by the caller (free), NULL if unset. */
krc store_meta_get(store *s, const char *key, char **out, struct kerr *err);
/* *yes: setting key is set and holds text (without copying it out: the
 * pending Questionnaire is ~100 KB). */
krc store_meta_contains(store *s, const char *key, const char *text, bool *yes, struct kerr *err);

/* ---- audit (both processes) ---- */

/* Append an audit entry chained to the previous one by hash.  actor is
 * "kiosk", "sync" or a staff name; detail must never hold patient data. */
krc store_audit(store *s, int64_t now, const char *actor, const char *action, const char *detail,
		struct kerr *err);
/* Recompute the chain; *bad_id receives the first entry that does not match
 * (0 if the chain is intact). */
krc store_audit_verify(store *s, int64_t *bad_id, struct kerr *err);

/* ---- status and staff views ---- */

struct store_status {
	int in_progress;
	int interrupted;
	int waiting;                 /* queued, not yet delivered */
	int failed;                  /* permanently failed */
	int delivered;
	int64_t oldest_waiting;      /* completion time of the oldest waiting, 0 if none */
	int64_t last_delivery;       /* 0 if never */
	char last_failure[256];      /* the newest permanent failure reason */
	char paused[256];            /* sync.paused reason, "" if running */
	int test_records;            /* made by kiosk simulate --record (HTEST) */
	int test_waiting;            /* of those, still queued for the server */
};
krc store_status_get(store *s, struct store_status *st, struct kerr *err);

/* One completed intake for staff's list of today's intakes. */
struct store_intake {
	char id[STORE_ID_LEN];
	int64_t completed;
	char *name;                  /* NULL once purged */
	char *dob;
	char *outcome;
	char *flags;
	char *flag_details;
	char *delivery;              /* "waiting", "delivered", "failed: reason"; a test
				      * record's starts "TEST " */
	bool test;                   /* made by kiosk simulate --record */
	char *lang;                  /* the patient's language code */
	struct store_session *answers; /* its answers (none once purged) */
};
/* Intakes completed at or after since, newest first. *out is an array of
 * *n items owned by the caller (store_intakes_free). */
krc store_intakes(store *s, int64_t since, struct store_intake **out, int *n, struct kerr *err);
void store_intakes_free(struct store_intake *v, int n);
/* The same, for the records the server refused for good (state failed)
 * only, however old: read through an index, not the years of receipts. */
krc store_intakes_failed(store *s, struct store_intake **out, int *n, struct kerr *err);

/* ---- staff accounts ---- */

struct store_staff {
	char *name;
	char *role;                  /* "staff" | "admin" */
	char *pin_hash;              /* crypto_pwhash_str output */
	int failures;                /* consecutive wrong PINs */
	int64_t locked_until;        /* 0 if not locked */
	int lockouts;                /* how many times it locked (doubles the lock) */
};
krc store_staff_put(store *s, const struct store_staff *st, struct kerr *err);    /* insert or replace */
krc store_staff_get(store *s, const char *name, struct store_staff **out, struct kerr *err); /* K_ENOTFOUND */
krc store_staff_remove(store *s, const char *name, struct kerr *err);
void store_staff_free(struct store_staff *st);

/* ---- sync state (kiosk-sync writes, staff and kiosk status read) ---- */

/* What kiosk-sync last did: no patient data, only times, a result class
 * and a PHI-free summary (HTTP status, OperationOutcome codes, transport
 * error). */
struct store_sync_state {
	int64_t last_attempt;        /* 0: kiosk-sync never tried */
	char result[16];             /* "delivered", "retry", "refused", "auth" */
	char detail[192];            /* e.g. "HTTP 503", "Connection refused" */
	int64_t failing_since;       /* first of the failed attempts in a row, 0 when not failing */
	int64_t next_try;            /* when the next request is planned, 0 if none */
};
/* Replace the one sync state row. */
krc store_sync_state_set(store *s, const struct store_sync_state *ss, struct kerr *err);
/* Read it; all zero (last_attempt 0) when kiosk-sync never wrote one. */
krc store_sync_state_get(store *s, struct store_sync_state *ss, struct kerr *err);
/* ---- integrity and file identity ---- */

/* SQLite's quick_check over the whole file (K_ESTORE, "database is corrupt
 * (...)" on damage).  It reads every page: call it at the kiosk's start and
 * from status checks, not on every open. */
krc store_check(store *s, struct kerr *err);
/* store_check, and its outcome kept in the database (setting
 * "integrity.checked": the time, then "ok" or what is damaged) when the
 * handle can write, for `kiosk status` to report without reading every
 * page itself.  The kiosk calls it at start, kiosk-sync once a day,
 * `kiosk status --check` on request.  Returns store_check's result. */
krc store_check_record(store *s, int64_t now, struct kerr *err);
/* Keep result ("ok" or the damage store_check reported) as the check made
 * at now: for a caller that had more urgent work between the two (the
 * kiosk recovers interrupted sessions first).  Best effort. */
void store_integrity_keep(store *s, int64_t now, const char *result);
/* The last kept check: *when 0 when there was none; result gets "ok" or
 * the damage found (no patient data: SQLite names pages and tables). */
krc store_integrity_last(store *s, int64_t *when, char *result, size_t n, struct kerr *err);
/* Is the file at the database's path still the one opened (same device and
 * inode)?  K_ESTORE when it was deleted, replaced, or its volume is gone:
 * writes would go to a file nobody will read again.  The completing and
 * starting verbs check it themselves; the kiosk also calls it between
 * patients.  Always K_OK for ":memory:". */
krc store_file_check(store *s, struct kerr *err);

/* ---- expiry of interrupted sessions ---- */

/* Delete interrupted sessions (and their answers) last changed more than
 * resume_window seconds before now: staff can no longer resume them
 * (kiosk.resume_minutes).  Sessions in progress are never touched.  The
 * kiosk calls it on a timer; *n_expired (may be NULL) gets how many. */
krc store_expire_interrupted(store *s, int64_t now, int64_t resume_window, int *n_expired,
			     struct kerr *err);
/* The kiosk could not go on with a session (the disk filled up, the
 * database failed) and dropped it from the screen: mark it interrupted, as
 * a crash would, so staff can resume it or it expires after
 * kiosk.resume_minutes.  A session not in progress is left as it is. */
krc store_session_interrupt(store *s, const char *session, struct kerr *err);
/* Make store_purge() expire interrupted sessions too (kiosk-sync's purge
 * pass, so they go even while the kiosk is not running).  0: it does not. */
void store_set_resume_window(store *s, int64_t seconds);

/* ---- backup ---- */

/* Write a consistent copy of the whole database to dest with SQLite's
 * online backup API, while the kiosk and kiosk-sync go on working.  The
 * copy is made 0600 in a temporary file beside dest, checked
 * (quick_check), and renamed over dest only when whole.  It holds patient
 * data: the caller audits it.  K_EIO / K_ESTORE with the reason. */
krc store_backup(store *s, const char *dest, struct kerr *err);

#endif
