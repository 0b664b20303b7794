/* cmd_content: `kiosk check` and `kiosk simulate`, the administrator's
 * tools for content, plus the shared --config option.
 *
 * simulate drives the very engine the screen uses, from a file of answers,
 * so a change can be tried before it goes live; with --record it stores the
 * intake through the same effects path as the screen (intake.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cmd.h"
#include "config.h"
#include "content.h"
#include "engine.h"
#include "fhir.h"
#include "intake.h"
#include "json.h"
#include "keys.h"
#include "ktext.h"
#include "publish.h"
#include "store.h"

const char *cmd_config_path(int *argc, char **argv)
{
	const char *path = NULL;

	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--config") != 0)
			continue;
		if (i + 1 >= *argc)
			return NULL;
		path = argv[i + 1];
		memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 1) * sizeof *argv);
		*argc -= 2;
		break;
	}
	if (path == NULL && access("kiosk.conf", R_OK) == 0)
		path = "kiosk.conf";
	return path;
}

static struct kdate today_local(void)
{
	time_t t = time(NULL);
	struct tm tm;
	struct kdate d;

	localtime_r(&t, &tm);
	d.y = tm.tm_year + 1900;
	d.m = tm.tm_mon + 1;
	d.d = tm.tm_mday;
	return d;
}

/* Content folder: the argument, else the version in use (the published
 * one when there is one, else kiosk.content). */
static const char *content_dir(const config *cfg, const char *arg, char *buf, size_t n)
{
	struct kerr err = { "" };

	if (arg)
		return arg;
	if (publish_current(cfg, buf, n, &err) != K_OK)
		return config_path(cfg, "kiosk.content", buf, n);
	return buf;
}

/* `check --config` without a folder: what each key is used for, then the
 * content the kiosk would show and its language. */
static int check_config(const config *cfg, struct kdate today)
{
	struct content *c = NULL;
	struct content_diags d = { 0 };
	struct kerr err = { "" };
	const char *lang = config_str(cfg, "kiosk.language");
	char dir[4096], path[4096];
	struct stat sb;
	bool opened;
	int bad = config_check(cfg, stdout);

	content_dir(cfg, NULL, dir, sizeof dir);
	opened = stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (opened && content_load(&c, dir, &d, &err) == K_OK)
		check_content(c, today, &d);
	if (!opened) {
		/* kiosk.content itself was reported by config_check. */
		if (strcmp(dir, config_path(cfg, "kiosk.content", path, sizeof path)) != 0) {
			printf("%s: the published content in use, %s, cannot be opened\n", config_file(cfg), dir);
			bad++;
		}
	} else if (c == NULL || d.errors > 0) {
		printf("%s: the content folder %s has %d error(s): run `kiosk check %s`\n", config_file(cfg), dir,
		       d.errors ? d.errors : 1, dir);
		bad++;
	} else if (content_lang(c, lang) < 0) {
		char list[256] = "";

		for (int i = 0; i < c->n_langs; i++)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", c->langs[i]);
		if (config_line(cfg, "kiosk.language"))
			printf("%s:%d: kiosk.language: '%s' is not a language of the content in %s (it has: %s)\n",
			       config_file(cfg), config_line(cfg, "kiosk.language"), lang, dir, list);
		else
			printf("%s: kiosk.language: the default '%s' is not a language of the content in %s (it has: %s)\n",
			       config_file(cfg), lang, dir, list);
		bad++;
	}
	if (bad)
		printf("%s: %d problem(s): the kiosk would refuse to start or fail later\n", config_file(cfg), bad);
	else
		printf("%s: ok (content %s, version %s)\n", config_file(cfg), dir, c->version);
	content_diags_free(&d);
	content_free(c);
	return bad ? 1 : 0;
}

