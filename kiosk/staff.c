/* staff: staff accounts, PIN hashes and lockout (see staff.h).
 *
 * Owns the pepper (read once, wiped on free) and the lockout arithmetic.
 * Accounts themselves are rows in the store.  Never logs or audits a PIN,
 * never tells a caller whether a name exists, and never draws anything. */
#include "staff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "content.h"

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
/* ---- today's intakes ---- */

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t nc = (b->len + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, nc);

		if (ns == NULL) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char *answer_of(const struct store_session *a, const char *qid)
{
	for (int i = 0; a && i < a->n; i++)
		if (strcmp(a->qids[i], qid) == 0)
			return a->values[i];
	return NULL;
}

/* Whether option id is among the comma-joined ids of a multi answer. */
static bool chosen(const char *answer, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = answer; p && *p;) {
		size_t l = strcspn(p, ",");

		if (l == n && strncmp(p, id, n) == 0)
			return true;
		p += l + (p[l] == ',');
	}
	return false;
}

/* What a "not sure" was about: the question, and for a choice the items
 * it asked about (the ones that would each be a flag) and any the patient
 * did choose besides "not sure". */
static void unsure_detail(struct sbuf *b, const struct content *c, const struct content_screen *s,
			  const char *answer)
{
	int items = 0, also = 0;

	sb_add(b, " - question: \"%s\"", content_str(c, &s->text, 0));
	for (int i = 0; i < s->n_options; i++) {
		const struct content_option *o = &s->options[i];

		if (o->unsure || o->exclusive)
			continue;
		sb_add(b, "%s%s", items++ ? "; " : " - items: ", content_str(c, &o->label, 0));
	}
	for (int i = 0; answer && i < s->n_options; i++) {
		const struct content_option *o = &s->options[i];

		if (!o->unsure && chosen(answer, o->id))
			sb_add(b, "%s%s", also++ ? "; " : " - also chose: ", content_str(c, &o->label, 0));
	}
}

/* The dates and numbers a flag's rule looked at, as the patient gave them. */
static void given_detail(struct sbuf *b, const struct content *c, int screen, const struct content_flag *f,
			 const struct store_session *a)
{
	int seen[16], n = 0;

	for (int k = -1; k < f->when.n; k++) {
		int q = k < 0 ? screen : f->when.c[k].q;
		const struct content_screen *s;
		const char *v;
		bool dup = false;

		if (q < 0 || q >= c->n_screens)
			continue;
		for (int j = 0; j < n; j++)
			dup = dup || seen[j] == q;
		s = &c->screens[q];
		if (dup || (s->kind != CONTENT_DATE && s->kind != CONTENT_NUMBER))
			continue;
		v = answer_of(a, s->id);
		if (v == NULL || n == (int)(sizeof seen / sizeof seen[0]))
			continue;
		seen[n++] = q;
		sb_add(b, "%s%s: %s", n == 1 ? " - patient gave: " : "; ", content_str(c, &s->title, 0), v);
	}
}

/* Severity, screen and rule of code in c (screen -1 when unknown). */
static int flag_lookup(const struct content *c, const char *code, int *screen, const struct content_flag **fl)
{
	*screen = -1;
	*fl = NULL;
	if (c == NULL)
		return -1;
	if (strncmp(code, "UNSURE-", 7) == 0) {
		*screen = content_find(c, code + 7);
		return *screen >= 0 ? CONTENT_SEV_REVIEW : -1;
	}
	for (int i = 0; i < c->n_screens; i++)
		for (int j = 0; j < c->screens[i].n_flags; j++)
			if (strcmp(c->screens[i].flags[j].code, code) == 0) {
				*screen = i;
				*fl = &c->screens[i].flags[j];
				return (int)fl[0]->severity;
			}
	return -1;
}

static krc intake_flags(struct staff_intake *out, const struct store_intake *in, const struct content *c,
			struct kerr *err)
{
	const char *codes = in->flags ? in->flags : "", *det = in->flag_details ? in->flag_details : "";
	int cap = 1;

