/* content: loads a content folder (one YAML file per screen, _content.yaml, assets)
 * into plain structs the rest of the kiosk reads.
 *
 * This is the only file that includes <libfyaml.h>.  Every string is copied
 * out of the YAML document before it is destroyed.  Problems are collected
 * as file:line:col diagnostics rather than stopping at the first, so an
 * administrator sees every mistake in one run.  Semantic checks that need
 * the whole model (reachability, rules that can never fire) live in check.c. */
#include "content.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kstr.h"
#include "ktext.h"
#include "lazylib.h"

/* ---- libfyaml, loaded at first use (lazylib.h) ----
 *
 * The kiosk starts from the compiled image (content_image.h) and needs the
 * YAML parser only when the content changed. */
#define FYAML_FUNCS(X) \
	X(fy_anchor_get_text) \
	X(fy_diag_cfg_default) \
	X(fy_diag_create) \
	X(fy_diag_destroy) \
	X(fy_diag_errors_iterate) \
	X(fy_diag_set_collect_errors) \
	X(fy_document_build_from_string) \
	X(fy_document_destroy) \
	X(fy_document_root) \
	X(fy_node_get_anchor) \
	X(fy_node_get_scalar) \
	X(fy_node_get_scalar0) \
	X(fy_node_get_scalar_token) \
	X(fy_node_get_type) \
	X(fy_node_get_style) \
	X(fy_node_mapping_item_count) \
	X(fy_node_mapping_iterate) \
	X(fy_node_mapping_lookup_by_string) \
	X(fy_node_pair_key) \
	X(fy_node_pair_value) \
	X(fy_node_sequence_item_count) \
	X(fy_node_sequence_iterate) \
	X(fy_token_start_mark)

FYAML_FUNCS(LAZYLIB_PTR)
static const struct lazylib_sym fyaml_syms[] = { FYAML_FUNCS(LAZYLIB_SYM) { NULL, NULL } };
static struct lazylib fyaml_lib = { "libfyaml.so.0", "libfyaml0", fyaml_syms, NULL };

#define fy_anchor_get_text (*lazy_fy_anchor_get_text)
#define fy_diag_cfg_default (*lazy_fy_diag_cfg_default)
#define fy_diag_create (*lazy_fy_diag_create)
#define fy_diag_destroy (*lazy_fy_diag_destroy)
#define fy_diag_errors_iterate (*lazy_fy_diag_errors_iterate)
#define fy_diag_set_collect_errors (*lazy_fy_diag_set_collect_errors)
#define fy_document_build_from_string (*lazy_fy_document_build_from_string)
#define fy_document_destroy (*lazy_fy_document_destroy)
#define fy_document_root (*lazy_fy_document_root)
#define fy_node_get_anchor (*lazy_fy_node_get_anchor)
#define fy_node_get_scalar (*lazy_fy_node_get_scalar)
#define fy_node_get_scalar0 (*lazy_fy_node_get_scalar0)
#define fy_node_get_scalar_token (*lazy_fy_node_get_scalar_token)
#define fy_node_get_type (*lazy_fy_node_get_type)
#define fy_node_get_style (*lazy_fy_node_get_style)
/* libfyaml.h has it inline, on the two functions above. */
#define fy_node_is_alias(n) (fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_ALIAS)
#define fy_node_mapping_item_count (*lazy_fy_node_mapping_item_count)
#define fy_node_mapping_iterate (*lazy_fy_node_mapping_iterate)
#define fy_node_mapping_lookup_by_string (*lazy_fy_node_mapping_lookup_by_string)
#define fy_node_pair_key (*lazy_fy_node_pair_key)
#define fy_node_pair_value (*lazy_fy_node_pair_value)
#define fy_node_sequence_item_count (*lazy_fy_node_sequence_item_count)
#define fy_node_sequence_iterate (*lazy_fy_node_sequence_iterate)
#define fy_token_start_mark (*lazy_fy_token_start_mark)

/* Interface messages every content must define in every language. */
const char *const content_msg_required[] = {
	"next", "back", "yes", "no", "unsure", "finish",
	"keys_choice", "keys_multi", "keys_text", "keys_info", "keys_review",
	"progress", "err_required", "err_choose", "err_date_format", "err_date_invalid",
	"err_date_early", "err_date_late", "err_number", "err_number_range", "err_too_long",
	"err_phone", "err_email", "err_name", "err_consent", "date_hint",
	"still_there", "still_there_countdown", "enlarge", "review_edit", "not_answered",
	"outcome_clear", "outcome_review", "outcome_defer", "qr_caption", "contrast",
	"language", "unavailable", "keys_done", "more",
	"keys_many", "keys_many_choice", "keys_review_finish", "keys_button", "keys_start_over",
	"start_over", "start_over_yes", "start_over_no", "err_characters", "field_full", "months",
	"date_words", "date_readback", "link_caption",
	"read_aloud", "larger_text", "more_time", "say_option", "say_option_on", "say_ticked", "say_unticked", "say_answer", "say_typed",
	NULL,
};

static const char *const kind_names[] = {
	[CONTENT_INFO] = "info", [CONTENT_YESNO] = "yesno", [CONTENT_CHOICE] = "choice",
	[CONTENT_MULTI] = "multi", [CONTENT_TEXT] = "text", [CONTENT_NUMBER] = "number",
	[CONTENT_DATE] = "date", [CONTENT_CONSENT] = "consent", [CONTENT_REVIEW] = "review",
	[CONTENT_OUTCOME] = "outcome", [CONTENT_AFTERCARE] = "aftercare",
};
#define N_KINDS ((int)(sizeof kind_names / sizeof kind_names[0]))

bool content_asks(enum content_kind k)
{
	switch (k) {
	case CONTENT_YESNO:
	case CONTENT_CHOICE:
	case CONTENT_MULTI:
	case CONTENT_TEXT:
	case CONTENT_NUMBER:
	case CONTENT_DATE:
	case CONTENT_CONSENT:
		return true;
	default:
		return false;
	}
}

const char *content_kind_name(enum content_kind k)
{
	return (int)k >= 0 && (int)k < N_KINDS ? kind_names[k] : "?";
}

/* Which screen keys each kind accepts (bit per kind). */
#define K(x) (1u << (x))
#define QUESTIONS (K(CONTENT_YESNO) | K(CONTENT_CHOICE) | K(CONTENT_MULTI) | K(CONTENT_TEXT) | \
		   K(CONTENT_NUMBER) | K(CONTENT_DATE) | K(CONTENT_CONSENT))
#define ALL_KINDS (K(N_KINDS) - 1)

static const struct {
	const char *key;
	unsigned kinds;
} screen_keys[] = {
	{ "id", ALL_KINDS }, { "kind", ALL_KINDS }, { "title", ALL_KINDS }, { "text", ALL_KINDS },
	{ "help", ALL_KINDS }, { "when", ALL_KINDS }, { "required", QUESTIONS },
	{ "not_sure", K(CONTENT_YESNO) },
	{ "safety", K(CONTENT_YESNO) | K(CONTENT_CHOICE) | K(CONTENT_MULTI) },
	{ "not_sure_reason", K(CONTENT_YESNO) | K(CONTENT_CHOICE) | K(CONTENT_MULTI) },
	{ "options", K(CONTENT_CHOICE) | K(CONTENT_MULTI) },
	{ "max_length", K(CONTENT_TEXT) | K(CONTENT_CONSENT) }, { "pattern", K(CONTENT_TEXT) },
	{ "min", K(CONTENT_NUMBER) | K(CONTENT_DATE) }, { "max", K(CONTENT_NUMBER) | K(CONTENT_DATE) },
	{ "flags", QUESTIONS }, { "clear", K(CONTENT_OUTCOME) }, { "review", K(CONTENT_OUTCOME) },
	{ "defer", K(CONTENT_OUTCOME) }, { "body_file", K(CONTENT_AFTERCARE) },
	{ "link", K(CONTENT_AFTERCARE) },
};
#define N_SCREEN_KEYS ((int)(sizeof screen_keys / sizeof screen_keys[0]))

static const char *const option_keys[] = { "id", "label", "exclusive", "unsure", NULL };
static const char *const flag_keys[] = { "code", "severity", "when", "staff", "patient",
					 "patient_visible", NULL };
static const char *const cond_keys[] = {
	"question", "equals", "not_equals", "answered", "unsure", "within", "older_than",
	"age_under", "age_at_least", NULL,
};
static const char *const meta_keys[] = {
	"name", "phone", "url", "assets", "languages", "identity", "messages", NULL,
};