int cmd_check(int argc, char **argv)
{
	bool paths = false, config_only = false;
	const char *cfgpath, *dir = NULL;
	config *cfg = NULL;
	struct content *c = NULL;
	struct content_diags d = { 0 };
	struct kerr err = { "" };
	struct kdate today = today_local();
	char buf[4096], edir[4096];
	int status = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--config"))
			config_only = true;
	cfgpath = cmd_config_path(&argc, argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--paths")) {
			paths = true;
		} else if (!strcmp(argv[i], "--today") && i + 1 < argc) {
			if (!kdate_parse(argv[++i], &today)) {
				fprintf(stderr, "kiosk check: --today wants YYYY-MM-DD, not '%s'\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "kiosk check: unknown option '%s'\n", argv[i]);
			return cmd_usage("check");
		} else if (dir == NULL) {
			dir = argv[i];
		} else {
			fprintf(stderr, "kiosk check: one content folder at a time\n");
			return cmd_usage("check");
		}
	}
	if (config_load(&cfg, cfgpath, stdout, &err) != K_OK) {
		printf("%s: not valid: the kiosk would refuse to start\n", cfgpath ? cfgpath : "(defaults)");
		return 1;
	}
	if (config_only) {
		/* The staff key must exist on the terminal the kiosk runs on:
		 * a vt100 has no F12, and staff would type into a patient's
		 * name field instead. */
		const char *term = config_str(cfg, "kiosk.terminal");
		const char *key = config_str(cfg, "kiosk.staff_key");

		if (term == NULL || *term == '\0')
			term = getenv("TERM");
		switch (keys_typeable(keys_parse_name(key), term)) {
		case 0:
			printf("%s: warning: kiosk.staff_key = %s cannot be typed on a %s terminal; use a Ctrl chord such as Ctrl-K\n",
			       cfgpath ? cfgpath : "(defaults)", key, term);
			break;
		case -1:
			printf("%s: warning: terminal type '%s' is not known: make sure kiosk.staff_key = %s can be typed on it\n",
			       cfgpath ? cfgpath : "(defaults)", term ? term : "", key);
			break;
		default:
			break;
		}
	}
	if (config_only && dir == NULL) {
		status = check_config(cfg, today);
		config_free(cfg);
		return status;
	}
	dir = content_dir(cfg, dir, buf, sizeof buf);
	/* Every error of every file in one run, like a compiler. */
	content_load_all(&c, dir, &d, &err);
	if (c) {
		int gc, gl;

		check_content(c, today, &d);
		if (config_grid(cfg, "display.large_grid", &gc, &gl))
			check_grid(c, gc, gl, &d);
	}
	check_print(&d, dir, stdout);
	ktext_escape(edir, sizeof edir, dir, strlen(dir));
	if (d.errors > 0 || c == NULL) {
		printf("%s: %d error(s), %d warning(s): not valid, do not publish\n", edir, d.errors, d.warnings);
		status = 1;
		goto out;
	}
	if (paths && check_paths(c, today, stdout) != 0)
		status = 1;
	printf("%s: ok, %d screens, %d warning(s), content version %s\n", edir, c->n_screens, d.warnings,
	       c->version);
out:
	content_diags_free(&d);
	content_free(c);
	config_free(cfg);
	return status;
}

struct sim {
	struct content *c;
	engine *e;
	char **keys, **vals;
	int n_kv;
	struct kdate today;
	const char **visited;
	int n_visited;
};

static const char *lookup(const struct sim *s, const char *key)
{
	for (int i = 0; i < s->n_kv; i++)
		if (!strcmp(s->keys[i], key))
			return s->vals[i];
	return NULL;
}

static void print_json(const struct sim *s, const char *session)
{
	const struct rules_flag *f;
	int n;
	char *out = NULL, d[11];
	json *j = NULL;
	struct kerr err = { "" };

	if (json_new(&j, true, &err) != K_OK)
		return;
	kdate_format(s->today, d);
	json_obj_begin(j);
	json_kv_str(j, "content_version", s->c->version);
	json_kv_str(j, "today", d);
	json_kv_str(j, "language", s->c->langs[engine_lang(s->e)]);
	if (session)
		json_kv_str(j, "session", session);
	json_key(j, "screens");
	json_arr_begin(j);
	for (int i = 0; i < s->n_visited; i++)
		json_str(j, s->visited[i]);
	json_arr_end(j);
	json_kv_str(j, "outcome", rules_severity_name(engine_outcome(s->e)));
	f = engine_flags(s->e, &n);
	json_key(j, "flags");
	json_arr_begin(j);
	for (int i = 0; i < n; i++) {
		json_obj_begin(j);
		json_kv_str(j, "code", f[i].code);
		json_kv_str(j, "severity", rules_severity_name(f[i].severity));
		json_kv_str(j, "question", s->c->screens[f[i].screen].id);
		json_kv_str(j, "staff", f[i].staff);
		json_kv_str(j, "patient", f[i].patient ? content_str(s->c, f[i].patient, engine_lang(s->e)) : NULL);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	if (json_finish(j, &out, &err) == K_OK)
		printf("%s\n", out);
	free(out);
	json_free(j);
}

static void print_text(const struct sim *s)
{
	const struct rules_flag *f;
	int n;

	printf("screens:");
	for (int i = 0; i < s->n_visited; i++)
		printf(" %s", s->visited[i]);
	printf("\noutcome: %s\n", rules_severity_name(engine_outcome(s->e)));
	f = engine_flags(s->e, &n);
	for (int i = 0; i < n; i++)
		printf("flag %s (%s) on %s: %s\n", f[i].code, rules_severity_name(f[i].severity),
		       s->c->screens[f[i].screen].id, f[i].staff);
	printf("content: %s\n", s->c->version);
}

int cmd_simulate(int argc, char **argv)
{
	bool as_json = false, record = false, bundle = false, live_ok = false;
	const char *cfgpath, *dir = NULL, *answers = NULL, *lang = NULL, *v;
	config *cfg = NULL;
	store *st = NULL;
	struct intake in;
	struct sim s;
	struct content_diags d = { 0 };
	struct kerr err = { "" };
	char buf[4096], dbbuf[4096], ebuf[512];
	int status = 2, steps = 0;
	bool done = false, have_today = false;

	memset(&s, 0, sizeof s);
	memset(&in, 0, sizeof in);
	s.today = today_local();
	cfgpath = cmd_config_path(&argc, argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else if (!strcmp(argv[i], "--record")) {
			record = true;
		} else if (!strcmp(argv[i], "--test-into-live-db")) {
			live_ok = true;
		} else if (!strcmp(argv[i], "--bundle")) {
			bundle = true;
		} else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			lang = argv[++i];
		} else if (!strcmp(argv[i], "--today") && i + 1 < argc) {
			if (!kdate_parse(argv[++i], &s.today)) {
				fprintf(stderr, "kiosk simulate: --today wants YYYY-MM-DD, not '%s'\n", argv[i]);
				return 2;
			}
			have_today = true;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "kiosk simulate: unknown option '%s'\n", argv[i]);
			return cmd_usage("simulate");
		} else if (answers == NULL) {
			answers = argv[i];
		} else if (dir == NULL) {
			dir = answers;
			answers = argv[i];
		} else {
			return cmd_usage("simulate");
		}
	}
	if (answers == NULL)
		return cmd_usage("simulate");
	/* A made-up patient in the real send queue reaches the clinic's
	 * server: only when asked in so many words (and tagged HTEST). */
	if (record && !live_ok) {
		fprintf(stderr, "kiosk simulate: --record queues a made-up patient for the clinic's server; "
			"add --test-into-live-db to do that (it is sent as a test record, HTEST)\n");
		return 2;
	}
	if (config_load(&cfg, cfgpath, stderr, &err) != K_OK)
		return 2;
	dir = content_dir(cfg, dir, buf, sizeof buf);
	if (content_load(&s.c, dir, &d, &err) != K_OK) {
		check_print(&d, dir, stderr);
		fprintf(stderr, "kiosk simulate: %s\n", err.msg);
		goto out;
	}
	if (content_read_kv(answers, &s.keys, &s.vals, &s.n_kv, &err) != K_OK) {
		fprintf(stderr, "kiosk simulate: %s\n", err.msg);
		goto out;
	}
	v = lookup(&s, "today");
	if (v && !have_today && !kdate_parse(v, &s.today)) {
		fprintf(stderr, "kiosk simulate: %s: today must be YYYY-MM-DD, not '%s'\n", answers,
			ktext_escape(ebuf, sizeof ebuf, v, strlen(v)));
		goto out;
	}
	for (int i = 0; i < s.n_kv; i++)
		if (strcmp(s.keys[i], "today") && content_find(s.c, s.keys[i]) < 0) {
			fprintf(stderr, "kiosk simulate: %s: the content has no question '%s'\n", answers,
				ktext_escape(ebuf, sizeof ebuf, s.keys[i], strlen(s.keys[i])));
			goto out;
		}
	if (engine_new(&s.e, s.c, lang ? lang : config_str(cfg, "kiosk.language"), &err) != K_OK) {
		fprintf(stderr, "kiosk simulate: %s\n", err.msg);
		goto out;
	}
	s.visited = calloc((size_t)s.c->n_screens * 2 + 2, sizeof *s.visited);
	if (s.visited == NULL)
		goto out;
	if (record) {
		if (store_open(&st, config_path(cfg, "kiosk.database", dbbuf, sizeof dbbuf), &err) != K_OK) {
			fprintf(stderr, "kiosk simulate: %s\n", err.msg);
			goto out;
		}
		in.st = st;
		in.e = s.e;
		in.test = true;
	}
	status = 1;
	while (!done && steps++ < 4 * s.c->n_screens + 8) {
		const struct content_screen *sc = engine_screen(s.e);
		struct engine_event ev = { ENGINE_EV_NEXT, NULL, 0 };
		struct engine_fxlist fx;
		const char *a = lookup(&s, sc->id);
		bool question = sc->kind != CONTENT_INFO && sc->kind != CONTENT_REVIEW &&
				sc->kind != CONTENT_OUTCOME && sc->kind != CONTENT_AFTERCARE;

		if (s.n_visited < s.c->n_screens * 2 + 2)
			s.visited[s.n_visited++] = sc->id;
		if (engine_completed(s.e)) {
			/* Stop on the last screen: leaving it would reset the engine
			 * and its outcome with it. */
			int j = engine_index(s.e) + 1;

			while (j < s.c->n_screens && !engine_shown(s.e, j))
				j++;
			if (j >= s.c->n_screens) {
				done = true;
				break;
			}
		}
		if (question && a) {
			ev.kind = ENGINE_EV_ANSWER;
			ev.value = a;
		} else if (question && sc->required) {
			fprintf(stderr, "kiosk simulate: %s: no answer for '%s' (%s), which this patient is shown\n",
				answers, sc->id, sc->file);
			goto out;
		}
		if (engine_step(s.e, &ev, s.today, &fx, &err) != K_OK) {
			fprintf(stderr, "kiosk simulate: %s\n", err.msg);
			goto out;
		}
		if (engine_error(s.e)) {
			fprintf(stderr, "kiosk simulate: %s: the answer to '%s' is refused: %s\n", answers, sc->id,
				engine_error(s.e));
			goto out;
		}
		for (int i = 0; i < fx.n; i++) {
			if (fx.fx[i].kind == ENGINE_FX_COMPLETE && bundle) {
				const char **ans = calloc((size_t)s.c->n_screens, sizeof *ans);
				const struct rules_flag *fl;
				char *out = NULL, when[40];
				int nf;

				if (ans == NULL)
					goto out;
				for (int k = 0; k < s.c->n_screens; k++)
					ans[k] = engine_answer(s.e, k);
				fl = engine_flags(s.e, &nf);
				intake_datetime((int64_t)time(NULL), when, sizeof when);
				if (fhir_bundle(s.c, ans, fl, nf, engine_outcome(s.e),
						"00000000-0000-4000-8000-000000000000", when, engine_lang(s.e), &out,
						&err) != K_OK) {
					free(ans);
					fprintf(stderr, "kiosk simulate: %s\n", err.msg);
					goto out;
				}
				printf("%s\n", out);
				free(out);
				free(ans);
			}
			if (fx.fx[i].kind == ENGINE_FX_END || fx.fx[i].kind == ENGINE_FX_WIPE)
				done = true;
		}
		if (record && intake_apply(&in, &fx, (int64_t)time(NULL), &err) != K_OK) {
			fprintf(stderr, "kiosk simulate: cannot store the intake: %s\n", err.msg);
			goto out;
		}
		if (record && in.completed && in.session[0]) {
			/* Printed only once the record is committed: the crash test
			 * relies on "printed" meaning "durable". */
			printf("%s\n", in.session);
			fflush(stdout);
			in.completed = false;
		}
	}
	if (!done) {
		fprintf(stderr, "kiosk simulate: the intake did not finish\n");
		goto out;
	}
	if (!bundle && !record) {
		if (as_json)
			print_json(&s, NULL);
		else
			print_text(&s);
	}
	status = 0;
out:
	intake_clear(&in);
	store_close(st);
	free(s.visited);
	engine_free(s.e);
	content_kv_free(s.keys, s.vals, s.n_kv);
	content_diags_free(&d);
	content_free(s.c);
	config_free(cfg);
	return status;
}

int cmd_config(int argc, char **argv)
{
	const char *cfgpath;
	bool explicit = false;
	config *cfg = NULL;
	struct kerr err = { "" };

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--config"))
			explicit = true;
	cfgpath = cmd_config_path(&argc, argv);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--list") != 0) {
			fprintf(stderr, "kiosk config: unknown argument '%s'\n", argv[i]);
			return cmd_usage("config");
		}
	if (explicit && config_load(&cfg, cfgpath, stderr, &err) != K_OK)
		return 1;
	config_list(cfg, stdout);
	config_free(cfg);
	return 0;
}
