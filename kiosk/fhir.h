/* fhir: the intake record and the content as HL7 FHIR R4 JSON.
 *
 * One completed intake becomes one transaction Bundle.  Every entry is a
 * PUT of a resource whose id the kiosk assigned, derived from the session
 * UUID alone, so sending the same intake twice updates the same resources
 * and can never create a duplicate:
 *
 *   QuestionnaireResponse/<session uuid>
 *       identifier system "<content url>/intake", value <session uuid> (not
 *       its urn:uuid fullUrl: servers rewrite strings equal to a fullUrl),
 *       questionnaire "<content url>|<content
 *       version>", status completed, authored, language, meta.tag with the
 *       outcome (system "<content url>/outcome", code clear|review|defer, so
 *       staff can search by it), subject -> the Patient, one item per answered
 *       question (linkId = screen id, text in the first language).
 *   Patient, fullUrl urn:uuid:<uuid derived from the session>, no id
 *       name.text from the name question (given/family only when the name is
 *       exactly two words: splitting longer names guesses wrong for many
 *       families), birthDate, telecom phone.  A conditional create (POST with
 *       request.ifNoneExist "family:exact=..&given:exact=..&birthdate=..[&phone=..]", only
 *       when all three are known), so a server links a returning patient to
 *       the record it holds.  The QuestionnaireResponse (subject, source) and
 *       the DetectedIssues (patient) reference it by that urn:uuid.  How it
 *       finally goes to the server depends on sync.patient: see
 *       fhir_bundle_form().
 *   DetectedIssue/<uuid derived from the session and the flag code>, one per
 *       contraindication flag.  DetectedIssue rather than Flag because it is
 *       the R4 resource for "a clinical issue found in the patient's data that
 *       a clinician must act on": it has a severity (defer -> high, review ->
 *       moderate), a free-text detail (the staff message) and evidence.detail,
 *       which points at the QuestionnaireResponse whose answer raised it (the
 *       evidence code is the question's linkId, system "<content url>/questions",
 *       with the question text).  Flag has no severity and no link to the data
 *       that raised it.
 *
 * Answer codings, identical in the Questionnaire and the responses:
 *   yesno         system "<content url>/answers", code yes | no | unsure
 *   choice/multi  system "<content url>/answers/<screen id>", code = option id
 *   text, consent valueString; number valueInteger; date valueDate.
 * Flag codes use system "<content url>/flags".
 *
 * Every fullUrl is "urn:uuid:<the resource's id>" and every request.url
 * but the Patient's is "<type>/<id>"; references to the response use
 * "QuestionnaireResponse/<id>", which a server resolves to the entry of the
 * same transaction.  Derived UUIDs are SHA-256 based (RFC 9562 version 8).
 *
 * Pure functions of their arguments: no clock, no I/O, no logging (the
 * documents hold patient data).  Error messages never contain answers. */
#ifndef KIOSK_FHIR_H
#define KIOSK_FHIR_H

#include <stdbool.h>

#include "content.h"
#include "kerr.h"
#include "rules.h"

/* Longest content url the writer accepts: every system it derives from the
 * url ("<url>/answers/<screen id>", "<url>|<version>") must fit. */
#define FHIR_URL_MAX 1024

/* True when id satisfies FHIR's id rule [A-Za-z0-9\-\.]{1,64} and holds at
 * least one letter or digit: "." or ".." would be normalised away in a
 * request path, and a PUT Questionnaire/.. would reach the base URL. */
bool fhir_id_ok(const char *id);
/* The same rule for the n bytes at s (a segment inside a longer string). */
bool fhir_id_okn(const char *s, size_t n);

/* Why the content url cannot be the canonical url of the record and the
 * Questionnaire, or NULL when it can: it must be printable ASCII with no
 * space or '|' (a canonical reference is "<url>|<version>"), at most
 * FHIR_URL_MAX bytes, and end in a segment that is a FHIR id (the
 * Questionnaire's id on the server).  The one rule kiosk check applies and
 * the writer enforces.  The reason is a static string. */
const char *fhir_url_problem(const char *url);

