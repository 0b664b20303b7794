/* staff: staff accounts, PIN hashes and lockout (see staff.h).
 *
 * Owns the pepper (read once, wiped on free) and the lockout arithmetic.
 * Accounts themselves are rows in the store.  Never logs or audits a PIN,
 * never tells a caller whether a name exists, and never draws anything. */
#include "staff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

struct staff {
	store *st;
	unsigned char pepper[STAFF_PEPPER_LEN];
};

/* Lockout state of one name, whether or not it has an account. */
struct lockstate {
	int failures;
	int lockouts;
	int64_t locked_until;
};

static krc pepper_create(const char *path, unsigned char *pep, struct kerr *err)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;
	krc rc = K_OK;

	/* The pepper usually sits beside the database in a 0700 folder that
	 * may not exist yet on a fresh install. */
	if (slash && slash != path && (size_t)(slash - path) < sizeof dir) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return kerr_set(err, K_EIO, "%s: cannot create folder: %s", dir, strerror(errno));
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? K_EBUSY
				       : kerr_set(err, K_EIO, "%s: cannot create: %s", path, strerror(errno));
	randombytes_buf(pep, STAFF_PEPPER_LEN);
	if (write(fd, pep, STAFF_PEPPER_LEN) != STAFF_PEPPER_LEN || fsync(fd) != 0) {
		rc = kerr_set(err, K_EIO, "%s: cannot write: %s", path, strerror(errno));
		unlink(path);
	}
	if (close(fd) != 0 && rc == K_OK)
		rc = kerr_set(err, K_EIO, "%s: cannot write: %s", path, strerror(errno));
	return rc;
}

static krc pepper_read(const char *path, unsigned char *pep, struct kerr *err)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	krc rc = K_OK;
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? K_ENOTFOUND
				       : kerr_set(err, K_EAUTH, "%s: cannot read the pepper: %s", path,
						  strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = kerr_set(err, K_EAUTH, "%s: the pepper is not a regular file", path);
		goto out;
	}
	if (sb.st_mode & 077) {
		rc = kerr_set(err, K_EAUTH, "%s: the pepper is readable by others (chmod 600 it)", path);
		goto out;
	}
	{
		/* One byte more than needed tells a longer file from the right one. */
		unsigned char buf[STAFF_PEPPER_LEN + 1];

		n = read(fd, buf, sizeof buf);
		if (n != STAFF_PEPPER_LEN)
			rc = kerr_set(err, K_EAUTH, "%s: the pepper must be exactly %d bytes", path,
				      STAFF_PEPPER_LEN);
		else
			memcpy(pep, buf, STAFF_PEPPER_LEN);
		sodium_memzero(buf, sizeof buf);
	}
out:
	close(fd);
	return rc;
}

krc staff_new(staff **out, store *s, const char *pepper_path, struct kerr *err)
{
	staff *sf;
	krc rc;

	*out = NULL;
	if (s == NULL || pepper_path == NULL || *pepper_path == '\0')
		return kerr_set(err, K_EINVAL, "no database or no pepper file configured");
	if (sodium_init() < 0)
		return kerr_set(err, K_EAUTH, "libsodium failed to initialise");
	sf = calloc(1, sizeof *sf);
	if (sf == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	sf->st = s;
	rc = pepper_read(pepper_path, sf->pepper, err);
	if (rc == K_ENOTFOUND) {
		rc = pepper_create(pepper_path, sf->pepper, err);
		if (rc == K_EBUSY) /* another process made it first */
			rc = pepper_read(pepper_path, sf->pepper, err);
	}
	if (rc != K_OK) {
		staff_free(sf);
		return rc;
	}
	*out = sf;
	return K_OK;
}

void staff_free(staff *sf)
{
	if (sf == NULL)
		return;
	sodium_memzero(sf->pepper, sizeof sf->pepper);
	free(sf);
}

krc staff_name_valid(const char *name, struct kerr *err)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > STAFF_NAME_MAX)
		return kerr_set(err, K_EINVAL, "a staff name has 1 to %d characters", STAFF_NAME_MAX);
	if (name[0] < 'a' || name[0] > 'z')
		return kerr_set(err, K_EINVAL, "a staff name starts with a lower-case letter");
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return kerr_set(err, K_EINVAL,
					"a staff name uses only a-z, 0-9, '.', '_' and '-'");
	}
	return K_OK;
}

