/* cmd_db: the database's life-cycle commands.
 *
 * `kiosk init` is the one command that may create the database: the kiosk,
 * kiosk-sync and every other command refuse a missing one, so a deleted
 * file or an unmounted volume is reported instead of silently replaced by
 * an empty database (with the staff accounts gone).  Nothing here prints
 * patient data. */
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
		fprintf(stderr, "usage: kiosk init [--config FILE]  create the database (first installation)\n");
		return 2;
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
