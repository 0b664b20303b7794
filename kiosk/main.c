/* main: the kiosk binary.  Only dispatches to a subcommand; every command
 * owns its own module.  The patient kiosk is the default.  Help for every
 * command comes from the one table in cmd_help.c. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

int main(int argc, char **argv)
{
	const struct cmd_def *d;

	if (argc > 1 && argv[1][0] == '-' && cmd_wants_help(argc, argv)) {
		cmd_help_all(stdout); /* kiosk --help, kiosk --config FILE --help */
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "help")) {
		if (argc == 2) {
			cmd_help_all(stdout);
			return 0;
		}
		if (argc == 3 && cmd_help(argv[2], stdout) == 0)
			return 0;
		if (argc == 3)
			fprintf(stderr, "kiosk help: no command '%s'\n", argv[2]);
		else
			fprintf(stderr, "kiosk help: one command at a time\n");
		cmd_usage_all(stderr);
		return 2;
	}
	if (argc > 1 && argv[1][0] != '-') {
		d = cmd_find(argv[1]);
		if (d == NULL) {
			fprintf(stderr, "kiosk: unknown command '%s'\n", argv[1]);
			cmd_usage_all(stderr);
			return 2;
		}
		if (cmd_wants_help(argc - 1, argv + 1)) {
			cmd_help(d->name, stdout);
			return 0;
		}
		return d->fn(argc - 1, argv + 1);
	}
	return cmd_run(argc, argv);
}
