/* test_fhir: the JSON writer escapes what it must, and the FHIR documents
 * carry the answers, ids and skip logic the design asks for.  The FHIR
 * schema itself is applied by tests/it/fhir_validate.sh; here the content
 * is built by hand so every mapping is pinned down exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content.h"
#include "fhir.h"
#include "json.h"
#include "rules.h"

#define URL "https://clinic.example/Questionnaire/intake"
#define SESSION "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"
#define AUTHORED "2026-11-26T10:15:00+00:00"

/* ---- JSON writer -------------------------------------------------------- */

static void test_escape(void **state)
{
	(void)state;
	char *s = json_escape("say \"hi\"\\ now\n\ttab\r\x01\x1f\x7f end");
	assert_string_equal(s, "say \\\"hi\\\"\\\\ now\\n\\ttab\\r\\u0001\\u001f\\u007f end");
	free(s);

	/* UTF-8 passes through as it is. */
	s = json_escape("Zoë Ñúñez-Øster 日本 🙂");
	assert_string_equal(s, "Zoë Ñúñez-Øster 日本 🙂");
	free(s);

	/* U+2028 / U+2029 break JavaScript string literals. */
	s = json_escape("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c");
	assert_string_equal(s, "a\\u2028b\\u2029c");
	free(s);
}

static void test_bad_utf8(void **state)
{
	(void)state;
	json *j = NULL;
	char *out = NULL;
	struct kerr err = { { 0 } };

	assert_int_equal(json_new(&j, false, &err), K_OK);
	json_arr_begin(j);
	/* a lone continuation byte, an overlong '/', a surrogate, a cut-off sequence */
	json_str(j, "a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xc3");
	json_arr_end(j);
	assert_true(json_bad_utf8(j));
	assert_int_equal(json_finish(j, &out, &err), K_OK);
	assert_string_equal(out, "[\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd"
				 "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d\xef\xbf\xbd\"]");
	free(out);
	json_free(j);
}

static void test_writer_shape(void **state)
{
	(void)state;
	json *j = NULL;
	char *out = NULL;
	struct kerr err = { { 0 } };

	assert_int_equal(json_new(&j, false, &err), K_OK);
	json_obj_begin(j);
	json_kv_str(j, "name", "Zoë Ñúñez-Øster");
	json_kv_int(j, "n", -42);
	json_kv_bool(j, "ok", true);
	json_key(j, "none");
	json_str(j, NULL);
	json_key(j, "list");
	json_arr_begin(j);
	json_int(j, 1);
	json_obj_begin(j);
	json_obj_end(j);
	json_arr_begin(j);
	json_arr_end(j);
	json_strn(j, "abcdef", 3);
	json_arr_end(j);
	json_obj_end(j);
	assert_int_equal(json_finish(j, &out, &err), K_OK);
	assert_string_equal(out, "{\"name\":\"Zoë Ñúñez-Øster\",\"n\":-42,\"ok\":true,\"none\":null,"
				 "\"list\":[1,{},[],\"abc\"]}");
	free(out);

	/* The writer is reusable after finish; pretty output indents. */
	json_free(j);
	assert_int_equal(json_new(&j, true, &err), K_OK);
	json_obj_begin(j);
	json_key(j, "a");
	json_arr_begin(j);
	json_int(j, 1);
	json_int(j, 2);
	json_arr_end(j);
	json_obj_end(j);
	assert_int_equal(json_finish(j, &out, &err), K_OK);
	assert_string_equal(out, "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n");
	free(out);
	json_free(j);
}

static void test_writer_misuse(void **state)
{
	(void)state;
	json *j = NULL;
	char *out = NULL;
	struct kerr err = { { 0 } };

	/* a value inside an object without a key */
	assert_int_equal(json_new(&j, false, &err), K_OK);
	json_obj_begin(j);
	json_int(j, 1);
	json_obj_end(j);
	assert_int_equal(json_finish(j, &out, &err), K_EINVAL);
	assert_null(out);
	assert_non_null(strstr(err.msg, "without a key"));

	/* unclosed: the error of the same writer, after a reset */
	kerr_clear(&err);
	json_arr_begin(j);
	assert_int_equal(json_finish(j, &out, &err), K_EINVAL);
	assert_null(out);

	/* a mismatched end */
	kerr_clear(&err);
	json_arr_begin(j);
	json_obj_end(j);
	assert_int_equal(json_finish(j, &out, &err), K_EINVAL);

	/* nothing written */
	kerr_clear(&err);
	assert_int_equal(json_finish(j, &out, &err), K_EINVAL);
	json_free(j);
	json_free(NULL);
}

