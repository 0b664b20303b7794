/* cmd: the kiosk binary's subcommands.  Each returns the process exit
 * status (0 ok, 1 the thing checked is bad, 2 usage or internal error) and
 * prints its own messages; main() only dispatches. */
#ifndef KIOSK_CMD_H
#define KIOSK_CMD_H

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

/* Shared option: "--config FILE" anywhere in argv (removed from argv).
 * Returns the path or the default "kiosk.conf" when that file exists, else
 * NULL (built-in defaults). */
const char *cmd_config_path(int *argc, char **argv);

#endif
