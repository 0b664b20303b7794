/* cmd_status: `kiosk status [--json] [--verify-audit] [--config FILE]`,
 * what an administrator asks first: are records reaching the clinic's
 * server, is anything stuck, is sync paused, is the audit log whole.
 *
 * It reports the last check of every page (SQLite's quick_check, which
 * the kiosk runs at start, kiosk-sync once a day and `--check` now) and
 * exits 1 when that found damage: reading every page itself would make
 * status slower with every year of receipts (1.3 s after five years).
 * It prints counts, ages, record ids, the sync state (sync_status.h)
 * and the refusal reasons kiosk-sync kept (status and OperationOutcome
 * codes, never the server's free text), never patient data.  It never
 * creates the database (run as another user it
 * would leave a file the kiosk cannot write) and changes no record in it.
 * It warns when the database does not lie on an encrypted volume, because
 * a kiosk box can be carried out of the lobby. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "json.h"
#include "ktext.h"
#include "store.h"
#include "sync_status.h"

enum crypt_state { CRYPT_UNKNOWN = -1, CRYPT_NO = 0, CRYPT_YES = 1 };

static int usage(void)
{
	fprintf(stderr, "usage: kiosk status [--json] [--verify-audit] [--check] [--config FILE]\n");
	return 2;
}

/* Whether the block device at sysfs folder dir (/sys/dev/block/M:m) is a
 * dm-crypt mapping or sits on one (LVM on LUKS): its dm/uuid starts with
 * CRYPT-, or one of its slaves does. */
static bool sys_is_crypt(const char *dir, int depth)
{
	char p[PATH_MAX], uuid[128] = "";
	FILE *f;
	DIR *d;
	const struct dirent *de;
	bool yes = false;

	if (depth > 8)
		return false;
	snprintf(p, sizeof p, "%s/dm/uuid", dir);
	if ((f = fopen(p, "r")) != NULL) {
		if (fgets(uuid, sizeof uuid, f) == NULL)
			uuid[0] = '\0';
		fclose(f);
		if (strncmp(uuid, "CRYPT-", 6) == 0)
			return true;
	}
	snprintf(p, sizeof p, "%s/slaves", dir);
	if ((d = opendir(p)) == NULL)
		return false;
	while (!yes && (de = readdir(d)) != NULL) {
		char sub[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof sub, "%s/slaves/%s", dir, de->d_name) >= (int)sizeof sub)
			continue;
		yes = sys_is_crypt(sub, depth + 1);
	}
	closedir(d);
	return yes;
}

/* Check the block device dev (major:minor); CRYPT_UNKNOWN when it is not
 * a block device the kernel lists (overlay, tmpfs, btrfs subvolume...). */
static enum crypt_state dev_crypt(dev_t dev)
{
	char dir[64];
	struct stat sb;

