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
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keys.h"
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
	{ "kiosk.staff_key", C_STR, "F12", 0, 0, "key that opens the staff login (F1..F12, or a Ctrl chord such as Ctrl-K for terminals without F12)" },
	{ "kiosk.terminal", C_STR, "", 0, 0, "terminal type the kiosk runs on (a TERM value such as linux or vt100), for kiosk check --config; empty: $TERM" },
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
	{ "sync.patient", C_STR, "match", 0, 0, "match (link to the server's Patient, create one only when new), create (a new Patient per intake) or none" },
	{ "sync.in_flight", C_INT, "8", 1, 32, "requests in flight at once: HTTP/2 streams on one connection, else up to 4 HTTP/1.1 connections (1: one at a time)" },
};

#define NKEYS (sizeof keys / sizeof keys[0])

struct config {
	char *dir;
	char *path; /* the file read, NULL for the built-in defaults */
	char *val[NKEYS];
	int line[NKEYS]; /* where the file sets each key, 0: the default */
};

static int find_key(const char *k)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].key, k) == 0)
			return (int)i;
	return -1;
}

/* The known key to suggest for the unknown "section.key" k: the same key
 * in another section, else the closest full key, else the closest key
 * name. */
static const char *suggest(const char *k)
{
	const char *full[NKEYS], *shortk[NKEYS], *dot = strchr(k, '.'), *s;

	for (size_t i = 0; i < NKEYS; i++) {
		full[i] = keys[i].key;
		shortk[i] = strchr(keys[i].key, '.') + 1;
	}
	for (size_t i = 0; dot && i < NKEYS; i++)
		if (strcmp(dot + 1, shortk[i]) == 0)
			return keys[i].key; /* the right key in the wrong section */
	s = kstr_suggest(k, full, (int)NKEYS);
	if (s == NULL && dot)
		s = kstr_suggest(dot + 1, shortk, (int)NKEYS);
	for (size_t i = 0; s && i < NKEYS; i++)
		if (s == shortk[i])
			return keys[i].key;
	return s;
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

/* Cut an inline comment off a value, in place: a ';' or '#' that follows
 * a space or tab starts one, as in most INI files admins know (the README's
 * own examples use them).  A value that must hold " ;" is quoted: "a ;b".
 * Returns false for an opening quote without its closing one. */
static bool value_uncomment(char *v)
{
	size_t n;

	if (v[0] == '"') {
		char *q = strchr(v + 1, '"');
		char *rest;

		if (q == NULL)
			return false;
		rest = q + 1;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		if (*rest != '\0' && *rest != ';' && *rest != '#')
			return false;
		memmove(v, v + 1, (size_t)(q - v - 1));
		v[q - v - 1] = '\0';
		return true;
	}
	for (char *p = v; *p; p++)
		if ((*p == ';' || *p == '#') && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	return true;
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
	if (!strcmp(k->key, "sync.patient") && strcmp(v, "match") && strcmp(v, "create") &&
	    strcmp(v, "none")) {
		snprintf(why, n, "'%s' is not match, create or none", v);
		return false;
	}
	if (!strcmp(k->key, "kiosk.staff_key") && keys_parse_name(v) < 0) {
		snprintf(why, n, "'%s' is not a function key (F1..F12) or an allowed Ctrl chord (such as Ctrl-K)", v);
		return false;
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
	cfg->path = strdup(path);
	if (cfg->path == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
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
		if (!value_uncomment(v)) {
			problem(diag, err, path, lineno, "%s: a quoted value needs its closing '\"'", k);
			bad++;
			continue;
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
		cfg->line[i] = lineno;
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
	free(cfg->path);
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

void config_list(const config *cfg, FILE *f)
{
	const char *sec = "";

	for (size_t i = 0; i < NKEYS; i++) {
		const char *dot = strchr(keys[i].key, '.');
		int sl = (int)(dot - keys[i].key);
		const char *v = cfg && cfg->line[i] ? cfg->val[i] : keys[i].def;

		if (strncmp(sec, keys[i].key, (size_t)sl) != 0 || sec[sl] != '.') {
			fprintf(f, "%s[%.*s]\n", i ? "\n" : "", sl, keys[i].key);
			sec = keys[i].key;
		}
		fprintf(f, "# %s\n", keys[i].doc);
		if (keys[i].type == C_INT)
			fprintf(f, "#   a whole number from %ld to %ld\n", keys[i].min, keys[i].max);
		if (cfg && cfg->line[i])
			fprintf(f, "#   default: %s; set on line %d of %s\n", *keys[i].def ? keys[i].def : "(empty)",
				cfg->line[i], cfg->path);
		else
			fprintf(f, "#   default: %s\n", *keys[i].def ? keys[i].def : "(empty)");
		/* A value with " ;" or " #" is quoted so the output loads as is. */
		if (strstr(v, " ;") || strstr(v, " #") || strstr(v, "\t;") || strstr(v, "\t#") || v[0] == '"')
			fprintf(f, "%s = \"%s\"\n", dot + 1, v);
		else
			fprintf(f, "%s = %s\n", dot + 1, v);
	}
}

int config_line(const config *cfg, const char *key)
{
	int i = find_key(key);

	return i < 0 ? 0 : cfg->line[i];
}

const char *config_file(const config *cfg)
{
	return cfg->path ? cfg->path : "(defaults)";
}

/* One finding of config_check, as "file:line: key: message"; the line is
 * the one that sets the key (0 for a default: then no line is shown). */
static void finding(const config *cfg, FILE *diag, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void finding(const config *cfg, FILE *diag, const char *key, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	int line = config_line(cfg, key);

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (diag == NULL)
		return;
	if (line > 0)
		fprintf(diag, "%s:%d: %s: %s\n", config_file(cfg), line, key, msg);
	else
		fprintf(diag, "%s: %s (default '%s'): %s\n", config_file(cfg), key, config_str(cfg, key), msg);
}

/* The folder a path lies in ("." for a bare name). */
static void parent_of(const char *path, char *buf, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, n, ".");
	else if (slash == path)
		snprintf(buf, n, "/");
	else
		snprintf(buf, n, "%.*s", (int)(slash - path), path);
}

/* A folder the kiosk reads: it exists and can be listed. */
static int check_dir_readable(const config *cfg, FILE *diag, const char *key)
{
	char p[4096];
	struct stat sb;

	config_path(cfg, key, p, sizeof p);
	if (stat(p, &sb) != 0) {
		finding(cfg, diag, key, "%s: %s", p, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		finding(cfg, diag, key, "%s is not a folder", p);
		return 1;
	}
	if (access(p, R_OK | X_OK) != 0) {
		finding(cfg, diag, key, "%s cannot be read: %s", p, strerror(errno));
		return 1;
	}
	return 0;
}

/* A file or folder the kiosk creates when missing: when it exists it has
 * the right type; when not, the folder it goes in exists (or, for depth 2,
 * that folder's parent, since the kiosk creates one missing folder). */
static int check_creatable(const config *cfg, FILE *diag, const char *key, bool folder, int depth)
{
	char p[4096], up[4096], up2[4096];
	struct stat sb;

	config_path(cfg, key, p, sizeof p);
	if (stat(p, &sb) == 0) {
		if (folder && !S_ISDIR(sb.st_mode)) {
			finding(cfg, diag, key, "%s is not a folder", p);
			return 1;
		}
		if (!folder && !S_ISREG(sb.st_mode)) {
			finding(cfg, diag, key, "%s is not a regular file", p);
			return 1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		finding(cfg, diag, key, "%s: %s", p, strerror(errno));
		return 1;
	}
	parent_of(p, up, sizeof up);
	if (stat(up, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	parent_of(up, up2, sizeof up2);
	if (depth > 1 && stat(up2, &sb) == 0 && S_ISDIR(sb.st_mode))
		return 0;
	finding(cfg, diag, key, "%s does not exist, nor does the folder %s it would be created in", p,
		depth > 1 ? up2 : up);
	return 1;
}

/* An existing file that only its owner may read (a secret). */
static int check_private_file(const config *cfg, FILE *diag, const char *key, bool must_exist)
{
	char p[4096];
	struct stat sb;

	config_path(cfg, key, p, sizeof p);
	if (stat(p, &sb) != 0) {
		if (!must_exist && errno == ENOENT)
			return 0;
		finding(cfg, diag, key, "%s: %s", p, strerror(errno));
		return 1;
	}
	if (!S_ISREG(sb.st_mode)) {
		finding(cfg, diag, key, "%s is not a regular file", p);
		return 1;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		finding(cfg, diag, key, "%s is accessible by group or others (mode %03o); run: chmod 600 %s", p,
			(unsigned)(sb.st_mode & 0777), p);
		return 1;
	}
	if (sb.st_size == 0) {
		finding(cfg, diag, key, "%s is empty", p);
		return 1;
	}
	return 0;
}

/* https://HOST[:PORT][/PATH] with a host and, if given, a port 1..65535. */
static bool https_url(const char *u, char *why, size_t n)
{
	const char *h = u + 8, *e;
	size_t hl;

	if (strncmp(u, "https://", 8) != 0) {
		snprintf(why, n, "'%s' is not an https:// URL", u);
		return false;
	}
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			snprintf(why, n, "the URL holds a space or control character");
			return false;
		}
	e = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(e - h))) {
		snprintf(why, n, "the URL must not carry a user name or password (use sync.token_file)");
		return false;
	}
	hl = strcspn(h, ":/?#");
	if (hl == 0) {
		snprintf(why, n, "'%s' has no host name", u);
		return false;
	}
	if (h[hl] == ':') {
		char *end;
		long port = strtol(h + hl + 1, &end, 10);

		if (end == h + hl + 1 || end != e || port < 1 || port > 65535) {
			snprintf(why, n, "'%s' has a bad port", u);
			return false;
		}
	}
	if (*e == '?' || *e == '#') {
		snprintf(why, n, "a FHIR base URL has no query or fragment");
		return false;
	}
	return true;
}

/* "sha256//BASE64" of 32 bytes, several joined by ';' (libcurl's form). */
static bool pin_valid(const char *v, char *why, size_t n)
{
	const char *p = v;

	while (*p) {
		size_t len = strcspn(p, ";");
		unsigned char bin[64];
		size_t got = 0;
		char one[128];

		if (len < 8 || strncmp(p, "sha256//", 8) != 0 || len - 8 >= sizeof one) {
			snprintf(why, n, "'%.*s' is not sha256//BASE64 (44 characters of base64)", (int)len, p);
			return false;
		}
		memcpy(one, p + 8, len - 8);
		one[len - 8] = '\0';
		if (sodium_base642bin(bin, sizeof bin, one, strlen(one), NULL, &got, NULL,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    got != 32) {
			snprintf(why, n, "'%.*s' is not the base64 of a SHA-256 hash (32 bytes)", (int)len, p);
			return false;
		}
		p += len;
		if (*p == ';')
			p++;
	}
	return true;
}

/* Whether the file at path holds at least one PEM block whose label ends
 * in label ("CERTIFICATE", "PRIVATE KEY") and whose body decodes to DER (a
 * SEQUENCE).  why says what is wrong otherwise. */
static bool pem_valid(const char *path, const char *label, char *why, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512], *b64 = NULL;
	size_t len = 0, cap = 0;
	bool in = false, ok = false;
	int blocks = 0;

	if (f == NULL) {
		snprintf(why, n, "%.500s: %s", path, strerror(errno));
		return false;
	}
	while (!ok && fgets(line, sizeof line, f)) {
		size_t l = strcspn(line, "\r\n");

		line[l] = '\0';
		if (!in && strncmp(line, "-----BEGIN ", 11) == 0) {
			size_t ll = strlen(label);

			in = l >= 16 + ll && strncmp(line + l - 5 - ll, label, ll) == 0 &&
			     strcmp(line + l - 5, "-----") == 0;
			len = 0;
			continue;
		}
		if (in && strncmp(line, "-----END ", 9) == 0) {
			unsigned char *der = malloc(len + 1);
			size_t got = 0;

			blocks++;
			in = false;
			if (der && b64 && len &&
			    sodium_base642bin(der, len + 1, b64, len, NULL, &got, NULL,
					      sodium_base64_VARIANT_ORIGINAL) == 0 &&
			    got > 2 && der[0] == 0x30)
				ok = true;
			free(der);
			continue;
		}
		if (in && strchr(line, ':') == NULL) { /* skip "Proc-Type: ..." headers */
			if (len + l + 1 > cap) {
				char *nb = realloc(b64, (len + l + 1) * 2);

				if (nb == NULL)
					break;
				b64 = nb;
				cap = (len + l + 1) * 2;
			}
			memcpy(b64 + len, line, l);
			len += l;
			b64[len] = '\0';
		}
	}
	fclose(f);
	free(b64);
	if (!ok && blocks)
		snprintf(why, n, "%.500s: its PEM %s does not decode", path, label);
	else if (!ok)
		snprintf(why, n, "%.500s holds no PEM %s (-----BEGIN ...%s-----)", path, label, label);
	return ok;
}

static int check_pem(const config *cfg, FILE *diag, const char *key, const char *label)
{
	char p[4096], why[700];

	config_path(cfg, key, p, sizeof p);
	if (*p == '\0' || pem_valid(p, label, why, sizeof why))
		return 0;
	finding(cfg, diag, key, "%s", why);
	return 1;
}

int config_check(const config *cfg, FILE *diag)
{
	int bad = 0;
	char why[300];
	const char *server = config_str(cfg, "sync.server");
	const char *pin = config_str(cfg, "sync.pinned_pubkey");
	const char *cert = config_str(cfg, "sync.client_cert"), *key = config_str(cfg, "sync.client_key");

	bad += check_dir_readable(cfg, diag, "kiosk.content");
	if (check_creatable(cfg, diag, "kiosk.database", false, 2)) {
		bad++;
	} else {
		/* Only `kiosk init` creates the database; every other command
		 * refuses a missing or empty one.  Before the first start that
		 * is expected, so it is a note, not a problem. */
		char p[4096];
		struct stat sb;

		config_path(cfg, "kiosk.database", p, sizeof p);
		if (diag && (stat(p, &sb) != 0 || sb.st_size == 0))
			fprintf(diag, "%s: note: kiosk.database: %s %s; `kiosk init --config %s` creates it\n",
				config_file(cfg), p, stat(p, &sb) != 0 ? "does not exist yet" : "is empty",
				config_file(cfg));
	}
	bad += check_creatable(cfg, diag, "kiosk.pepper_file", false, 2);
	bad += check_private_file(cfg, diag, "kiosk.pepper_file", false);
	bad += check_creatable(cfg, diag, "kiosk.published", true, 2);
	if (*server && !https_url(server, why, sizeof why)) {
		finding(cfg, diag, "sync.server", "%s", why);
		bad++;
	}
	if (*pin && !pin_valid(pin, why, sizeof why)) {
		finding(cfg, diag, "sync.pinned_pubkey", "%s", why);
		bad++;
	}
	if (*config_str(cfg, "sync.ca_file"))
		bad += check_pem(cfg, diag, "sync.ca_file", "CERTIFICATE");
	if (*config_str(cfg, "sync.token_file"))
		bad += check_private_file(cfg, diag, "sync.token_file", true);
	if (!*cert != !*key) {
		finding(cfg, diag, *cert ? "sync.client_cert" : "sync.client_key",
			"sync.client_cert and sync.client_key go together");
		bad++;
	}
	if (*cert)
		bad += check_pem(cfg, diag, "sync.client_cert", "CERTIFICATE");
	if (*key) {
		int b = check_private_file(cfg, diag, "sync.client_key", true);

		bad += b ? b : check_pem(cfg, diag, "sync.client_key", "PRIVATE KEY");
	}
	return bad;
}