struct loader {
	struct content *c;
	struct content_diags *d;
	struct content_diags own;
	const char *file;
	crypto_hash_sha256_state hash;
	bool oom;
};

/* ---- diagnostics ---- */

void content_diag_add(struct content_diags *ds, const char *file, int line, int col, bool warning,
		      const char *fmt, ...)
{
	struct content_diag *dg;
	char raw[1024];
	va_list ap;

	if (ds == NULL)
		return;
	if (warning)
		ds->warnings++;
	else
		ds->errors++;
	if (ds->n == ds->cap) {
		int cap = ds->cap ? ds->cap * 2 : 16;
		struct content_diag *nd = realloc(ds->d, (size_t)cap * sizeof *nd);

		if (nd == NULL)
			return; /* counted, not listed */
		ds->d = nd;
		ds->cap = cap;
	}
	dg = &ds->d[ds->n++];
	/* File names, keys and values come from the content: escaped here,
	 * the one place every diagnostic is formatted, before any terminal
	 * sees them. */
	file = file ? file : "";
	ktext_escape(dg->file, sizeof dg->file, file, strlen(file));
	dg->line = line;
	dg->col = col;
	dg->warning = warning;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	ktext_escape(dg->msg, sizeof dg->msg, raw, strlen(raw));
}

void content_diags_free(struct content_diags *ds)
{
	if (ds == NULL)
		return;
	free(ds->d);
	ds->d = NULL;
	ds->n = ds->cap = ds->errors = ds->warnings = 0;
}

/* ---- libfyaml helpers ---- */

static void mark_of(struct fy_node *n, int *line, int *col)
{
	*line = 0;
	*col = 0;
	while (n != NULL) {
		void *it = NULL;

		switch (fy_node_get_type(n)) {
		case FYNT_SCALAR: {
			struct fy_token *t = fy_node_get_scalar_token(n);
			const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;

			if (m) {
				*line = m->line + 1;
				*col = m->column + 1;
			}
			return;
		}
		case FYNT_MAPPING: {
			struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);

			n = p ? fy_node_pair_key(p) : NULL;
			if (*line == 0 && n == NULL)
				return;
			break;
		}
		case FYNT_SEQUENCE:
			n = fy_node_sequence_iterate(n, &it);
			break;
		default:
			return;
		}
	}
}

static void diag(struct loader *l, struct fy_node *n, bool warning, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void diag(struct loader *l, struct fy_node *n, bool warning, const char *fmt, ...)
{
	char msg[256];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mark_of(n, &line, &col);
	content_diag_add(l->d, l->file, line, col, warning, "%s", msg);
}

static char *dup_or_oom(struct loader *l, const char *s)
{
	char *r = strdup(s ? s : "");

	if (r == NULL)
		l->oom = true;
	return r;
}

/* A scalar's text, NULL if n is not a scalar. Borrowed from the document. */
static const char *scalar(struct fy_node *n)
{
	if (n == NULL || fy_node_get_type(n) != FYNT_SCALAR)
		return NULL;
	return fy_node_get_scalar0(n);
}

static char *str_value(struct loader *l, struct fy_node *n, const char *what)
{
	const char *s = scalar(n);

	if (s == NULL) {
		diag(l, n, false, "'%s' must be a plain text value", what);
		return NULL;
	}
	return dup_or_oom(l, s);
}

/* An unknown key: suggest the close one, else list the keys that may be
 * there (a closed set the admin can pick from). */
static void unknown_key(struct loader *l, struct fy_node *key, const char *k, const char *const *known,
			const char *where)
{
	int n = 0;
	const char *best;
	char list[200];

	while (known[n])
		n++;
	best = kstr_suggest(k, known, n);
	if (best)
		diag(l, key, false, "unknown key '%s' in %s (did you mean '%s'?)", k, where, best);
	else
		diag(l, key, false, "unknown key '%s' in %s (it may have: %s)", k, where,
		     kstr_join(list, sizeof list, known, n));
}

static bool parse_bool_node(struct loader *l, struct fy_node *n, const char *what, bool *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes"))) {
		*out = true;
		return true;
	}
	if (s && (!strcmp(s, "false") || !strcmp(s, "no"))) {
		*out = false;
		return true;
	}
	diag(l, n, false, "'%s' must be true or false", what);
	return false;
}

static bool parse_long_node(struct loader *l, struct fy_node *n, const char *what, long lo, long hi,
			    long *out)
{
	const char *s = scalar(n);
	char *end;
	long v;

	if (s == NULL || *s == '\0') {
		diag(l, n, false, "'%s' must be a whole number", what);
		return false;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno) {
		diag(l, n, false, "'%s' must be a whole number, not '%s'", what, s);
		return false;
	}
	if (v < lo || v > hi) {
		diag(l, n, false, "'%s' is %ld, outside %ld..%ld", what, v, lo, hi);
		return false;
	}
	*out = v;
	return true;
}

/* Replace {phone} and {clinic} with the content's values. */
static char *expand(struct loader *l, const char *s)
{
	const char *ph = l->c->phone ? l->c->phone : "";
	const char *cl = l->c->name ? l->c->name : "";
	size_t n = strlen(s) + 1, lp = strlen(ph), lc = strlen(cl);
	char *out, *o;

	if (strchr(s, '{') == NULL) /* the common case: nothing to fill in */
		return dup_or_oom(l, s);
	for (const char *p = s; *p; p++) {
		if (!strncmp(p, "{phone}", 7))
			n += lp;
		else if (!strncmp(p, "{clinic}", 8))
			n += lc;
	}
	out = malloc(n);
	if (out == NULL) {
		l->oom = true;
		return NULL;
	}
	o = out;
	while (*s) {
		if (*s != '{') {
			*o++ = *s++;
		} else if (!strncmp(s, "{phone}", 7)) {
			memcpy(o, ph, lp);
			o += lp;
			s += 7;
		} else if (!strncmp(s, "{clinic}", 8)) {
			memcpy(o, cl, lc);
			o += lc;
			s += 8;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* A translated text: a mapping of language code to string.  A plain string
 * is accepted only when the content has a single language. */
static void parse_text(struct loader *l, struct fy_node *n, const char *what, struct content_text *t)
{
	struct content *c = l->c;
	void *it = NULL;
	struct fy_node_pair *p;

	mark_of(n, &t->line, &t->col);
	if (scalar(n)) {
		if (c->n_langs > 1)
			diag(l, n, false, "'%s' needs a translation for each language (e.g. {%s: ..., %s: ...})",
			     what, c->langs[0], c->langs[1]);
		t->s[0] = expand(l, scalar(n));
		return;
	}
	if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING) {
		diag(l, n, false, "'%s' must map language codes to text", what);
		return;
	}
	while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
		const char *k = scalar(fy_node_pair_key(p));
		const char *v = scalar(fy_node_pair_value(p));
		int li = k ? content_lang(c, k) : -1;

		if (li < 0) {
			diag(l, fy_node_pair_key(p), false,
			     "'%s' has text for language '%s', which _content.yaml does not list", what,
			     k ? k : "?");
			continue;
		}
		if (v == NULL) {
			diag(l, fy_node_pair_value(p), false, "'%s' (%s) must be text", what, k);
			continue;
		}
		if (*v == '\0') {
			diag(l, fy_node_pair_value(p), false, "'%s' (%s) is empty", what, k);
			continue;
		}
		free(t->s[li]);
		t->s[li] = expand(l, v);
	}
	for (int i = 0; i < c->n_langs; i++)
		if (t->s[i] == NULL)
			diag(l, n, false, "'%s' is missing the '%s' translation", what, c->langs[i]);
}

static void free_text(struct content_text *t)
{
	for (int i = 0; i < CONTENT_MAX_LANGS; i++)
		free(t->s[i]);
}

/* ---- conditions ---- */

static void parse_cond(struct loader *l, struct fy_node *n, struct content_cond *cd)
{
	void *it = NULL;
	struct fy_node_pair *p;
	int ops = 0;

	cd->q = -1;
	mark_of(n, &cd->line, &cd->col);
	if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING) {
		diag(l, n, false, "a condition must be a mapping such as {question: pregnant, equals: \"yes\"}");
		return;
	}
	while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = scalar(kn);
		const char *v = scalar(vn);
		long num;
		bool b;

		if (k == NULL)
			continue;
		if (!strcmp(k, "question")) {
			free(cd->question);
			cd->question = str_value(l, vn, "question");
			continue;
		}
		ops++;
		if (!strcmp(k, "equals") || !strcmp(k, "not_equals")) {
			cd->op = k[0] == 'e' ? CONTENT_OP_EQUALS : CONTENT_OP_NOT_EQUALS;
			free(cd->value);
			cd->value = str_value(l, vn, k);
		} else if (!strcmp(k, "answered")) {
			if (parse_bool_node(l, vn, k, &b))
				cd->op = b ? CONTENT_OP_ANSWERED : CONTENT_OP_UNANSWERED;
		} else if (!strcmp(k, "unsure")) {
			cd->op = CONTENT_OP_UNSURE;
			if (parse_bool_node(l, vn, k, &b) && !b)
				diag(l, vn, false, "'unsure: false' is not supported; use not_equals");
		} else if (!strcmp(k, "within") || !strcmp(k, "older_than")) {
			cd->op = k[0] == 'w' ? CONTENT_OP_WITHIN : CONTENT_OP_OLDER_THAN;
			if (v == NULL || !kdate_span_parse(v, &cd->span))
				diag(l, vn, false,
				     "bad window '%s' for '%s': write a count and a unit, e.g. 14d, 2w, 6m or 1y",
				     v ? v : "?", k);
		} else if (!strcmp(k, "age_under") || !strcmp(k, "age_at_least")) {
			cd->op = k[4] == 'u' ? CONTENT_OP_AGE_UNDER : CONTENT_OP_AGE_AT_LEAST;
			if (parse_long_node(l, vn, k, 0, 150, &num))
				cd->years = (int)num;
		} else {
			ops--;
			unknown_key(l, kn, k, cond_keys, "a condition");
		}
	}
	if (ops == 0)
		diag(l, n, false, "condition has no test (equals, not_equals, answered, unsure, within, older_than, age_under, age_at_least)");
	else if (ops > 1)
		diag(l, n, false, "a condition holds one test; use a list for several");
}

