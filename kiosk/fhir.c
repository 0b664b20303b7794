/* fhir: writes the intake record (a transaction Bundle) and the content (a
 * Questionnaire) as FHIR R4 JSON.  See fhir.h for the wire format.
 *
 * Owns: the mapping from content and answers to FHIR, the resource ids
 * (derived from the session UUID so a resend is idempotent).  Never does
 * I/O, reads the clock or logs: the documents carry patient data, and
 * error messages name screens, never answers. */
#include "fhir.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define TRANSLATION_EXT "http://hl7.org/fhir/StructureDefinition/translation"
#define EXCLUSIVE_EXT "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
#define MINVALUE_EXT "http://hl7.org/fhir/StructureDefinition/minValue"
#define MAXVALUE_EXT "http://hl7.org/fhir/StructureDefinition/maxValue"
#define ITEMCONTROL_EXT "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
#define ITEMCONTROL_SYS "http://hl7.org/fhir/questionnaire-item-control"
#define ENABLE_EXPR_EXT \
	"http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
#define URI_SYSTEM "urn:ietf:rfc:3986"

#define FHIR_STR_(x) #x
#define FHIR_STR(x) FHIR_STR_(x)

#define UUID_LEN 36
#define FHIR_BUF_MAX 2048

/* Writing context: the JSON writer plus the first error. */
struct fx {
	json *j;
	const struct content *c;
	struct kerr *err;
	krc rc;
	bool test;   /* a made-up patient (kiosk simulate --record): tag HTEST */
};

/* meta.security HTEST ("test health data", v3-ActReason) on a test record,
 * so the server and its users can tell it from a real patient's.  Call
 * inside the resource's meta object. */
static void test_security(struct fx *x)
{
	if (!x->test)
		return;
	json_key(x->j, "security");
	json_arr_begin(x->j);
	json_obj_begin(x->j);
	json_kv_str(x->j, "system", "http://terminology.hl7.org/CodeSystem/v3-ActReason");
	json_kv_str(x->j, "code", "HTEST");
	json_kv_str(x->j, "display", "test health data");
	json_obj_end(x->j);
	json_arr_end(x->j);
}

/* A meta object holding only the test tag (resources with no meta of
 * their own). */
static void test_meta(struct fx *x)
{
	if (!x->test)
		return;
	json_key(x->j, "meta");
	json_obj_begin(x->j);
	test_security(x);
	json_obj_end(x->j);
}

static void fx_fail(struct fx *x, krc rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void fx_fail(struct fx *x, krc rc, const char *fmt, ...)
{
	char msg[sizeof x->err->msg];
	va_list ap;

	if (x->rc != K_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	x->rc = kerr_set(x->err, rc, "fhir: %s", msg);
}

/* Write "a" "b" "c" joined as one string value (URLs built from the
 * content url). */
static void str_cat(struct fx *x, const char *a, const char *b, const char *c)
{
	char buf[FHIR_BUF_MAX];
	int n = snprintf(buf, sizeof buf, "%s%s%s", a, b ? b : "", c ? c : "");

	if (n < 0 || (size_t)n >= sizeof buf) {
		fx_fail(x, K_EINVAL, "content url too long");
		json_null(x->j);
		return;
	}
	json_str(x->j, buf);
}

static void kv_cat(struct fx *x, const char *key, const char *a, const char *b, const char *c)
{
	json_key(x->j, key);
	str_cat(x, a, b, c);
}

/* ---- ids ---------------------------------------------------------------- */

/* Check and lower-case a UUID "8-4-4-4-12". */
static bool uuid_norm(const char *in, char out[UUID_LEN + 1])
{
	if (!in || strlen(in) != UUID_LEN)
		return false;
	for (int i = 0; i < UUID_LEN; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (ch != '-')
				return false;
		} else if (!isxdigit(ch)) {
			return false;
		}
		out[i] = (char)tolower(ch);
	}
	out[UUID_LEN] = '\0';
	return true;
}

/* A UUID derived from the session and a name: SHA-256 of both, shaped as an
 * RFC 9562 version 8 UUID.  Same inputs, same id: that is what makes a
 * resend update rather than duplicate. */
static void uuid_derive(const char *session, const char *kind, const char *name,
			char out[UUID_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	static const char hex[] = "0123456789abcdef";

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)"kiosk-fhir", 11);
	crypto_hash_sha256_update(&st, (const unsigned char *)session, strlen(session) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)kind, strlen(kind) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name) + 1);
	crypto_hash_sha256_final(&st, h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	int o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
	}
	out[o] = '\0';
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "YYYY-MM-DDThh:mm:ss[.f+](Z|+hh:mm|-hh:mm)": FHIR instant/dateTime with
 * seconds and a zone, and a real calendar day. */
static bool authored_ok(const char *s)
{
	char day[11];
	struct kdate d;

	if (!s || strlen(s) < 20)
		return false;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (!kdate_parse(day, &d) || s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' ||
	    !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return false;
	if (atoi(s + 11) > 23 || atoi(s + 14) > 59 || atoi(s + 17) > 60)
		return false;
	const char *p = s + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!strcmp(p, "Z"))
		return true;
	return (p[0] == '+' || p[0] == '-') && digits(p + 1, 2) && p[3] == ':' &&
	       digits(p + 4, 2) && p[6] == '\0' && atoi(p + 1) <= 14 && atoi(p + 4) <= 59;
}

/* ---- shared pieces ------------------------------------------------------ */

static const char *first(const struct content *c, const struct content_text *t)
{
	return content_str(c, t, 0);
}

/* The item text of screen s: its question text, else its title.  The
 * Questionnaire and the responses use the same. */
static const struct content_text *item_text(const struct content *c, const struct content_screen *s)
{
	return *first(c, &s->text) ? &s->text : &s->title;
}

/* An interface message only when the content defines it (no key echo). */
static const struct content_text *msg_text(const struct content *c, const char *key)
{
	for (int i = 0; i < c->n_msgs; i++)
		if (!strcmp(c->msg_keys[i], key))
			return &c->msgs[i];
	return NULL;
}

/* "_text": {"extension": [translation, ...]} for languages past the first;
 * nothing when there is no translation. */
static void translations(struct fx *x, const char *key, const struct content_text *t)
{
	int n = 0;

	if (!t)
		return;
	for (int l = 1; l < x->c->n_langs; l++) {
		if (!t->s[l] || !*t->s[l])
			continue;
		if (n++ == 0) {
			json_key(x->j, key);
			json_obj_begin(x->j);
			json_key(x->j, "extension");
			json_arr_begin(x->j);
		}
		json_obj_begin(x->j);
		json_kv_str(x->j, "url", TRANSLATION_EXT);
		json_key(x->j, "extension");
		json_arr_begin(x->j);
		json_obj_begin(x->j);
		json_kv_str(x->j, "url", "lang");
		json_kv_str(x->j, "valueCode", x->c->langs[l]);
		json_obj_end(x->j);
		json_obj_begin(x->j);
		json_kv_str(x->j, "url", "content");
		json_kv_str(x->j, "valueString", t->s[l]);
		json_obj_end(x->j);
		json_arr_end(x->j);
		json_obj_end(x->j);
	}
	if (n) {
		json_arr_end(x->j);
		json_obj_end(x->j);
	}
}

