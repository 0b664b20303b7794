/* config: loads kiosk.conf against one table of known keys.
 *
 * The table is the single source of truth: a key that is not in it is
 * refused, so a typo never silently falls back to a default. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstr.h"
#include "ktext.h"

enum ctype { C_STR, C_INT, C_BOOL, C_PATH };

struct ckey {
	const char *key;
	enum ctype type;
	const char *def;
	long min, max;
	const char *doc;
};

/* Every knob, one line each. Keep sorted by section. */
static const struct ckey keys[] = {
	{ "kiosk.content", C_PATH, "screens", 0, 0, "content folder (screens/*.yaml) the kiosk shows" },
	{ "kiosk.database", C_PATH, "var/kiosk.db", 0, 0, "SQLite database; its folder is created 0700" },
	{ "kiosk.language", C_STR, "en", 0, 0, "language of the first screen" },
	{ "kiosk.idle_seconds", C_INT, "90", 5, 3600, "idle time before \"Are you still there?\"" },
	{ "kiosk.idle_warning_seconds", C_INT, "30", 3, 600, "countdown on that screen before the session is wiped" },
	{ "kiosk.done_seconds", C_INT, "120", 5, 3600, "idle time on the aftercare screen before it returns to welcome" },
	{ "kiosk.resume_minutes", C_INT, "30", 0, 1440, "staff may resume an interrupted session for this long; then it is deleted" },
	{ "kiosk.retention_days", C_INT, "0", 0, 3650, "days to keep patient data after the server acknowledged it (0: purge at once)" },
	{ "kiosk.staff_key", C_STR, "F12", 0, 0, "key that opens the staff login (F1..F12)" },
	{ "kiosk.staff_idle_seconds", C_INT, "60", 10, 3600, "staff mode closes itself after this idle time" },
	{ "kiosk.pepper_file", C_PATH, "var/pepper", 0, 0, "secret added to staff PIN hashes (0600)" },
	{ "kiosk.published", C_PATH, "var/content", 0, 0, "folder of published content versions (kiosk publish)" },
	{ "display.large_grid", C_STR, "120x33", 0, 0, "COLSxLINES of the screen with larger text (1920x1080 with a 32x16 font: 120x33); kiosk check fits the content to it" },
	{ "display.large_font", C_PATH, "/usr/share/consolefonts/Vietnamese-TerminusBold32x16.psf.gz", 0, 0, "console font for larger text on the Linux console (PSF, may be gzipped; this Terminus set has every Spanish letter and the QR code's half blocks)" },
	{ "display.large_text_pty", C_BOOL, "false", 0, 0, "tests only: offer larger text on a terminal that is not a Linux VT (the test resizes it to large_grid)" },
	{ "speech.idle_factor", C_INT, "2", 1, 10, "idle times are this many times longer while read-aloud is on" },
	{ "speech.rate", C_INT, "160", 80, 450, "read-aloud speed, words per minute" },
	{ "speech.volume", C_INT, "100", 0, 200, "read-aloud volume (100: normal)" },
	{ "speech.sink", C_PATH, "", 0, 0, "tests only: write what is spoken to this file instead of the sound card (empty: sound card)" },
	{ "sync.server", C_STR, "", 0, 0, "FHIR base URL, https only (empty: sync disabled)" },
	{ "sync.ca_file", C_PATH, "", 0, 0, "CA bundle that signs the server certificate (empty: system CAs)" },
	{ "sync.pinned_pubkey", C_STR, "", 0, 0, "optional sha256//<base64> public key pin" },
	{ "sync.token_file", C_PATH, "", 0, 0, "file holding the bearer token (readable by the sync user only)" },
	{ "sync.client_cert", C_PATH, "", 0, 0, "client certificate for mutual TLS (PEM)" },
	{ "sync.client_key", C_PATH, "", 0, 0, "client key for mutual TLS (PEM)" },
	{ "sync.connect_timeout", C_INT, "10", 1, 300, "seconds to connect" },
	{ "sync.timeout", C_INT, "60", 1, 3600, "seconds for one whole request" },
	{ "sync.backoff_max", C_INT, "300", 1, 86400, "longest wait between retries, seconds" },
	{ "sync.proxy", C_STR, "", 0, 0, "proxy for the FHIR server (empty: none; proxy environment variables are ignored)" },
};