static void parse_when(struct loader *l, struct fy_node *n, struct content_when *w)
{
	struct fy_node *list = n;
	void *it = NULL;
	struct fy_node *item;
	int count;

	mark_of(n, &w->line, &w->col);
	if (n && fy_node_get_type(n) == FYNT_MAPPING) {
		struct fy_node *all = fy_node_mapping_lookup_by_string(n, "all", FY_NT);
		struct fy_node *any = fy_node_mapping_lookup_by_string(n, "any", FY_NT);

		if (all || any) {
			if (fy_node_mapping_item_count(n) != 1) {
				diag(l, n, false, "'when' with 'all' or 'any' must hold nothing else");
				return;
			}
			w->any = any != NULL;
			list = any ? any : all;
			if (fy_node_get_type(list) != FYNT_SEQUENCE) {
				diag(l, list, false, "'%s' must be a list of conditions", any ? "any" : "all");
				return;
			}
		} else {
			w->c = calloc(1, sizeof *w->c);
			if (w->c == NULL) {
				l->oom = true;
				return;
			}
			w->n = 1;
			parse_cond(l, n, &w->c[0]);
			return;
		}
	}
	if (list == NULL || fy_node_get_type(list) != FYNT_SEQUENCE) {
		diag(l, n, false, "'when' must be a condition, a list of conditions, or {any: [...]}");
		return;
	}
	count = fy_node_sequence_item_count(list);
	if (count == 0) {
		diag(l, list, false, "'when' has an empty list of conditions");
		return;
	}
	w->c = calloc((size_t)count, sizeof *w->c);
	if (w->c == NULL) {
		l->oom = true;
		return;
	}
	while ((item = fy_node_sequence_iterate(list, &it)) != NULL)
		parse_cond(l, item, &w->c[w->n++]);
}

static void free_when(struct content_when *w)
{
	for (int i = 0; i < w->n; i++) {
		free(w->c[i].question);
		free(w->c[i].value);
	}
	free(w->c);
}

/* ---- screens ---- */

static bool key_known(const char *k, enum content_kind kind, bool *wrong_kind)
{
	for (int i = 0; i < N_SCREEN_KEYS; i++)
		if (!strcmp(screen_keys[i].key, k)) {
			*wrong_kind = !(screen_keys[i].kinds & K(kind));
			return true;
		}
	return false;
}

static void parse_options(struct loader *l, struct fy_node *n, struct content_screen *s)
{
	void *it = NULL;
	struct fy_node *item;
	int count;

	if (n == NULL || fy_node_get_type(n) != FYNT_SEQUENCE) {
		diag(l, n, false, "'options' must be a list");
		return;
	}
	count = fy_node_sequence_item_count(n);
	s->options = calloc((size_t)(count ? count : 1), sizeof *s->options);
	if (s->options == NULL) {
		l->oom = true;
		return;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL) {
		struct content_option *o = &s->options[s->n_options++];
		void *it2 = NULL;
		struct fy_node_pair *p;

		mark_of(item, &o->line, &o->col);
		if (fy_node_get_type(item) != FYNT_MAPPING) {
			diag(l, item, false, "each option must be a mapping with id and label");
			continue;
		}
		while ((p = fy_node_mapping_iterate(item, &it2)) != NULL) {
			struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
			const char *k = scalar(kn);

			if (k == NULL)
				continue;
			if (!strcmp(k, "id")) {
				o->id = str_value(l, vn, "id");
			} else if (!strcmp(k, "label")) {
				parse_text(l, vn, "label", &o->label);
			} else if (!strcmp(k, "exclusive")) {
				parse_bool_node(l, vn, k, &o->exclusive);
			} else if (!strcmp(k, "unsure")) {
				parse_bool_node(l, vn, k, &o->unsure);
			} else {
				unknown_key(l, kn, k, option_keys, "an option");
			}
		}
		if (o->id == NULL)
			diag(l, item, false, "option has no 'id'");
		else if (strchr(o->id, ',') || o->id[0] == '\0')
			diag(l, item, false, "option id '%s' must be non-empty and hold no comma", o->id);
		if (o->label.s[0] == NULL && o->label.line == 0)
			diag(l, item, false, "option '%s' has no 'label'", o->id ? o->id : "?");
	}
}

static void parse_flags(struct loader *l, struct fy_node *n, struct content_screen *s)
{
	void *it = NULL;
	struct fy_node *item;
	int count;

	if (n == NULL || fy_node_get_type(n) != FYNT_SEQUENCE) {
		diag(l, n, false, "'flags' must be a list");
		return;
	}
	count = fy_node_sequence_item_count(n);
	s->flags = calloc((size_t)(count ? count : 1), sizeof *s->flags);
	if (s->flags == NULL) {
		l->oom = true;
		return;
	}
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL) {
		struct content_flag *f = &s->flags[s->n_flags++];
		void *it2 = NULL;
		struct fy_node_pair *p;
		bool have_sev = false, have_when = false, have_patient = false;

		mark_of(item, &f->line, &f->col);
		if (fy_node_get_type(item) != FYNT_MAPPING) {
			diag(l, item, false, "each flag must be a mapping with code, severity, when, staff and patient");
			continue;
		}
		while ((p = fy_node_mapping_iterate(item, &it2)) != NULL) {
			struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
			const char *k = scalar(kn), *v = scalar(vn);

			if (k == NULL)
				continue;
			if (!strcmp(k, "code")) {
				f->code = str_value(l, vn, "code");
			} else if (!strcmp(k, "severity")) {
				have_sev = true;
				if (v && !strcmp(v, "review"))
					f->severity = CONTENT_SEV_REVIEW;
				else if (v && !strcmp(v, "defer"))
					f->severity = CONTENT_SEV_DEFER;
				else
					diag(l, vn, false, "severity must be 'review' or 'defer', not '%s'", v ? v : "?");
			} else if (!strcmp(k, "when")) {
				have_when = true;
				parse_when(l, vn, &f->when);
			} else if (!strcmp(k, "staff")) {
				f->staff = str_value(l, vn, "staff");
			} else if (!strcmp(k, "patient")) {
				have_patient = true;
				parse_text(l, vn, "patient", &f->patient);
			} else if (!strcmp(k, "patient_visible")) {
				/* The lobby can read the outcome screen: a patient
				 * line is shown only where the content says so. */
				if (v && (!strcmp(v, "true") || !strcmp(v, "false")))
					f->patient_visible = !strcmp(v, "true");
				else
					diag(l, vn, false, "patient_visible must be true or false, not '%s'", v ? v : "?");
			} else {
				unknown_key(l, kn, k, flag_keys, "a flag");
			}
		}
		if (f->code == NULL)
			diag(l, item, false, "flag has no 'code'");
		if (!have_sev)
			diag(l, item, false, "flag '%s' has no 'severity' (review or defer)", f->code ? f->code : "?");
		if (!have_when)
			diag(l, item, false, "flag '%s' has no 'when'", f->code ? f->code : "?");
		if (f->staff == NULL)
			diag(l, item, false, "flag '%s' has no 'staff' message", f->code ? f->code : "?");
		if (!have_patient)
			diag(l, item, false, "flag '%s' has no 'patient' message", f->code ? f->code : "?");
	}
}