krc staff_pin_valid(const char *pin, struct kerr *err)
{
	size_t n = pin ? strlen(pin) : 0;
	bool same = true, up = true, down = true;

	if (n < STAFF_PIN_MIN || n > STAFF_PIN_MAX)
		return kerr_set(err, K_EINVAL, "a PIN has %d to %d digits", STAFF_PIN_MIN, STAFF_PIN_MAX);
	for (size_t i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return kerr_set(err, K_EINVAL, "a PIN has digits only");
	for (size_t i = 1; i < n; i++) {
		same = same && pin[i] == pin[i - 1];
		up = up && pin[i] == (pin[i - 1] == '9' ? '0' : pin[i - 1] + 1);
		down = down && pin[i] == (pin[i - 1] == '0' ? '9' : pin[i - 1] - 1);
	}
	if (same || up || down)
		return kerr_set(err, K_EINVAL, "that PIN is too easy to guess (a repeated digit or a run)");
	return K_OK;
}

/* The pepper-keyed digest of the PIN: what Argon2id actually hashes. */
static void pin_digest(const staff *sf, const char *pin, unsigned char d[32])
{
	crypto_generichash(d, 32, (const unsigned char *)pin, strlen(pin), sf->pepper,
			   sizeof sf->pepper);
}

krc staff_hash_pin(const staff *sf, const char *pin, unsigned long long opslimit, size_t memlimit,
		   char out[STAFF_HASH_LEN], struct kerr *err)
{
	unsigned char d[32];
	int r;

	if (opslimit == 0)
		opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	if (memlimit == 0)
		memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	pin_digest(sf, pin, d);
	r = crypto_pwhash_str_alg(out, (const char *)d, sizeof d, opslimit, memlimit,
				  crypto_pwhash_ALG_ARGON2ID13);
	sodium_memzero(d, sizeof d);
	if (r != 0)
		return kerr_set(err, K_ENOMEM, "out of memory while hashing the PIN");
	return K_OK;
}

static bool pin_matches(const staff *sf, const char *hash, const char *pin)
{
	unsigned char d[32];
	int r;

	pin_digest(sf, pin, d);
	r = crypto_pwhash_str_verify(hash, (const char *)d, sizeof d);
	sodium_memzero(d, sizeof d);
	return r == 0;
}

static krc role_valid(const char *role, struct kerr *err)
{
	if (role == NULL || (strcmp(role, "staff") != 0 && strcmp(role, "admin") != 0))
		return kerr_set(err, K_EINVAL, "the role is 'staff' or 'admin'");
	return K_OK;
}

krc staff_add(staff *sf, const char *name, const char *role, const char *pin, const char *actor,
	      int64_t now, struct kerr *err)
{
	struct store_staff *old = NULL, acc = { 0 };
	struct kerr scratch = { "" };
	char hash[STAFF_HASH_LEN];
	krc rc;

	if ((rc = staff_name_valid(name, err)) != K_OK || (rc = role_valid(role, err)) != K_OK ||
	    (rc = staff_pin_valid(pin, err)) != K_OK)
		return rc;
	rc = store_staff_get(sf->st, name, &old, &scratch);
	if (rc == K_OK) {
		store_staff_free(old);
		return kerr_set(err, K_EINVAL, "staff account '%s' already exists", name);
	}
	if (rc != K_ENOTFOUND)
		return kerr_set(err, rc, "%s", scratch.msg);
	if ((rc = staff_hash_pin(sf, pin, 0, 0, hash, err)) != K_OK)
		return rc;
	acc.name = (char *)name;
	acc.role = (char *)role;
	acc.pin_hash = hash;
	rc = store_staff_put(sf->st, &acc, err);
	if (rc == K_OK) {
		char detail[96];

		snprintf(detail, sizeof detail, "account %s added (%s)", name, role);
		rc = store_audit(sf->st, now, actor, "staff account added", detail, err);
	}
	return rc;
}

krc staff_set_pin(staff *sf, const char *name, const char *pin, const char *actor, int64_t now,
		  struct kerr *err)
{
	struct store_staff *acc = NULL;
	struct kerr scratch = { "" };
	char hash[STAFF_HASH_LEN], *old;
	krc rc;

	if ((rc = staff_pin_valid(pin, err)) != K_OK)
		return rc;
	rc = store_staff_get(sf->st, name, &acc, &scratch);
	if (rc == K_ENOTFOUND)
		return kerr_set(err, rc, "no staff account '%s'", name);
	if (rc != K_OK)
		return kerr_set(err, rc, "%s", scratch.msg);
	if ((rc = staff_hash_pin(sf, pin, 0, 0, hash, err)) != K_OK)
		goto out;
	old = acc->pin_hash;
	acc->pin_hash = hash;
	acc->failures = 0;
	acc->lockouts = 0;
	acc->locked_until = 0;
	rc = store_staff_put(sf->st, acc, err);
	acc->pin_hash = old;
	if (rc == K_OK) {
		char detail[96];

		snprintf(detail, sizeof detail, "new PIN for %s", name);
		rc = store_audit(sf->st, now, actor, "staff PIN set", detail, err);
	}
out:
	store_staff_free(acc);
	return rc;
}

krc staff_remove(staff *sf, const char *name, const char *actor, int64_t now, struct kerr *err)
{
	struct store_staff *acc = NULL;
	struct kerr scratch = { "" };
	char detail[96];
	krc rc;

	rc = store_staff_get(sf->st, name, &acc, &scratch);
	if (rc == K_ENOTFOUND)
		return kerr_set(err, rc, "no staff account '%s'", name);
	if (rc != K_OK)
		return kerr_set(err, rc, "%s", scratch.msg);
	store_staff_free(acc);
	if ((rc = store_staff_remove(sf->st, name, err)) != K_OK)
		return rc;
	snprintf(detail, sizeof detail, "account %s removed", name);
	return store_audit(sf->st, now, actor, "staff account removed", detail, err);
}

/* Lockout state for a name without an account lives in the meta table
 * under a pepper-keyed hash of the name, so guessing names locks just like
 * guessing PINs, and the database does not collect typed names. */
static void unknown_key(const staff *sf, const char *name, char key[64])
{
	unsigned char h[16];
	char hex[33];

	crypto_generichash(h, sizeof h, (const unsigned char *)name, strlen(name), sf->pepper,
			   sizeof sf->pepper);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	snprintf(key, 64, "staff.unknown.%s", hex);
}

static krc unknown_load(staff *sf, const char *key, struct lockstate *ls, struct kerr *err)
{
	char *v = NULL;
	long long until = 0;
	krc rc;

	memset(ls, 0, sizeof *ls);
	rc = store_meta_get(sf->st, key, &v, err);
	if (rc != K_OK)
		return rc;
	if (v && sscanf(v, "%d %d %lld", &ls->failures, &ls->lockouts, &until) == 3)
		ls->locked_until = (int64_t)until;
	free(v);
	return K_OK;
}

static krc unknown_save(staff *sf, const char *key, const struct lockstate *ls, struct kerr *err)
{
	char v[64];

	snprintf(v, sizeof v, "%d %d %lld", ls->failures, ls->lockouts, (long long)ls->locked_until);
	return store_meta_set(sf->st, key, v, err);
}

/* One wrong PIN: count it, and lock on the last allowed one. */
static void lock_wrong(struct lockstate *ls, int64_t now)
{
	int64_t secs = STAFF_LOCK_SECONDS;

	/* A lock that ended more than the longest lock ago is history: the
	 * doubling starts again, so an old burst of wrong tries (or someone
	 * at the kiosk poking at a staff name now and then) cannot keep an
	 * account locked for a day.  `kiosk staff pin NAME` unlocks at once. */
	if (ls->locked_until && now - ls->locked_until > STAFF_LOCK_MAX_SECONDS) {
		ls->lockouts = 0;
		ls->locked_until = 0;
	}
	if (++ls->failures < STAFF_MAX_FAILURES)
		return;
	ls->failures = 0;
	ls->lockouts++;
	for (int i = 1; i < ls->lockouts && secs < STAFF_LOCK_MAX_SECONDS; i++)
		secs *= 2;
	if (secs > STAFF_LOCK_MAX_SECONDS)
		secs = STAFF_LOCK_MAX_SECONDS;
	ls->locked_until = now + secs;
}

static krc refuse(const struct lockstate *ls, int64_t now, struct staff_login *res,
		  struct kerr *err)
{
	if (ls->locked_until > now) {
		int64_t min = (ls->locked_until - now + 59) / 60;

		res->locked_until = ls->locked_until;
		return kerr_set(err, K_EAUTH, "too many wrong tries: locked for %lld minute%s",
				(long long)min, min == 1 ? "" : "s");
	}
	res->tries_left = STAFF_MAX_FAILURES - ls->failures;
	return kerr_set(err, K_EAUTH, "wrong name or PIN");
}

krc staff_login(staff *sf, const char *name, const char *pin, int64_t now, struct staff_login *res,
		struct kerr *err)
{
	struct store_staff *acc = NULL;
	struct kerr scratch = { "" };
	struct lockstate ls = { 0 };
	char key[64], hash[STAFF_HASH_LEN];
	const char *who;
	bool known, good = false;
	krc rc;

	memset(res, 0, sizeof *res);
	/* A name that could never be an account may be anything a patient
	 * typed: audit a placeholder instead of the text. */
	who = staff_name_valid(name, NULL) == K_OK ? name : "(not a staff name)";
	rc = store_staff_get(sf->st, who, &acc, &scratch);
	if (rc != K_OK && rc != K_ENOTFOUND)
		return kerr_set(err, rc, "%s", scratch.msg);
	known = rc == K_OK;
	if (known) {
		ls.failures = acc->failures;
		ls.lockouts = acc->lockouts;
		ls.locked_until = acc->locked_until;
	} else {
		unknown_key(sf, who, key);
		if ((rc = unknown_load(sf, key, &ls, err)) != K_OK)
			goto out;
	}

	/* Whatever was typed for a name that is no account stays out of the
	 * audit log, which is kept for good: a patient may type their own. */
	if (!known)
		who = "(unknown name)";
	if (ls.locked_until > now) {
		rc = store_audit(sf->st, now, who, "staff login refused", "account locked", err);
		if (rc == K_OK)
			rc = refuse(&ls, now, res, err);
		goto out;
	}

	if (known && pin) {
		good = pin_matches(sf, acc->pin_hash, pin);
	} else {
		/* Spend the same Argon2id work as a real check so the time
		 * taken does not tell unknown names from known ones. */
		if ((rc = staff_hash_pin(sf, pin ? pin : "", 0, 0, hash, err)) != K_OK)
			goto out;
	}

	if (good) {
		ls = (struct lockstate){ 0 };
		res->ok = true;
		res->admin = strcmp(acc->role, "admin") == 0;
		if (crypto_pwhash_str_needs_rehash(acc->pin_hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
						   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
			if ((rc = staff_hash_pin(sf, pin, 0, 0, hash, err)) != K_OK)
				goto out;
			free(acc->pin_hash);
			acc->pin_hash = strdup(hash);
			if (acc->pin_hash == NULL) {
				rc = kerr_set(err, K_ENOMEM, "out of memory");
				goto out;
			}
			res->rehashed = true;
		}
	} else {
		lock_wrong(&ls, now);
	}

	if (known) {
		acc->failures = ls.failures;
		acc->lockouts = ls.lockouts;
		acc->locked_until = ls.locked_until;
		rc = store_staff_put(sf->st, acc, err);
	} else {
		rc = unknown_save(sf, key, &ls, err);
	}
	if (rc != K_OK)
		goto out;

	if (good) {
		rc = store_audit(sf->st, now, who, "staff login",
				 res->rehashed ? "ok (PIN hash upgraded)" : "ok", err);
	} else {
		char detail[96];

		snprintf(detail, sizeof detail, "%s%s", known ? "wrong PIN" : "no such account",
			 ls.locked_until > now ? "; locked" : "");
		rc = store_audit(sf->st, now, who, "staff login refused", detail, err);
		if (rc == K_OK)
			rc = refuse(&ls, now, res, err);
	}
out:
	sodium_memzero(hash, sizeof hash);
	store_staff_free(acc);
	return rc;
}

krc staff_resumable(store *s, struct staff_resumable *out, int max, int *n, struct kerr *err)
{
	struct store_interrupted it[STAFF_RESUME_MAX];
	krc rc;

	*n = 0;
	if (max > STAFF_RESUME_MAX)
		max = STAFF_RESUME_MAX;
	rc = store_interrupted(s, it, max, n, err);
	if (rc != K_OK)
		return rc;
	for (int i = 0; i < *n; i++) {
		time_t t = (time_t)it[i].started;
		struct tm tm;
		char when[32] = "?";

		if (localtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
		snprintf(out[i].id, sizeof out[i].id, "%s", it[i].id);
		snprintf(out[i].line, sizeof out[i].line, "started %s, %d answer%s, last answered: %.40s", when,
			 it[i].answers, it[i].answers == 1 ? "" : "s",
			 it[i].last_qid[0] ? it[i].last_qid : "(first question)");
	}
	return K_OK;
}