#define NKEYS (sizeof keys / sizeof keys[0])

struct config {
	char *dir;
	char *val[NKEYS];
};

static int find_key(const char *k)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].key, k) == 0)
			return (int)i;
	return -1;
}

static const char *suggest(const char *k)
{
	int best = 4, bi = -1;

	for (size_t i = 0; i < NKEYS; i++) {
		int d = kstr_distance(k, keys[i].key);
		const char *dot = strchr(keys[i].key, '.');

		if (dot && kstr_distance(k, dot + 1) < d)
			d = kstr_distance(k, dot + 1);
		if (d < best) {
			best = d;
			bi = (int)i;
		}
	}
	return bi >= 0 ? keys[bi].key : NULL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_bool(const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0"))
		return 0;
	return -1;
}

/* "COLSxLINES", e.g. "120x33", within what a screen can still show. */
static bool parse_grid(const char *v, int *cols, int *lines)
{
	int c, l, used = 0;

	if (sscanf(v, "%dx%d%n", &c, &l, &used) != 2 || v[used] != '\0' || c < 40 || c > 1000 ||
	    l < 12 || l > 500)
		return false;
	*cols = c;
	*lines = l;
	return true;
}

bool config_grid(const config *cfg, const char *key, int *cols, int *lines)
{
	const char *v = config_str(cfg, key);

	return v && parse_grid(v, cols, lines);
}

static bool valid(const struct ckey *k, const char *v, char *why, size_t n)
{
	int gc, gl;

	char *end;
	long x;

	switch (k->type) {
	case C_INT:
		errno = 0;
		x = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno) {
			snprintf(why, n, "'%s' is not a whole number", v);
			return false;
		}
		if (x < k->min || x > k->max) {
			snprintf(why, n, "%ld is out of range (%ld..%ld)", x, k->min, k->max);
			return false;
		}
		return true;
	case C_BOOL:
		if (parse_bool(v) < 0) {
			snprintf(why, n, "'%s' is not true or false", v);
			return false;
		}
		return true;
	case C_STR:
	case C_PATH:
		break;
	}
	if ((!strcmp(k->key, "kiosk.database") || !strcmp(k->key, "kiosk.content")) && *v == '\0') {
		snprintf(why, n, "must name a file or folder");
		return false;
	}
	if (!strcmp(k->key, "sync.server") && *v && strncmp(v, "https://", 8) != 0) {
		snprintf(why, n, "the server must be an https:// URL");
		return false;
	}
	if (!strcmp(k->key, "display.large_grid") && !parse_grid(v, &gc, &gl)) {
		snprintf(why, n, "'%s' is not COLSxLINES (40x12 to 1000x500), e.g. 120x33", v);
		return false;
	}
	if (!strcmp(k->key, "kiosk.staff_key")) {
		int fk = (v[0] == 'F') ? atoi(v + 1) : 0;

		if (fk < 1 || fk > 12 || strlen(v) > 3) {
			snprintf(why, n, "'%s' is not a function key (F1..F12)", v);
			return false;
		}
	}
	return true;
}