static void parse_datebound(struct loader *l, struct fy_node *n, const char *what,
			    struct content_datebound *b)
{
	const char *v = scalar(n);

	b->set = true;
	if (v && !strcmp(v, "today")) {
		b->relative = true;
		return;
	}
	if (v && v[0] == '-' && kdate_span_parse(v + 1, &b->span)) {
		b->relative = true;
		return;
	}
	if (v && kdate_parse(v, &b->abs))
		return;
	diag(l, n, false, "bad date bound '%s' for '%s': use today, -120y, -6m, -14d or YYYY-MM-DD",
	     v ? v : "?", what);
	b->set = false;
}

static int kind_of(const char *s)
{
	for (int i = 0; i < N_KINDS; i++)
		if (s && !strcmp(kind_names[i], s))
			return i;
	return -1;
}

/* Read a whole content file.  Only regular files, never through a
 * symbolic link: a link to the pepper or the database must not become
 * content (publish copies exactly the files read here).  On failure
 * returns NULL and *why says why (static text). */
static const char not_found[] = "not found";

void content_stamp_of(const struct stat *sb, struct content_stamp *out)
{
	memset(out, 0, sizeof *out);
	out->dev = (unsigned long long)sb->st_dev;
	out->ino = (unsigned long long)sb->st_ino;
	out->size = (unsigned long long)sb->st_size;
	out->mtime_s = (long long)sb->st_mtim.tv_sec;
	out->mtime_ns = (long long)sb->st_mtim.tv_nsec;
	out->ctime_s = (long long)sb->st_ctim.tv_sec;
	out->ctime_ns = (long long)sb->st_ctim.tv_nsec;
}

/* st (may be NULL) gets the file's stat as it was opened. */
static char *read_file(const char *path, size_t *len, const char **why, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0) {
		*why = errno == ELOOP	 ? "is a symbolic link; content files must be regular files"
		       : errno == ENOENT ? not_found
					 : strerror(errno);
		return NULL;
	}
	if (fstat(fd, &sb) != 0) {
		*why = strerror(errno);
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		*why = "is not a regular file";
		goto out;
	}
	if (sb.st_size > 4 * 1024 * 1024) {
		*why = "is larger than 4 MiB";
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL) {
		*why = "out of memory";
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*why = r < 0 ? strerror(errno) : "changed while it was read";
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
	if (st)
		*st = sb;
out:
	close(fd);
	return buf;
}

/* Remember a file that is part of the content (see content.files), as
 * it was when read (sb). */
static void note_file(struct loader *l, const char *path, const struct stat *sb)
{
	struct content *c = l->c;

	if (c->n_files % 16 == 0) {
		char **nf = realloc(c->files, (size_t)(c->n_files + 16) * sizeof *nf);
		struct content_stamp *ns;

		if (nf == NULL) {
			l->oom = true;
			return;
		}
		c->files = nf;
		ns = realloc(c->file_stamps, (size_t)(c->n_files + 16) * sizeof *ns);
		if (ns == NULL) {
			l->oom = true;
			return;
		}
		c->file_stamps = ns;
	}
	c->files[c->n_files] = dup_or_oom(l, path);
	if (c->files[c->n_files]) {
		content_stamp_of(sb, &c->file_stamps[c->n_files]);
		c->n_files++;
	}
}

/* The first line whose indentation holds a tab (0 if none).  YAML indents
 * with spaces only, and libfyaml's message for a tab ("invalid multiline
 * plain key") does not say so. */
static int tab_indent_line(const char *buf, size_t len, int *col)
{
	int line = 1;

	for (size_t i = 0; i < len; line++) {
		size_t j = i;

		while (j < len && (buf[j] == ' ' || buf[j] == '\t')) {
			if (buf[j] == '\t' && j + 1 < len && buf[j + 1] != '\n' && buf[j + 1] != '#') {
				*col = (int)(j - i) + 1;
				return line;
			}
			j++;
		}
		while (i < len && buf[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

/* Whether the text holds nothing but blank lines and comments. */
static bool blank_yaml(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '#') {
			while (i < len && buf[i] != '\n')
				i++;
		} else if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r') {
			return false;
		}
	}
	return true;
}

static void hash_file(struct loader *l, const char *name, const char *buf, size_t len)
{
	unsigned char n8[8];

	for (int i = 0; i < 8; i++)
		n8[i] = (unsigned char)((uint64_t)len >> (8 * i));
	crypto_hash_sha256_update(&l->hash, (const unsigned char *)name, strlen(name) + 1);
	crypto_hash_sha256_update(&l->hash, n8, sizeof n8);
	crypto_hash_sha256_update(&l->hash, (const unsigned char *)buf, len);
}

/* What libfyaml must never be given.  Content is UTF-8 text, and YAML
 * directives (`%YAML`, `%TAG`) are of no use to an administrator: libfyaml
 * 0.7.12 loops forever on a directive line holding a non-ASCII byte, so a
 * file with invalid UTF-8, a raw control character (which YAML forbids in a
 * stream anyway) or a line starting with '%' is refused here, with its
 * line and column, before the parser sees it. */
static bool text_problem(const char *buf, size_t len, bool yaml, int *line, int *col, char *why, size_t n)
{
	bool bol = true;

	*line = 1;
	*col = 1;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		int k = ktext_decode(buf + i, len - i, &cp);

		if (k <= 0) {
			snprintf(why, n, "not valid UTF-8 (byte 0x%02X); save the file as UTF-8", (unsigned char)buf[i]);
			return true;
		}
		if (ktext_is_control(cp) && cp != '\t' && cp != '\n' && cp != '\r') {
			snprintf(why, n, "control character U+%04X; content files hold only text", (unsigned)cp);
			return true;
		}
		if (yaml && bol && cp == '%') {
			snprintf(why, n, "YAML directives (lines starting with '%%') are not supported");
			return true;
		}
		bol = cp == '\n';
		if (bol) {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
		i += (size_t)k;
	}
	return false;
}

static bool vet_text(struct loader *l, const char *name, const char *buf, size_t len, bool yaml)
{
	char why[128];
	int line, col;

	if (!text_problem(buf, len, yaml, &line, &col, why, sizeof why))
		return true;
	content_diag_add(l->d, name, line, col, false, "%s", why);
	return false;
}

struct key_at {
	const char *s;
	size_t len;
	int order;
	struct fy_node *node;
};

static int key_at_cmp(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int r = memcmp(x->s, y->s, n);

	if (r == 0 && x->len != y->len)
		r = x->len < y->len ? -1 : 1;
	return r ? r : x->order - y->order;
}

/* Every key of one mapping at most once, whatever the parser let through. */
static bool vet_keys(struct loader *l, struct fy_node *map)
{
	int count = fy_node_mapping_item_count(map), k = 0;
	struct key_at *keys;
	struct fy_node_pair *p;
	void *it = NULL;
	bool ok = true;

	if (count < 2)
		return true;
	keys = calloc((size_t)count, sizeof *keys);
	if (keys == NULL) {
		l->oom = true;
		return false;
	}
	while ((p = fy_node_mapping_iterate(map, &it)) != NULL && k < count) {
		struct fy_node *kn = fy_node_pair_key(p);

		if (kn == NULL || fy_node_get_type(kn) != FYNT_SCALAR || fy_node_is_alias(kn))
			continue; /* an alias is refused by itself */
		keys[k].s = fy_node_get_scalar(kn, &keys[k].len);
		if (keys[k].s == NULL)
			continue;
		keys[k].order = k;
		keys[k].node = kn;
		k++;
	}
	qsort(keys, (size_t)k, sizeof *keys, key_at_cmp);
	for (int i = 1; i < k; i++) {
		int first = i - 1, line, col;

		if (keys[i].len != keys[i - 1].len || memcmp(keys[i].s, keys[i - 1].s, keys[i].len))
			continue;
		while (first > 0 && keys[first - 1].len == keys[i].len &&
		       !memcmp(keys[first - 1].s, keys[i].s, keys[i].len))
			first--;
		mark_of(keys[first].node, &line, &col);
		diag(l, keys[i].node, false, "key '%.*s' appears twice in one mapping (first at line %d)",
		     (int)(keys[i].len > 80 ? 80 : keys[i].len), keys[i].s, line);
		ok = false;
	}
	free(keys);
	return ok;
}

#define VET_MAX_DEPTH 32

/* Anchors and aliases are refused anywhere: an administrator never needs
 * them, and an alias used as a key is invisible to libfyaml's duplicate-key
 * check, so `*options :` after `&options options:` handed the loader the
 * same list twice.  Every mapping's keys are checked for repeats here, so
 * the parsers below may assume each key at most once.  Returns false when
 * the document must not be parsed further. */
static bool vet_tree(struct loader *l, struct fy_node *n, int depth)
{
	struct fy_anchor *a;
	void *it = NULL;
	bool ok = true;

	if (n == NULL)
		return true;
	if (depth > VET_MAX_DEPTH) {
		diag(l, n, false, "nested more than %d levels deep", VET_MAX_DEPTH);
		return false;
	}
	if (fy_node_is_alias(n)) {
		size_t len = 0;
		const char *name = fy_node_get_scalar(n, &len);

		diag(l, n, false, "YAML aliases ('*%.*s') are not supported; write the value out in full",
		     (int)(name && len < 80 ? len : 0), name ? name : "");
		return false;
	}
	a = fy_node_get_anchor(n);
	if (a != NULL) {
		size_t len = 0;
		const char *name = fy_anchor_get_text(a, &len);

		diag(l, n, false, "YAML anchors ('&%.*s') are not supported; write the value out in full",
		     (int)(name && len < 80 ? len : 0), name ? name : "");
		ok = false;
	}
	switch (fy_node_get_type(n)) {
	case FYNT_MAPPING: {
		struct fy_node_pair *p;

		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			ok = vet_tree(l, fy_node_pair_key(p), depth + 1) && ok;
			ok = vet_tree(l, fy_node_pair_value(p), depth + 1) && ok;
		}
		ok = vet_keys(l, n) && ok;
		break;
	}
	case FYNT_SEQUENCE: {
		struct fy_node *item;

		while ((item = fy_node_sequence_iterate(n, &it)) != NULL)
			ok = vet_tree(l, item, depth + 1) && ok;
		break;
	}
	default:
		break;
	}
	return ok;
}

