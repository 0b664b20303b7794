/* content: the clinic's screens, rules and wording, loaded from YAML.
 *
 * A content folder (e.g. screens/) holds one YAML file per screen, read in
 * file-name order (so name them 010-welcome.yaml, 020-name.yaml, ...), plus
 * _content.yaml with the content-wide settings (languages, canonical URL,
 * clinic phone, interface messages).  Files starting with '_' or '.' are not
 * screens.  Asset files (aftercare text) live in the folder named by
 * `assets:` in _content.yaml, relative to the content folder.
 *
 * The flow is the file order; a screen is shown only when its `when`
 * condition holds.  This maps one-to-one onto a FHIR Questionnaire (items in
 * order, enableWhen/enableBehavior), and it makes loops impossible by
 * construction.
 *
 * Answers are strings, the same everywhere (engine, store, FHIR):
 *   yesno     "yes" | "no" | "unsure"
 *   choice    the option id
 *   multi     option ids joined by ',' in option order ("" is no answer)
 *   text      the text (UTF-8)
 *   number    decimal integer
 *   date      YYYY-MM-DD
 *   consent   the typed full name (acceptance is implied by a value)
 *
 * This is the only module that includes <libfyaml.h>.  Everything it returns
 * is copied into memory the content owns, valid until content_free(). */
#ifndef KIOSK_CONTENT_H
#define KIOSK_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "kdate.h"
#include "kerr.h"

#define CONTENT_MAX_LANGS 4
#define CONTENT_MAX_SCREENS 4096

enum content_kind {
	CONTENT_INFO,      /* text only; Enter continues */
	CONTENT_YESNO,     /* yes / no, and "not sure" when not_sure: true */
	CONTENT_CHOICE,    /* exactly one option */
	CONTENT_MULTI,     /* any options; an `exclusive` option clears others */
	CONTENT_TEXT,      /* short text: max_length, pattern */
	CONTENT_NUMBER,    /* integer in [min, max] */
	CONTENT_DATE,      /* date in [min, max], relative to today */
	CONTENT_CONSENT,   /* text to accept, full name typed as signature */
	CONTENT_REVIEW,    /* summary of all answers, each editable */
	CONTENT_OUTCOME,   /* clear / review / defer message */
	CONTENT_AFTERCARE, /* aftercare text and the QR link */
};

/* One patient-visible string in every language of the content, indexed like
 * content.langs.  s[i] is NULL when the translation is missing (the checker
 * reports it; the engine falls back to the first language). */
struct content_text {
	char *s[CONTENT_MAX_LANGS];
	int line, col;
};

struct content_option {
	char *id;
	struct content_text label;
	bool exclusive; /* "none of these": choosing it clears the others */
	bool unsure;    /* "not sure": counts as an unsure answer */
	int line, col;
};

enum content_op {
	CONTENT_OP_EQUALS,      /* `equals: V`; on multi: V is among the choices */
	CONTENT_OP_NOT_EQUALS,  /* `not_equals: V`; on multi: V is not chosen */
	CONTENT_OP_ANSWERED,    /* `answered: true` */
	CONTENT_OP_UNANSWERED,  /* `answered: false` */
	CONTENT_OP_UNSURE,      /* `unsure: true`: yesno "unsure" or an unsure option */
	CONTENT_OP_WITHIN,      /* `within: 6m`: date after today minus span, not after today */
	CONTENT_OP_OLDER_THAN,  /* `older_than: 6m`: date on or before today minus span */
	CONTENT_OP_AGE_UNDER,   /* `age_under: 18`: whole years from the date to today */
	CONTENT_OP_AGE_AT_LEAST,/* `age_at_least: 18` */
};

/* One condition on an earlier answer. */
struct content_cond {
	char *question;          /* screen id; defaults to the screen it sits on */
	int q;                   /* resolved index into content.screens, -1 if unknown */
	enum content_op op;
	char *value;             /* EQUALS / NOT_EQUALS */
	struct kdate_span span;  /* WITHIN / OLDER_THAN */
	int years;               /* AGE_* */
	int line, col;
};

/* A list of conditions: all must hold (any: false) or one (any: true).
 * n == 0 always holds. */
struct content_when {
	bool any;
	int n;
	struct content_cond *c;
	int line, col;
};

enum content_severity {
	CONTENT_SEV_CLEAR = 0,
	CONTENT_SEV_REVIEW = 1,
	CONTENT_SEV_DEFER = 2,
};

/* A contraindication rule on a screen: raised when `when` holds. */
struct content_flag {
	char *code;              /* stable, e.g. "PREGNANT" */
	enum content_severity severity;
	char *staff;             /* message for staff (one language) */
	struct content_text patient; /* gentle message for the patient */
	bool patient_visible;    /* patient_visible: true: the outcome screen may show it */
	struct content_when when;
	int line, col;
};

/* A bound on a date answer: `today`, `-6m` (today minus a span) or an
 * absolute YYYY-MM-DD. */
struct content_datebound {
	bool set;
	bool relative;
	struct kdate_span span;  /* relative: today minus span (n == 0: today) */
	struct kdate abs;
};

enum content_pattern {
	CONTENT_PAT_NONE,
	CONTENT_PAT_PHONE,
	CONTENT_PAT_EMAIL,
	CONTENT_PAT_NAME,
};

struct content_screen {
	char *id;
	char *file;              /* file name inside the folder */
	enum content_kind kind;
	int line;

