/* staff: staff accounts, PIN hashing and the lockout policy.
 *
 * Every staff member has an own account (name, role, PIN); there is no
 * shared PIN.  A PIN is at least STAFF_PIN_MIN digits.  It is first keyed
 * with a secret pepper (BLAKE2b via crypto_generichash; the pepper lives in
 * its own 0600 file, kiosk.pepper_file, so a stolen database alone cannot be
 * brute-forced) and then hashed with Argon2id (crypto_pwhash_str_alg,
 * interactive limits).  A hash made with older limits is replaced on the
 * next good login.
 *
 * Lockout: STAFF_MAX_FAILURES wrong PINs in a row lock the name for
 * STAFF_LOCK_SECONDS, doubling with each further lock (capped at
 * STAFF_LOCK_MAX_SECONDS); a good login, a new PIN, or a day without a lock
 * clears both.  The state lives in
 * the store, so a restart does not reset it.  Names without an account are
 * treated exactly like a wrong PIN (same answer, same work, same lockout,
 * kept under a keyed hash of the name) so the login never tells which
 * names exist.  Every attempt is audited with the name, never the PIN.
 *
 * No curses here: ui_staff.c draws, cmd_staff.c prompts. */
#ifndef KIOSK_STAFF_H
#define KIOSK_STAFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "store.h"

#define STAFF_PIN_MIN 6
#define STAFF_PIN_MAX 16
/* What staff_pin_valid() accepts, said before a PIN is asked for. */
#define STAFF_PIN_RULE "a PIN has 6 to 16 digits, not one digit repeated (111111) and not a run (123456, 654321)"
#define STAFF_NAME_MAX 32
#define STAFF_MAX_FAILURES 5
#define STAFF_LOCK_SECONDS 300
#define STAFF_LOCK_MAX_SECONDS 86400
#define STAFF_PEPPER_LEN 32
#define STAFF_HASH_LEN 128 /* crypto_pwhash_STRBYTES */

typedef struct staff staff;

/* Open the accounts of store s (borrowed; must outlive the staff) with the
 * pepper in pepper_path.  A missing pepper file is created with random
 * bytes, mode 0600; an existing one must be exactly STAFF_PEPPER_LEN bytes
 * and not readable by group or others (K_EAUTH otherwise, naming the file).
 * *out is owned by the caller (staff_free), which wipes the pepper. */
krc staff_new(staff **out, store *s, const char *pepper_path, struct kerr *err);
void staff_free(staff *sf);

/* Policy checks: K_EINVAL with a message fit for the person typing.
 * A name is 1..STAFF_NAME_MAX of [a-z0-9._-] starting with a letter; a PIN
 * is STAFF_PIN_MIN..STAFF_PIN_MAX digits, not all one digit and not a
 * straight run such as 123456. */
krc staff_name_valid(const char *name, struct kerr *err);
krc staff_pin_valid(const char *pin, struct kerr *err);

/* Create an account (K_EINVAL if the name exists or role is not "staff" or
 * "admin").  actor is audited as the one who did it. */
krc staff_add(staff *sf, const char *name, const char *role, const char *pin, const char *actor,
	      int64_t now, struct kerr *err);
/* Set a new PIN (K_ENOTFOUND if no such account); clears any lock. */
krc staff_set_pin(staff *sf, const char *name, const char *pin, const char *actor, int64_t now,
		  struct kerr *err);
/* Delete an account (K_ENOTFOUND if none). */
krc staff_remove(staff *sf, const char *name, const char *actor, int64_t now, struct kerr *err);

/* The answer to one login attempt. */
struct staff_login {
	bool ok;
	bool admin;               /* ok and the account is an administrator */
	int64_t locked_until;     /* > now when the name is locked (then ok is false) */
	int tries_left;           /* wrong PINs left before a lock */
	bool rehashed;            /* the stored hash was upgraded */
};

/* Check name and PIN at now.  Returns K_OK with res->ok set on success and
 * K_EAUTH (message "wrong name or PIN" or "locked for N minutes") on a
 * wrong PIN, an unknown name or a locked name; other codes mean the store
 * failed.  Updates and persists the lockout state and audits the attempt. */
krc staff_login(staff *sf, const char *name, const char *pin, int64_t now, struct staff_login *res,
		struct kerr *err);

/* Argon2id hash of the peppered PIN with the given limits (pass 0, 0 for
 * the interactive limits the kiosk uses).  Exposed so tests and upgrades
 * can make a hash with other limits; out must hold STAFF_HASH_LEN. */
krc staff_hash_pin(const staff *sf, const char *pin, unsigned long long opslimit, size_t memlimit,
		   char out[STAFF_HASH_LEN], struct kerr *err);

/* ---- interrupted sessions staff may resume ---- */

#define STAFF_RESUME_MAX 9

/* One line of the resume list: when the session started and how far it
 * got (the question answered last), never an answer or a name. */
struct staff_resumable {
	char id[STORE_ID_LEN];
	char line[128];
};

/* Up to max (at most STAFF_RESUME_MAX) interrupted sessions of store s,
 * most recent first, into out; *n receives how many. */
krc staff_resumable(store *s, struct staff_resumable *out, int max, int *n, struct kerr *err);
/* ---- today's intakes, as staff see them ---- */

struct content;

/* One flag of an intake.  text is the staff message followed by what the
 * patient gave that the message does not say: a date the rule looked at
 * ("Acne pills: 2026-08-01"), or for a "not sure" the question and the
 * items it asked about. */
struct staff_flag {
	int severity;  /* CONTENT_SEV_DEFER or _REVIEW; -1 when the content in use lacks the code */
	char *code;
	char *text;
};

struct staff_intake {
	int64_t completed;
	char *name;             /* NULL once the record was sent and purged */
	char *dob;
	char *lang;             /* "es Español": the patient may need an interpreter */
	char *outcome;
	char *delivery;         /* "waiting", "delivered", "failed: reason" */
	struct staff_flag *flags; /* defer first, then review, then unknown; in raised order within */
	int n_flags;
};

/* Intakes completed at or after since, newest first, read from store st
 * and explained with content c (the version in use; may be NULL, then
 * flags keep their stored message and unknown severity).  Looking is
 * audited as actor at now (who and when, never what).  *out is owned by
 * the caller (staff_intakes_free, which wipes the patient data). */
krc staff_intakes(store *st, const struct content *c, int64_t since, const char *actor, int64_t now,
		  struct staff_intake **out, int *n, struct kerr *err);
void staff_intakes_free(struct staff_intake *v, int n);

/* Staff's "retry failed records": every permanently failed record goes
 * back in the queue, and a pause after refused credentials is lifted (the
 * running kiosk-sync resumes within a second, sync.h).  *n receives how
 * many records; audited as actor at now. */
krc staff_retry_failed(store *st, const char *actor, int64_t now, int *n, struct kerr *err);

#endif
