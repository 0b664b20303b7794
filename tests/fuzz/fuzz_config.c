/* libFuzzer target: the kiosk.conf loader (config.c).
 *
 * The input is written as a configuration file and loaded.  Properties:
 * no crash, leak or undefined behaviour; a refused file always says why;
 * an accepted one answers every lookup. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "/tmp/kiosk-fuzz-config-%ld.conf", (long)getpid());
	atexit(cleanup);
	return 0;
}

static const char *const keys[] = {
	"kiosk.content", "kiosk.database", "kiosk.published", "kiosk.language", "kiosk.idle_seconds",
	"sync.url", "sync.token_file", "nosuch.key", NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	FILE *diag = fopen("/dev/null", "w");
	struct kerr err = { "" };
	config *cfg = NULL;
	krc rc;

	if (f == NULL || diag == NULL)
		abort();
	if (fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	rc = config_load(&cfg, path, diag, &err);
	fclose(diag);
	if (rc != K_OK) {
		if (cfg != NULL || err.msg[0] == '\0')
			abort();
		return 0;
	}
	for (int i = 0; keys[i]; i++) {
		char buf[4096];

		(void)config_str(cfg, keys[i]);
		(void)config_int(cfg, keys[i]);
		(void)config_bool(cfg, keys[i]);
		(void)config_path(cfg, keys[i], buf, sizeof buf);
	}
	config_free(cfg);
	return 0;
}