static krc problem(FILE *diag, struct kerr *err, const char *path, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static krc problem(FILE *diag, struct kerr *err, const char *path, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (diag) {
		char epath[512], emsg[1024];

		fprintf(diag, "%s:%d: %s\n", ktext_escape(epath, sizeof epath, path, strlen(path)), line,
			ktext_escape(emsg, sizeof emsg, msg, strlen(msg)));
	}
	return kerr_set(err, K_ECONFIG, "%s:%d: %.200s", path, line, msg);
}

krc config_load(config **out, const char *path, FILE *diag, struct kerr *err)
{
	config *cfg;
	FILE *f = NULL;
	char line[1024], section[64] = "";
	int lineno = 0, bad = 0, seen[NKEYS] = { 0 };
	krc rc = K_OK;

	*out = NULL;
	cfg = calloc(1, sizeof *cfg);
	if (cfg == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	if (path == NULL) {
		cfg->dir = strdup(".");
		goto done;
	}
	{
		const char *slash = strrchr(path, '/');

		cfg->dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
		if (slash == path) {
			free(cfg->dir);
			cfg->dir = strdup("/");
		}
	}
	f = fopen(path, "r");
	if (f == NULL) {
		rc = kerr_set(err, K_ECONFIG, "%s: cannot open: %s", path, strerror(errno));
		if (diag) {
			char epath[512];

			fprintf(diag, "%s: cannot open: %s\n", ktext_escape(epath, sizeof epath, path, strlen(path)),
				strerror(errno));
		}
		goto out;
	}
	while (fgets(line, sizeof line, f)) {
		char *s, *eq, *k, *v, full[200], why[160];
		int i;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			problem(diag, err, path, lineno, "line too long");
			bad++;
			break;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');

			if (e == NULL || e[1] != '\0' || e - s - 1 >= (long)sizeof section || e == s + 1) {
				problem(diag, err, path, lineno, "bad section header '%s'", s);
				bad++;
				continue;
			}
			*e = '\0';
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			problem(diag, err, path, lineno, "expected 'key = value', got '%s'", s);
			bad++;
			continue;
		}
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (strlen(v) >= 2 && v[0] == '"' && v[strlen(v) - 1] == '"') {
			v[strlen(v) - 1] = '\0';
			v++;
		}
		if (section[0] == '\0') {
			problem(diag, err, path, lineno, "key '%s' is outside a [section]", k);
			bad++;
			continue;
		}
		snprintf(full, sizeof full, "%s.%s", section, k);
		i = find_key(full);
		if (i < 0) {
			const char *sg = suggest(full);

			if (sg)
				problem(diag, err, path, lineno, "unknown key '%s' (did you mean '%s'?)", full, sg);
			else
				problem(diag, err, path, lineno, "unknown key '%s'", full);
			bad++;
			continue;
		}
		if (seen[i]) {
			problem(diag, err, path, lineno, "'%s' is set twice (first on line %d)", full, seen[i]);
			bad++;
			continue;
		}
		if (!valid(&keys[i], v, why, sizeof why)) {
			problem(diag, err, path, lineno, "%s: %s", full, why);
			bad++;
			continue;
		}
		seen[i] = lineno;
		cfg->val[i] = strdup(v);
		if (cfg->val[i] == NULL) {
			rc = kerr_set(err, K_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (ferror(f)) {
		rc = kerr_set(err, K_ECONFIG, "%s: read error", path);
		goto out;
	}
	if (bad)
		rc = K_ECONFIG;
done:
	for (size_t i = 0; i < NKEYS; i++) {
		if (cfg->val[i] == NULL)
			cfg->val[i] = strdup(keys[i].def);
		if (cfg->val[i] == NULL) {
			rc = kerr_set(err, K_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	if (f)
		fclose(f);
	if (rc != K_OK || cfg->dir == NULL) {
		config_free(cfg);
		return rc != K_OK ? rc : kerr_set(err, K_ENOMEM, "out of memory");
	}
	*out = cfg;
	return K_OK;
}

void config_free(config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		free(cfg->val[i]);
	free(cfg->dir);
	free(cfg);
}

const char *config_str(const config *cfg, const char *key)
{
	int i = find_key(key);

	return i < 0 ? NULL : cfg->val[i];
}

long config_int(const config *cfg, const char *key)
{
	int i = find_key(key);

	return i < 0 ? 0 : strtol(cfg->val[i], NULL, 10);
}

int config_bool(const config *cfg, const char *key)
{
	int i = find_key(key);

	return i < 0 ? 0 : parse_bool(cfg->val[i]) == 1;
}

const char *config_path(const config *cfg, const char *key, char *buf, size_t n)
{
	const char *v = config_str(cfg, key);

	if (v == NULL || *v == '\0' || *v == '/')
		snprintf(buf, n, "%s", v ? v : "");
	else
		snprintf(buf, n, "%s/%s", cfg->dir, v);
	return buf;
}

void config_print_defaults(FILE *f)
{
	const char *sec = "";

	for (size_t i = 0; i < NKEYS; i++) {
		const char *dot = strchr(keys[i].key, '.');
		int sl = (int)(dot - keys[i].key);

		if (strncmp(sec, keys[i].key, (size_t)sl) != 0 || sec[sl] != '.') {
			fprintf(f, "%s[%.*s]\n", i ? "\n" : "", sl, keys[i].key);
			sec = keys[i].key;
		}
		fprintf(f, "# %s\n%s = %s\n", keys[i].doc, dot + 1, keys[i].def);
	}
}