/* Parse one YAML file into a document; report syntax errors with position. */
/* The document points into the source text: *src must stay allocated until
 * the document is destroyed, then the caller frees it. */
static struct fy_document *load_yaml(struct loader *l, const char *dir, const char *name, char **src)
{
	char path[2 * PATH_MAX + 2];
	struct fy_diag_cfg dcfg;
	struct fy_diag *dg;
	struct fy_parse_cfg cfg;
	struct fy_document *doc;
	const char *why = "";
	char *buf;
	size_t len = 0;
	int tline, tcol = 0;
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	*src = NULL;
	buf = read_file(path, &len, &why, &sb);
	if (buf == NULL) {
		content_diag_add(l->d, name, 0, 0, false, "cannot read file: %s", why);
		return NULL;
	}
	*src = buf;
	note_file(l, path, &sb);
	hash_file(l, name, buf, len);
	if (!vet_text(l, name, buf, len, true))
		return NULL;
	if (blank_yaml(buf, len)) {
		content_diag_add(l->d, name, 1, 1, false, "file is empty%s", strcmp(name, "_content.yaml") ? "; a screen needs at least id and kind" : "");
		return NULL;
	}
	if ((tline = tab_indent_line(buf, len, &tcol)) > 0) {
		content_diag_add(l->d, name, tline, tcol, false,
				 "a tab in the indentation: YAML indents with spaces only");
		return NULL;
	}
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.colorize = false;
	dcfg.level = FYET_ERROR;
	{
		/* Collect rather than print: the checker prints in its own format. */
		FILE *null = fopen("/dev/null", "w");

		dcfg.fp = null;
		dg = fy_diag_create(&dcfg);
		if (dg)
			fy_diag_set_collect_errors(dg, true);
		memset(&cfg, 0, sizeof cfg);
		/* Duplicate keys are left to vet_keys(), which also sees keys
		 * libfyaml does not compare and names the first occurrence. */
		cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_JSON_NONE | FYPCF_ALLOW_DUPLICATE_KEYS;
		cfg.diag = dg;
		doc = fy_document_build_from_string(&cfg, buf, len);
		if (dg) {
			void *it = NULL;
			struct fy_diag_error *e;
			int nerr = 0;

			while ((e = fy_diag_errors_iterate(dg, &it)) != NULL) {
				if (e->type < FYET_ERROR)
					continue;
				content_diag_add(l->d, name, e->line + 1, e->column + 1, false,
						 "YAML syntax error: %s", e->msg ? e->msg : "invalid YAML");
				nerr++;
			}
			if (doc == NULL && nerr == 0)
				content_diag_add(l->d, name, 1, 1, false, "YAML syntax error");
			if (doc && nerr) {
				fy_document_destroy(doc);
				doc = NULL;
			}
			fy_diag_destroy(dg);
		} else if (doc == NULL) {
			content_diag_add(l->d, name, 1, 1, false, "YAML syntax error");
		}
		if (null)
			fclose(null);
	}
	if (doc && fy_document_root(doc) == NULL) {
		content_diag_add(l->d, name, 1, 1, false, "file is empty");
		fy_document_destroy(doc);
		return NULL;
	}
	if (doc && !vet_tree(l, fy_document_root(doc), 0)) {
		fy_document_destroy(doc);
		return NULL;
	}
	return doc;
}

static void load_body(struct loader *l, const char *assets, const char *base, struct fy_node *n,
		      struct content_screen *s)
{
	struct content *c = l->c;

	for (int i = 0; i < c->n_langs; i++) {
		char path[PATH_MAX + 320], name[300];
		const char *why = "";
		size_t len = 0;
		char *buf;
		struct stat sb;

		snprintf(name, sizeof name, "%.200s.%s.txt", base, c->langs[i]);
		snprintf(path, sizeof path, "%s/%s", assets, name);
		buf = read_file(path, &len, &why, &sb);
		if (buf == NULL) {
			diag(l, n, false, "aftercare text for language '%s': cannot read %s: %s", c->langs[i], path,
			     why == not_found ? "no such file" : why);
			continue;
		}
		note_file(l, path, &sb);
		{
			char hname[320];

			snprintf(hname, sizeof hname, "assets/%s", name);
			hash_file(l, hname, buf, len);
			if (!vet_text(l, hname, buf, len, false)) {
				free(buf);
				continue;
			}
		}
		s->body.s[i] = expand(l, buf);
		free(buf);
	}
}

static void parse_screen(struct loader *l, struct fy_node *root, const char *assets,
			 struct content_screen *s)
{
	struct fy_node *kindn, *n;
	struct fy_node_pair *p;
	void *it = NULL;
	int kind;
	bool have_text = false, have_title = false, have_outcome[3] = { false, false, false };

	mark_of(root, &s->line, &(int){ 0 });
	if (fy_node_get_type(root) != FYNT_MAPPING) {
		diag(l, root, false, "a screen file must be a mapping with id, kind, title, ...");
		return;
	}
	kindn = fy_node_mapping_lookup_by_string(root, "kind", FY_NT);
	kind = kind_of(scalar(kindn));
	if (kindn == NULL) {
		diag(l, root, false, "screen has no 'kind' (info, yesno, choice, multi, text, number, date, consent, review, outcome, aftercare)");
		return;
	}
	if (kind < 0) {
		const char *best = scalar(kindn) ? kstr_suggest(scalar(kindn), kind_names, N_KINDS) : NULL;
		char list[200];

		if (best)
			diag(l, kindn, false, "unknown kind '%s' (did you mean '%s'?)", scalar(kindn) ? scalar(kindn) : "?", best);
		else
			diag(l, kindn, false, "unknown kind '%s' (the kinds: %s)", scalar(kindn) ? scalar(kindn) : "?",
			     kstr_join(list, sizeof list, kind_names, N_KINDS));
		return;
	}
	s->kind = (enum content_kind)kind;
	s->required = (QUESTIONS & K(kind)) != 0;
	s->safety = kind == CONTENT_YESNO || kind == CONTENT_CHOICE || kind == CONTENT_MULTI;
	s->max_length = 80;
	while ((p = fy_node_mapping_iterate(root, &it)) != NULL) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = scalar(kn);
		bool wrong = false;
		long num;