/* The Coding of answer code on screen s (yesno or an option).  With
 * translate, the display's translations too (Questionnaire only). */
static void answer_coding(struct fx *x, const struct content_screen *s, const char *code,
			  bool translate)
{
	const struct content_text *disp = NULL;

	json_obj_begin(x->j);
	if (s->kind == CONTENT_YESNO) {
		kv_cat(x, "system", x->c->url, "/answers", NULL);
		disp = msg_text(x->c, code);
	} else {
		kv_cat(x, "system", x->c->url, "/answers/", s->id);
		int o = content_option(s, code);
		if (o >= 0)
			disp = &s->options[o].label;
	}
	json_kv_str(x->j, "code", code);
	if (disp && *first(x->c, disp)) {
		json_kv_str(x->j, "display", first(x->c, disp));
		if (translate)
			translations(x, "_display", disp);
	}
	json_obj_end(x->j);
}

/* A reference to the Patient entry of the same Bundle by its fullUrl: the
 * server puts its own Patient's id there (a conditional create may match
 * a Patient it already holds, whose id the kiosk cannot know). */
static void patient_ref(struct fx *x, const char *key, const char *patient_id)
{
	json_key(x->j, key);
	json_obj_begin(x->j);
	kv_cat(x, "reference", "urn:uuid:", patient_id, NULL);
	json_obj_end(x->j);
}

static const char *const outcome_code[] = { "clear", "review", "defer" };

/* ---- QuestionnaireResponse ---------------------------------------------- */

/* Parse a decimal answer into a FHIR integer (32-bit). */
static bool parse_int(const char *s, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < INT_MIN || v > INT_MAX)
		return false;
	*out = v;
	return true;
}

static bool yesno_code(const char *a)
{
	return !strcmp(a, "yes") || !strcmp(a, "no") || !strcmp(a, "unsure");
}

/* Check that answer a fits screen s before anything is written. */
static bool answer_ok(struct fx *x, const struct content_screen *s, const char *a)
{
	struct kdate d;
	long v;

	switch (s->kind) {
	case CONTENT_YESNO:
		if (yesno_code(a))
			return true;
		break;
	case CONTENT_CHOICE:
		if (content_option(s, a) >= 0)
			return true;
		break;
	case CONTENT_MULTI: {
		const char *p = a;
		while (*p) {
			const char *e = strchr(p, ',');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			bool found = false;
			for (int o = 0; o < s->n_options; o++)
				if (strlen(s->options[o].id) == n && !strncmp(s->options[o].id, p, n))
					found = true;
			if (!found)
				goto bad;
			p += n;
			if (*p == ',')
				p++;
		}
		return true;
	}
	case CONTENT_NUMBER:
		if (parse_int(a, &v))
			return true;
		break;
	case CONTENT_DATE:
		if (kdate_parse(a, &d))
			return true;
		break;
	default:
		return true;
	}
bad:
	fx_fail(x, K_EINVAL, "the answer to screen '%s' does not fit a %s question", s->id,
		content_kind_name(s->kind));
	return false;
}

static void qr_answer(struct fx *x, const struct content_screen *s, const char *a)
{
	long v;

	json_key(x->j, "answer");
	json_arr_begin(x->j);
	switch (s->kind) {
	case CONTENT_YESNO:
	case CONTENT_CHOICE:
		json_obj_begin(x->j);
		json_key(x->j, "valueCoding");
		answer_coding(x, s, a, false);
		json_obj_end(x->j);
		break;
	case CONTENT_MULTI:
		/* In option order, as the answer string keeps them. */
		for (int o = 0; o < s->n_options; o++) {
			const char *id = s->options[o].id;
			size_t n = strlen(id);
			bool chosen = false;
			for (const char *p = a; *p;) {
				const char *e = strchr(p, ',');
				size_t len = e ? (size_t)(e - p) : strlen(p);
				if (len == n && !strncmp(p, id, n))
					chosen = true;
				p += len;
				if (*p == ',')
					p++;
			}
			if (!chosen)
				continue;
			json_obj_begin(x->j);
			json_key(x->j, "valueCoding");
			answer_coding(x, s, id, false);
			json_obj_end(x->j);
		}
		break;
	case CONTENT_NUMBER:
		parse_int(a, &v);
		json_obj_begin(x->j);
		json_kv_int(x->j, "valueInteger", v);
		json_obj_end(x->j);
		break;
	case CONTENT_DATE:
		json_obj_begin(x->j);
		json_kv_str(x->j, "valueDate", a);
		json_obj_end(x->j);
		break;
	default: /* text, consent */
		json_obj_begin(x->j);
		json_kv_str(x->j, "valueString", a);
		json_obj_end(x->j);
		break;
	}
	json_arr_end(x->j);
}

/* The answer of screen i when it counts as given, else NULL. */
static const char *given(const struct content *c, const char *const *answers, int i)
{
	if (i < 0 || i >= c->n_screens || !answers[i] || !answers[i][0])
		return NULL;
	if (!content_asks(c->screens[i].kind))
		return NULL;
	return answers[i];
}

static void questionnaire_response(struct fx *x, const char *const *answers,
				   enum content_severity outcome, const char *qr_id,
				   const char *patient_id, const char *authored, int lang)
{
	const struct content *c = x->c;
	json *j = x->j;

	json_obj_begin(j);
	json_kv_str(j, "resourceType", "QuestionnaireResponse");
	json_kv_str(j, "id", qr_id);
	json_key(j, "meta");
	json_obj_begin(j);
	json_key(j, "tag");
	json_arr_begin(j);
	json_obj_begin(j);
	kv_cat(x, "system", c->url, "/outcome", NULL);
	json_kv_str(j, "code", outcome_code[outcome]);
	json_obj_end(j);
	json_arr_end(j);
	test_security(x);
	json_obj_end(j);
	json_kv_str(j, "language", c->langs[lang]);
	/* Not "urn:uuid:<id>": that is the entry's fullUrl, and a server
	 * rewrites every string equal to a fullUrl in the transaction. */
	json_key(j, "identifier");
	json_obj_begin(j);
	kv_cat(x, "system", c->url, "/intake", NULL);
	json_kv_str(j, "value", qr_id);
	json_obj_end(j);
	kv_cat(x, "questionnaire", c->url, "|", c->version);
	json_kv_str(j, "status", "completed");
	patient_ref(x, "subject", patient_id);
	json_kv_str(j, "authored", authored);
	patient_ref(x, "source", patient_id);

	int n = 0;
	for (int i = 0; i < c->n_screens; i++) {
		const struct content_screen *s = &c->screens[i];
		const char *a = given(c, answers, i);
		if (!a)
			continue;
		if (n++ == 0) {
			json_key(j, "item");
			json_arr_begin(j);
		}
		json_obj_begin(j);
		json_kv_str(j, "linkId", s->id);
		if (*first(c, item_text(c, s)))
			json_kv_str(j, "text", first(c, item_text(c, s)));
		qr_answer(x, s, a);
		json_obj_end(j);
	}
	if (n)
		json_arr_end(j);
	json_obj_end(j);
}

/* ---- Patient ------------------------------------------------------------- */

/* Growable text (FHIRPath expressions, search queries, Bundle forms). */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