	for (const char *p = codes; *p; p++)
		cap += *p == ',';
	out->flags = calloc((size_t)cap, sizeof *out->flags);
	if (out->flags == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	while (*codes) {
		size_t cl = strcspn(codes, ","), dl = strcspn(det, "\n");
		struct staff_flag *f = &out->flags[out->n_flags];
		const struct content_flag *rule;
		struct sbuf b = { 0 };
		int screen;

		f->code = strndup(codes, cl);
		if (f->code == NULL)
			return kerr_set(err, K_ENOMEM, "out of memory");
		out->n_flags++;
		/* The stored message may already name its code ("CODE: text"). */
		if (dl > cl && strncmp(det, codes, cl) == 0 && det[cl] == ':')
			sb_add(&b, "%.*s", (int)dl, det);
		else
			sb_add(&b, "%s: %.*s", f->code, (int)dl, det);
		f->severity = flag_lookup(c, f->code, &screen, &rule);
		if (screen >= 0 && rule == NULL)
			unsure_detail(&b, c, &c->screens[screen], answer_of(in->answers, c->screens[screen].id));
		else if (screen >= 0)
			given_detail(&b, c, screen, rule, in->answers);
		if (b.oom || b.s == NULL) {
			free(b.s);
			return kerr_set(err, K_ENOMEM, "out of memory");
		}
		f->text = b.s;
		codes += cl + (codes[cl] == ',');
		det += dl + (det[dl] == '\n');
	}
	/* Defer first: what must be said to the patient today comes before
	 * what a clinician will look at.  Insertion sort keeps raised order. */
	for (int i = 1; i < out->n_flags; i++) {
		struct staff_flag x = out->flags[i];
		int j = i;

		while (j > 0 && out->flags[j - 1].severity < x.severity) {
			out->flags[j] = out->flags[j - 1];
			j--;
		}
		out->flags[j] = x;
	}
	return K_OK;
}

static char *lang_text(const struct content *c, const char *code)
{
	char buf[128];

	for (int i = 0; c && i < c->n_langs; i++)
		if (strcmp(c->langs[i], code) == 0) {
			snprintf(buf, sizeof buf, "%s %s", code, c->lang_names[i] ? c->lang_names[i] : "");
			return strdup(buf);
		}
	return strdup(code);
}

krc staff_intakes(store *st, const struct content *c, int64_t since, const char *actor, int64_t now,
		  struct staff_intake **out, int *n, struct kerr *err)
{
	struct store_intake *v = NULL;
	struct staff_intake *r;
	int nv = 0;
	krc rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_intakes(st, since, &v, &nv, err)) != K_OK)
		return rc;
	/* Looking at patient data is itself audited (who, when, not what). */
	store_audit(st, now, actor, "staff viewed intakes", "today", NULL);
	r = calloc((size_t)nv + 1, sizeof *r);
	if (r == NULL) {
		store_intakes_free(v, nv);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	for (int i = 0; i < nv && rc == K_OK; i++) {
		r[i].completed = v[i].completed;
		/* Moved, not copied: one copy of the patient data to wipe. */
		r[i].name = v[i].name;
		r[i].dob = v[i].dob;
		r[i].outcome = v[i].outcome;
		r[i].delivery = v[i].delivery;
		v[i].name = v[i].dob = v[i].outcome = v[i].delivery = NULL;
		r[i].lang = lang_text(c, v[i].lang ? v[i].lang : "");
		if (r[i].outcome == NULL || r[i].delivery == NULL || r[i].lang == NULL)
			rc = kerr_set(err, K_ENOMEM, "out of memory");
		else
			rc = intake_flags(&r[i], &v[i], c, err);
	}
	*n = nv;
	for (int i = 0; i < nv; i++)
		for (int k = 0; v[i].answers && k < v[i].answers->n; k++)
			sodium_memzero(v[i].answers->values[k], strlen(v[i].answers->values[k]));
	store_intakes_free(v, nv);
	if (rc != K_OK) {
		staff_intakes_free(r, nv);
		*n = 0;
		return rc;
	}
	*out = r;
	return K_OK;
}

static void wipe_free(char *s)
{
	if (s)
		sodium_memzero(s, strlen(s));
	free(s);
}

void staff_intakes_free(struct staff_intake *v, int n)
{
	if (v == NULL)
		return;
	for (int i = 0; i < n; i++) {
		wipe_free(v[i].name);
		wipe_free(v[i].dob);
		free(v[i].lang);
		free(v[i].outcome);
		free(v[i].delivery);
		for (int k = 0; k < v[i].n_flags; k++) {
			free(v[i].flags[k].code);
			wipe_free(v[i].flags[k].text);
		}
		free(v[i].flags);
	}
	free(v);
}

krc staff_retry_failed(store *st, const char *actor, int64_t now, int *n, struct kerr *err)
{
	char detail[32];
	krc rc;

	*n = 0;
	if ((rc = store_outbox_requeue(st, n, err)) != K_OK ||
	    (rc = store_meta_set(st, "sync.paused", NULL, err)) != K_OK)
		return rc;
	snprintf(detail, sizeof detail, "%d record%s", *n, *n == 1 ? "" : "s");
	return store_audit(st, now, actor, "staff retry failed records", detail, err);
}
