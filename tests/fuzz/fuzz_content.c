/* libFuzzer target: the content loader and checker (content.c, check.c),
 * and the promise `kiosk check` makes: content it accepts yields a record.
 *
 * The fixture tests/fixtures/mini (or $KIOSK_FUZZ_FIXTURE) is copied into a
 * temporary folder once.  The first byte of an input picks one of its
 * screens/ files (in name order) to replace with the rest of the input, or,
 * past the last file, adds the rest as a new screen 055-fuzz.yaml.
 *
 * Properties: no crash, leak, hang or undefined behaviour; a refused
 * content always says why; no diagnostic holds a control character; and
 * when the checker accepts the content, a simulated patient answering
 * every screen the engine shows completes an intake whose FHIR Bundle the
 * writer builds, and the writer builds the Questionnaire. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "content.h"
#include "engine.h"
#include "fhir.h"
#include "json.h"
#include "rules.h"

#define MAXF 64
#define MAXC 40

static char dir[128], screens[192];
static char *names[MAXF], *orig[MAXF];
static size_t lens[MAXF];
static int nfiles;
static const struct kdate today = { 2026, 6, 15 };

static void cleanup(void)
{
	char cmd[256];

	if (dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz_content: cannot remove %s\n", dir);
	}
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long l;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (l = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		abort();
	b = malloc((size_t)l + 1);
	if (b == NULL || fread(b, 1, (size_t)l, f) != (size_t)l)
		abort();
	fclose(f);
	*n = (size_t)l;
	return b;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *fixture = getenv("KIOSK_FUZZ_FIXTURE");
	char cmd[512], path[400];
	struct dirent *de;
	DIR *dp;

	(void)argc;
	(void)argv;
	if (fixture == NULL)
		fixture = "tests/fixtures/mini";
	snprintf(dir, sizeof dir, "/tmp/kiosk-fuzz-content-%ld", (long)getpid());
	snprintf(screens, sizeof screens, "%s/screens", dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -R '%s' '%s'", dir, fixture, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "fuzz_content: cannot copy %s (run from the source tree)\n", fixture);
		exit(1);
	}
	atexit(cleanup);
	dp = opendir(screens);
	if (dp == NULL)
		abort();
	while ((de = readdir(dp)) != NULL && nfiles < MAXF)
		if (de->d_name[0] != '.')
			names[nfiles++] = strdup(de->d_name);
	closedir(dp);
	qsort(names, (size_t)nfiles, sizeof *names, name_cmp);
	for (int i = 0; i < nfiles; i++) {
		snprintf(path, sizeof path, "%s/%s", screens, names[i]);
		orig[i] = slurp(path, &lens[i]);
	}
	return 0;
}

static void put(const char *name, const void *buf, size_t n)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", screens, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, n, f) != n)
		abort();
	fclose(f);
}

/* Answers a patient might give to screen s, most ordinary first. */
static int candidates(const struct content_screen *s, char cand[MAXC][128])
{
	int n = 0;

	switch (s->kind) {
	case CONTENT_YESNO:
		strcpy(cand[n++], "no");
		strcpy(cand[n++], "yes");
		strcpy(cand[n++], "unsure");
		break;
	case CONTENT_MULTI:
		strcpy(cand[n++], "");
		/* fall through */
	case CONTENT_CHOICE:
		for (int i = 0; i < s->n_options && n < MAXC; i++)
			snprintf(cand[n++], 128, "%s", s->options[i].id ? s->options[i].id : "");
		break;
	case CONTENT_TEXT:
	case CONTENT_CONSENT:
		strcpy(cand[n++], s->pattern == CONTENT_PAT_PHONE ? "555 0100 123" :
				  s->pattern == CONTENT_PAT_EMAIL ? "ann@example.org" : "Ann Lee");
		strcpy(cand[n++], s->pattern == CONTENT_PAT_PHONE ? "5550100" :
				  s->pattern == CONTENT_PAT_EMAIL ? "a@b.c" : "A");
		break;
	case CONTENT_NUMBER:
		snprintf(cand[n++], 128, "%ld", s->min);
		snprintf(cand[n++], 128, "%ld", s->max);
		strcpy(cand[n++], "0");
		break;
	case CONTENT_DATE: {
		struct kdate d[8];
		int nd = 0;
		const struct content_datebound *b[2] = { &s->date_min, &s->date_max };

		d[nd++] = today;
		for (int i = 0; i < 2; i++) {
			struct kdate x;

			if (!b[i]->set)
				continue;
			x = !b[i]->relative ? b[i]->abs : b[i]->span.unit ? kdate_sub(today, b[i]->span) : today;
			d[nd++] = x;
			d[nd++] = kdate_sub(x, (struct kdate_span){ i == 0 ? -1 : 1, 'd' });
		}
		d[nd++] = kdate_sub(today, (struct kdate_span){ 1, 'y' });
		d[nd++] = kdate_sub(today, (struct kdate_span){ 30, 'y' });
		for (int i = 0; i < nd; i++)
			kdate_format(d[i], cand[n++]);
		break;
	}
	default:
		break;
	}
	return n;
}