		if (k == NULL) {
			diag(l, kn, false, "keys must be plain words");
			continue;
		}
		if (!key_known(k, s->kind, &wrong)) {
			const char *known[N_SCREEN_KEYS + 1];

			for (int i = 0; i < N_SCREEN_KEYS; i++)
				known[i] = screen_keys[i].key;
			known[N_SCREEN_KEYS] = NULL;
			unknown_key(l, kn, k, known, "a screen");
			continue;
		}
		if (wrong) {
			diag(l, kn, false, "'%s' does not apply to a %s screen", k, kind_names[kind]);
			continue;
		}
		if (!strcmp(k, "id")) {
			s->id = str_value(l, vn, "id");
		} else if (!strcmp(k, "kind")) {
			continue;
		} else if (!strcmp(k, "title")) {
			have_title = true;
			parse_text(l, vn, k, &s->title);
		} else if (!strcmp(k, "text")) {
			have_text = true;
			parse_text(l, vn, k, &s->text);
		} else if (!strcmp(k, "help")) {
			parse_text(l, vn, k, &s->help);
		} else if (!strcmp(k, "when")) {
			parse_when(l, vn, &s->when);
		} else if (!strcmp(k, "required")) {
			parse_bool_node(l, vn, k, &s->required);
		} else if (!strcmp(k, "not_sure")) {
			parse_bool_node(l, vn, k, &s->not_sure);
		} else if (!strcmp(k, "safety")) {
			parse_bool_node(l, vn, k, &s->safety);
		} else if (!strcmp(k, "not_sure_reason")) {
			free(s->not_sure_reason);
			s->not_sure_reason = str_value(l, vn, k);
		} else if (!strcmp(k, "options")) {
			parse_options(l, vn, s);
		} else if (!strcmp(k, "max_length")) {
			if (parse_long_node(l, vn, k, 1, 500, &num))
				s->max_length = (int)num;
		} else if (!strcmp(k, "pattern")) {
			const char *v = scalar(vn);

			if (v && !strcmp(v, "phone"))
				s->pattern = CONTENT_PAT_PHONE;
			else if (v && !strcmp(v, "email"))
				s->pattern = CONTENT_PAT_EMAIL;
			else if (v && !strcmp(v, "name"))
				s->pattern = CONTENT_PAT_NAME;
			else
				diag(l, vn, false, "pattern must be phone, email or name, not '%s'", v ? v : "?");
		} else if (!strcmp(k, "min") || !strcmp(k, "max")) {
			if (kind == CONTENT_DATE)
				parse_datebound(l, vn, k, k[1] == 'i' ? &s->date_min : &s->date_max);
			else if (parse_long_node(l, vn, k, -1000000000L, 1000000000L, &num))
				*(k[1] == 'i' ? &s->min : &s->max) = num;
		} else if (!strcmp(k, "flags")) {
			parse_flags(l, vn, s);
		} else if (!strcmp(k, "clear") || !strcmp(k, "review") || !strcmp(k, "defer")) {
			int i = k[0] == 'c' ? 0 : k[0] == 'r' ? 1 : 2;

			have_outcome[i] = true;
			parse_text(l, vn, k, &s->outcome[i]);
		} else if (!strcmp(k, "body_file")) {
			const char *v = scalar(vn);

			if (v == NULL || strchr(v, '/') || strchr(v, '.') || !*v)
				diag(l, vn, false, "body_file must be a plain name such as 'aftercare' (files are assets/NAME.LANG.txt)");
			else
				load_body(l, assets, v, vn, s);
		} else if (!strcmp(k, "link")) {
			s->link = str_value(l, vn, "link");
		}
	}
	n = root;
	if (s->id == NULL)
		diag(l, n, false, "screen has no 'id'");
	if (!have_title)
		diag(l, n, false, "screen '%s' has no 'title'", s->id ? s->id : "?");
	if (!have_text && ((QUESTIONS & K(kind)) || kind == CONTENT_INFO))
		diag(l, n, false, "screen '%s' has no 'text'", s->id ? s->id : "?");
	if ((kind == CONTENT_CHOICE || kind == CONTENT_MULTI) && s->n_options == 0)
		diag(l, n, false, "screen '%s' has no 'options'", s->id ? s->id : "?");
	if (kind == CONTENT_CHOICE && s->n_options == 1)
		diag(l, n, false, "choice screen '%s' needs at least two options", s->id ? s->id : "?");
	if (kind == CONTENT_NUMBER && s->min > s->max)
		diag(l, n, false, "number screen '%s' has min greater than max", s->id ? s->id : "?");
	if (kind == CONTENT_OUTCOME)
		for (int i = 0; i < 3; i++)
			if (!have_outcome[i])
				diag(l, n, false, "outcome screen '%s' has no '%s' message", s->id ? s->id : "?",
				     i == 0 ? "clear" : i == 1 ? "review" : "defer");
	if (kind == CONTENT_AFTERCARE && s->link == NULL)
		diag(l, n, false, "aftercare screen '%s' has no 'link' (the QR code target)", s->id ? s->id : "?");
	if (kind == CONTENT_AFTERCARE && s->body.s[0] == NULL &&
	    fy_node_mapping_lookup_by_string(root, "body_file", FY_NT) == NULL)
		diag(l, n, false, "aftercare screen '%s' has no 'body_file'", s->id ? s->id : "?");
	if (s->id) {
		for (const char *q = s->id; *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_' || *q == '-')) {
				diag(l, n, false, "screen id '%s' may hold only a-z, 0-9, '_' and '-'", s->id);
				break;
			}
		if (strlen(s->id) > 60)
			diag(l, n, false, "screen id '%s' is longer than 60 characters", s->id);
	}
	/* Conditions on a flag default to the screen the flag sits on. */
	for (int i = 0; i < s->n_flags; i++)
		for (int j = 0; j < s->flags[i].when.n; j++)
			if (s->flags[i].when.c[j].question == NULL && s->id)
				s->flags[i].when.c[j].question = dup_or_oom(l, s->id);
	for (int j = 0; j < s->when.n; j++)
		if (s->when.c[j].question == NULL)
			content_diag_add(l->d, l->file, s->when.c[j].line, s->when.c[j].col, false,
					 "a screen's 'when' must name the 'question' it looks at");
}

/* ---- _content.yaml ---- */