/* The name as typed, trimmed to [*b, *e); *sp is its first space.  Given
 * and family are known only for exactly two words ("First Last"):
 * splitting longer names guesses wrong for many families. */
static int name_words(const char *name, const char **b, const char **e, const char **sp)
{
	int words = 0;

	*b = name;
	*e = name + strlen(name);
	*sp = NULL;
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
	for (const char *p = *b; p < *e; p++) {
		if (!isspace((unsigned char)*p) && (p == *b || isspace((unsigned char)p[-1])))
			words++;
		if (isspace((unsigned char)*p) && !*sp)
			*sp = p;
	}
	return words;
}

struct demo {
	const char *name, *dob, *phone;
	const char *b, *e, *sp, *fam;   /* the name's parts, see name_words() */
	int words;
	bool dob_ok;
};

static void demographics(const struct content *c, const char *const *answers, struct demo *d)
{
	struct kdate kd;

	memset(d, 0, sizeof *d);
	d->name = c->name_question ? given(c, answers, content_find(c, c->name_question)) : NULL;
	d->dob = c->dob_question ? given(c, answers, content_find(c, c->dob_question)) : NULL;
	d->phone = c->phone_question ? given(c, answers, content_find(c, c->phone_question)) : NULL;
	d->dob_ok = d->dob && kdate_parse(d->dob, &kd);
	if (d->name)
		d->words = name_words(d->name, &d->b, &d->e, &d->sp);
	if (d->words == 2)
		for (d->fam = d->sp; isspace((unsigned char)*d->fam); d->fam++)
			;
}

/* Append "&key=" and n bytes of v percent-encoded (RFC 3986 unreserved
 * bytes stay) to b. */
static void query_add(struct sbuf *b, const char *key, const char *v, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char ch[4] = { 0 };

	if (b->len)
		sb_add(b, "&");
	sb_add(b, key);
	sb_add(b, "=");
	for (size_t i = 0; i < n; i++) {
		unsigned char u = (unsigned char)v[i];

		if (isalnum(u) || strchr("-._~", u)) {
			ch[0] = (char)u;
			ch[1] = '\0';
		} else {
			ch[0] = '%';
			ch[1] = hex[u >> 4];
			ch[2] = hex[u & 15];
			ch[3] = '\0';
		}
		sb_add(b, ch);
	}
}

/* The search that finds this patient on the server: family, given and
 * birth date, and the phone where given.  Names compare :exact: a FHIR
 * string search matches any name that starts with the text ("Ann" finds
 * "Anna"), which would link one person's intake to another's record.  Empty (no match attempted) when
 * one of the three is unknown: matching on less could link the intake to
 * someone else's record. */
static void match_query(const struct demo *d, struct sbuf *q)
{
	if (d->words != 2 || !d->dob_ok)
		return;
	query_add(q, "family:exact", d->fam, (size_t)(d->e - d->fam));
	query_add(q, "given:exact", d->b, (size_t)(d->sp - d->b));
	query_add(q, "birthdate", d->dob, strlen(d->dob));
	if (d->phone)
		query_add(q, "phone", d->phone, strlen(d->phone));
}

static void patient(struct fx *x, const struct demo *d)
{
	json *j = x->j;

	json_obj_begin(j);
	json_kv_str(j, "resourceType", "Patient");
	test_meta(x);
	if (d->words > 0) {
		json_key(j, "name");
		json_arr_begin(j);
		json_obj_begin(j);
		json_key(j, "text");
		json_strn(j, d->b, (size_t)(d->e - d->b));
		if (d->words == 2) {
			json_key(j, "family");
			json_strn(j, d->fam, (size_t)(d->e - d->fam));
			json_key(j, "given");
			json_arr_begin(j);
			json_strn(j, d->b, (size_t)(d->sp - d->b));
			json_arr_end(j);
		}
		json_obj_end(j);
		json_arr_end(j);
	}
	if (d->phone) {
		json_key(j, "telecom");
		json_arr_begin(j);
		json_obj_begin(j);
		json_kv_str(j, "system", "phone");
		json_kv_str(j, "value", d->phone);
		json_obj_end(j);
		json_arr_end(j);
	}
	if (d->dob_ok)
		json_kv_str(j, "birthDate", d->dob);
	json_obj_end(j);
}

/* ---- DetectedIssue ------------------------------------------------------- */

static void detected_issue(struct fx *x, const struct rules_flag *f, const char *id,
			   const char *qr_id, const char *patient_id, const char *authored)
{
	const struct content *c = x->c;
	const struct content_screen *s = &c->screens[f->screen];
	json *j = x->j;
	const char *staff = f->staff && *f->staff ? f->staff : f->code;

	json_obj_begin(j);
	json_kv_str(j, "resourceType", "DetectedIssue");
	json_kv_str(j, "id", id);
	test_meta(x);
	json_kv_str(j, "status", "final");
	json_key(j, "code");
	json_obj_begin(j);
	json_key(j, "coding");
	json_arr_begin(j);
	json_obj_begin(j);
	kv_cat(x, "system", c->url, "/flags", NULL);
	json_kv_str(j, "code", f->code);
	json_obj_end(j);
	json_arr_end(j);
	json_kv_str(j, "text", staff);
	json_obj_end(j);
	json_kv_str(j, "severity", f->severity == CONTENT_SEV_DEFER ? "high" :
				   f->severity == CONTENT_SEV_REVIEW ? "moderate" : "low");
	patient_ref(x, "patient", patient_id);
	json_kv_str(j, "identifiedDateTime", authored);
	json_key(j, "evidence");
	json_arr_begin(j);
	json_obj_begin(j);
	json_key(j, "code");
	json_arr_begin(j);
	json_obj_begin(j);
	json_key(j, "coding");
	json_arr_begin(j);
	json_obj_begin(j);
	kv_cat(x, "system", c->url, "/questions", NULL);
	json_kv_str(j, "code", s->id);
	json_obj_end(j);
	json_arr_end(j);
	if (*first(c, item_text(c, s)))
		json_kv_str(j, "text", first(c, item_text(c, s)));
	json_obj_end(j);
	json_arr_end(j);
	json_key(j, "detail");
	json_arr_begin(j);
	json_obj_begin(j);
	kv_cat(x, "reference", "QuestionnaireResponse/", qr_id, NULL);
	json_obj_end(j);
	json_arr_end(j);
	json_obj_end(j);
	json_arr_end(j);
	json_kv_str(j, "detail", staff);
	json_obj_end(j);
}

static void entry_begin(struct fx *x, const char *id)
{
	json_obj_begin(x->j);
	kv_cat(x, "fullUrl", "urn:uuid:", id, NULL);
	json_key(x->j, "resource");
}

static void entry_end(struct fx *x, const char *type, const char *id)
{
	json_key(x->j, "request");
	json_obj_begin(x->j);
	json_kv_str(x->j, "method", "PUT");
	kv_cat(x, "url", type, "/", id);
	json_obj_end(x->j);
	json_obj_end(x->j);
}

bool fhir_id_ok(const char *id)
{
	return id != NULL && fhir_id_okn(id, strlen(id));
}

bool fhir_id_okn(const char *s, size_t n)
{
	bool alnum = false;

	if (n < 1 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))
			alnum = true;
		else if (ch != '-' && ch != '.')
			return false;
	}
	return alnum;
}

