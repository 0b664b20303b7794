/* publish: `kiosk publish`, content versions on disk (see publish.h).
 *
 * Owns the layout of kiosk.published and the only writes to it.  Never
 * makes a version current that has not passed the checker, never leaves a
 * half-copied version where the kiosk could load it, and never deletes an
 * earlier version (rollback needs them). */
#include "publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cmd.h"
#include "content.h"
#include "store.h"

#define HEX_LEN 12 /* version folder name: the first 12 hex digits */

/* ---- small file helpers ---- */

/* snprintf into a PATH_MAX buffer.  Paths are bounded up front (see
 * publish_content), so truncation here would be a bug; it still yields a
 * path that fails to open rather than a wrong one. */
static void pathf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pathf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= PATH_MAX)
		buf[0] = '\0';
}

static krc mkdir_p(const char *path, mode_t mode, struct kerr *err)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return kerr_set(err, K_EINVAL, "%s: path too long", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return kerr_set(err, K_EIO, "%s: cannot create folder: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return kerr_set(err, K_EIO, "%s: cannot create folder: %s", buf, strerror(errno));
	return K_OK;
}

static krc fsync_path(const char *path, struct kerr *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	krc rc = K_OK;

	if (fd < 0)
		return kerr_set(err, K_EIO, "%s: %s", path, strerror(errno));
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = kerr_set(err, K_EIO, "%s: fsync: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* The modes of kiosk.published (deploy/DEPLOY.md): the content is public
 * wording, readable by the kiosk and written only by publish. */
#define PUB_FILE_MODE 0644
#define PUB_DIR_MODE 0755

/* Copy one regular file, never through a symbolic link, with the store's
 * mode whatever the source's. */
static krc copy_file(const char *from, const char *to, struct kerr *err)
{
	char buf[65536];
	int in = -1, out = -1;
	struct stat sb;
	ssize_t r;
	krc rc = K_OK;

	in = open(from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return kerr_set(err, K_EIO, "%s: %s", from,
				errno == ELOOP ? "is a symbolic link; publish copies only regular files"
					       : strerror(errno));
	if (fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = kerr_set(err, K_EIO, "%s: not a regular file; publish copies only regular files", from);
		goto out;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PUB_FILE_MODE);
	if (out < 0) {
		rc = kerr_set(err, K_EIO, "%s: cannot create: %s", to, strerror(errno));
		goto out;
	}
	if (fchmod(out, PUB_FILE_MODE) != 0) {
		rc = kerr_set(err, K_EIO, "%s: chmod: %s", to, strerror(errno));
		goto out;
	}
	while ((r = read(in, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = kerr_set(err, K_EIO, "%s: cannot read: %s", from, strerror(errno));
			goto out;
		}
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = kerr_set(err, K_EIO, "%s: cannot write: %s", to, strerror(errno));
				goto out;
			}
			off += w;
		}
	}
	if (fsync(out) != 0)
		rc = kerr_set(err, K_EIO, "%s: fsync: %s", to, strerror(errno));
out:
	if (out >= 0 && close(out) != 0 && rc == K_OK)
		rc = kerr_set(err, K_EIO, "%s: cannot write: %s", to, strerror(errno));
	close(in);
	return rc;
}

/* Refuse a folder on the way from base to base/rel that is a symbolic
 * link (base itself is the administrator's choice). */
static krc no_link(const char *base, const char *rel, struct kerr *err)
{
	char p[PATH_MAX];
	size_t start;
	struct stat sb;

	pathf(p, "%s/%s", base, rel);
	start = strlen(base) + 1;
	for (size_t i = start; p[0] && p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode))
			return kerr_set(err, K_EIO, "%s: is a symbolic link; publish copies only regular files", p);
		p[i] = '/';
	}
	return K_OK;
}

/* Copy exactly the files the loader read (content.files) from the checked
 * folder src into the new version folder tmp: src's own files into
 * tmp/screens, a sibling assets folder (`assets: ../NAME`) into tmp/NAME so
 * the same relative path works; an absolute assets path is left as it is.
 * Nothing the kiosk does not read is copied (notes, editor backups, a
 * link to a secret), so the version hash covers everything published;
 * verify_copy() then proves it. */
static krc copy_files(const struct content *c, const char *src, const char *tmp, struct kerr *err)
{
	size_t ls = strlen(src);
	char to[PATH_MAX], dir[PATH_MAX];
	krc rc = K_OK;

	while (ls > 1 && src[ls - 1] == '/')
		ls--;
	pathf(dir, "%s/screens", tmp);
	if (mkdir(dir, PUB_DIR_MODE) != 0)
		return kerr_set(err, K_EIO, "%s: cannot create folder: %s", dir, strerror(errno));
	for (int i = 0; rc == K_OK && i < c->n_files; i++) {
		const char *f = c->files[i], *rel, *slash;
		bool seen = false;

		for (int j = 0; j < i; j++)
			seen = seen || !strcmp(c->files[j], f);
		if (seen || strncmp(f, src, ls) != 0 || f[ls] != '/')
			continue; /* copied already, or an absolute assets folder */
		rel = f + ls;
		while (*rel == '/')
			rel++;
		if ((rc = no_link(src, rel, err)) != K_OK)
			break;
		if (strncmp(rel, "../", 3) == 0) {
			const char *name = rel + 3;

			slash = strchr(name, '/');
			if (slash == NULL || strchr(slash + 1, '/') || slash - name < 1 ||
			    !strncmp(name, "../", 3) || !strncmp(name, "./", 2) ||
			    (slash - name == 7 && !strncmp(name, "screens", 7))) {
				rc = kerr_set(err, K_EINVAL,
					      "%s: assets must be in a folder beside the content folder "
					      "(assets: ../NAME) or inside it",
					      f);
				break;
			}
			pathf(to, "%s/%s", tmp, name);
		} else {
			pathf(to, "%s/screens/%s", tmp, rel);
		}
		if (to[0] == '\0') {
			rc = kerr_set(err, K_EINVAL, "path too long to publish (shorten the folder names): %s", f);
			break;
		}
		snprintf(dir, sizeof dir, "%s", to);
		slash = strrchr(dir, '/');
		dir[slash - dir] = '\0';
		if ((rc = mkdir_p(dir, PUB_DIR_MODE, err)) != K_OK)
			break;
		if ((rc = copy_file(f, to, err)) != K_OK)
			break;
		rc = fsync_path(dir, err);
	}
	return rc;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- checking ---- */

/* The checker's "today" is the kiosk's local date, as for `kiosk check`. */
static struct kdate local_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return (struct kdate){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* Load and check dir as `kiosk check` does (with cfg's larger-text grid
 * when cfg is not NULL).  On success *out is the loaded content (caller
 * frees). */
static krc validate(const char *dir, const config *cfg, FILE *diag, struct content **out, struct kerr *err)
{
	int gc, gl;
	struct content *c = NULL;
	struct content_diags d = { 0 };
	struct kerr lerr = { "" };
	krc rc;

	*out = NULL;
	rc = content_load_all(&c, dir, &d, &lerr);
	if (c) {
		krc crc = check_content(c, local_today(), &d);

		if (rc == K_OK)
			rc = crc;
		if (rc == K_OK && cfg && config_grid(cfg, "display.large_grid", &gc, &gl))
			check_grid(c, gc, gl, &d);
	}
	if (diag)
		check_print(&d, dir, diag);
	if (rc == K_OK && d.errors > 0)
		rc = K_ECONTENT;
	if (rc == K_ECONTENT)
		kerr_set(err, rc, "%s: %d error%s; nothing was published", dir, d.errors,
			 d.errors == 1 ? "" : "s");
	else if (rc != K_OK)
		kerr_set(err, rc, "%s", lerr.msg);
	content_diags_free(&d);
	if (rc != K_OK)
		content_free(c);
	else
		*out = c;
	return rc;
}

/* Reload a copied version and make sure it is byte for byte what was
 * checked (same content version). */
static krc verify_copy(const char *screens, const char *want, struct kerr *err)
{
	struct content *got = NULL;
	krc rc = validate(screens, NULL, NULL, &got, err);

	if (rc == K_OK && strcmp(got->version, want) != 0)
		rc = kerr_set(err, K_ECONTENT,
			      "%s: the copy differs from the checked content (was it edited while "
			      "publishing?)",
			      screens);
	content_free(got);
	return rc;
}

/* ---- versions, current, history ---- */

static krc current_hex(const char *pub, char hex[HEX_LEN + 1], struct kerr *err)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	hex[0] = '\0';
	pathf(link, "%s/current", pub);
	n = readlink(link, target, sizeof target - 1);
	if (n < 0)
		return errno == ENOENT ? K_ENOTFOUND
				       : kerr_set(err, K_EIO, "%s: %s", link, strerror(errno));
	target[n] = '\0';
	if (strncmp(target, "versions/", 9) != 0 || strlen(target + 9) != HEX_LEN ||
	    strspn(target + 9, "0123456789abcdef") != HEX_LEN)
		return kerr_set(err, K_EIO, "%s: points to '%s', not to a published version", link,
				target);
	memcpy(hex, target + 9, HEX_LEN + 1);
	return K_OK;
}

static krc switch_current(const char *pub, const char *hex, struct kerr *err)
{
	char tmp[PATH_MAX], link[PATH_MAX], target[64];

	snprintf(target, sizeof target, "versions/%s", hex);
	pathf(tmp, "%s/.current.%ld", pub, (long)getpid());
	pathf(link, "%s/current", pub);
	unlink(tmp);
	if (symlink(target, tmp) != 0)
		return kerr_set(err, K_EIO, "%s: cannot create symlink: %s", tmp, strerror(errno));
	if (rename(tmp, link) != 0) {
		krc rc = kerr_set(err, K_EIO, "%s: cannot switch: %s", link, strerror(errno));

		unlink(tmp);
		return rc;
	}
	return fsync_path(pub, err);
}

static krc history_add(const char *pub, int64_t now, const char *what, const char *version,
		       const char *actor, struct kerr *err)
{
	char path[PATH_MAX], line[512];
	int fd, len;
	krc rc = K_OK;

	pathf(path, "%s/history", pub);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return kerr_set(err, K_EIO, "%s: %s", path, strerror(errno));
	{
		/* A date an administrator reads without converting it: local
		 * time with its offset (an older history has epoch seconds). */
		time_t tt = (time_t)now;
		struct tm tm;
		char when[40];

		if (localtime_r(&tt, &tm) == NULL || strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
			snprintf(when, sizeof when, "%lld", (long long)now);
		len = snprintf(line, sizeof line, "%s %s %.*s %s %s\n", when, what, HEX_LEN, version + 7,
			       version, actor);
	}
	if (len >= (int)sizeof line || write(fd, line, (size_t)len) != len || fsync(fd) != 0)
		rc = kerr_set(err, K_EIO, "%s: cannot write: %s", path, strerror(errno));
	close(fd);
	return rc;
}

/* Replay the history into the stack of versions made current: a publish
 * pushes, a rollback pops.  *prev receives the full version below the top
 * ("" if none); returns the stack depth. */
static int history_prev(const char *pub, char prev[PUBLISH_VERSION_LEN])
{
	char path[PATH_MAX], line[512], (*stack)[PUBLISH_VERSION_LEN] = NULL;
	int depth = 0, cap = 0;
	FILE *f;

	prev[0] = '\0';
	pathf(path, "%s/history", pub);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char when[40], what[16], hex[32], ver[PUBLISH_VERSION_LEN];

		if (sscanf(line, "%39s %15s %31s %79s", when, what, hex, ver) != 4)
			continue;
		if (!strcmp(what, "rollback")) {
			if (depth > 0)
				depth--;
			continue;
		}
		if (strcmp(what, "publish") != 0)
			continue;
		if (depth == cap) {
			int nc = cap ? cap * 2 : 16;
			char(*ns)[PUBLISH_VERSION_LEN] = realloc(stack, (size_t)nc * sizeof *ns);

			if (ns == NULL)
				break;
			stack = ns;
			cap = nc;
		}
		snprintf(stack[depth++], PUBLISH_VERSION_LEN, "%s", ver);
	}
	fclose(f);
	if (depth >= 2)
		snprintf(prev, PUBLISH_VERSION_LEN, "%s", stack[depth - 2]);
	free(stack);
	return depth;
}

static krc audit(const config *cfg, int64_t now, const char *actor, const char *action,
		 const char *version, struct kerr *err)
{
	char db[PATH_MAX];
	store *st = NULL;
	krc rc;

	config_path(cfg, "kiosk.database", db, sizeof db);
	rc = store_open(&st, db, err);
	if (rc == K_OK)
		rc = store_audit(st, now, actor, action, version, err);
	store_close(st);
	return rc;
}

/* kiosk.content, the folder the kiosk runs before anything is published. */
static const char *kiosk_content(const config *cfg, char buf[PATH_MAX])
{
	return config_path(cfg, "kiosk.content", buf, PATH_MAX);
}

/* Whether a and b name the same folder. */
static bool same_folder(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* ---- the API ---- */

krc publish_current(const config *cfg, char *dir, size_t n, struct kerr *err)
{
	char pub[PATH_MAX], hex[HEX_LEN + 1];
	krc rc;

	config_path(cfg, "kiosk.published", pub, sizeof pub);
	rc = current_hex(pub, hex, err);
	if (rc == K_ENOTFOUND) {
		config_path(cfg, "kiosk.content", dir, n);
		return K_OK;
	}
	if (rc != K_OK)
		return rc;
	if (snprintf(dir, n, "%s/versions/%s/screens", pub, hex) >= (int)n)
		return kerr_set(err, K_EINVAL, "published content path too long");
	return K_OK;
}

krc publish_content(const config *cfg, const char *src, const char *actor, int64_t now, FILE *diag,
		    char version[PUBLISH_VERSION_LEN], struct kerr *err)
{
	char pub[PATH_MAX], vdir[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX];
	char hex[HEX_LEN + 1], cur[HEX_LEN + 1] = "", before[PATH_MAX], prev[PUBLISH_VERSION_LEN];
	struct content *c = NULL;
	const char *ver;
	struct stat sb;
	bool made_tmp = false;
	krc rc;

	version[0] = '\0';
	config_path(cfg, "kiosk.published", pub, sizeof pub);
	if (strlen(pub) > PATH_MAX / 2 || strlen(src) > PATH_MAX / 2)
		return kerr_set(err, K_EINVAL, "path too long");
	if ((rc = validate(src, cfg, diag, &c, err)) != K_OK)
		return rc;
	ver = c->version;
	snprintf(version, PUBLISH_VERSION_LEN, "%s", ver);
	snprintf(hex, sizeof hex, "%.*s", HEX_LEN, ver + 7);
	if ((rc = mkdir_p(pub, 0755, err)) != K_OK)
		goto out;
	rc = current_hex(pub, cur, err);
	if (rc != K_OK && rc != K_ENOTFOUND)
		goto out;
	if (rc == K_ENOTFOUND && history_prev(pub, prev) == 0 && !same_folder(src, kiosk_content(cfg, before))) {
		/* The first publish: kiosk.content is what ran until now.
		 * Publish it first, so that --rollback returns to it.  When it
		 * is not valid (it could not have run), there is nothing to
		 * return to. */
		char v0[PUBLISH_VERSION_LEN];
		struct kerr e0 = { "" };

		if (publish_content(cfg, before, actor, now, NULL, v0, &e0) == K_OK)
			current_hex(pub, cur, err);
	}
	rc = K_OK;
	if (strcmp(cur, hex) == 0)
		goto out; /* already in use */

	pathf(vdir, "%s/versions/%s", pub, hex);
	pathf(path, "%s/versions", pub);
	if ((rc = mkdir_p(path, 0755, err)) != K_OK)
		goto out;
	if (stat(vdir, &sb) != 0) {
		/* Build the version beside its final place, then rename: the
		 * folder appears whole or not at all. */
		pathf(tmp, "%s/versions/.tmp-%s-%ld", pub, hex, (long)getpid());
		rm_tree(tmp);
		if (mkdir(tmp, 0755) != 0) {
			rc = kerr_set(err, K_EIO, "%s: cannot create folder: %s", tmp, strerror(errno));
			goto out;
		}
		made_tmp = true;
		if ((rc = copy_files(c, src, tmp, err)) != K_OK)
			goto out;
		if ((rc = fsync_path(tmp, err)) != K_OK)
			goto out;
		pathf(path, "%s/screens", tmp);
		if ((rc = verify_copy(path, ver, err)) != K_OK)
			goto out;
		if (rename(tmp, vdir) != 0) {
			rc = kerr_set(err, K_EIO, "%s: cannot rename into place: %s", vdir,
				      strerror(errno));
			goto out;
		}
		made_tmp = false;
		pathf(path, "%s/versions", pub);
		if ((rc = fsync_path(path, err)) != K_OK)
			goto out;
	} else {
		/* Published before (a rollback target, or a re-publish). */
		pathf(path, "%s/screens", vdir);
		if ((rc = verify_copy(path, ver, err)) != K_OK)
			goto out;
	}

	/* Audit before switching: nothing goes live unrecorded. */
	if ((rc = audit(cfg, now, actor, "content published", ver, err)) != K_OK)
		goto out;
	/* The history records what went live, so it follows the switch: a
	 * failed switch must not leave a line that a rollback would trust. */
	if ((rc = switch_current(pub, hex, err)) != K_OK)
		goto out;
	rc = history_add(pub, now, "publish", ver, actor, err);
out:
	if (made_tmp)
		rm_tree(tmp);
	content_free(c);
	return rc;
}

krc publish_rollback(const config *cfg, const char *actor, int64_t now,
		     char version[PUBLISH_VERSION_LEN], struct kerr *err)
{
	char pub[PATH_MAX], prev[PUBLISH_VERSION_LEN], hex[HEX_LEN + 1], screens[PATH_MAX];
	krc rc;

	version[0] = '\0';
	config_path(cfg, "kiosk.published", pub, sizeof pub);
	if (strlen(pub) > PATH_MAX / 2)
		return kerr_set(err, K_EINVAL, "path too long");
	if (history_prev(pub, prev) < 2)
		return kerr_set(err, K_ENOTFOUND, "%s: no earlier published version to return to",
				pub);
	snprintf(hex, sizeof hex, "%.*s", HEX_LEN, prev + 7);
	pathf(screens, "%s/versions/%s/screens", pub, hex);
	if ((rc = verify_copy(screens, prev, err)) != K_OK)
		return rc;
	if ((rc = audit(cfg, now, actor, "content rolled back", prev, err)) != K_OK)
		return rc;
	if ((rc = switch_current(pub, hex, err)) != K_OK)
		return rc;
	if ((rc = history_add(pub, now, "rollback", prev, actor, err)) != K_OK)
		return rc;
	snprintf(version, PUBLISH_VERSION_LEN, "%s", prev);
	return K_OK;
}

/* ---- kiosk publish ---- */

static int publish_usage(void)
{
	fprintf(stderr, "usage: kiosk publish [--config FILE] DIR\n"
			"       kiosk publish [--config FILE] --rollback\n");
	return 2;
}

int cmd_publish(int argc, char **argv)
{
	const char *cpath = cmd_config_path(&argc, argv);
	const struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");
	char actor[96], version[PUBLISH_VERSION_LEN], before[PATH_MAX], after[PATH_MAX];
	struct kerr err = { "" };
	config *cfg = NULL;
	bool rollback;
	int status = 2;
	krc rc;

	if (argc != 2)
		return publish_usage();
	rollback = strcmp(argv[1], "--rollback") == 0;
	if (!rollback && argv[1][0] == '-')
		return publish_usage();
	if (config_load(&cfg, cpath, stderr, &err) != K_OK) {
		fprintf(stderr, "kiosk publish: %s\n", err.msg);
		return 2;
	}
	snprintf(actor, sizeof actor, "shell:%s", sudo && *sudo ? sudo : pw ? pw->pw_name : "unknown");
	if (publish_current(cfg, before, sizeof before, &err) != K_OK)
		before[0] = '\0';
	kerr_clear(&err);
	if (rollback)
		rc = publish_rollback(cfg, actor, (int64_t)time(NULL), version, &err);
	else
		rc = publish_content(cfg, argv[1], actor, (int64_t)time(NULL), stderr, version, &err);
	if (rc == K_OK) {
		if (publish_current(cfg, after, sizeof after, &err) != K_OK)
			after[0] = '\0';
		if (strcmp(before, after) == 0 && !rollback)
			printf("%s is already in use; nothing changed\n", version);
		else
			printf("%s %s (%s); the kiosk switches to it before the next patient\n",
			       rollback ? "rolled back to" : "published", version, after);
		status = 0;
	} else {
		fprintf(stderr, "kiosk publish: %s\n", err.msg);
		status = rc == K_ECONTENT || rc == K_ENOTFOUND ? 1 : 2;
	}
	config_free(cfg);
	return status;
}
