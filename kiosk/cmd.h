/* cmd: the kiosk binary's subcommands.  Each returns the process exit
 * status (0 ok, 1 the thing checked is bad, 2 usage or internal error) and
 * prints its own messages; main() only dispatches. */
#ifndef KIOSK_CMD_H
#define KIOSK_CMD_H

#include <stdbool.h>
#include <stdio.h>

int cmd_run(int argc, char **argv);         /* app.c: the patient kiosk (default) */
int cmd_check(int argc, char **argv);       /* cmd_content.c: validate content or config */
int cmd_simulate(int argc, char **argv);    /* cmd_content.c: run the engine on an answers file */
int cmd_export_fhir(int argc, char **argv); /* cmd_fhir.c: content as a FHIR Questionnaire */
int cmd_status(int argc, char **argv);      /* cmd_status.c: queue and session status */
int cmd_staff(int argc, char **argv);       /* cmd_staff.c: staff accounts */
int cmd_publish(int argc, char **argv);     /* publish.c: install a content version */
int cmd_preview(int argc, char **argv);     /* app.c: draw one screen */
int cmd_init(int argc, char **argv);        /* cmd_db.c: create the database (first run) */
int cmd_font_check(int argc, char **argv);  /* cmd_font.c: larger text on the Linux console */
int cmd_backup(int argc, char **argv);      /* cmd_db.c: a consistent copy of the database */
int cmd_config(int argc, char **argv);      /* cmd_content.c: list kiosk.conf keys */

/* The one table of commands and options (cmd_help.c).  Every option a
 * command accepts is in its row; in_args marks one the synopsis shows in
 * args rather than as an optional [--flag]. */
#define CMD_MAX_OPTS 8
struct cmd_opt {
	const char *flag; /* "--today" */
	const char *arg;  /* "YYYY-MM-DD", NULL for a switch */
	const char *help;
	bool in_args;
};
struct cmd_def {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;    /* positional arguments, e.g. "[DIR] ANSWERS" */
	const char *summary; /* one line for the command list */
	const char *details; /* what it does, its defaults, its exit status */
	struct cmd_opt opts[CMD_MAX_OPTS];
};

/* The command called name, NULL when there is none. */
const struct cmd_def *cmd_find(const char *name);
/* The usage lines of every command, with every option (`kiosk --help`). */
void cmd_usage_all(FILE *f);
/* cmd_usage_all, then a line per command (`kiosk help`). */
void cmd_help_all(FILE *f);
/* Full help of one command to f; -1 when there is no such command. */
int cmd_help(const char *name, FILE *f);
/* "usage: ..." of the command to stderr; returns 2, the usage exit status. */
int cmd_usage(const char *name);
/* Whether argv[1..] holds --help or -h. */
bool cmd_wants_help(int argc, char **argv);

/* Shared option: "--config FILE" anywhere in argv (removed from argv).
 * Returns the path or the default "kiosk.conf" when that file exists, else
 * NULL (built-in defaults). */
const char *cmd_config_path(int *argc, char **argv);

#endif
