/* cmd_db: the database's life-cycle commands.
 *
 * `kiosk init` is the one command that may create the database: the kiosk,
 * kiosk-sync and every other command refuse a missing one, so a deleted
 * file or an unmounted volume is reported instead of silently replaced by
 * an empty database (with the staff accounts gone).  `kiosk backup` copies
 * it.  Nothing here prints patient data. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "store.h"

int cmd_init(int argc, char **argv)
{
	const char *cpath = cmd_config_path(&argc, argv);
	char path[PATH_MAX];
	config *cfg = NULL;
	store *st = NULL;
	struct kerr err = { "" };
	struct stat sb;
	bool existed;
	int status = 2;

	if (argc != 1) {
		return cmd_usage("init");
	}
	if (config_load(&cfg, cpath, stderr, &err) != K_OK)
		goto out;
	config_path(cfg, "kiosk.database", path, sizeof path);
	existed = stat(path, &sb) == 0 && sb.st_size > 0;
	/* On an existing database it only opens it (and upgrades its schema):
	 * scripts may run it every time. */
	if ((existed ? store_open(&st, path, &err) : store_create(&st, path, &err)) != K_OK ||
	    (!existed && store_audit(st, (int64_t)time(NULL), "admin", "database created", "", &err) != K_OK))
		goto out;
	if (existed)
		printf("kiosk init: the database already exists: %s (nothing created)\n", path);
	else
		printf("kiosk init: created the database %s\n", path);
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "kiosk init: %s\n", err.msg[0] ? err.msg : "failed");
	store_close(st);
	config_free(cfg);
	return status;
}

/* `kiosk backup FILE`: a consistent copy while the kiosk runs (SQLite's
 * online backup API, see store_backup), 0600, audited.  It takes no lock:
 * the kiosk and kiosk-sync go on working. */
int cmd_backup(int argc, char **argv)
{
	const char *cpath = cmd_config_path(&argc, argv);
	char path[PATH_MAX];
	config *cfg = NULL;
	store *st = NULL;
	struct kerr err = { "" };
	int status = 2;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: kiosk backup [--config FILE] FILE  a consistent copy of the database (0600)\n");
		return 2;
	}
	if (config_load(&cfg, cpath, stderr, &err) != K_OK)
		goto out;
	config_path(cfg, "kiosk.database", path, sizeof path);
	if (store_open(&st, path, &err) != K_OK || store_backup(st, argv[1], &err) != K_OK)
		goto out;
	/* Who took a copy of the patient data, and where it went. */
	if (store_audit(st, (int64_t)time(NULL), "admin", "database backup", argv[1], &err) != K_OK)
		goto out;
	printf("kiosk backup: %s written (it holds patient data: keep it as safe as the database)\n", argv[1]);
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "kiosk backup: %s\n", err.msg[0] ? err.msg : "failed");
	store_close(st);
	config_free(cfg);
	return status;
}