const char *fhir_url_problem(const char *url)
{
	const char *seg;
	size_t n;

	if (url == NULL || *url == '\0')
		return "is empty";
	n = strlen(url);
	if (n > FHIR_URL_MAX)
		return "is longer than " FHIR_STR(FHIR_URL_MAX) " bytes";
	for (const char *p = url; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '|')
			return "may hold only printable ASCII, with no space or '|' (percent-encode the rest)";
	seg = strrchr(url, '/');
	if (!fhir_id_ok(seg ? seg + 1 : url))
		return "must end in a FHIR id (1 to 64 of A-Z a-z 0-9 - ., with a letter or digit) after the last '/'";
	return NULL;
}

static krc content_ok(const struct content *c, struct kerr *err)
{
	const char *why;

	if (!c || !c->url || !*c->url || !c->version || !*c->version || c->n_langs < 1)
		return kerr_set(err, K_EINVAL, "fhir: content has no url, version or language");
	for (const char *p = c->version; *p; p++)
		if (isspace((unsigned char)*p) || *p == '|')
			return kerr_set(err, K_EINVAL, "fhir: content version is not a FHIR version");
	why = fhir_url_problem(c->url);
	if (why)
		return kerr_set(err, K_EINVAL, "fhir: content url %s", why);
	return K_OK;
}

static krc bundle(const struct content *c, const char *const *answers, const struct rules_flag *flags,
		  int n_flags, enum content_severity outcome, const char *session_id, const char *authored,
		  int lang, bool test, char **out_json, struct kerr *err);

krc fhir_bundle(const struct content *c, const char *const *answers,
		const struct rules_flag *flags, int n_flags, enum content_severity outcome,
		const char *session_id, const char *authored, int lang, char **out_json,
		struct kerr *err)
{
	return bundle(c, answers, flags, n_flags, outcome, session_id, authored, lang, false, out_json, err);
}

krc fhir_bundle_test(const struct content *c, const char *const *answers,
		     const struct rules_flag *flags, int n_flags, enum content_severity outcome,
		     const char *session_id, const char *authored, int lang, char **out_json,
		     struct kerr *err)
{
	return bundle(c, answers, flags, n_flags, outcome, session_id, authored, lang, true, out_json, err);
}

static krc bundle(const struct content *c, const char *const *answers, const struct rules_flag *flags,
		  int n_flags, enum content_severity outcome, const char *session_id, const char *authored,
		  int lang, bool test, char **out_json, struct kerr *err)
{
	char qr_id[UUID_LEN + 1], pat_id[UUID_LEN + 1];
	char (*issue_id)[UUID_LEN + 1] = NULL;
	struct fx x = { .c = c, .err = err, .test = test };
	struct sbuf q = { 0 };
	struct demo d;
	krc rc;

	*out_json = NULL;
	if ((rc = content_ok(c, err)) != K_OK)
		return rc;
	if (!uuid_norm(session_id, qr_id))
		return kerr_set(err, K_EINVAL, "fhir: session id is not a UUID");
	if (!authored_ok(authored))
		return kerr_set(err, K_EINVAL, "fhir: completion time is not ISO 8601 with seconds and zone");
	if (lang < 0 || lang >= c->n_langs)
		lang = 0;
	if (outcome < CONTENT_SEV_CLEAR || outcome > CONTENT_SEV_DEFER || n_flags < 0 ||
	    (n_flags > 0 && !flags) || (!answers && c->n_screens > 0))
		return kerr_set(err, K_EINVAL, "fhir: bad outcome, flags or answers");
	for (int i = 0; i < c->n_screens; i++) {
		const char *a = given(c, answers, i);
		if (a && !answer_ok(&x, &c->screens[i], a))
			return x.rc;
	}
	uuid_derive(qr_id, "Patient", "", pat_id);

	/* One id per flag from its code, and its repeat count in case a code
	 * was raised twice: stable across resends, unlike a position. */
	if (n_flags > 0) {
		issue_id = calloc((size_t)n_flags, sizeof *issue_id);
		if (!issue_id)
			return kerr_set(err, K_ENOMEM, "fhir: out of memory");
	}
	for (int i = 0; i < n_flags; i++) {
		char name[96];
		int rep = 0;
		if (flags[i].screen < 0 || flags[i].screen >= c->n_screens || !flags[i].code[0]) {
			rc = kerr_set(err, K_EINVAL, "fhir: flag %d has no screen or code", i);
			goto out;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(flags[k].code, flags[i].code))
				rep++;
		snprintf(name, sizeof name, "%s#%d", flags[i].code, rep);
		uuid_derive(qr_id, "DetectedIssue", name, issue_id[i]);
	}

	if ((rc = json_new(&x.j, false, err)) != K_OK)
		goto out;
	json_obj_begin(x.j);
	json_kv_str(x.j, "resourceType", "Bundle");
	test_meta(&x);
	json_kv_str(x.j, "type", "transaction");
	json_kv_str(x.j, "timestamp", authored);
	json_key(x.j, "entry");
	json_arr_begin(x.j);

	demographics(c, answers, &d);
	match_query(&d, &q);
	if (q.oom) {
		rc = kerr_set(err, K_ENOMEM, "fhir: out of memory");
		goto out;
	}
	entry_begin(&x, pat_id);
	patient(&x, &d);
	json_key(x.j, "request");
	json_obj_begin(x.j);
	json_kv_str(x.j, "method", "POST");
	json_kv_str(x.j, "url", "Patient");
	if (q.len)
		json_kv_str(x.j, "ifNoneExist", q.s);
	json_obj_end(x.j);
	json_obj_end(x.j);

	entry_begin(&x, qr_id);
	questionnaire_response(&x, answers, outcome, qr_id, pat_id, authored, lang);
	entry_end(&x, "QuestionnaireResponse", qr_id);

	for (int i = 0; i < n_flags; i++) {
		entry_begin(&x, issue_id[i]);
		detected_issue(&x, &flags[i], issue_id[i], qr_id, pat_id, authored);
		entry_end(&x, "DetectedIssue", issue_id[i]);
	}
	json_arr_end(x.j);
	json_obj_end(x.j);
	if (x.rc != K_OK) {
		rc = x.rc;
		goto out;
	}
	rc = json_finish(x.j, out_json, err);
out:
	json_free(x.j);
	free(issue_id);
	free(q.s);
	return rc;
}

/* ---- the Bundle as sent ----------------------------------------------- */

/* A minimal scanner over a stored Bundle: the spans of the "entry" array's
 * elements, nothing more.  Values are skipped, never interpreted. */
static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *js_skip(const char *p, int depth)
{
	p = js_ws(p);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && !*++p)
				return NULL;
		return *p ? p + 1 : NULL;
	}
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		if (depth > 64)
			return NULL;
		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || (p = js_skip(p, depth + 1)) == NULL)
					return NULL;
				p = js_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if ((p = js_skip(p, depth + 1)) == NULL)
				return NULL;
			p = js_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = js_ws(p);
		}
	}
	{
		const char *b = p;

		while (*p && !strchr(",]} \t\r\n", *p))
			p++;
		return p > b ? p : NULL;
	}
}

#define FORM_MAX_ENTRIES 256

struct span {
	const char *b, *e;
};

