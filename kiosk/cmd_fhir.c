/* cmd_fhir: `kiosk export-fhir [--config FILE] [DIR]` writes a content
 * folder as a FHIR R4 Questionnaire to stdout, so the clinic server can
 * show what was asked for every version a record names.  The folder is DIR,
 * else the version in use (the published one, else kiosk.content).  Admin-facing: messages in C are
 * fine here; nothing here touches patient data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "content.h"
#include "fhir.h"
#include "publish.h"

int cmd_export_fhir(int argc, char **argv)
{
	const char *cpath = cmd_config_path(&argc, argv);
	const char *dir = NULL;
	char pathbuf[4096];
	struct content_diags diags = { 0 };
	struct kerr err = { { 0 } };
	struct content *c = NULL;
	config *cfg = NULL;
	char *out = NULL;
	int status = 2;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || dir)
			return cmd_usage("export-fhir");
		dir = argv[i];
	}
	if (!dir) {
		/* The version in use: what the records being sent were taken with. */
		if (config_load(&cfg, cpath, stderr, &err) != K_OK ||
		    publish_current(cfg, pathbuf, sizeof pathbuf, &err) != K_OK) {
			fprintf(stderr, "kiosk export-fhir: %s\n", err.msg);
			goto out;
		}
		dir = pathbuf;
	}
	if (content_load(&c, dir, &diags, &err) != K_OK) {
		for (int i = 0; i < diags.n; i++)
			if (!diags.d[i].warning)
				fprintf(stderr, "%s:%d:%d: error: %s\n", diags.d[i].file,
					diags.d[i].line, diags.d[i].col, diags.d[i].msg);
		fprintf(stderr, "kiosk export-fhir: %s\n", err.msg);
		status = 1;
		goto out;
	}
	if (fhir_questionnaire(c, &out, &err) != K_OK) {
		fprintf(stderr, "kiosk export-fhir: %s\n", err.msg);
		status = 1;
		goto out;
	}
	if (fputs(out, stdout) == EOF || fflush(stdout) == EOF) {
		fprintf(stderr, "kiosk export-fhir: cannot write the output\n");
		goto out;
	}
	status = 0;
out:
	free(out);
	content_free(c);
	content_diags_free(&diags);
	config_free(cfg);
	return status;
}