/* The transaction Bundle for one completed intake.
 *   c          the content the answers were given against (its url and
 *              version go into the record)
 *   answers    c->n_screens entries: answers[i] is the answer to
 *              c->screens[i] in the format of content.h, or NULL when not
 *              answered or not shown; answers to screens that ask nothing
 *              are ignored, "" for multi means no answer
 *   flags      the n_flags flags rules_eval() raised (may be NULL when 0)
 *   outcome    the outcome rules_eval() returned
 *   session_id the session's UUID (8-4-4-4-12 hex; upper case is accepted
 *              and written in lower case)
 *   authored   when the intake was completed, ISO 8601 with seconds and a
 *              time zone, e.g. "2026-11-26T10:15:00+00:00" or "...Z"
 *   lang       index into c->langs of the language the patient used
 * On success *out_json is the compact JSON text (malloc'd, caller frees).
 * K_EINVAL (message in err, without patient data) for a malformed session
 * id or time, an answer that does not fit its screen (not a number, not a
 * date, an unknown option), or a flag whose screen is out of range;
 * K_ENOMEM when out of memory.  *out_json is NULL on failure. */
krc fhir_bundle(const struct content *c, const char *const *answers,
		const struct rules_flag *flags, int n_flags, enum content_severity outcome,
		const char *session_id, const char *authored, int lang, char **out_json,
		struct kerr *err);

/* The same for a made-up patient (`kiosk simulate --record`): the Bundle
 * and every resource in it carry meta.security HTEST (system
 * http://terminology.hl7.org/CodeSystem/v3-ActReason), FHIR's mark for
 * test health data. */
krc fhir_bundle_test(const struct content *c, const char *const *answers,
		     const struct rules_flag *flags, int n_flags, enum content_severity outcome,
		     const char *session_id, const char *authored, int lang, char **out_json,
		     struct kerr *err);
/* The Patient entry of a Bundle written by fhir_bundle(). */
enum fhir_patient_entry {
	FHIR_PE_NONE,        /* none (a record queued before conditional creates) */
	FHIR_PE_UNMATCHABLE, /* a Patient without the data to search for (no ifNoneExist) */
	FHIR_PE_MATCHABLE,   /* a conditional create */
};

/* What stored (a Bundle written by fhir_bundle()) holds.  K_EINVAL when it
 * is not such a Bundle. */
krc fhir_bundle_patient(const char *stored, enum fhir_patient_entry *out, struct kerr *err);

/* The code (system "<content url>/flags") of the DetectedIssue that tells
 * staff an intake reached the server without a Patient link. */
#define FHIR_UNMATCHED_CODE "patient-not-matched"

/* The forms a stored Bundle takes on the wire (sync.patient):
 *   MATCH      the Patient entry alone: a one-entry transaction whose answer
 *              names the Patient (found or created).  Sent first, so the
 *              record itself has no conditional entry: servers refuse a
 *              conditional entry in large transactions (Medplum: more than
 *              8 entries), and an intake with many flags is one.
 *   LINKED     the rest, every reference to the Patient entry replaced by
 *              patient_ref ("Patient/<id>" from the MATCH answer);
 *   CREATE     the Patient as PUT Patient/<its urn:uuid> (a new Patient per
 *              intake; the server reconciles);
 *   NONE       no Patient entry and no reference to it (the answers carry
 *              the demographics);
 *   UNMATCHED  NONE plus a DetectedIssue FHIR_UNMATCHED_CODE for staff
 *              (id derived from the response's, so a resend is idempotent):
 *              for a MATCH the server found ambiguous (412) or a Patient
 *              that cannot be matched (FHIR_PE_UNMATCHABLE).
 * patient_ref is read for LINKED only.  On success *out is the JSON text
 * (caller frees).  K_ENOTFOUND when stored has no Patient entry (send it as
 * it is), K_EINVAL when stored is malformed or patient_ref is not
 * "Patient/<id>", K_ENOMEM.  Never puts patient data in err. */
enum fhir_form { FHIR_FORM_MATCH, FHIR_FORM_LINKED, FHIR_FORM_CREATE, FHIR_FORM_NONE,
		 FHIR_FORM_UNMATCHED };
krc fhir_bundle_form(const char *stored, enum fhir_form form, const char *patient_ref,
		     char **out, struct kerr *err);

/* The content as a FHIR Questionnaire (pretty-printed JSON, caller frees):
 * url, version = content version, name, title, status active, one item per
 * screen in file order (questions with their answerOptions, the other
 * screens as display items), the translations on _text / _display with the
 * standard translation extension, required, and the skip logic: enableWhen +
 * enableBehavior where FHIR can say it, otherwise (date windows, ages, "not
 * chosen" on multi) an SDC enableWhenExpression in FHIRPath over the
 * response.  K_ECONTENT when a condition names an unknown screen, K_ENOMEM
 * when out of memory. */
krc fhir_questionnaire(const struct content *c, char **out_json, struct kerr *err);

#endif