static void test_get_string(void **state)
{
	(void)state;
	char *s = NULL;
	struct kerr err = { { 0 } };
	const char *oo =
		"{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
		"\"code\":\"processing\",\"details\":{\"text\":\"x\"},"
		"\"diagnostics\":\"Caf\\u00e9 \\\"id\\\" \\ud83d\\ude42 a\\/b\\n\"}]}";

	assert_int_equal(json_get_string(oo, "diagnostics", &s, &err), K_OK);
	assert_string_equal(s, "Café \"id\" 🙂 a/b\n");
	free(s);
	/* first in document order, nested in arrays and objects */
	assert_int_equal(json_get_string(oo, "text", &s, &err), K_OK);
	assert_string_equal(s, "x");
	free(s);
	/* a member whose value is not a string is not a match */
	assert_int_equal(json_get_string("{\"a\":{\"location\":1},\"b\":[{\"location\":\"L\"}]}",
					 "location", &s, &err), K_OK);
	assert_string_equal(s, "L");
	free(s);

	assert_int_equal(json_get_string(oo, "missing", &s, &err), K_ENOTFOUND);
	assert_null(s);
	kerr_clear(&err);
	assert_int_equal(json_get_string("{\"a\":\"b\"", "a", &s, &err), K_EINVAL);
	kerr_clear(&err);
	assert_int_equal(json_get_string("{\"a\":\"b\"} x", "a", &s, &err), K_EINVAL);
	kerr_clear(&err);
	assert_int_equal(json_get_string("{\"a\":\"\\ud800\"}", "a", &s, &err), K_EINVAL);
	kerr_clear(&err);
	assert_int_equal(json_get_string("[1, 2.5e3, -0, true, false, null, \"x\"]", "a", &s, &err),
			 K_ENOTFOUND);
	kerr_clear(&err);
	assert_int_equal(json_get_string("[01]", "a", &s, &err), K_EINVAL);
}

/* ---- a small content, built by hand ------------------------------------- */

struct fixture {
	struct content c;
	struct content_screen s[10];
	struct content_option opt_area[3];
	struct content_cond cond_preg, cond_date[2], cond_any[2];
	char *msg_keys[3];
	struct content_text msgs[3];
};

enum { S_INFO, S_NAME, S_DOB, S_PHONE, S_PREG, S_AREA, S_COUNT, S_WHEN, S_SINCE, S_REVIEW };

static void text2(struct content_text *t, const char *en, const char *es)
{
	t->s[0] = (char *)en;
	t->s[1] = (char *)es;
}

