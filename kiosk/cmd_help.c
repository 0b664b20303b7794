/* cmd_help: the one table of the kiosk binary's commands and their
 * options.  `kiosk --help`, `kiosk help [COMMAND]`, `kiosk COMMAND --help`
 * and every "usage:" line a command prints on a bad argument come from it,
 * so the help cannot list an option the command does not take or miss one
 * it does (tests/it/cli_help.sh runs every listed option against its
 * command and looks for options in the sources that the table lacks). */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "staff.h"

#define CONFIG_OPT { "--config", "FILE", "the kiosk.conf to use (default: ./kiosk.conf if it exists)", false }

static const struct cmd_def defs[] = {
	{ "init", cmd_init, "",
	  "create the database (first installation)",
	  "Creates kiosk.database, the one command that may: the kiosk, kiosk-sync and every other\n"
	  "command refuse a missing database, so a deleted file or an unmounted volume is reported\n"
	  "rather than replaced by an empty one.  On an existing database it changes nothing (and\n"
	  "upgrades its schema), so scripts may run it every time.",
	  { CONFIG_OPT } },
	{ "backup", cmd_backup, "FILE",
	  "write a consistent copy of the database while the kiosk runs",
	  "Copies kiosk.database to FILE (mode 0600) with SQLite's online backup, so the kiosk may\n"
	  "keep running; the copy is audited and passes `kiosk status --verify-audit`.  It holds\n"
	  "patient data not yet purged: store it as carefully as the database (deploy/DEPLOY.md).",
	  { CONFIG_OPT } },
	{ "check", cmd_check, "[DIR]",
	  "validate a content folder, or a configuration",
	  "Checks the content folder DIR (default: the content the kiosk uses now) and prints every\n"
	  "problem as file:line:col: error|warning: message.  With --config FILE and no DIR it checks\n"
	  "the configuration: each key's syntax and what it is used for (folders, files, permissions,\n"
	  "the server URL, pins, certificates, the language), then the content it names.\n"
	  "Exit status: 0 valid, 1 not valid, 2 bad usage.",
	  { { "--paths", NULL, "also prove that every flag can fire: print the answers that raise it", false },
	    { "--today", "YYYY-MM-DD", "the date to check date windows against (default: today)", false },
	    CONFIG_OPT } },
	{ "simulate", cmd_simulate, "[DIR] ANSWERS",
	  "run the intake engine on a file of answers",
	  "Walks the content DIR (default: the content in use) as a patient would, answering from the\n"
	  "YAML file ANSWERS (question id: answer, lists for multi; optional today: YYYY-MM-DD).\n"
	  "ANSWERS must answer every required question the patient is shown.  Prints the screens,\n"
	  "the outcome and the flags.  Exit status: 0 finished, 1 the answers do not finish, 2 usage.",
	  { { "--json", NULL, "print the result as JSON", false },
	    { "--record", NULL, "store the intake in kiosk.database like the kiosk does, tagged as a test record (HTEST); prints its id", false },
	    { "--test-into-live-db", NULL, "with --record: allow a database whose records go to the clinic's server", false },
	    { "--bundle", NULL, "print the FHIR R4 transaction Bundle the record would be sent as", false },
	    { "--lang", "CODE", "the patient's language (default: kiosk.language)", false },
	    { "--today", "YYYY-MM-DD", "the date of the visit (default: the file's today, else today)", false },
	    CONFIG_OPT } },
	{ "export-fhir", cmd_export_fhir, "[DIR]",
	  "write the content as a FHIR R4 Questionnaire",
	  "Writes the content folder DIR (default: the content version in use, the published one when\n"
	  "there is one) as a FHIR R4 Questionnaire (JSON) to standard output.",
	  { CONFIG_OPT } },
	{ "status", cmd_status, "",
	  "show sessions, the outbox and the audit log's state",
	  "Prints sessions in progress, records waiting and failed, the last delivery and whether sync\n"
	  "is paused, and the last check of every page of the database (the kiosk runs it at start,\n"
	  "kiosk-sync daily); never patient data.  Exit status: 0, or 1 when that check, --check or\n"
	  "--verify-audit found damage.",
	  { { "--json", NULL, "print the status as JSON", false },
	    { "--verify-audit", NULL, "check the hash chain of the audit log", false },
	    { "--check", NULL, "check every page of the database now (slower as it grows)", false },
	    CONFIG_OPT } },
	{ "staff", cmd_staff, "add NAME --role staff|admin | pin NAME | remove NAME",
	  "add or remove staff accounts, set a PIN",
	  "add creates an account and asks for its PIN; pin sets a new PIN (and clears a lock);\n"
	  "remove deletes the account.  The PIN is read twice from the terminal without echo, or\n"
	  "once from standard input when that is not a terminal; never from the command line:\n"
	  STAFF_PIN_RULE ".",
	  { { "--role", "staff|admin", "with add: admin may also quit the kiosk for maintenance", true },
	    CONFIG_OPT } },
	{ "publish", cmd_publish, "DIR | --rollback",
	  "install a checked content version for the running kiosk",
	  "Checks DIR exactly as `kiosk check` does, copies it into kiosk.published and makes it the\n"
	  "version in use; the kiosk switches to it before its next patient.",
	  { { "--rollback", NULL, "instead of DIR: return to the version in use before the last publish", true },
	    CONFIG_OPT } },
	{ "preview", cmd_preview, "SCREEN [DIR]",
	  "draw one screen in the real interface",
	  "Draws the screen with id SCREEN of the content DIR (default: the content in use) on this\n"
	  "terminal, reached with sample answers; any key ends it.",
	  { { "--lang", "CODE", "the language to draw it in (default: kiosk.language)", false },
	    CONFIG_OPT } },
	{ "font-check", cmd_font_check, "[SECONDS]",
	  "try larger text on this Linux console",
	  "Run on the kiosk's own console (tty1): saves the console font, loads display.large_font\n"
	  "as the kiosk does for larger text, shows the grid it gives for SECONDS (default 5), puts\n"
	  "the saved font back.  Exit status: 0, 1 off a Linux VT or when the grid is too small,\n"
	  "2 when the font cannot be read.",
	  { CONFIG_OPT } },
	{ "config", cmd_config, "",
	  "list every kiosk.conf key with its default and meaning",
	  "Prints every key kiosk.conf may set, in kiosk.conf form: its meaning, then the key with\n"
	  "its default (or, with --config FILE, the value that file sets).",
	  { { "--list", NULL, "list the keys (the default action)", false }, CONFIG_OPT } },
};