static void parse_meta(struct loader *l, struct fy_node *root)
{
	struct content *c = l->c;
	struct fy_node *langs, *n;
	struct fy_node_pair *p;
	void *it = NULL;

	if (fy_node_get_type(root) != FYNT_MAPPING) {
		diag(l, root, false, "_content.yaml must be a mapping");
		return;
	}
	/* Languages first: every text below depends on them. */
	langs = fy_node_mapping_lookup_by_string(root, "languages", FY_NT);
	if (langs == NULL || fy_node_get_type(langs) != FYNT_SEQUENCE || fy_node_sequence_item_count(langs) == 0) {
		diag(l, langs ? langs : root, false, "'languages' must list at least one {code, name}");
	} else {
		struct fy_node *item;

		while ((item = fy_node_sequence_iterate(langs, &it)) != NULL) {
			const char *code = scalar(fy_node_mapping_lookup_by_string(item, "code", FY_NT));
			const char *name = scalar(fy_node_mapping_lookup_by_string(item, "name", FY_NT));

			if (code == NULL || name == NULL || strlen(code) < 2 || strlen(code) > 8) {
				diag(l, item, false, "each language needs a 'code' (such as en) and a 'name'");
				continue;
			}
			if (content_lang(c, code) >= 0) {
				diag(l, item, false, "language '%s' is listed twice", code);
				continue;
			}
			if (c->n_langs == CONTENT_MAX_LANGS) {
				diag(l, item, false, "at most %d languages are supported", CONTENT_MAX_LANGS);
				break;
			}
			c->langs[c->n_langs] = dup_or_oom(l, code);
			c->lang_names[c->n_langs] = dup_or_oom(l, name);
			c->n_langs++;
		}
	}
	it = NULL;
	while ((p = fy_node_mapping_iterate(root, &it)) != NULL) {
		struct fy_node *kn = fy_node_pair_key(p), *vn = fy_node_pair_value(p);
		const char *k = scalar(kn);

		if (k == NULL)
			continue;
		if (!strcmp(k, "name"))
			c->name = str_value(l, vn, k);
		else if (!strcmp(k, "phone"))
			c->phone = str_value(l, vn, k);
		else if (!strcmp(k, "url")) {
			c->url = str_value(l, vn, k);
			mark_of(vn, &c->url_line, &c->url_col);
		}
		else if (!strcmp(k, "assets") || !strcmp(k, "languages") || !strcmp(k, "identity") ||
			 !strcmp(k, "messages"))
			continue;
		else
			unknown_key(l, kn, k, meta_keys, "_content.yaml");
	}
	if (c->name == NULL)
		diag(l, root, false, "_content.yaml has no 'name' (the clinic's name)");
	if (c->phone == NULL)
		diag(l, root, false, "_content.yaml has no 'phone' (the clinic's phone, shown to patients)");
	if (c->url == NULL)
		diag(l, root, false, "_content.yaml has no 'url' (the questionnaire's canonical URL)");
	else if (strncmp(c->url, "https://", 8) && strncmp(c->url, "http://", 7))
		diag(l, fy_node_mapping_lookup_by_string(root, "url", FY_NT), false,
		     "'url' must be an http(s) URL, the questionnaire's canonical address");
	n = fy_node_mapping_lookup_by_string(root, "identity", FY_NT);
	if (n) {
		const char *nm = scalar(fy_node_mapping_lookup_by_string(n, "name", FY_NT));
		const char *db = scalar(fy_node_mapping_lookup_by_string(n, "dob", FY_NT));
		const char *ph = scalar(fy_node_mapping_lookup_by_string(n, "phone", FY_NT));

		c->name_question = nm ? dup_or_oom(l, nm) : NULL;
		c->dob_question = db ? dup_or_oom(l, db) : NULL;
		c->phone_question = ph ? dup_or_oom(l, ph) : NULL;
	}
	n = fy_node_mapping_lookup_by_string(root, "messages", FY_NT);
	if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING) {
		diag(l, n ? n : root, false, "_content.yaml needs 'messages' (the interface wording)");
	} else {
		int count = fy_node_mapping_item_count(n);

		c->msg_keys = calloc((size_t)(count ? count : 1), sizeof *c->msg_keys);
		c->msgs = calloc((size_t)(count ? count : 1), sizeof *c->msgs);
		if (c->msg_keys == NULL || c->msgs == NULL) {
			l->oom = true;
			return;
		}
		it = NULL;
		while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
			const char *k = scalar(fy_node_pair_key(p));
			char what[80];

			if (k == NULL)
				continue;
			snprintf(what, sizeof what, "messages.%s", k);
			c->msg_keys[c->n_msgs] = dup_or_oom(l, k);
			parse_text(l, fy_node_pair_value(p), what, &c->msgs[c->n_msgs]);
			c->n_msgs++;
		}
		for (int i = 0; content_msg_required[i]; i++) {
			bool found = false;

			for (int j = 0; j < c->n_msgs; j++)
				if (!strcmp(c->msg_keys[j], content_msg_required[i]))
					found = true;
			if (!found)
				diag(l, n, false, "messages has no '%s'", content_msg_required[i]);
		}
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".yaml");
}

static krc load(struct content **out, const char *dir, struct content_diags *diags, bool keep,
		struct kerr *err)
{
	struct loader l;
	struct content *c;
	DIR *dp = NULL;
	struct dirent *de;
	char **names = NULL, assets[PATH_MAX], *src = NULL;
	int n_names = 0, cap = 0;
	struct fy_document *doc;
	unsigned char digest[crypto_hash_sha256_BYTES];
	krc rc = K_OK;