	snprintf(dir, sizeof dir, "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (stat(dir, &sb) != 0)
		return CRYPT_UNKNOWN;
	return sys_is_crypt(dir, 0) ? CRYPT_YES : CRYPT_NO;
}

/* `findmnt -no SOURCE -T path` into buf, run without a shell. */
static bool findmnt_source(const char *path, char *buf, size_t n)
{
	int fd[2], status = 0;
	ssize_t got;
	size_t len = 0;
	pid_t pid;

	buf[0] = '\0';
	if (pipe(fd) != 0)
		return false;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return false;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fd[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		execlp("findmnt", "findmnt", "-no", "SOURCE", "-T", path, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (len + 1 < n && (got = read(fd[0], buf + len, n - 1 - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[strcspn(buf, "\n[")] = '\0'; /* "/dev/sda2[/@home]" on btrfs */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && buf[0] != '\0';
}

/* Whether the file at path is on an encrypted volume.  source receives
 * what it lies on (a device or a file system name) for the warning. */
static enum crypt_state volume_crypt(const char *path, char *source, size_t n)
{
	struct stat sb, dev;
	enum crypt_state c;

	snprintf(source, n, "unknown");
	if (stat(path, &sb) != 0)
		return CRYPT_UNKNOWN;
	snprintf(source, n, "device %u:%u", major(sb.st_dev), minor(sb.st_dev));
	c = dev_crypt(sb.st_dev);
	if (findmnt_source(path, source, n) && c == CRYPT_UNKNOWN && source[0] == '/' &&
	    stat(source, &dev) == 0 && S_ISBLK(dev.st_mode))
		c = dev_crypt(dev.st_rdev);
	if (c == CRYPT_UNKNOWN && source[0] != '/')
		c = CRYPT_NO; /* overlay, tmpfs, a network share: not a LUKS volume */
	return c;
}

/* "3 min", "2 h 5 min", "4 days" */
static void age_text(long long secs, char *buf, size_t n)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, n, "%lld s", secs);
	else if (secs < 7200)
		snprintf(buf, n, "%lld min", secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, n, "%lld h %lld min", secs / 3600, secs % 3600 / 60);
	else
		snprintf(buf, n, "%lld days", secs / 86400);
}

static void time_text(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(buf, n, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, n, "%lld", (long long)t);
}

/* The delivery state of an intake without the mark of a test record. */
static const char *delivery_of(const struct store_intake *it)
{
	const char *d = it->delivery;

	return it->test && strncmp(d, "TEST ", 5) == 0 ? d + 5 : d;
}

/* The last check of every page (store_check_record). */
struct integrity {
	int64_t when;      /* 0: never */
	char result[256];  /* "ok" or the damage */
};

#define INTEGRITY_STALE (2 * 86400) /* kiosk-sync checks daily */

static void print_text(const char *dbpath, const struct store_status *st,
		       const struct sync_status *sy, const struct store_intake *v, int nv, int64_t now,
		       const struct integrity *in)
{
	char a[64], t[64], reason[256];

	printf("database: %s\n", dbpath);
	if (in->when == 0) {
		printf("integrity: not checked yet (the kiosk checks every page at start, kiosk-sync daily; "
		       "`kiosk status --check` checks now)\n");
	} else {
		time_text(in->when, t, sizeof t);
		age_text(now - in->when, a, sizeof a);
		printf("integrity: %s (every page checked %s, %s ago)%s\n", in->result, t, a,
		       now - in->when > INTEGRITY_STALE ? "; not since: is kiosk-sync running? "
							  "`kiosk status --check` checks now" : "");
	}
	printf("sessions in progress: %d\n", st->in_progress);
	printf("sessions interrupted: %d%s\n", st->interrupted,
	       st->interrupted ? " (staff choose one to resume on the staff screen)" : "");
	if (st->waiting) {
		age_text(now - st->oldest_waiting, a, sizeof a);
		printf("records waiting: %d (oldest completed %s ago)\n", st->waiting, a);
	} else {
		printf("records waiting: 0\n");
	}
	printf("records failed permanently: %d%s\n", st->failed,
	       st->failed ? " (fix the cause, then retry them from the staff screen)" : "");
	for (int i = 0; i < nv; i++)
		if (strncmp(delivery_of(&v[i]), "failed: ", 8) == 0)
			printf("  %s: %s%s\n", v[i].id, v[i].test ? "(test record) " : "",
			       ktext_clean(reason, sizeof reason, delivery_of(&v[i]) + 8));
	printf("records delivered: %d\n", st->delivered);
	if (st->test_records)
		printf("test records (kiosk simulate --record, tagged HTEST): %d, %d waiting\n", st->test_records,
		       st->test_waiting);
	if (st->last_delivery) {
		time_text(st->last_delivery, t, sizeof t);
		age_text(now - st->last_delivery, a, sizeof a);
		printf("last delivery: %s (%s ago)\n", t, a);
	} else {
		printf("last delivery: never\n");
	}
	printf("sync: %s\n", sy->line);
}

static void json_time(json *j, const char *key, int64_t t)
{
	json_key(j, key);
	if (t)
		json_int(j, t);
	else
		json_null(j);
}

static int print_json(const char *dbpath, const struct store_status *st,
		      const struct sync_status *sy, const struct store_intake *v, int nv,
		      int64_t now, enum crypt_state crypt, bool verify, int64_t bad,
		      const struct integrity *in)
{
	char reason[256];
	struct kerr err = { "" };
	json *j = NULL;
	char *out = NULL;

	if (json_new(&j, true, &err) != K_OK) {
		fprintf(stderr, "kiosk status: %s\n", err.msg);
		return 2;
	}
	json_obj_begin(j);
	json_kv_str(j, "database", dbpath);
	json_kv_int(j, "now", now);
	/* The last check of every page: when (null: never) and "ok" or the damage. */
	json_key(j, "integrity");
	json_obj_begin(j);
	json_time(j, "checked", in->when);
	json_kv_str(j, "result", in->when ? in->result : NULL);
	json_obj_end(j);
	json_kv_int(j, "in_progress", st->in_progress);
	json_kv_int(j, "interrupted", st->interrupted);
	json_kv_int(j, "waiting", st->waiting);
	json_key(j, "oldest_waiting");
	if (st->waiting)
		json_int(j, st->oldest_waiting);
	else
		json_null(j);
	json_kv_int(j, "failed", st->failed);
	json_key(j, "failures");
	json_arr_begin(j);
	for (int i = 0; i < nv; i++) {
		if (strncmp(delivery_of(&v[i]), "failed: ", 8) != 0)
			continue;
		json_obj_begin(j);
		json_kv_str(j, "id", v[i].id);
		json_kv_int(j, "completed", v[i].completed);
		json_kv_str(j, "reason", ktext_clean(reason, sizeof reason, delivery_of(&v[i]) + 8));
		json_kv_bool(j, "test", v[i].test);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_kv_int(j, "delivered", st->delivered);
	json_kv_int(j, "test_records", st->test_records);
	json_kv_int(j, "test_waiting", st->test_waiting);
	json_key(j, "last_delivery");
	if (st->last_delivery)
		json_int(j, st->last_delivery);
	else
		json_null(j);
	json_kv_str(j, "sync_paused", sy->paused[0] ? sy->paused : NULL);
	/* What kiosk-sync last did: state is one of "not configured", "not
	 * started", "ok", "failing", "paused"; no patient data. */
	json_key(j, "sync");
	json_obj_begin(j);
	json_kv_str(j, "state", sy->word);
	json_kv_str(j, "text", sy->line);
	json_time(j, "last_attempt", sy->last.last_attempt);
	json_kv_str(j, "last_result", sy->last.result[0] ? sy->last.result : NULL);
	json_kv_str(j, "detail", sy->last.detail[0] ? sy->last.detail : NULL);
	json_time(j, "failing_since", sy->last.failing_since);
	json_time(j, "next_try", sy->last.next_try);
	json_obj_end(j);
	json_key(j, "encrypted_volume");
	if (crypt == CRYPT_UNKNOWN)
		json_null(j);
	else
		json_bool(j, crypt == CRYPT_YES);
	if (verify) {
		json_kv_bool(j, "audit_intact", bad == 0);
		json_key(j, "audit_first_bad_entry");
		if (bad)
			json_int(j, bad);
		else
			json_null(j);
	}
	json_obj_end(j);
	if (json_finish(j, &out, &err) != K_OK) {
		json_free(j);
		fprintf(stderr, "kiosk status: %s\n", err.msg);
		return 2;
	}
	json_free(j);
	printf("%s\n", out);
	free(out);
	return 0;
}

int cmd_status(int argc, char **argv)
{
	const char *cpath = cmd_config_path(&argc, argv);
	bool as_json = false, verify = false, check = false;
	struct integrity in = { 0, "" };
	char dbpath[4096], source[256];
	struct store_status st;
	struct sync_status sy;
	struct store_intake *v = NULL;
	struct kerr err = { "" };
	struct stat sb;
	enum crypt_state crypt;
	config *cfg = NULL;
	store *s = NULL;
	int64_t now = (int64_t)time(NULL), bad = 0;
	int nv = 0, status = 2;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			as_json = true;
		else if (strcmp(argv[i], "--verify-audit") == 0)
			verify = true;
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else
			return usage();
	}
	if (config_load(&cfg, cpath, stderr, &err) != K_OK) {
		fprintf(stderr, "kiosk status: %s\n", err.msg);
		goto out;
	}
	config_path(cfg, "kiosk.database", dbpath, sizeof dbpath);
	if (stat(dbpath, &sb) != 0) {
		fprintf(stderr, "kiosk status: no database at %s (create it once with `kiosk init`)\n",
			dbpath);
		goto out;
	}
	/* A damaged file must not look healthy because the pages counted
	 * here happen to be whole.  --check reads every page now and keeps
	 * the result (when this user may write); otherwise the last check
	 * kept is the answer, so that status costs the same in year five. */
	if (check && store_open(&s, dbpath, &err) != K_OK) {
		store_close(s);
		s = NULL;
		kerr_clear(&err);
	}
	if (s == NULL && store_open_readonly(&s, dbpath, &err) != K_OK) {
		fprintf(stderr, "kiosk status: %s\n", err.msg);
		goto out;
	}
	if (check && store_check_record(s, now, &err) != K_OK) {
		fprintf(stderr, "kiosk status: %s; restore the latest backup (deploy/DEPLOY.md, Backups)\n",
			err.msg);
		status = 1;
		goto out;
	}
	kerr_clear(&err);
	if (store_integrity_last(s, &in.when, in.result, sizeof in.result, &err) == K_OK && in.when &&
	    strcmp(in.result, "ok") != 0) {
		char t[64];

		time_text(in.when, t, sizeof t);
		fprintf(stderr, "kiosk status: the check of every page on %s found: %s; restore the latest "
			"backup (deploy/DEPLOY.md, Backups)\n", t, in.result);
		status = 1;
		goto out;
	}
	kerr_clear(&err);
	if (s == NULL || store_status_get(s, &st, &err) != K_OK ||
	    sync_status_read(s, cfg, now, &sy, &err) != K_OK ||
	    store_intakes_failed(s, &v, &nv, &err) != K_OK ||
	    (verify && store_audit_verify(s, &bad, &err) != K_OK)) {
		fprintf(stderr, "kiosk status: %s\n", err.msg);
		goto out;
	}
	crypt = volume_crypt(dbpath, source, sizeof source);
	if (crypt != CRYPT_YES)
		fprintf(stderr, "kiosk status: warning: the database is not on an encrypted volume (%s%s): %s\n",
			source, crypt == CRYPT_UNKNOWN ? ", could not tell" : "", dbpath);
	if (as_json) {
		status = print_json(dbpath, &st, &sy, v, nv, now, crypt, verify, bad, &in);
		if (status == 0 && bad)
			status = 1;
		goto out;
	}
	print_text(dbpath, &st, &sy, v, nv, now, &in);
	if (verify && bad)
		printf("audit log: BROKEN: entry %lld was deleted or altered\n", (long long)bad);
	else if (verify)
		printf("audit log: intact\n");
	status = verify && bad ? 1 : 0;
out:
	store_intakes_free(v, nv);
	store_close(s);
	config_free(cfg);
	return status;
}