struct parsed {
	const char *open, *close;        /* just inside the entry array's [ ] */
	struct span ent[FORM_MAX_ENTRIES];
	int n;
	int patient, qr;                 /* entry index, -1 when none */
	char pat_url[UUID_LEN + 16];     /* the Patient entry's fullUrl */
	bool matchable;
};

static char *span_dup(struct span sp)
{
	size_t n = (size_t)(sp.e - sp.b);
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, sp.b, n);
		s[n] = '\0';
	}
	return s;
}

/* The string member key of one entry (first depth-first), into buf. */
static bool entry_str(struct span sp, const char *key, char *buf, size_t n)
{
	char *doc = span_dup(sp), *v = NULL;
	struct kerr e = { "" };
	bool ok = false;

	if (doc && json_get_string(doc, key, &v, &e) == K_OK && strlen(v) < n) {
		strcpy(buf, v);
		ok = true;
	}
	free(v);
	free(doc);
	return ok;
}

static krc parse_stored(const char *doc, struct parsed *ps, struct kerr *err)
{
	const char *p = js_ws(doc);

	memset(ps, 0, sizeof *ps);
	ps->patient = ps->qr = -1;
	if (*p++ != '{')
		return kerr_set(err, K_EINVAL, "fhir: the record is not a JSON object");
	for (p = js_ws(p); *p == '"';) {
		const char *k = p, *v;

		if ((p = js_skip(p, 1)) == NULL)
			break;
		p = js_ws(p);
		if (*p++ != ':')
			break;
		v = js_ws(p);
		if ((p = js_skip(v, 1)) == NULL)
			break;
		if (!strncmp(k, "\"entry\"", 7) && *v == '[') {
			const char *q = js_ws(v + 1);

			ps->open = v + 1;
			while (*q != ']') {
				const char *e = js_skip(q, 2);

				if (e == NULL || ps->n == FORM_MAX_ENTRIES)
					return kerr_set(err, K_EINVAL, "fhir: the record's entries are malformed");
				ps->ent[ps->n].b = q;
				ps->ent[ps->n++].e = e;
				q = js_ws(e);
				if (*q == ',')
					q = js_ws(q + 1);
			}
			ps->close = q;
		}
		p = js_ws(p);
		if (*p == ',')
			p = js_ws(p + 1);
	}
	if (ps->open == NULL)
		return kerr_set(err, K_EINVAL, "fhir: the record has no entries");
	for (int i = 0; i < ps->n; i++) {
		char rt[40], method[8];

		if (!entry_str(ps->ent[i], "resourceType", rt, sizeof rt))
			continue;
		if (!strcmp(rt, "QuestionnaireResponse") && ps->qr < 0)
			ps->qr = i;
		if (strcmp(rt, "Patient") || ps->patient >= 0 ||
		    !entry_str(ps->ent[i], "method", method, sizeof method) || strcmp(method, "POST") ||
		    !entry_str(ps->ent[i], "fullUrl", ps->pat_url, sizeof ps->pat_url) ||
		    strncmp(ps->pat_url, "urn:uuid:", 9) != 0)
			continue;
		ps->patient = i;
		for (const char *c = ps->ent[i].b; c + 13 <= ps->ent[i].e && !ps->matchable; c++)
			ps->matchable = !strncmp(c, "\"ifNoneExist\"", 13);
	}
	return K_OK;
}

krc fhir_bundle_patient(const char *stored, enum fhir_patient_entry *out, struct kerr *err)
{
	struct parsed *ps = malloc(sizeof *ps);
	krc rc;

	*out = FHIR_PE_NONE;
	if (ps == NULL)
		return kerr_set(err, K_ENOMEM, "fhir: out of memory");
	rc = parse_stored(stored, ps, err);
	if (rc == K_OK && ps->patient >= 0)
		*out = ps->matchable ? FHIR_PE_MATCHABLE : FHIR_PE_UNMATCHABLE;
	free(ps);
	return rc;
}

/* Remove every member whose value is {"reference":"<url>"} (the writer's
 * compact form), with the comma that joins it to its neighbours. */
static void drop_refs(struct sbuf *b, const char *url)
{
	char pat[UUID_LEN + 40];
	char *hit;

	snprintf(pat, sizeof pat, ":{\"reference\":\"%s\"}", url);
	while (!b->oom && (hit = strstr(b->s, pat)) != NULL) {
		char *from = hit, *to = hit + strlen(pat);

		/* back over "key" */
		if (from > b->s && from[-1] == '"')
			for (from -= 2; from > b->s && *from != '"'; from--)
				;
		if (from > b->s && from[-1] == ',')
			from--;
		else if (*to == ',')
			to++;
		memmove(from, to, strlen(to) + 1);
		b->len -= (size_t)(to - from);
	}
}

/* Replace every JSON string "<from>" by "<to>". */
static void swap_str(struct sbuf *b, const char *from, const char *to)
{
	char f[96], t[160];
	struct sbuf out = { 0 };
	const char *p, *hit;

	snprintf(f, sizeof f, "\"%s\"", from);
	snprintf(t, sizeof t, "\"%s\"", to);
	for (p = b->s; (hit = strstr(p, f)) != NULL; p = hit + strlen(f)) {
		sb_addn(&out, p, (size_t)(hit - p));
		sb_add(&out, t);
	}
	sb_add(&out, p);
	free(b->s);
	*b = out;
}

/* The DetectedIssue that tells staff the server held several patients
 * matching this one: the intake went without a Patient link. */
static krc unmatched_flag(const struct parsed *ps, struct sbuf *b, struct kerr *err)
{
	char qurl[FHIR_BUF_MAX], authored[64], qr_url[UUID_LEN + 16], qr_id[UUID_LEN + 1];
	char id[UUID_LEN + 1], *bar, *text = NULL;
	struct fx x = { .err = err };
	krc rc;

	if (ps->qr < 0 || !entry_str(ps->ent[ps->qr], "questionnaire", qurl, sizeof qurl) ||
	    !entry_str(ps->ent[ps->qr], "authored", authored, sizeof authored) ||
	    !entry_str(ps->ent[ps->qr], "fullUrl", qr_url, sizeof qr_url) ||
	    strncmp(qr_url, "urn:uuid:", 9) || !uuid_norm(qr_url + 9, qr_id))
		return kerr_set(err, K_EINVAL, "fhir: the record has no QuestionnaireResponse");
	if ((bar = strchr(qurl, '|')) != NULL)
		*bar = '\0';
	uuid_derive(qr_id, "DetectedIssue", "patient-not-matched#0", id);
	if ((rc = json_new(&x.j, false, err)) != K_OK)
		return rc;
	json_obj_begin(x.j);
	kv_cat(&x, "fullUrl", "urn:uuid:", id, NULL);
	json_key(x.j, "resource");
	json_obj_begin(x.j);
	json_kv_str(x.j, "resourceType", "DetectedIssue");
	json_kv_str(x.j, "id", id);
	json_kv_str(x.j, "status", "final");
	json_key(x.j, "code");
	json_obj_begin(x.j);
	json_key(x.j, "coding");
	json_arr_begin(x.j);
	json_obj_begin(x.j);
	kv_cat(&x, "system", qurl, "/flags", NULL);
	json_kv_str(x.j, "code", FHIR_UNMATCHED_CODE);
	json_obj_end(x.j);
	json_arr_end(x.j);
	json_kv_str(x.j, "text", "patient not matched");
	json_obj_end(x.j);
	json_kv_str(x.j, "severity", "moderate");
	json_kv_str(x.j, "identifiedDateTime", authored);
	json_key(x.j, "evidence");
	json_arr_begin(x.j);
	json_obj_begin(x.j);
	json_key(x.j, "detail");
	json_arr_begin(x.j);
	json_obj_begin(x.j);
	kv_cat(&x, "reference", "QuestionnaireResponse/", qr_id, NULL);
	json_obj_end(x.j);
	json_arr_end(x.j);
	json_obj_end(x.j);
	json_arr_end(x.j);
	json_kv_str(x.j, "detail", "patient not matched: the server could not link this intake to "
		    "one patient record (several match, or the name or date of birth is incomplete); "
		    "link it by hand (the answers hold the name, date of birth and phone)");
	json_obj_end(x.j);
	json_key(x.j, "request");
	json_obj_begin(x.j);
	json_kv_str(x.j, "method", "PUT");
	kv_cat(&x, "url", "DetectedIssue/", id, NULL);
	json_obj_end(x.j);
	json_obj_end(x.j);
	rc = x.rc ? x.rc : json_finish(x.j, &text, err);
	json_free(x.j);
	if (rc == K_OK) {
		sb_add(b, ",");
		sb_add(b, text);
	}
	free(text);
	return rc;
}