#define NDEFS (sizeof defs / sizeof defs[0])

const struct cmd_def *cmd_find(const char *name)
{
	for (size_t i = 0; i < NDEFS; i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

static void synopsis(const struct cmd_def *d, FILE *f)
{
	fprintf(f, "kiosk %s", d->name);
	for (int i = 0; i < CMD_MAX_OPTS && d->opts[i].flag; i++) {
		if (d->opts[i].in_args)
			continue;
		if (d->opts[i].arg)
			fprintf(f, " [%s %s]", d->opts[i].flag, d->opts[i].arg);
		else
			fprintf(f, " [%s]", d->opts[i].flag);
	}
	fprintf(f, "%s%s\n", *d->args ? " " : "", d->args);
}

void cmd_usage_all(FILE *f)
{
	fprintf(f, "usage: kiosk [--config FILE]      run the patient kiosk\n");
	for (size_t i = 0; i < NDEFS; i++) {
		fputs("       ", f);
		synopsis(&defs[i], f);
	}
	fprintf(f, "       kiosk help [COMMAND]       kiosk COMMAND --help\n");
}

void cmd_help_all(FILE *f)
{
	cmd_usage_all(f);
	fprintf(f, "\ncommands:\n");
	for (size_t i = 0; i < NDEFS; i++)
		fprintf(f, "  %-12s %s\n", defs[i].name, defs[i].summary);
	fprintf(f, "\n`kiosk help COMMAND` or `kiosk COMMAND --help` explains one command and its options.\n"
		   "Without a command the kiosk runs the patient screen:\n"
		   "  --config FILE  the kiosk.conf to use (default: ./kiosk.conf when it exists)\n");
}

int cmd_help(const char *name, FILE *f)
{
	const struct cmd_def *d = cmd_find(name);

	if (d == NULL)
		return -1;
	fputs("usage: ", f);
	synopsis(d, f);
	fprintf(f, "\n%s\n\noptions:\n", d->details);
	for (int i = 0; i < CMD_MAX_OPTS && d->opts[i].flag; i++) {
		char head[48];

		snprintf(head, sizeof head, "%s%s%s", d->opts[i].flag, d->opts[i].arg ? " " : "",
			 d->opts[i].arg ? d->opts[i].arg : "");
		fprintf(f, "  %-24s %s\n", head, d->opts[i].help);
	}
	fprintf(f, "  %-24s %s\n", "--help, -h", "show this help");
	return 0;
}

int cmd_usage(const char *name)
{
	const struct cmd_def *d = cmd_find(name);

	if (d) {
		fputs("usage: ", stderr);
		synopsis(d, stderr);
		fprintf(stderr, "(kiosk %s --help explains each option)\n", name);
	}
	return 2;
}

bool cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}