	struct content_text title;  /* short heading */
	struct content_text text;   /* the question or body text */
	struct content_text help;   /* optional hint under the question */
	struct content_when when;   /* skip logic */
	bool required;              /* default true for questions */
	bool not_sure;              /* yesno: offer "not sure" */
	bool safety;                /* an unsure answer raises review (default true for yesno/multi/choice) */
	char *not_sure_reason;      /* why a question that feeds a rule offers no "not sure" */

	struct content_option *options;
	int n_options;

	int max_length;             /* text, consent: characters (default 80) */
	enum content_pattern pattern;
	long min, max;              /* number */
	struct content_datebound date_min, date_max;

	struct content_flag *flags;
	int n_flags;

	/* outcome: the message per severity (clear, review, defer) */
	struct content_text outcome[3];
	/* aftercare: body text from assets (per language) and the QR link */
	struct content_text body;
	char *link;
};

/* A file as it was when the content was read.  content_image.h keeps a
 * compiled copy of the content only while every file still looks so. */
struct content_stamp {
	unsigned long long dev, ino, size;
	long long mtime_s, mtime_ns, ctime_s, ctime_ns;
};

/* The stamp of a file from its stat. */
void content_stamp_of(const struct stat *sb, struct content_stamp *out);

struct content {
	char *dir;
	char *version;           /* "sha256:<64 hex>" over every file read */
	char *url;               /* canonical Questionnaire URL */
	int url_line, url_col;   /* where _content.yaml sets it */
	char *name;              /* clinic name */
	char *phone;             /* clinic phone for defer / aftercare */
	char *langs[CONTENT_MAX_LANGS];
	char *lang_names[CONTENT_MAX_LANGS]; /* e.g. "English", "Español" */
	int n_langs;
	char *name_question;     /* screen ids staff use to match a person */
	char *dob_question;
	char *phone_question;

	struct content_screen *screens;
	int n_screens;
	int n_unloaded;          /* screen files that did not parse (content_load_all) */

	/* Every file the content was read from, in the order hashed into
	 * version: "<dir>/<name>" for the YAML files and "<assets>/<name>"
	 * for the aftercare texts (the assets path as _content.yaml gives it,
	 * relative to dir unless absolute).  Regular files only: the loader
	 * refuses symbolic links.  kiosk publish copies exactly these. */
	char **files;
	int n_files;
	/* files[i] as it was when read (fstat of the open file), and the
	 * folder before it was listed. */
	struct content_stamp *file_stamps;
	struct content_stamp dir_stamp;

	/* interface messages, key -> text; see content_msg() */
	char **msg_keys;
	struct content_text *msgs;
	int n_msgs;

	/* Non-NULL when loaded from a compiled image (content_image.h): the
	 * one block that holds this struct and everything it points to. */
	void *image;
};

/* One problem found while loading or checking. */
struct content_diag {
	char file[128];
	int line, col;
	bool warning;
	char msg[256];
};

struct content_diags {
	struct content_diag *d;
	int n, cap;
	int errors, warnings;
};

/* Load the content folder dir.  On success *out is owned by the caller
 * (content_free).  Every problem found goes into diags (which may be NULL)
 * with file, line and column; any error makes the load fail with K_ECONTENT
 * and a summary in err.  Warnings do not fail the load.  The semantic checks
 * (reachability, rules that cannot fire, ...) are in check.h. */
krc content_load(struct content **out, const char *dir, struct content_diags *diags,
		 struct kerr *err);

/* Like content_load, but on K_ECONTENT *out still holds every screen that
 * loaded (n_unloaded counts files that did not parse), so `kiosk check`
 * can go on to report the reference errors of the other files in the same
 * run, like a compiler.  *out is NULL only when the folder cannot be read
 * or memory ran out.  Never give such a content to the engine. */
krc content_load_all(struct content **out, const char *dir, struct content_diags *diags,
		     struct kerr *err);

/* content_free(NULL) is a no-op. */
void content_free(struct content *c);

/* Index of the screen with this id, or -1. */
int content_find(const struct content *c, const char *id);

/* Index of lang code ("en") in c->langs, or -1. */
int content_lang(const struct content *c, const char *code);

/* The text in language lang, falling back to the first language; never
 * NULL ("" when absent).  Borrowed from c. */
const char *content_str(const struct content *c, const struct content_text *t, int lang);

/* Interface message `key` (from _content.yaml `messages:`) in lang; never
 * NULL: a missing key yields the key itself so a gap is visible, and
 * `kiosk check` reports it.  Borrowed from c. */
const char *content_msg(const struct content *c, const char *key, int lang);

/* The message keys every content must define (NULL-terminated list). */
extern const char *const content_msg_required[];

/* Option index of id on screen s, or -1. */
int content_option(const struct content_screen *s, const char *id);

/* Diagnostics: append one, print all as "file:line:col: error: msg". */
void content_diag_add(struct content_diags *ds, const char *file, int line, int col,
		      bool warning, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void content_diags_free(struct content_diags *ds);

/* Read a flat YAML or JSON mapping of answers (simulate input): key -> value
 * where a list becomes its items joined by ','.  The special key `today`
 * is returned like any other.  *keys and *vals are parallel arrays of
 * *n strings owned by the caller (free with content_kv_free). */
krc content_read_kv(const char *path, char ***keys, char ***vals, int *n, struct kerr *err);
void content_kv_free(char **keys, char **vals, int n);

const char *content_kind_name(enum content_kind k);

/* True for the kinds that take an answer (yesno, choice, multi, text,
 * number, date, consent). */
bool content_asks(enum content_kind k);

#endif