static bool ref_ok(const char *ref)
{
	size_t n = strlen("Patient/");

	if (!ref || strncmp(ref, "Patient/", n) || !ref[n] || strlen(ref + n) > 64)
		return false;
	for (const char *p = ref + n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

krc fhir_bundle_form(const char *stored, enum fhir_form form, const char *patient_ref,
		     char **out, struct kerr *err)
{
	struct parsed *ps = malloc(sizeof *ps);
	struct sbuf b = { 0 };
	char pat_id[UUID_LEN + 1];
	krc rc;

	*out = NULL;
	if (ps == NULL)
		return kerr_set(err, K_ENOMEM, "fhir: out of memory");
	if ((rc = parse_stored(stored, ps, err)) != K_OK)
		goto out;
	if (ps->patient < 0 || !uuid_norm(ps->pat_url + 9, pat_id)) {
		rc = kerr_set(err, K_ENOTFOUND, "fhir: the record has no Patient to match");
		goto out;
	}
	if (form == FHIR_FORM_MATCH) {
		char *e = span_dup(ps->ent[ps->patient]);

		sb_add(&b, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
		sb_add(&b, e ? e : "");
		sb_add(&b, "]}");
		b.oom |= e == NULL;
		free(e);
		goto done;
	}
	if (form == FHIR_FORM_LINKED && !ref_ok(patient_ref)) {
		rc = kerr_set(err, K_EINVAL, "fhir: the server named no valid Patient");
		goto out;
	}
	{
		struct span head = { stored, ps->open }, tail = { ps->close, stored + strlen(stored) };
		char *h = span_dup(head), *t = span_dup(tail);
		int n = 0;

		sb_add(&b, h ? h : "");
		for (int i = 0; i < ps->n; i++) {
			char *e;

			if (n++)
				sb_add(&b, ",");
			if (i == ps->patient && form == FHIR_FORM_CREATE) {
				/* The Patient as an update of the kiosk's own id. */
				char head_[2 * UUID_LEN + 80];
				const char *r = strstr(ps->ent[i].b, "\"resource\":{");

				if (r == NULL || r > ps->ent[i].e) {
					/* Not the writer's compact form: not a
					 * record this kiosk wrote (K_EINVAL). */
					free(h);
					free(t);
					rc = kerr_set(err, K_EINVAL, "fhir: the record's Patient is not in "
						      "the form this kiosk writes");
					goto out;
				}
				snprintf(head_, sizeof head_, "{\"fullUrl\":\"urn:uuid:%s\",\"resource\":{\"id\":\"%s\",",
					 pat_id, pat_id);
				sb_add(&b, head_);
				e = span_dup((struct span){ r + strlen("\"resource\":{"), ps->ent[i].e });
				if (e) {
					/* cut the request: it follows the resource */
					char *req = strstr(e, ",\"request\":{");

					if (req)
						*req = '\0';
				}
				sb_add(&b, e ? e : "");
				free(e);
				snprintf(head_, sizeof head_, ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient/%s\"}}",
					 pat_id);
				sb_add(&b, head_);
				continue;
			}
			if (i == ps->patient) {
				n--;
				continue;
			}
			e = span_dup(ps->ent[i]);
			sb_add(&b, e ? e : "");
			b.oom |= e == NULL;
			free(e);
		}
		if (form == FHIR_FORM_UNMATCHED && !b.oom && (rc = unmatched_flag(ps, &b, err)) != K_OK) {
			free(h);
			free(t);
			goto out;
		}
		sb_add(&b, t ? t : "");
		b.oom |= h == NULL || t == NULL;
		free(h);
		free(t);
	}
	if (b.oom)
		goto done;
	if (form == FHIR_FORM_LINKED)
		swap_str(&b, ps->pat_url, patient_ref);
	else if (form == FHIR_FORM_NONE || form == FHIR_FORM_UNMATCHED)
		drop_refs(&b, ps->pat_url);
done:
	if (b.oom) {
		rc = kerr_set(err, K_ENOMEM, "fhir: out of memory");
		goto out;
	}
	*out = b.s;
	b.s = NULL;
out:
	free(b.s);
	free(ps);
	return rc;
}

/* ---- Questionnaire ------------------------------------------------------- */

/* Can FHIR's enableWhen say this condition?  It cannot compare dates with
 * today, and its "!=" on a repeating item means "some answer differs",
 * not "this option not chosen". */
static bool cond_simple(const struct content *c, const struct content_cond *k)
{
	const struct content_screen *t = &c->screens[k->q];
	int unsure = 0;

	switch (k->op) {
	case CONTENT_OP_EQUALS:
	case CONTENT_OP_ANSWERED:
	case CONTENT_OP_UNANSWERED:
		return true;
	case CONTENT_OP_NOT_EQUALS:
		return t->kind != CONTENT_MULTI;
	case CONTENT_OP_UNSURE:
		if (t->kind == CONTENT_YESNO)
			return true;
		for (int o = 0; o < t->n_options; o++)
			unsure += t->options[o].unsure;
		return unsure == 1;
	default:
		return false;
	}
}

static void enable_when(struct fx *x, const struct content_cond *k)
{
	const struct content_screen *t = &x->c->screens[k->q];
	json *j = x->j;
	const char *code = k->value;
	long v;

	json_obj_begin(j);
	json_kv_str(j, "question", t->id);
	switch (k->op) {
	case CONTENT_OP_ANSWERED:
	case CONTENT_OP_UNANSWERED:
		json_kv_str(j, "operator", "exists");
		json_kv_bool(j, "answerBoolean", k->op == CONTENT_OP_ANSWERED);
		break;
	case CONTENT_OP_UNSURE:
		json_kv_str(j, "operator", "=");
		code = "unsure";
		for (int o = 0; t->kind != CONTENT_YESNO && o < t->n_options; o++)
			if (t->options[o].unsure)
				code = t->options[o].id;
		json_key(j, "answerCoding");
		answer_coding(x, t, code, false);
		break;
	default:
		json_kv_str(j, "operator", k->op == CONTENT_OP_EQUALS ? "=" : "!=");
		if (!code) {
			fx_fail(x, K_ECONTENT, "a condition on '%s' has no value", t->id);
			code = "";
		}
		switch (t->kind) {
		case CONTENT_YESNO:
		case CONTENT_CHOICE:
		case CONTENT_MULTI:
			json_key(j, "answerCoding");
			answer_coding(x, t, code, false);
			break;
		case CONTENT_NUMBER:
			if (!parse_int(code, &v))
				fx_fail(x, K_ECONTENT, "a condition on '%s' compares with a non-number",
					t->id);
			json_kv_int(j, "answerInteger", v);
			break;
		case CONTENT_DATE:
			json_kv_str(j, "answerDate", code);
			break;
		default:
			json_kv_str(j, "answerString", code);
			break;
		}
		break;
	}
	json_obj_end(j);
}

/* A FHIRPath string literal. */
static void sb_lit(struct sbuf *b, const char *s)
{
	char ch[2] = { 0, 0 };
	sb_add(b, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			sb_add(b, "\\");
		ch[0] = *s;
		sb_add(b, ch);
	}
	sb_add(b, "'");
}

static void sb_span(struct sbuf *b, struct kdate_span sp)
{
	char n[32];
	const char *unit = sp.unit == 'd' ? "days" : sp.unit == 'w' ? "weeks" :
			   sp.unit == 'm' ? "months" : "years";
	snprintf(n, sizeof n, "today() - %d %s", sp.n, unit);
	sb_add(b, n);
}

/* One condition as FHIRPath over the response (%resource), following
 * docs/content.md: dates compare with today minus a calendar span; ages
 * count whole years. */
static void cond_expr(struct fx *x, struct sbuf *b, const struct content_cond *k)
{
	const struct content_screen *t = &x->c->screens[k->q];
	char num[32];
	long v;
	bool coded = t->kind == CONTENT_YESNO || t->kind == CONTENT_CHOICE || t->kind == CONTENT_MULTI;

	sb_add(b, "%resource.repeat(item).where(linkId = ");
	sb_lit(b, t->id);
	sb_add(b, ").answer");
	switch (k->op) {
	case CONTENT_OP_ANSWERED:
		sb_add(b, ".exists()");
		return;
	case CONTENT_OP_UNANSWERED:
		sb_add(b, ".empty()");
		return;
	case CONTENT_OP_WITHIN:
		sb_add(b, ".where(value > ");
		sb_span(b, k->span);
		sb_add(b, " and value <= today()).exists()");
		return;
	case CONTENT_OP_OLDER_THAN:
		sb_add(b, ".where(value <= ");
		sb_span(b, k->span);
		sb_add(b, ").exists()");
		return;
	case CONTENT_OP_AGE_UNDER:
	case CONTENT_OP_AGE_AT_LEAST:
		snprintf(num, sizeof num, "today() - %d years", k->years);
		sb_add(b, k->op == CONTENT_OP_AGE_UNDER ? ".where(value > " : ".where(value <= ");
		sb_add(b, num);
		sb_add(b, ").exists()");
		return;
	case CONTENT_OP_UNSURE: {
		int n = 0;
		sb_add(b, ".where(value.code in (");
		if (t->kind == CONTENT_YESNO) {
			sb_lit(b, "unsure");
			n++;
		}
		for (int o = 0; t->kind != CONTENT_YESNO && o < t->n_options; o++) {
			if (!t->options[o].unsure)
				continue;
			if (n++)
				sb_add(b, " | ");
			sb_lit(b, t->options[o].id);
		}
		if (!n)
			sb_lit(b, "unsure");
		sb_add(b, ")).exists()");
		return;
	}
	default:
		break;
	}
	/* equals / not_equals */
	const char *val = k->value ? k->value : "";
	struct sbuf test = { 0 };
	sb_add(&test, coded ? "value.code = " : "value = ");
	if (t->kind == CONTENT_NUMBER) {
		if (!parse_int(val, &v))
			fx_fail(x, K_ECONTENT, "a condition on '%s' compares with a non-number", t->id);
		snprintf(num, sizeof num, "%ld", v);
		sb_add(&test, num);
	} else if (t->kind == CONTENT_DATE) {
		sb_add(&test, "@");
		sb_add(&test, val);
	} else {
		sb_lit(&test, val);
	}
	if (k->op == CONTENT_OP_EQUALS) {
		sb_add(b, ".where(");
		sb_add(b, test.s ? test.s : "");
		sb_add(b, ").exists()");
	} else {
		/* answered, and the value is not (among) the answers */
		sb_add(b, ".exists() and %resource.repeat(item).where(linkId = ");
		sb_lit(b, t->id);
		sb_add(b, ").answer.where(");
		sb_add(b, test.s ? test.s : "");
		sb_add(b, ").empty()");
	}
	if (test.oom)
		b->oom = true;
	free(test.s);
}

static bool when_resolved(struct fx *x, const struct content_screen *s)
{
	for (int i = 0; i < s->when.n; i++) {
		int q = s->when.c[i].q;
		if (q < 0 || q >= x->c->n_screens || !content_asks(x->c->screens[q].kind)) {
			fx_fail(x, K_ECONTENT, "screen '%s' has a condition on an unknown question",
				s->id);
			return false;
		}
	}
	return true;
}

/* enableWhen + enableBehavior when every condition fits, otherwise one SDC
 * enableWhenExpression (the two may not be mixed on one item). */
static void item_when(struct fx *x, const struct content_screen *s, bool *expr_ext)
{
	const struct content_when *w = &s->when;
	json *j = x->j;
	bool simple = true;

	*expr_ext = false;
	if (w->n == 0 || !when_resolved(x, s))
		return;
	for (int i = 0; i < w->n; i++)
		simple = simple && cond_simple(x->c, &w->c[i]);
	if (simple) {
		json_key(j, "enableWhen");
		json_arr_begin(j);
		for (int i = 0; i < w->n; i++)
			enable_when(x, &w->c[i]);
		json_arr_end(j);
		if (w->n > 1)
			json_kv_str(j, "enableBehavior", w->any ? "any" : "all");
		return;
	}
	*expr_ext = true;
}

static void item_when_expr(struct fx *x, const struct content_screen *s)
{
	const struct content_when *w = &s->when;
	struct sbuf b = { 0 };
	json *j = x->j;

	for (int i = 0; i < w->n; i++) {
		if (i)
			sb_add(&b, w->any ? " or " : " and ");
		if (w->n > 1)
			sb_add(&b, "(");
		cond_expr(x, &b, &w->c[i]);
		if (w->n > 1)
			sb_add(&b, ")");
	}
	if (b.oom)
		fx_fail(x, K_ENOMEM, "out of memory");
	json_obj_begin(j);
	json_kv_str(j, "url", ENABLE_EXPR_EXT);
	json_key(j, "valueExpression");
	json_obj_begin(j);
	json_kv_str(j, "language", "text/fhirpath");
	json_kv_str(j, "expression", b.s ? b.s : "true");
	json_obj_end(j);
	json_obj_end(j);
	free(b.s);
}

static const char *item_type(enum content_kind k)
{
	switch (k) {
	case CONTENT_YESNO:
	case CONTENT_CHOICE:
	case CONTENT_MULTI:
		return "choice";
	case CONTENT_TEXT:
	case CONTENT_CONSENT:
		return "string";
	case CONTENT_NUMBER:
		return "integer";
	case CONTENT_DATE:
		return "date";
	default:
		return "display";
	}
}

static void ext_value(struct fx *x, const char *url, const char *type_key, const char *s, long v)
{
	json_obj_begin(x->j);
	json_kv_str(x->j, "url", url);
	if (s)
		json_kv_str(x->j, type_key, s);
	else
		json_kv_int(x->j, type_key, v);
	json_obj_end(x->j);
}

static void q_item(struct fx *x, const struct content_screen *s)
{
	const struct content *c = x->c;
	json *j = x->j;
	bool q = content_asks(s->kind), expr = false;
	const struct content_text *text = item_text(c, s);
	char day[11];

	json_obj_begin(j);
	json_kv_str(j, "linkId", s->id);
	if (*first(c, text)) {
		json_kv_str(j, "text", first(c, text));
		translations(x, "_text", text);
	}
	json_kv_str(j, "type", item_type(s->kind));
	item_when(x, s, &expr);

	/* extensions: skip logic FHIR cannot say, and value limits */
	bool lim_num = s->kind == CONTENT_NUMBER && s->min <= s->max &&
		       (s->min != 0 || s->max != 0);
	bool lim_dmin = s->kind == CONTENT_DATE && s->date_min.set && !s->date_min.relative;
	bool lim_dmax = s->kind == CONTENT_DATE && s->date_max.set && !s->date_max.relative;
	if (expr || lim_num || lim_dmin || lim_dmax) {
		json_key(j, "extension");
		json_arr_begin(j);
		if (expr)
			item_when_expr(x, s);
		if (lim_num) {
			ext_value(x, MINVALUE_EXT, "valueInteger", NULL, s->min);
			ext_value(x, MAXVALUE_EXT, "valueInteger", NULL, s->max);
		}
		if (lim_dmin) {
			kdate_format(s->date_min.abs, day);
			ext_value(x, MINVALUE_EXT, "valueDate", day, 0);
		}
		if (lim_dmax) {
			kdate_format(s->date_max.abs, day);
			ext_value(x, MAXVALUE_EXT, "valueDate", day, 0);
		}
		json_arr_end(j);
	}
	if (q) {
		json_kv_bool(j, "required", s->required);
		if (s->kind == CONTENT_MULTI)
			json_kv_bool(j, "repeats", true);
		if ((s->kind == CONTENT_TEXT || s->kind == CONTENT_CONSENT) && s->max_length > 0)
			json_kv_int(j, "maxLength", s->max_length);
	}
	if (s->kind == CONTENT_YESNO) {
		static const char *const yn[] = { "yes", "no", "unsure" };
		json_key(j, "answerOption");
		json_arr_begin(j);
		for (int i = 0; i < (s->not_sure ? 3 : 2); i++) {
			json_obj_begin(j);
			json_key(j, "valueCoding");
			answer_coding(x, s, yn[i], true);
			json_obj_end(j);
		}
		json_arr_end(j);
	} else if (s->kind == CONTENT_CHOICE || s->kind == CONTENT_MULTI) {
		json_key(j, "answerOption");
		json_arr_begin(j);
		for (int i = 0; i < s->n_options; i++) {
			json_obj_begin(j);
			if (s->options[i].exclusive && s->kind == CONTENT_MULTI) {
				json_key(j, "extension");
				json_arr_begin(j);
				json_obj_begin(j);
				json_kv_str(j, "url", EXCLUSIVE_EXT);
				json_kv_bool(j, "valueBoolean", true);
				json_obj_end(j);
				json_arr_end(j);
			}
			json_key(j, "valueCoding");
			answer_coding(x, s, s->options[i].id, true);
			json_obj_end(j);
		}
		json_arr_end(j);
	}
	/* The hint under a question: a help display item, as SDC renders it. */
	if (q && *first(c, &s->help)) {
		char link[256];
		snprintf(link, sizeof link, "%s.help", s->id);
		json_key(j, "item");
		json_arr_begin(j);
		json_obj_begin(j);
		json_kv_str(j, "linkId", link);
		json_kv_str(j, "text", first(c, &s->help));
		translations(x, "_text", &s->help);
		json_kv_str(j, "type", "display");
		json_key(j, "extension");
		json_arr_begin(j);
		json_obj_begin(j);
		json_kv_str(j, "url", ITEMCONTROL_EXT);
		json_key(j, "valueCodeableConcept");
		json_obj_begin(j);
		json_key(j, "coding");
		json_arr_begin(j);
		json_obj_begin(j);
		json_kv_str(j, "system", ITEMCONTROL_SYS);
		json_kv_str(j, "code", "help");
		json_obj_end(j);
		json_arr_end(j);
		json_obj_end(j);
		json_obj_end(j);
		json_arr_end(j);
		json_obj_end(j);
		json_arr_end(j);
	}
	json_obj_end(j);
}

/* A computable name from the url's last segment: "microneedling-intake"
 * becomes "MicroneedlingIntake" (FHIR wants [A-Z][A-Za-z0-9_]*). */
static void computable_name(const char *url, char *out, size_t n)
{
	const char *seg = strrchr(url, '/');
	size_t o = 0;
	bool up = true;

	seg = seg ? seg + 1 : url;
	for (; *seg && o + 1 < n; seg++) {
		unsigned char ch = (unsigned char)*seg;
		if (!isalnum(ch) || ch > 0x7f) {
			up = true;
			continue;
		}
		if (o == 0 && !isalpha(ch))
			continue;
		out[o++] = (char)(up ? toupper(ch) : ch);
		up = false;
	}
	out[o] = '\0';
}

krc fhir_questionnaire(const struct content *c, char **out_json, struct kerr *err)
{
	struct fx x = { .c = c, .err = err };
	char name[128];
	krc rc;

	*out_json = NULL;
	if ((rc = content_ok(c, err)) != K_OK)
		return rc;
	if ((rc = json_new(&x.j, true, err)) != K_OK)
		return rc;
	json *j = x.j;
	json_obj_begin(j);
	json_kv_str(j, "resourceType", "Questionnaire");
	json_kv_str(j, "language", c->langs[0]);
	json_kv_str(j, "url", c->url);
	json_kv_str(j, "version", c->version);
	computable_name(c->url, name, sizeof name);
	if (name[0])
		json_kv_str(j, "name", name);
	if (c->name && *c->name) {
		json_kv_str(j, "title", c->name);
		json_kv_str(j, "publisher", c->name);
	}
	json_kv_str(j, "status", "active");
	json_key(j, "subjectType");
	json_arr_begin(j);
	json_str(j, "Patient");
	json_arr_end(j);
	if (c->n_screens > 0) {
		json_key(j, "item");
		json_arr_begin(j);
		for (int i = 0; i < c->n_screens; i++)
			q_item(&x, &c->screens[i]);
		json_arr_end(j);
	}
	json_obj_end(j);
	if (x.rc != K_OK)
		rc = x.rc;
	else
		rc = json_finish(j, out_json, err);
	json_free(x.j);
	return rc;
}