	*out = NULL;
	if (lazylib_load(&fyaml_lib, err) != K_OK)
		return K_ECONTENT;
	memset(&l, 0, sizeof l);
	l.d = diags ? diags : &l.own;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	l.c = c;
	c->dir = strdup(dir);
	if (sodium_init() < 0) {
		rc = kerr_set(err, K_ENOMEM, "cannot initialise libsodium");
		goto out;
	}
	crypto_hash_sha256_init(&l.hash);
	{
		/* Before listing it: a file added meanwhile changes it. */
		struct stat dsb;

		if (stat(dir, &dsb) == 0)
			content_stamp_of(&dsb, &c->dir_stamp);
	}
	dp = opendir(dir);
	if (dp == NULL) {
		rc = kerr_set(err, K_ECONTENT, "%s: cannot open content folder: %s", dir, strerror(errno));
		content_diag_add(l.d, "", 0, 0, false, "cannot open the content folder: %s", strerror(errno));
		goto out;
	}
	while ((de = readdir(dp)) != NULL) {
		char sub[2 * PATH_MAX + 2];
		struct stat sb;

		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		/* Folders are not screens: the assets folder lives here. */
		snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
		if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
			continue;
		if (!is_yaml(de->d_name)) {
			content_diag_add(l.d, de->d_name, 0, 0, true, "not a .yaml file; the kiosk ignores it");
			continue;
		}
		if (n_names == cap) {
			int ncap = cap ? cap * 2 : 64;
			char **nn = realloc(names, (size_t)ncap * sizeof *nn);

			if (nn == NULL) {
				rc = kerr_set(err, K_ENOMEM, "out of memory");
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		names[n_names] = strdup(de->d_name);
		if (names[n_names] == NULL) {
			rc = kerr_set(err, K_ENOMEM, "out of memory");
			goto out;
		}
		n_names++;
	}
	closedir(dp);
	dp = NULL;
	if (n_names > 0)
		qsort(names, (size_t)n_names, sizeof *names, name_cmp);
	if (n_names > CONTENT_MAX_SCREENS) {
		content_diag_add(l.d, "", 0, 0, false, "too many screens (%d; at most %d)", n_names,
				 CONTENT_MAX_SCREENS);
		for (int i = CONTENT_MAX_SCREENS; i < n_names; i++)
			free(names[i]);
		n_names = CONTENT_MAX_SCREENS;
	}

	/* _content.yaml first: languages and placeholders come from it. */
	l.file = "_content.yaml";
	/* A content folder holds its assets (one folder to copy, check,
	 * publish and roll back); `assets: ../assets`, the older layout,
	 * still works. */
	snprintf(assets, sizeof assets, "%s/assets", dir);
	doc = load_yaml(&l, dir, "_content.yaml", &src);
	if (doc) {
		const char *a = scalar(fy_node_mapping_lookup_by_string(fy_document_root(doc), "assets", FY_NT));

		if (a)
			snprintf(assets, sizeof assets, "%s%s%s", a[0] == '/' ? "" : dir, a[0] == '/' ? "" : "/", a);
		parse_meta(&l, fy_document_root(doc));
		fy_document_destroy(doc);
	}
	free(src);
	if (c->n_langs == 0) {
		c->langs[0] = strdup("en");
		c->lang_names[0] = strdup("English");
		c->n_langs = 1;
	}

	c->screens = calloc((size_t)(n_names ? n_names : 1), sizeof *c->screens);
	if (c->screens == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n_names; i++) {
		struct content_screen *s = &c->screens[c->n_screens];

		l.file = names[i];
		doc = load_yaml(&l, dir, names[i], &src);
		if (doc == NULL) {
			free(src);
			c->n_unloaded++;
			continue;
		}
		s->file = strdup(names[i]);
		parse_screen(&l, fy_document_root(doc), assets, s);
		fy_document_destroy(doc);
		free(src);
		if (s->id == NULL)
			s->id = strdup("");
		for (int j = 0; j < c->n_screens; j++)
			if (s->id[0] && !strcmp(c->screens[j].id, s->id))
				content_diag_add(l.d, names[i], s->line, 1, false,
						 "duplicate screen id '%s' (also in %s)", s->id, c->screens[j].file);
		c->n_screens++;
	}
	if (c->n_screens == 0)
		content_diag_add(l.d, "", 0, 0, false, "the content folder has no screens (*.yaml)");

	/* Resolve every condition's question to a screen index. */
	for (int i = 0; i < c->n_screens; i++) {
		struct content_screen *s = &c->screens[i];

		for (int j = 0; j < s->when.n; j++)
			if (s->when.c[j].question)
				s->when.c[j].q = content_find(c, s->when.c[j].question);
		for (int f = 0; f < s->n_flags; f++)
			for (int j = 0; j < s->flags[f].when.n; j++) {
				struct content_cond *cd = &s->flags[f].when.c[j];

				/* A flag's own screen is itself, even when its id
				 * duplicates an earlier screen's (reported above). */
				if (cd->question && !strcmp(cd->question, s->id))
					cd->q = i;
				else if (cd->question)
					cd->q = content_find(c, cd->question);
			}
	}

	crypto_hash_sha256_final(&l.hash, digest);
	c->version = malloc(7 + 2 * sizeof digest + 1);
	if (c->version) {
		memcpy(c->version, "sha256:", 7);
		sodium_bin2hex(c->version + 7, 2 * sizeof digest + 1, digest, sizeof digest);
	}
	if (l.oom || c->version == NULL || c->dir == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	if (l.d->errors > 0)
		rc = kerr_set(err, K_ECONTENT, "%s: %d error(s) in the content", dir, l.d->errors);
out:
	if (dp)
		closedir(dp);
	for (int i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	content_diags_free(&l.own);
	if (rc != K_OK && !(keep && rc == K_ECONTENT && c->version && c->screens)) {
		content_free(c);
		return rc;
	}
	*out = c;
	return rc;
}

krc content_load(struct content **out, const char *dir, struct content_diags *diags, struct kerr *err)
{
	return load(out, dir, diags, false, err);
}

krc content_load_all(struct content **out, const char *dir, struct content_diags *diags, struct kerr *err)
{
	return load(out, dir, diags, true, err);
}

void content_free(struct content *c)
{
	if (c == NULL)
		return;
	if (c->image) {
		free(c->image); /* one block, c inside it */
		return;
	}
	for (int i = 0; i < c->n_screens; i++) {
		struct content_screen *s = &c->screens[i];

		free(s->id);
		free(s->file);
		free_text(&s->title);
		free_text(&s->text);
		free_text(&s->help);
		free_when(&s->when);
		for (int j = 0; j < s->n_options; j++) {
			free(s->options[j].id);
			free_text(&s->options[j].label);
		}
		free(s->options);
		for (int j = 0; j < s->n_flags; j++) {
			free(s->flags[j].code);
			free(s->flags[j].staff);
			free_text(&s->flags[j].patient);
			free_when(&s->flags[j].when);
		}
		free(s->flags);
		for (int j = 0; j < 3; j++)
			free_text(&s->outcome[j]);
		free_text(&s->body);
		free(s->link);
		free(s->not_sure_reason);
	}
	free(c->screens);
	for (int i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c->file_stamps);
	for (int i = 0; i < c->n_msgs; i++) {
		free(c->msg_keys[i]);
		free_text(&c->msgs[i]);
	}
	free(c->msg_keys);
	free(c->msgs);
	for (int i = 0; i < CONTENT_MAX_LANGS; i++) {
		free(c->langs[i]);
		free(c->lang_names[i]);
	}
	free(c->dir);
	free(c->version);
	free(c->url);
	free(c->name);
	free(c->phone);
	free(c->name_question);
	free(c->dob_question);
	free(c->phone_question);
	free(c);
}

int content_find(const struct content *c, const char *id)
{
	for (int i = 0; i < c->n_screens; i++)
		if (c->screens[i].id && !strcmp(c->screens[i].id, id))
			return i;
	return -1;
}

int content_lang(const struct content *c, const char *code)
{
	for (int i = 0; i < c->n_langs; i++)
		if (code && c->langs[i] && !strcmp(c->langs[i], code))
			return i;
	return -1;
}

const char *content_str(const struct content *c, const struct content_text *t, int lang)
{
	if (t == NULL)
		return "";
	if (lang >= 0 && lang < c->n_langs && t->s[lang])
		return t->s[lang];
	for (int i = 0; i < c->n_langs; i++)
		if (t->s[i])
			return t->s[i];
	return "";
}

const char *content_msg(const struct content *c, const char *key, int lang)
{
	for (int i = 0; i < c->n_msgs; i++)
		if (!strcmp(c->msg_keys[i], key)) {
			const char *s = content_str(c, &c->msgs[i], lang);

			return *s ? s : key;
		}
	return key;
}

int content_option(const struct content_screen *s, const char *id)
{
	for (int i = 0; i < s->n_options; i++)
		if (id && s->options[i].id && !strcmp(s->options[i].id, id))
			return i;
	return -1;
}

/* ---- answers files (kiosk simulate) ---- */

krc content_read_kv(const char *path, char ***keys, char ***vals, int *n, struct kerr *err)
{
	struct fy_parse_cfg cfg;
	struct fy_document *doc;
	struct fy_node *root;
	struct fy_node_pair *p;
	void *it = NULL;
	int count, k = 0, line, col;
	const char *why = "";
	char *src, msg[128];
	size_t len = 0;
	krc rc = K_OK;

	*keys = NULL;
	*vals = NULL;
	*n = 0;
	if (lazylib_load(&fyaml_lib, err) != K_OK)
		return K_EIO;
	src = read_file(path, &len, &why, NULL);
	if (src == NULL)
		return kerr_set(err, K_EINVAL, "%s: cannot read: %s", path, why);
	/* The same text rules as content files: libfyaml must never see a
	 * directive line with a non-ASCII byte (it loops forever). */
	if (text_problem(src, len, true, &line, &col, msg, sizeof msg)) {
		free(src);
		return kerr_set(err, K_EINVAL, "%s:%d:%d: %s", path, line, col, msg);
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.flags = FYPCF_QUIET | FYPCF_JSON_AUTO;
	doc = fy_document_build_from_string(&cfg, src, len);
	if (doc == NULL) {
		free(src);
		return kerr_set(err, K_EINVAL, "%s: not valid YAML or JSON", path);
	}
	root = fy_document_root(doc);
	if (root == NULL || fy_node_get_type(root) != FYNT_MAPPING) {
		rc = kerr_set(err, K_EINVAL, "%s: must be a mapping of question id to answer", path);
		goto out;
	}
	count = fy_node_mapping_item_count(root);
	*keys = calloc((size_t)count + 1, sizeof **keys);
	*vals = calloc((size_t)count + 1, sizeof **vals);
	if (*keys == NULL || *vals == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	while ((p = fy_node_mapping_iterate(root, &it)) != NULL) {
		struct fy_node *v = fy_node_pair_value(p);
		const char *ks = scalar(fy_node_pair_key(p));
		char buf[4096] = "";

		if (ks == NULL) {
			rc = kerr_set(err, K_EINVAL, "%s: keys must be question ids", path);
			goto out;
		}
		if (scalar(v)) {
			snprintf(buf, sizeof buf, "%s", scalar(v));
		} else if (v && fy_node_get_type(v) == FYNT_SEQUENCE) {
			void *it2 = NULL;
			struct fy_node *item;

			while ((item = fy_node_sequence_iterate(v, &it2)) != NULL) {
				if (scalar(item) == NULL) {
					rc = kerr_set(err, K_EINVAL, "%s: '%s' must be a list of option ids", path, ks);
					goto out;
				}
				if (buf[0])
					strncat(buf, ",", sizeof buf - strlen(buf) - 1);
				strncat(buf, scalar(item), sizeof buf - strlen(buf) - 1);
			}
		} else {
			rc = kerr_set(err, K_EINVAL, "%s: the answer to '%s' must be text or a list", path, ks);
			goto out;
		}
		(*keys)[k] = strdup(ks);
		(*vals)[k] = strdup(buf);
		if ((*keys)[k] == NULL || (*vals)[k] == NULL) {
			free((*keys)[k]);
			free((*vals)[k]);
			rc = kerr_set(err, K_ENOMEM, "out of memory");
			goto out;
		}
		k++;
	}
	*n = k;
out:
	fy_document_destroy(doc);
	free(src);
	if (rc != K_OK) {
		content_kv_free(*keys, *vals, k);
		*keys = NULL;
		*vals = NULL;
		*n = 0;
	}
	return rc;
}

void content_kv_free(char **keys, char **vals, int n)
{
	for (int i = 0; i < n; i++) {
		free(keys ? keys[i] : NULL);
		free(vals ? vals[i] : NULL);
	}
	free(keys);
	free(vals);
}
