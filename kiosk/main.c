/* main: the kiosk binary.  Only dispatches to a subcommand; every command
 * owns its own module.  The patient kiosk is the default. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "init", cmd_init, "init [--config FILE]  create the database (first installation only)" },
	{ "check", cmd_check, "check [--paths] [--config FILE] [DIR]  validate content (or a config)" },
	{ "simulate", cmd_simulate, "simulate [--json] [--record] [--today DATE] [DIR] ANSWERS" },
	{ "export-fhir", cmd_export_fhir, "export-fhir [--config FILE] [DIR]  content as a FHIR R4 Questionnaire" },
	{ "status", cmd_status, "status [--json] [--verify-audit] [--config FILE]  queue, sessions, audit check" },
	{ "staff", cmd_staff, "staff add NAME --role staff|admin | pin NAME | remove NAME [--config FILE]" },
	{ "publish", cmd_publish, "publish [--config FILE] DIR | --rollback  install a checked content version" },
	{ "preview", cmd_preview, "preview SCREEN [--lang CODE] [--config FILE] [DIR]  draw one screen" },
	{ "font-check", cmd_font_check, "font-check [--config FILE] [SECONDS]  try larger text on this Linux console" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: kiosk [--config FILE]          run the patient kiosk\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "       kiosk %s\n", commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (!strcmp(argv[1], commands[i].name))
				return commands[i].fn(argc - 1, argv + 1);
		fprintf(stderr, "kiosk: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return cmd_run(argc, argv);
}