static void bundle_of(const struct content *c, const engine *e)
{
	const char **ans = calloc((size_t)c->n_screens + 1, sizeof *ans);
	const struct rules_flag *fl;
	struct kerr err = { "" };
	char *out = NULL, *rt = NULL;
	int nf;

	if (ans == NULL)
		abort();
	for (int k = 0; k < c->n_screens; k++)
		ans[k] = engine_answer(e, k);
	fl = engine_flags(e, &nf);
	if (fhir_bundle(c, ans, fl, nf, engine_outcome(e), "00000000-0000-4000-8000-000000000000",
			"2026-06-15T10:00:00Z", engine_lang(e), &out, &err) != K_OK) {
		fprintf(stderr, "accepted content yields no Bundle: %s\n", err.msg);
		abort();
	}
	if (json_get_string(out, "resourceType", &rt, &err) != K_OK || strcmp(rt, "Bundle") != 0) {
		fprintf(stderr, "accepted content yields a Bundle that is not JSON: %s\n", err.msg);
		abort();
	}
	free(rt);
	free(out);
	free(ans);
}

/* Walk the intake as a patient: the first answer the engine takes on
 * each screen it shows.  Content on which no such patient finishes is
 * the checker's business (warnings), not this property's. */
static void simulate(const struct content *c)
{
	struct kerr err = { "" };
	engine *e = NULL;
	char cand[MAXC][128];

	if (engine_new(&e, c, c->langs[0], &err) != K_OK) {
		fprintf(stderr, "accepted content starts no engine: %s\n", err.msg);
		abort();
	}
	for (int steps = 0; steps < 4 * c->n_screens + 8; steps++) {
		const struct content_screen *sc = engine_screen(e);
		struct engine_event ev = { ENGINE_EV_NEXT, NULL, 0 };
		struct engine_fxlist fx;
		int n = content_asks(sc->kind) ? candidates(sc, cand) : 0, i = 0;
		bool complete = false;

		do {
			if (n > 0) {
				ev.kind = ENGINE_EV_ANSWER;
				ev.value = cand[i];
			}
			if (engine_step(e, &ev, today, &fx, &err) != K_OK) {
				fprintf(stderr, "engine refused a step: %s\n", err.msg);
				abort();
			}
		} while (engine_error(e) && ++i < n);
		if (engine_error(e) && !sc->required) {
			ev.kind = ENGINE_EV_NEXT;
			ev.value = NULL;
			if (engine_step(e, &ev, today, &fx, &err) != K_OK)
				abort();
		}
		if (engine_error(e))
			break;
		for (int k = 0; k < fx.n; k++)
			complete = complete || fx.fx[k].kind == ENGINE_FX_COMPLETE;
		if (complete) {
			bundle_of(c, e);
			break;
		}
	}
	engine_free(e);
}

static void properties(void)
{
	struct content_diags d = { 0 };
	struct content *c = NULL;
	struct kerr err = { "" };
	krc rc = content_load(&c, screens, &d, &err);

	if (rc != K_OK && rc != K_ECONTENT)
		abort();
	if (rc == K_OK)
		check_content(c, today, &d);
	if ((rc != K_OK || d.errors > 0) && (d.n == 0 || (rc != K_OK && err.msg[0] == '\0'))) {
		fprintf(stderr, "content refused without a reason\n");
		abort();
	}
	for (int i = 0; i < d.n; i++)
		for (const char *p = d.d[i].msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				fprintf(stderr, "control character in a diagnostic\n");
				abort();
			}
	if (rc == K_OK && d.errors == 0) {
		char *q = NULL;

		if (fhir_questionnaire(c, &q, &err) != K_OK) {
			fprintf(stderr, "accepted content yields no Questionnaire: %s\n", err.msg);
			abort();
		}
		free(q);
		simulate(c);
	}
	content_diags_free(&d);
	content_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int sel;

	if (size < 1 || size > 64 * 1024)
		return 0;
	sel = data[0] % (nfiles + 1);
	put(sel < nfiles ? names[sel] : "055-fuzz.yaml", data + 1, size - 1);
	properties();
	if (sel < nfiles) {
		put(names[sel], orig[sel], lens[sel]);
	} else {
		char path[400];

		snprintf(path, sizeof path, "%s/055-fuzz.yaml", screens);
		unlink(path);
	}
	return 0;
}