static void screen(struct content_screen *s, const char *id, enum content_kind kind,
		   const char *en, const char *es)
{
	s->id = (char *)id;
	s->kind = kind;
	s->required = kind != CONTENT_INFO && kind != CONTENT_REVIEW;
	text2(&s->text, en, es);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct content *c = &f->c;

	c->url = URL;
	c->version = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	c->name = "Test Clinic";
	c->langs[0] = "en";
	c->langs[1] = "es";
	c->n_langs = 2;
	c->name_question = "full_name";
	c->dob_question = "dob";
	c->phone_question = "phone";
	f->msg_keys[0] = "yes";
	f->msg_keys[1] = "no";
	f->msg_keys[2] = "unsure";
	text2(&f->msgs[0], "Yes", "Sí");
	text2(&f->msgs[1], "No", "No");
	text2(&f->msgs[2], "Not sure", "No estoy seguro/a");
	c->msg_keys = f->msg_keys;
	c->msgs = f->msgs;
	c->n_msgs = 3;

	screen(&f->s[S_INFO], "welcome", CONTENT_INFO, "Welcome", "Bienvenida");
	screen(&f->s[S_NAME], "full_name", CONTENT_TEXT, "Your name?", "¿Su nombre?");
	f->s[S_NAME].max_length = 80;
	screen(&f->s[S_DOB], "dob", CONTENT_DATE, "Date of birth?", "¿Fecha de nacimiento?");
	screen(&f->s[S_PHONE], "phone", CONTENT_TEXT, "Phone?", "¿Teléfono?");
	f->s[S_PHONE].required = false;
	screen(&f->s[S_PREG], "pregnant", CONTENT_YESNO, "Pregnant?", "¿Embarazada?");
	f->s[S_PREG].not_sure = true;
	text2(&f->s[S_PREG].help, "Or breastfeeding.", "O amamantando.");

	screen(&f->s[S_AREA], "area", CONTENT_MULTI, "Which areas?", "¿Qué zonas?");
	f->opt_area[0] = (struct content_option){ .id = "face" };
	text2(&f->opt_area[0].label, "Face", "Cara");
	f->opt_area[1] = (struct content_option){ .id = "neck" };
	text2(&f->opt_area[1].label, "Neck", "Cuello");
	f->opt_area[2] = (struct content_option){ .id = "none", .exclusive = true };
	text2(&f->opt_area[2].label, "None", "Ninguna");
	f->s[S_AREA].options = f->opt_area;
	f->s[S_AREA].n_options = 3;
	/* shown when not pregnant */
	f->cond_preg = (struct content_cond){ .question = "pregnant", .q = S_PREG,
					      .op = CONTENT_OP_NOT_EQUALS, .value = "yes" };
	f->s[S_AREA].when = (struct content_when){ .n = 1, .c = &f->cond_preg };

	screen(&f->s[S_COUNT], "sessions", CONTENT_NUMBER, "How many sessions?", "¿Cuántas sesiones?");
	f->s[S_COUNT].min = 0;
	f->s[S_COUNT].max = 50;
	/* either condition: neck chosen, or pregnant unanswered */
	f->cond_any[0] = (struct content_cond){ .question = "area", .q = S_AREA,
						.op = CONTENT_OP_EQUALS, .value = "neck" };
	f->cond_any[1] = (struct content_cond){ .question = "pregnant", .q = S_PREG,
						.op = CONTENT_OP_UNANSWERED };
	f->s[S_COUNT].when = (struct content_when){ .any = true, .n = 2, .c = f->cond_any };

	screen(&f->s[S_WHEN], "last_peel", CONTENT_DATE, "Last peel?", "¿Último peeling?");
	f->s[S_WHEN].required = false;
	/* dates against today: FHIR's enableWhen cannot say these */
	screen(&f->s[S_SINCE], "since", CONTENT_TEXT, "What happened?", "¿Qué pasó?");
	f->cond_date[0] = (struct content_cond){ .question = "last_peel", .q = S_WHEN,
						 .op = CONTENT_OP_WITHIN,
						 .span = { .n = 6, .unit = 'm' } };
	f->cond_date[1] = (struct content_cond){ .question = "dob", .q = S_DOB,
						 .op = CONTENT_OP_AGE_AT_LEAST, .years = 18 };
	f->s[S_SINCE].when = (struct content_when){ .n = 2, .c = f->cond_date };
	screen(&f->s[S_REVIEW], "review", CONTENT_REVIEW, "Check your answers", "Revise");

	c->screens = f->s;
	c->n_screens = 10;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static const char *answers_full[10] = {
	[S_INFO] = "ignored: an info screen has no answer",
	[S_NAME] = "  Zoë Ñúñez-Øster ",
	[S_DOB] = "1990-04-01",
	[S_PHONE] = "(561) 555-0100",
	[S_PREG] = "unsure",
	[S_AREA] = "face,neck",
	[S_COUNT] = "3",
	[S_WHEN] = "2026-09-01",
	[S_SINCE] = "line one\nline \"two\"",
};

static void flags_two(struct fixture *f, struct rules_flag fl[2])
{
	memset(fl, 0, 2 * sizeof *fl);
	snprintf(fl[0].code, sizeof fl[0].code, "UNSURE-pregnant");
	fl[0].severity = CONTENT_SEV_REVIEW;
	fl[0].staff = "Not sure about pregnancy: ask before treatment.";
	fl[0].screen = S_PREG;
	snprintf(fl[1].code, sizeof fl[1].code, "PEEL-RECENT");
	fl[1].severity = CONTENT_SEV_DEFER;
	fl[1].staff = "Peel less than 6 months ago.";
	fl[1].screen = S_WHEN;
	(void)f;
}

static char *bundle(struct fixture *f, const char *const *answers, const char *session)
{
	struct rules_flag fl[2];
	char *out = NULL;
	struct kerr err = { { 0 } };

	flags_two(f, fl);
	assert_int_equal(fhir_bundle(&f->c, answers, fl, 2, CONTENT_SEV_DEFER, session, AUTHORED, 1,
				     &out, &err), K_OK);
	assert_non_null(out);
	return out;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The string value of member "key" first met after the text `after`. */
static char *value_after(const char *doc, const char *after, const char *key)
{
	char pat[64], *out;
	const char *p = strstr(doc, after), *v, *e;

	assert_non_null(p);
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	v = strstr(p, pat);
	assert_non_null(v);
	v += strlen(pat);
	e = strchr(v, '"');
	assert_non_null(e);
	out = strndup(v, (size_t)(e - v));
	assert_non_null(out);
	return out;
}

/* The id in the Patient entry's fullUrl (the first entry). */
static char *patient_id(const char *doc)
{
	char *full = value_after(doc, "{\"fullUrl\":\"urn:uuid:", "fullUrl"), *id;

	assert_int_equal(strncmp(full, "urn:uuid:", 9), 0);
	id = strdup(full + 9);
	assert_non_null(id);
	free(full);
	return id;
}

static void test_bundle_shape(void **state)
{
	struct fixture *f = *state;
	char *b = bundle(f, answers_full, SESSION);

	assert_non_null(strstr(b, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\","
				  "\"timestamp\":\"" AUTHORED "\""));
	/* Patient (a conditional create), QuestionnaireResponse, two
	 * DetectedIssues (PUT) */
	assert_int_equal(count(b, "\"fullUrl\":\"urn:uuid:"), 4);
	assert_int_equal(count(b, "\"method\":\"PUT\""), 3);
	assert_non_null(strstr(b, "\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":"
				  "\"family:exact=%C3%91%C3%BA%C3%B1ez-%C3%98ster&given:exact=Zo%C3%AB&birthdate=1990-04-01"
				  "&phone=%28561%29%20555-0100\"}"));
	assert_non_null(strstr(b, "\"fullUrl\":\"urn:uuid:" SESSION "\""));
	assert_non_null(strstr(b, "\"request\":{\"method\":\"PUT\",\"url\":\"QuestionnaireResponse/"
				  SESSION "\"}"));
	assert_int_equal(count(b, "\"url\":\"DetectedIssue/"), 2);

	/* QuestionnaireResponse header */
	/* the identifier is not the fullUrl, which servers rewrite */
	assert_non_null(strstr(b, "\"identifier\":{\"system\":\"" URL "/intake\",\"value\":\""
				  SESSION "\"}"));
	assert_non_null(strstr(b, "\"questionnaire\":\"" URL "|sha256:0123456789abcdef"));
	assert_non_null(strstr(b, "\"status\":\"completed\""));
	assert_non_null(strstr(b, "\"authored\":\"" AUTHORED "\""));
	assert_non_null(strstr(b, "\"language\":\"es\""));
	assert_non_null(strstr(b, "\"tag\":[{\"system\":\"" URL "/outcome\",\"code\":\"defer\"}]"));

	/* typed answers, only for answered questions */
	assert_null(strstr(b, "\"linkId\":\"welcome\""));
	assert_null(strstr(b, "\"linkId\":\"review\""));
	assert_null(strstr(b, "ignored"));
	assert_non_null(strstr(b, "{\"linkId\":\"pregnant\",\"text\":\"Pregnant?\",\"answer\":[{\"valueCoding\":"
				  "{\"system\":\"" URL "/answers\",\"code\":\"unsure\",\"display\":\"Not sure\"}}]}"));
	assert_non_null(strstr(b, "\"answer\":[{\"valueCoding\":{\"system\":\"" URL "/answers/area\","
				  "\"code\":\"face\",\"display\":\"Face\"}},{\"valueCoding\":{\"system\":\""
				  URL "/answers/area\",\"code\":\"neck\",\"display\":\"Neck\"}}]"));
	assert_non_null(strstr(b, "\"answer\":[{\"valueInteger\":3}]"));
	assert_non_null(strstr(b, "\"answer\":[{\"valueDate\":\"2026-09-01\"}]"));
	assert_non_null(strstr(b, "\"answer\":[{\"valueString\":\"line one\\nline \\\"two\\\"\"}]"));

	/* Patient: name split only for two words; dob; phone */
	assert_non_null(strstr(b, "\"name\":[{\"text\":\"Zoë Ñúñez-Øster\",\"family\":\"Ñúñez-Øster\","
				  "\"given\":[\"Zoë\"]}]"));
	assert_non_null(strstr(b, "\"telecom\":[{\"system\":\"phone\",\"value\":\"(561) 555-0100\"}]"));
	assert_non_null(strstr(b, "\"birthDate\":\"1990-04-01\""));

	/* the issues: severity, staff text, evidence pointing at the response */
	assert_non_null(strstr(b, "\"resourceType\":\"DetectedIssue\""));
	assert_non_null(strstr(b, "\"coding\":[{\"system\":\"" URL "/flags\",\"code\":\"PEEL-RECENT\"}],"
				  "\"text\":\"Peel less than 6 months ago.\"},\"severity\":\"high\""));
	assert_non_null(strstr(b, "\"code\":\"UNSURE-pregnant\"}],\"text\":\"Not sure about pregnancy: "
				  "ask before treatment.\"},\"severity\":\"moderate\""));
	assert_int_equal(count(b, "\"detail\":[{\"reference\":\"QuestionnaireResponse/" SESSION "\"}]"), 2);
	assert_non_null(strstr(b, "\"evidence\":[{\"code\":[{\"coding\":[{\"system\":\"" URL
				  "/questions\",\"code\":\"last_peel\"}],\"text\":\"Last peel?\"}]"));

	/* every reference to the patient names the Patient entry's fullUrl */
	char *pid = value_after(b, "{\"fullUrl\"", "fullUrl");
	char ref[128];
	snprintf(ref, sizeof ref, "{\"reference\":\"%s\"}", pid);
	assert_non_null(strstr(b, "{\"fullUrl\":\"urn:uuid:"));
	assert_non_null(strstr(b, "\"resource\":{\"resourceType\":\"Patient\",\"name\""));
	assert_int_equal(count(b, ref), 4); /* subject, source, 2 x patient */
	assert_int_equal(count(b, "\"reference\":\"Patient/"), 0);
	free(pid);
	free(b);
}

/* The forms a stored record takes on the wire (sync.patient). */
static void test_bundle_forms(void **state)
{
	struct fixture *f = *state;
	char *b = bundle(f, answers_full, SESSION), *pid = patient_id(b), *out = NULL, *again = NULL;
	char urn[64], ref[96];
	struct kerr err = { { 0 } };
	enum fhir_patient_entry pe;

	snprintf(urn, sizeof urn, "\"urn:uuid:%s\"", pid);
	assert_int_equal(fhir_bundle_patient(b, &pe, &err), K_OK);
	assert_int_equal(pe, FHIR_PE_MATCHABLE);

	/* MATCH: the Patient alone */
	assert_int_equal(fhir_bundle_form(b, FHIR_FORM_MATCH, NULL, &out, &err), K_OK);
	assert_int_equal(count(out, "\"fullUrl\""), 1);
	assert_non_null(strstr(out, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{"));
	assert_non_null(strstr(out, "\"ifNoneExist\":\"family:exact="));
	assert_null(strstr(out, "QuestionnaireResponse"));
	free(out);

	/* LINKED: no Patient entry; the references name the server's Patient */
	assert_int_equal(fhir_bundle_form(b, FHIR_FORM_LINKED, "Patient/srv-1", &out, &err), K_OK);
	assert_int_equal(count(out, "\"fullUrl\""), 3);
	assert_null(strstr(out, "\"resourceType\":\"Patient\""));
	assert_null(strstr(out, urn));
	assert_int_equal(count(out, "{\"reference\":\"Patient/srv-1\"}"), 4);
	assert_non_null(strstr(out, "\"entry\":[{\"fullUrl\":\"urn:uuid:" SESSION "\""));
	assert_non_null(strstr(out, "}]}"));
	free(out);
	assert_int_equal(fhir_bundle_form(b, FHIR_FORM_LINKED, "Patient/\"x", &out, &err), K_EINVAL);
	assert_null(out);

	/* CREATE: PUT Patient/<the kiosk's id>, references by fullUrl */
	assert_int_equal(fhir_bundle_form(b, FHIR_FORM_CREATE, NULL, &out, &err), K_OK);
	snprintf(ref, sizeof ref, "\"resource\":{\"id\":\"%s\",\"resourceType\":\"Patient\",", pid);
	assert_non_null(strstr(out, ref));
	snprintf(ref, sizeof ref, "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/%s\"}}", pid);
	assert_non_null(strstr(out, ref));
	assert_null(strstr(out, "ifNoneExist"));
	assert_int_equal(count(out, "\"method\":\"PUT\""), 4);
	free(out);

	/* NONE: no Patient and no reference to one */
	assert_int_equal(fhir_bundle_form(b, FHIR_FORM_NONE, NULL, &out, &err), K_OK);
	assert_null(strstr(out, "\"resourceType\":\"Patient\""));
	assert_null(strstr(out, urn));
	assert_null(strstr(out, "\"subject\""));
	assert_null(strstr(out, "\"patient\""));
	assert_non_null(strstr(out, "\"status\":\"completed\",\"authored\""));
	assert_non_null(strstr(out, "\"severity\":\"high\",\"identifiedDateTime\""));
	free(out);

	/* UNMATCHED: NONE plus a flag for staff, the same on every resend */
	assert_int_equal(fhir_bundle_form(b, FHIR_FORM_UNMATCHED, NULL, &out, &err), K_OK);
	assert_int_equal(fhir_bundle_form(b, FHIR_FORM_UNMATCHED, NULL, &again, &err), K_OK);
	assert_string_equal(out, again);
	assert_null(strstr(out, urn));
	assert_int_equal(count(out, "\"resourceType\":\"DetectedIssue\""), 3);
	assert_non_null(strstr(out, "{\"system\":\"" URL "/flags\",\"code\":\"" FHIR_UNMATCHED_CODE "\"}"));
	assert_non_null(strstr(out, "\"detail\":[{\"reference\":\"QuestionnaireResponse/" SESSION "\"}]"));
	assert_non_null(strstr(out, "}]}"));
	free(out);
	free(again);

	/* a record without a Patient entry goes as it is; junk is refused */
	assert_int_equal(fhir_bundle_patient("{\"resourceType\":\"Bundle\",\"entry\":[]}", &pe, &err),
			 K_OK);
	assert_int_equal(pe, FHIR_PE_NONE);
	assert_int_equal(fhir_bundle_form("{\"resourceType\":\"Bundle\",\"entry\":[{\"a\":1}]}",
					  FHIR_FORM_NONE, NULL, &out, &err), K_ENOTFOUND);
	assert_int_equal(fhir_bundle_patient("{\"entry\":[{\"a\":", &pe, &err), K_EINVAL);
	assert_int_equal(fhir_bundle_patient("[]", &pe, &err), K_EINVAL);

	/* A record this kiosk did not write (its Patient's "resource" spaced
	 * out) cannot take the create form: refused as such (the sync sends
	 * it as queued), not reported as a failure that stops every delivery. */
	{
		char *spaced = malloc(2 * strlen(b) + 1), *o = spaced;

		assert_non_null(spaced);
		for (const char *p = b; *p; p++) {
			if (!strncmp(p, "\"resource\":{", 12)) {
				memcpy(o, "\"resource\": {", 13);
				o += 13;
				p += 11;
				continue;
			}
			*o++ = *p;
		}
		*o = '\0';
		assert_int_equal(fhir_bundle_patient(spaced, &pe, &err), K_OK);
		assert_int_equal(pe, FHIR_PE_MATCHABLE);
		kerr_clear(&err);
		assert_int_equal(fhir_bundle_form(spaced, FHIR_FORM_CREATE, NULL, &out, &err), K_EINVAL);
		assert_null(out);
		free(spaced);
	}
	free(pid);
	free(b);
}

static void test_bundle_ids(void **state)
{
	struct fixture *f = *state;
	char *a = bundle(f, answers_full, SESSION);
	char *again = bundle(f, answers_full, SESSION);
	char *upper = bundle(f, answers_full, "6F1C2D3E-4A5B-4C6D-8E7F-0123456789AB");
	char *other = bundle(f, answers_full, "00000000-0000-4000-8000-000000000001");

	/* A resend is byte for byte the same record, whatever the UUID's case. */
	assert_string_equal(a, again);
	assert_string_equal(a, upper);

	char *pa = patient_id(a);
	char *po = patient_id(other);
	char *ia = value_after(a, "\"resourceType\":\"DetectedIssue\"", "id");
	char *io = value_after(other, "\"resourceType\":\"DetectedIssue\"", "id");
	assert_string_not_equal(pa, po);
	assert_string_not_equal(ia, io);
	assert_string_not_equal(pa, SESSION);
	/* ids are UUIDs (valid FHIR ids) and the fullUrl is urn:uuid:<id> */
	assert_int_equal(strlen(pa), 36);
	assert_int_equal(pa[14], '8'); /* RFC 9562 version 8 */
	char full[64];
	snprintf(full, sizeof full, "\"fullUrl\":\"urn:uuid:%s\"", ia);
	assert_non_null(strstr(a, full));

	/* An issue keeps its id when other flags come and go. */
	struct rules_flag fl[2];
	char *one = NULL;
	struct kerr err = { { 0 } };
	flags_two(f, fl);
	assert_int_equal(fhir_bundle(&f->c, answers_full, &fl[1], 1, CONTENT_SEV_DEFER, SESSION,
				     AUTHORED, 0, &one, &err), K_OK);
	char *i1 = value_after(one, "\"resourceType\":\"DetectedIssue\"", "id");
	snprintf(full, sizeof full, "\"url\":\"DetectedIssue/%s\"", i1);
	assert_non_null(strstr(a, full));
	free(i1);
	free(one);

	free(pa);
	free(po);
	free(ia);
	free(io);
	free(a);
	free(again);
	free(upper);
	free(other);
}

static void test_bundle_sparse(void **state)
{
	struct fixture *f = *state;
	const char *answers[10] = { [S_NAME] = "María José García López", [S_AREA] = "" };
	char *out = NULL;
	struct kerr err = { { 0 } };

	assert_int_equal(fhir_bundle(&f->c, answers, NULL, 0, CONTENT_SEV_CLEAR, SESSION, "2026-11-26T10:15:00Z",
				     0, &out, &err), K_OK);
	/* longer names are kept whole rather than guessed apart */
	assert_non_null(strstr(out, "\"name\":[{\"text\":\"María José García López\"}]"));
	assert_null(strstr(out, "family"));
	assert_null(strstr(out, "telecom"));
	assert_null(strstr(out, "birthDate"));
	assert_null(strstr(out, "DetectedIssue"));
	assert_null(strstr(out, "\"linkId\":\"area\"")); /* "" is no answer */
	assert_non_null(strstr(out, "\"code\":\"clear\""));
	assert_int_equal(count(out, "\"fullUrl\""), 2);
	free(out);
}

static void test_bundle_errors(void **state)
{
	struct fixture *f = *state;
	const char *answers[10] = { [S_NAME] = "Zoë Secret" };
	char *out = (char *)"untouched";
	struct kerr err = { { 0 } };

	assert_int_equal(fhir_bundle(&f->c, answers, NULL, 0, CONTENT_SEV_CLEAR, "not-a-uuid", AUTHORED, 0,
				     &out, &err), K_EINVAL);
	assert_null(out);

	static const char *const bad_times[] = { "2026-11-26", "2026-11-26T10:15:00", "2026-11-26 10:15:00Z",
						 "2026-02-30T10:15:00Z", "2026-11-26T24:00:00Z",
						 "2026-11-26T10:15:00+0100", NULL };
	for (int i = 0; bad_times[i]; i++) {
		kerr_clear(&err);
		assert_int_equal(fhir_bundle(&f->c, answers, NULL, 0, CONTENT_SEV_CLEAR, SESSION, bad_times[i],
					     0, &out, &err), K_EINVAL);
	}
	kerr_clear(&err);
	assert_int_equal(fhir_bundle(&f->c, answers, NULL, 0, CONTENT_SEV_CLEAR, SESSION,
				     "2026-11-26T10:15:00.123-05:00", 0, &out, &err), K_OK);
	free(out);

	/* An answer that does not fit: refused, and the message names the
	 * screen but never repeats the answer. */
	const char *bad[][2] = { { "sessions", "three" }, { "dob", "1990-02-31" },
				 { "pregnant", "maybe" }, { "area", "face,elbow" } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *a[10] = { [S_NAME] = "Zoë Secret" };
		a[content_find(&f->c, bad[i][0])] = bad[i][1];
		kerr_clear(&err);
		assert_int_equal(fhir_bundle(&f->c, a, NULL, 0, CONTENT_SEV_CLEAR, SESSION, AUTHORED, 0,
					     &out, &err), K_EINVAL);
		assert_null(out);
		assert_non_null(strstr(err.msg, bad[i][0]));
		assert_null(strstr(err.msg, bad[i][1]));
		assert_null(strstr(err.msg, "Secret"));
	}

	/* a flag that names no screen */
	struct rules_flag fl = { .code = "X", .severity = CONTENT_SEV_REVIEW, .screen = 99 };
	kerr_clear(&err);
	assert_int_equal(fhir_bundle(&f->c, answers, &fl, 1, CONTENT_SEV_REVIEW, SESSION, AUTHORED, 0,
				     &out, &err), K_EINVAL);
}

/* The writer refuses a content url that cannot be a canonical url or
 * name a Questionnaire id, whoever built the content (kiosk check applies
 * the same fhir_url_problem()). */
static void test_content_url(void **state)
{
	struct fixture *f = *state;
	const char *answers[10] = { [S_NAME] = "Zoë Secret" };
	static char long_url[2200];
	static const char *const bad[] = {
		"https://fhir.test/Questionnaire/..", "https://fhir.test/Questionnaire/.",
		"https://fhir.test/Questionnaire/", "https://fhir.test/Questionnaire/a b",
		"https://fhir.test/Questionnaire/a|2", "https://fhir.test/Questionnaire/caf\xc3\xa9",
		"https://fhir.test/Questionnaire/a?x=1", long_url, NULL,
	};
	char *out = NULL;
	struct kerr err;

	memset(long_url, 'a', sizeof long_url - 1);
	memcpy(long_url, "https://", 8);
	for (int i = 0; bad[i]; i++) {
		f->c.url = (char *)bad[i];
		assert_non_null(fhir_url_problem(bad[i]));
		kerr_clear(&err);
		assert_int_equal(fhir_bundle(&f->c, answers, NULL, 0, CONTENT_SEV_CLEAR, SESSION, AUTHORED, 0,
					     &out, &err), K_EINVAL);
		assert_null(out);
		kerr_clear(&err);
		assert_int_equal(fhir_questionnaire(&f->c, &out, &err), K_EINVAL);
		assert_null(out);
		assert_non_null(strstr(err.msg, "content url"));
	}
	f->c.url = (char *)"https://fhir.test/Questionnaire/intake-2.0";
	assert_null(fhir_url_problem(f->c.url));
	assert_int_equal(fhir_questionnaire(&f->c, &out, &err), K_OK);
	free(out);
	f->c.url = (char *)URL;

	assert_true(fhir_id_ok("a"));
	assert_true(fhir_id_ok("intake-2.0"));
	assert_true(fhir_id_ok("0123456789012345678901234567890123456789012345678901234567890123"));
	assert_false(fhir_id_ok("01234567890123456789012345678901234567890123456789012345678901234"));
	assert_false(fhir_id_ok(""));
	assert_false(fhir_id_ok("."));
	assert_false(fhir_id_ok(".."));
	assert_false(fhir_id_ok("-.-"));
	assert_false(fhir_id_ok("a_b"));
	assert_false(fhir_id_ok("a/b"));
}

/* Remove the whitespace pretty printing adds (outside strings). */
static char *compact(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	bool str = false;
	for (; *s; s++) {
		if (str) {
			*o++ = *s;
			if (*s == '\\' && s[1])
				*o++ = *++s;
			else if (*s == '"')
				str = false;
		} else if (*s == '"') {
			str = true;
			*o++ = *s;
		} else if (*s != ' ' && *s != '\n') {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void test_questionnaire(void **state)
{
	struct fixture *f = *state;
	char *pretty = NULL;
	struct kerr err = { { 0 } };

	assert_int_equal(fhir_questionnaire(&f->c, &pretty, &err), K_OK);
	char *q = compact(pretty);

	assert_non_null(strstr(q, "{\"resourceType\":\"Questionnaire\",\"language\":\"en\",\"url\":\"" URL
				  "\",\"version\":\"sha256:0123456789abcdef"));
	assert_non_null(strstr(q, "\"name\":\"Intake\",\"title\":\"Test Clinic\""));
	assert_non_null(strstr(q, "\"status\":\"active\""));
	/* every screen, in order, with its type */
	const char *order[] = { "welcome", "full_name", "dob", "phone", "pregnant", "area", "sessions",
				"last_peel", "since", "review" };
	const char *prev = q;
	for (size_t i = 0; i < 10; i++) {
		char k[64];
		snprintf(k, sizeof k, "{\"linkId\":\"%s\"", order[i]);
		const char *p = strstr(q, k);
		assert_non_null(p);
		assert_true(p > prev);
		prev = p;
	}
	assert_non_null(strstr(q, "{\"linkId\":\"welcome\",\"text\":\"Welcome\",\"_text\":{\"extension\":[{\"url\":"
				  "\"http://hl7.org/fhir/StructureDefinition/translation\",\"extension\":[{\"url\":"
				  "\"lang\",\"valueCode\":\"es\"},{\"url\":\"content\",\"valueString\":\"Bienvenida\"}]}]},"
				  "\"type\":\"display\"}"));
	assert_non_null(strstr(q, "\"linkId\":\"full_name\",\"text\":\"Your name?\""));
	assert_non_null(strstr(q, "\"type\":\"string\",\"required\":true,\"maxLength\":80}"));
	assert_non_null(strstr(q, "\"type\":\"string\",\"required\":false}")); /* phone */
	assert_non_null(strstr(q, "\"type\":\"date\",\"required\":true}"));   /* dob */
	assert_non_null(strstr(q, "\"type\":\"display\"}]}"));               /* review, last */

	/* yesno with not sure: three codings, as the response writes them */
	assert_non_null(strstr(q, "\"type\":\"choice\",\"required\":true,\"answerOption\":[{\"valueCoding\":"
				  "{\"system\":\"" URL "/answers\",\"code\":\"yes\",\"display\":\"Yes\""));
	assert_non_null(strstr(q, "\"code\":\"unsure\",\"display\":\"Not sure\",\"_display\":{\"extension\":"));
	/* the hint as an SDC help item */
	assert_non_null(strstr(q, "\"item\":[{\"linkId\":\"pregnant.help\",\"text\":\"Or breastfeeding.\""));
	assert_non_null(strstr(q, "\"code\":\"help\""));

	/* multi: repeats, the exclusive option marked, enableWhen != on a yesno */
	assert_non_null(strstr(q, "\"linkId\":\"area\",\"text\":\"Which areas?\""));
	assert_non_null(strstr(q, "\"type\":\"choice\",\"enableWhen\":[{\"question\":\"pregnant\",\"operator\":"
				  "\"!=\",\"answerCoding\":{\"system\":\"" URL "/answers\",\"code\":\"yes\""));
	assert_non_null(strstr(q, "\"required\":true,\"repeats\":true,\"answerOption\":"));
	assert_non_null(strstr(q, "{\"extension\":[{\"url\":\"http://hl7.org/fhir/StructureDefinition/"
				  "questionnaire-optionExclusive\",\"valueBoolean\":true}],\"valueCoding\":"
				  "{\"system\":\"" URL "/answers/area\",\"code\":\"none\""));

	/* any-of two conditions: enableBehavior any, exists false for unanswered */
	assert_non_null(strstr(q, "\"type\":\"integer\",\"enableWhen\":[{\"question\":\"area\",\"operator\":"
				  "\"=\",\"answerCoding\":{\"system\":\"" URL "/answers/area\",\"code\":\"neck\""));
	assert_non_null(strstr(q, "{\"question\":\"pregnant\",\"operator\":\"exists\",\"answerBoolean\":false}],"
				  "\"enableBehavior\":\"any\""));
	assert_non_null(strstr(q, "\"url\":\"http://hl7.org/fhir/StructureDefinition/minValue\",\"valueInteger\":0"));
	assert_non_null(strstr(q, "\"url\":\"http://hl7.org/fhir/StructureDefinition/maxValue\",\"valueInteger\":50"));

	/* date windows and ages: an SDC FHIRPath expression, no enableWhen */
	const char *since = strstr(q, "{\"linkId\":\"since\"");
	assert_null(strstr(since, "enableWhen\""));
	assert_non_null(strstr(since, "\"url\":\"http://hl7.org/fhir/uv/sdc/StructureDefinition/"
				      "sdc-questionnaire-enableWhenExpression\",\"valueExpression\":{\"language\":"
				      "\"text/fhirpath\",\"expression\":\"(%resource.repeat(item).where(linkId = "
				      "'last_peel').answer.where(value > today() - 6 months and value <= today())"
				      ".exists()) and (%resource.repeat(item).where(linkId = 'dob').answer.where("
				      "value <= today() - 18 years).exists())\"}}"));
	free(q);
	free(pretty);
}

static void test_questionnaire_multi_not_equals(void **state)
{
	struct fixture *f = *state;
	char *q = NULL;
	struct kerr err = { { 0 } };

	/* "neck not chosen" on a multi: FHIR's != means "some answer differs",
	 * so it must become an expression. */
	f->cond_any[0].op = CONTENT_OP_NOT_EQUALS;
	f->s[S_COUNT].when.n = 1;
	assert_int_equal(fhir_questionnaire(&f->c, &q, &err), K_OK);
	assert_non_null(strstr(q, "\"expression\": \"%resource.repeat(item).where(linkId = 'area').answer.exists() "
				  "and %resource.repeat(item).where(linkId = 'area').answer.where(value.code = "
				  "'neck').empty()\""));
	free(q);

	/* a condition on an unknown screen is a content error */
	f->cond_any[0].q = -1;
	q = NULL;
	assert_int_equal(fhir_questionnaire(&f->c, &q, &err), K_ECONTENT);
	assert_null(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_writer_shape),
		cmocka_unit_test(test_writer_misuse),
		cmocka_unit_test(test_get_string),
		cmocka_unit_test_setup_teardown(test_bundle_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_questionnaire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_questionnaire_multi_not_equals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
