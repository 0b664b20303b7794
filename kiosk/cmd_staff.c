/* cmd_staff: `kiosk staff add|pin|remove`, the administrator's shell
 * commands for staff accounts.
 *
 * A PIN is never taken from the command line (it would show in `ps` and in
 * shell history): it is read from the terminal with echo off, twice, or
 * from standard input when that is not a terminal (scripts, tests).  The
 * account work itself is in staff.c. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "staff.h"
#include "store.h"

#include <sodium.h>

static int usage(void)
{
	return cmd_usage("staff");
}

/* Who ran the command, for the audit log. */
static void shell_actor(char *buf, size_t n)
{
	const char *sudo = getenv("SUDO_USER");
	const struct passwd *pw = getpwuid(getuid());

	snprintf(buf, n, "shell:%s", sudo && *sudo ? sudo : pw ? pw->pw_name : "unknown");
}

/* Read one line into buf without its newline.  Returns 0, or -1 on end of
 * input, a too-long line or Ctrl-C. */
static int read_line(FILE *f, char *buf, size_t n)
{
	size_t len;

	if (fgets(buf, (int)n, f) == NULL)
		return -1;
	len = strcspn(buf, "\r\n");
	if (buf[len] == '\0' && len == n - 1)
		return -1;
	buf[len] = '\0';
	return strchr(buf, 3) ? -1 : 0;
}

/* Prompt on the terminal with echo off.  ISIG is off too so that Ctrl-C
 * arrives as a character and the echo setting is always restored. */
static int read_secret(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	int r;

	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ISIG);
	quiet.c_lflag |= ECHONL;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return -1;
	r = read_line(stdin, buf, n);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return r;
}

/* The new PIN: twice on a terminal, once from a pipe.  Returns 0 or 1. */
static int get_pin(char *pin, size_t n)
{
	char again[64];

	/* Said before asking, so nobody types a PIN twice to learn the rule. */
	fprintf(stderr, "kiosk staff: %s.\n", STAFF_PIN_RULE);
	if (!isatty(STDIN_FILENO)) {
		/* Unbuffered: read this PIN's line only, so that a script can feed
		 * one file to several staff commands in a row. */
		setvbuf(stdin, NULL, _IONBF, 0);
		if (read_line(stdin, pin, n) != 0) {
			fprintf(stderr, "kiosk staff: no PIN on standard input\n");
			return 1;
		}
		return 0;
	}
	if (read_secret("New PIN: ", pin, n) != 0) {
		fprintf(stderr, "kiosk staff: cancelled\n");
		return 1;
	}
	if (read_secret("Same PIN again: ", again, sizeof again) != 0) {
		sodium_memzero(pin, n);
		fprintf(stderr, "kiosk staff: cancelled\n");
		return 1;
	}
	if (strcmp(pin, again) != 0) {
		sodium_memzero(pin, n);
		sodium_memzero(again, sizeof again);
		fprintf(stderr, "kiosk staff: the two PINs differ; nothing changed\n");
		return 1;
	}
	sodium_memzero(again, sizeof again);
	return 0;
}

int cmd_staff(int argc, char **argv)
{
	const char *cpath = cmd_config_path(&argc, argv);
	const char *verb, *name, *role = NULL;
	char dbpath[4096], pepper[4096], actor[96], pin[64] = "";
	config *cfg = NULL;
	store *st = NULL;
	staff *sf = NULL;
	struct kerr err = { "" };
	int status = 2;
	krc rc;

	const char *pos[2] = { NULL, NULL };
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (argv[i][0] == '-' || npos == 2)
			return usage();
		else
			pos[npos++] = argv[i];
	}
	if (npos != 2)
		return usage();
	verb = pos[0];
	name = pos[1];
	if (strcmp(verb, "add") == 0 ? role == NULL
				      : (strcmp(verb, "pin") != 0 && strcmp(verb, "remove") != 0) || role)
		return usage();
	if (staff_name_valid(name, &err) != K_OK) {
		fprintf(stderr, "kiosk staff: %s\n", err.msg);
		return 1;
	}
	if (strcmp(verb, "add") == 0 && strcmp(role, "staff") != 0 && strcmp(role, "admin") != 0) {
		fprintf(stderr, "kiosk staff: the role is 'staff' or 'admin'\n");
		return 1;
	}

	if (config_load(&cfg, cpath, stderr, &err) != K_OK)
		goto fail;
	config_path(cfg, "kiosk.database", dbpath, sizeof dbpath);
	config_path(cfg, "kiosk.pepper_file", pepper, sizeof pepper);
	if (store_open(&st, dbpath, &err) != K_OK || staff_new(&sf, st, pepper, &err) != K_OK)
		goto fail;
	shell_actor(actor, sizeof actor);

	if (strcmp(verb, "remove") == 0) {
		rc = staff_remove(sf, name, actor, (int64_t)time(NULL), &err);
	} else {
		if (get_pin(pin, sizeof pin) != 0) {
			status = 1;
			goto out;
		}
		if (strcmp(verb, "add") == 0)
			rc = staff_add(sf, name, role, pin, actor, (int64_t)time(NULL), &err);
		else
			rc = staff_set_pin(sf, name, pin, actor, (int64_t)time(NULL), &err);
	}
	if (rc == K_EINVAL || rc == K_ENOTFOUND) {
		fprintf(stderr, "kiosk staff: %s\n", err.msg);
		status = 1;
		goto out;
	}
	if (rc != K_OK)
		goto fail;
	if (strcmp(verb, "add") == 0)
		printf("staff account '%s' added (%s)\n", name, role);
	else if (strcmp(verb, "pin") == 0)
		printf("new PIN set for '%s'\n", name);
	else
		printf("staff account '%s' removed\n", name);
	status = 0;
	goto out;
fail:
	fprintf(stderr, "kiosk staff: %s\n", err.msg[0] ? err.msg : "failed");
	status = 2;
out:
	sodium_memzero(pin, sizeof pin);
	staff_free(sf);
	store_close(st);
	config_free(cfg);
	return status;
}
