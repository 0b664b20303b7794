/* sync_answer: what a FHIR server's answer means (see sync_answer.h).
 *
 * Owns the rule "delivered means the server says it stored exactly what was
 * sent", and the rule that no free text from a server is kept: a server's
 * words can quote the patient, and what it says goes into a database that
 * outlives the patient data, onto the staff screen and into `kiosk status`.
 * Everything here is pure; it parses with the one JSON reader (json.h). */
#include "sync_answer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fhir.h"
#include "json.h"
#include "ktext.h"

enum sync_class sync_classify(long http_status)
{
	if (http_status >= 200 && http_status <= 299)
		return SYNC_DELIVERED;
	if (http_status == 401 || http_status == 403)
		return SYNC_AUTH;
	/* 409: the server saw a concurrent write to the same resource (FHIR
	 * servers answer it for version conflicts); trying again is right. */
	if (http_status == 408 || http_status == 409 || http_status == 429)
		return SYNC_RETRY;
	if (http_status >= 400 && http_status <= 499)
		return SYNC_PERMANENT;
	/* No answer, 5xx, and the odd 1xx/3xx (a redirect is not followed: the
	 * record waits until someone fixes sync.server). */
	return SYNC_RETRY;
}

/* ---------------------------------------------------------------- tokens */

static bool in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* A FHIR resource type name: [A-Z][A-Za-z]*, short. */
static bool valid_type(const char *s, size_t n)
{
	if (n < 1 || n > 63 || s[0] < 'A' || s[0] > 'Z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')))
			return false;
	return true;
}

static bool eq(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(s, want, n) == 0;
}

/* ------------------------------------------------------------- the Bundle */

krc sync_bundle_refs(const char *bundle, size_t len, struct sync_ref **out, size_t *n,
		     struct kerr *err)
{
	json_doc *d = NULL;
	const json_value *root, *entry;
	struct sync_ref *refs = NULL;
	size_t count;
	krc rc;

	*out = NULL;
	*n = 0;
	rc = json_parse(bundle, len, &d, err);
	if (rc != K_OK)
		return rc;
	root = json_root(d);
	entry = json_get(root, "entry");
	count = json_len(entry);
	if (json_get_text(root, "resourceType") == NULL ||
	    strcmp(json_get_text(root, "resourceType"), "Bundle") != 0 ||
	    json_get_text(root, "type") == NULL || strcmp(json_get_text(root, "type"), "transaction") != 0 ||
	    json_kind(entry) != JSON_ARRAY || count == 0) {
		rc = kerr_set(err, K_EINVAL, "the record is not a transaction Bundle with entries");
		goto out;
	}
	refs = calloc(count, sizeof *refs);
	if (refs == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		const json_value *e = json_at(entry, i), *req = json_get(e, "request");
		const json_value *res = json_get(e, "resource");
		const char *method = json_get_text(req, "method"), *url = json_get_text(req, "url");
		const char *type = json_get_text(res, "resourceType"), *id = json_get_text(res, "id");
		const char *slash = url ? strchr(url, '/') : NULL;

		/* A conditional create ("POST Type", ifNoneExist, no id): the
		 * server names the resource it found or made; any valid id of
		 * that type is then the answer (ref id ""). */
		if (method != NULL && strcmp(method, "POST") == 0 && url != NULL && type != NULL &&
		    id == NULL && slash == NULL && valid_type(type, strlen(type)) && strcmp(url, type) == 0) {
			snprintf(refs[i].type, sizeof refs[i].type, "%s", type);
			refs[i].id[0] = '\0';
			continue;
		}
		if (method == NULL || strcmp(method, "PUT") != 0 || slash == NULL || type == NULL ||
		    id == NULL || !valid_type(type, strlen(type)) || !fhir_id_okn(id, strlen(id)) ||
		    !eq(url, (size_t)(slash - url), type) || strcmp(slash + 1, id) != 0) {
			rc = kerr_set(err, K_EINVAL,
				      "entry %zu of the record is not a PUT Type/id of its resource, "
				      "nor a conditional create", i + 1);
			goto out;
		}
		snprintf(refs[i].type, sizeof refs[i].type, "%s", type);
		snprintf(refs[i].id, sizeof refs[i].id, "%s", id);
	}
	*out = refs;
	*n = count;
	refs = NULL;
out:
	free(refs);
	json_doc_free(d);
	return rc;
}

/* ------------------------------------------------------------- locations */

/* Check one location against the resource sent: "Type/id",
 * "Type/id/_history/vid", or either after an absolute base
 * ("https://host[:port]/path/").  No query, fragment, escape or empty
 * segment.  vid (size VID_MAX) receives the version id ("" without). */
#define VID_MAX 65
static bool location_names(const char *loc, const struct sync_ref *r, char vid[VID_MAX],
			   char idout[65])
{
	const char *seg[8], *p = loc;
	size_t segl[8], ns = 0, first;
	bool absolute = false;

	vid[0] = '\0';
	if (strlen(loc) > 2048)
		return false;
	if (strncmp(p, "https://", 8) == 0 || strncmp(p, "http://", 7) == 0) {
		absolute = true;
		p = strchr(p, '/') + 2;
		if (*p == '/' || *p == '\0')
			return false;
		while (*p && *p != '/')
			if (!in_set(*p++, ALNUM ".-:[]"))
				return false;
		if (*p++ != '/')
			return false;
	}
	/* Keep the last 4 segments: all a location can name after the base. */
	while (*p) {
		size_t n = 0;

		while (p[n] && p[n] != '/') {
			if (!in_set(p[n], ALNUM "-._~"))
				return false;
			n++;
		}
		if (n == 0)
			return false;
		if (ns == 8) {
			memmove(seg, seg + 4, 4 * sizeof *seg);
			memmove(segl, segl + 4, 4 * sizeof *segl);
			ns = 4;
		}
		seg[ns] = p;
		segl[ns++] = n;
		p += n;
		if (*p == '/' && *++p == '\0')
			return false;
	}
	if (ns >= 4 && eq(seg[ns - 2], segl[ns - 2], "_history")) {
		if (!fhir_id_okn(seg[ns - 1], segl[ns - 1]))
			return false;
		memcpy(vid, seg[ns - 1], segl[ns - 1]);
		vid[segl[ns - 1]] = '\0';
		first = ns - 4;
	} else if (ns >= 2) {
		first = ns - 2;
	} else {
		return false;
	}
	if (!absolute && first != 0)
		return false;
	if (!eq(seg[first], segl[first], r->type))
		return false;
	if (r->id[0] == '\0') {
		/* Conditional create: the server chose the id. */
		if (segl[first + 1] > 64 || !fhir_id_okn(seg[first + 1], segl[first + 1]))
			return false;
		memcpy(idout, seg[first + 1], segl[first + 1]);
		idout[segl[first + 1]] = '\0';
		return true;
	}
	snprintf(idout, 65, "%s", r->id);
	return eq(seg[first + 1], segl[first + 1], r->id);
}

/* "201 Created" -> 201; -1 unless three digits then the end or a space. */
static int entry_status(const char *s)
{
	if (s == NULL || !in_set(s[0], "0123456789") || !in_set(s[1], "0123456789") ||
	    !in_set(s[2], "0123456789") || (s[3] != '\0' && s[3] != ' '))
		return -1;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* --------------------------------------------------------- the verdict */

static void retry(struct sync_verdict *v, long status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void retry(struct sync_verdict *v, long status, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	v->cls = SYNC_RETRY;
	v->locations[0] = '\0';
	snprintf(v->why, sizeof v->why, "HTTP %ld but %s", status, what);
	snprintf(v->summary, sizeof v->summary, "%s", v->why);
}

/* A Bundle type named in a message only when it is one FHIR defines. */
static const char *bundle_type_name(const char *t)
{
	static const char *const known[] = { "document", "message", "transaction", "batch",
					     "batch-response", "history", "searchset", "collection",
					     "subscription-notification" };

	for (size_t i = 0; t && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(t, known[i]) == 0)
			return known[i];
	return NULL;
}

static void judge_transaction(long status, const json_value *root, const struct sync_ref *refs,
			      size_t n, struct sync_verdict *v)
{
	const json_value *entry = json_get(root, "entry");
	const char *rt = json_get_text(root, "resourceType"), *type = json_get_text(root, "type");
	size_t used = 0;

	if (rt == NULL || strcmp(rt, "Bundle") != 0) {
		retry(v, status, "the answer is not a FHIR Bundle");
		return;
	}
	if (type == NULL || strcmp(type, "transaction-response") != 0) {
		if (bundle_type_name(type))
			retry(v, status, "the Bundle is a %s, not a transaction-response",
			      bundle_type_name(type));
		else
			retry(v, status, "the Bundle is not a transaction-response");
		return;
	}
	if (json_kind(entry) != JSON_ARRAY || json_len(entry) != n) {
		retry(v, status, "the transaction-response has %zu entries for %zu sent",
		      json_len(entry), n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_value *resp = json_get(json_at(entry, i), "response");
		const char *loc = json_get_text(resp, "location");
		int code = entry_status(json_get_text(resp, "status"));
		char vid[VID_MAX], one[256], id[65];
		size_t k;

		if (code < 0) {
			retry(v, status, "entry %zu has no valid status", i + 1);
			return;
		}
		if (code < 200 || code > 299) {
			retry(v, status, "entry %zu has status %d", i + 1, code);
			return;
		}
		if (loc == NULL || !location_names(loc, &refs[i], vid, id)) {
			retry(v, status, "the location of entry %zu does not name the resource sent", i + 1);
			return;
		}
		/* Rebuilt from what we sent and a checked version: the server's
		 * own string never reaches the audit log. */
		k = (size_t)snprintf(one, sizeof one, "%s%s/%s%s%s", used ? " " : "", refs[i].type,
				     id, vid[0] ? "/_history/" : "", vid);
		if (used + k < sizeof v->locations) {
			memcpy(v->locations + used, one, k + 1);
			used += k;
		}
	}
}

static void judge_update(long status, const json_value *root, const struct sync_ref *r,
			 struct sync_verdict *v)
{
	const char *rt = json_get_text(root, "resourceType");

	if (rt && strcmp(rt, "OperationOutcome") == 0) {
		const json_value *issues = json_get(root, "issue");

		for (size_t i = 0; i < json_len(issues); i++) {
			const char *sev = json_get_text(json_at(issues, i), "severity");

			if (sev == NULL || strcmp(sev, "error") == 0 || strcmp(sev, "fatal") == 0) {
				retry(v, status, "the answer reports an error");
				return;
			}
		}
		return;
	}
	if (rt == NULL || strcmp(rt, r->type) != 0 || json_get_text(root, "id") == NULL ||
	    strcmp(json_get_text(root, "id"), r->id) != 0)
		retry(v, status, "the answer is not the %s sent", r->type);
}

/* An expression path kept only when it looks like a FHIRPath element path
 * ("Patient.name[0].family"): letters, digits, '_', '.', '[', ']', '(' and
 * ')', starting with a letter.  Anything else (a quote, a space, a '=') is
 * dropped whole rather than filtered, so no word of a value survives. */
static bool path_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 120 || !in_set(s[0], ALNUM) || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!in_set(s[i], ALNUM "_.[]()"))
			return false;
	return true;
}

static bool code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!in_set(s[i], "abcdefghijklmnopqrstuvwxyz-"))
			return false;
	return true;
}

static void append(char *dst, size_t cap, const char *s)
{
	size_t l = strlen(dst), k = strlen(s);

	if (l + k < cap)
		memcpy(dst + l, s, k + 1);
}

/* From an OperationOutcome: ": <severity> <code> at <path>, <path>" per
 * issue (joined by "; ") (at most 3 issues, 3 paths each), each part cleaned and checked. */
static void outcome_summary(const json_value *root, char *dst, size_t cap)
{
	static const char *const sevs[] = { "fatal", "error", "warning", "information" };
	const json_value *issues = json_get(root, "issue");
	const char *rt = json_get_text(root, "resourceType");

	if (rt == NULL || strcmp(rt, "OperationOutcome") != 0)
		return;
	for (size_t i = 0; i < json_len(issues) && i < 3; i++) {
		const json_value *is = json_at(issues, i), *ex = json_get(is, "expression");
		const char *sev = json_get_text(is, "severity"), *code = json_get_text(is, "code");
		char part[200] = "", clean[160];
		int paths = 0;

		for (size_t k = 0; sev && k < sizeof sevs / sizeof sevs[0]; k++)
			if (strcmp(sev, sevs[k]) == 0)
				append(part, sizeof part, sevs[k]);
		if (code && code_ok(ktext_clean(clean, sizeof clean, code))) {
			append(part, sizeof part, part[0] ? " " : "");
			append(part, sizeof part, clean);
		}
		for (size_t k = 0; k < json_len(ex) && paths < 3; k++) {
			const char *e = json_text(json_at(ex, k));

			if (e == NULL || strlen(e) >= sizeof clean ||
			    !path_ok(ktext_clean(clean, sizeof clean, e)))
				continue;
			append(part, sizeof part, paths++ ? ", " : part[0] ? " at " : "at ");
			append(part, sizeof part, clean);
		}
		if (part[0] == '\0')
			continue;
		append(dst, cap, strchr(dst, ':') ? "; " : ": ");
		append(dst, cap, part);
	}
}

void sync_answer_judge(long status, const char *body, size_t len, bool cut,
		       const struct sync_ref *refs, size_t n, bool transaction,
		       struct sync_verdict *v)
{
	json_doc *d = NULL;
	const json_value *root = NULL;

	memset(v, 0, sizeof *v);
	v->cls = sync_classify(status);
	snprintf(v->why, sizeof v->why, "HTTP %ld", status);
	snprintf(v->summary, sizeof v->summary, "HTTP %ld", status);
	if (!cut && body && len > 0 && json_parse(body, len, &d, NULL) == K_OK)
		root = json_root(d);
	if (v->cls != SYNC_DELIVERED) {
		outcome_summary(root, v->summary, sizeof v->summary);
		goto out;
	}
	if (n == 0 || refs == NULL || (!transaction && n != 1)) {
		retry(v, status, "nothing was sent to compare the answer with");
		goto out;
	}
	if (cut) {
		retry(v, status, "the answer is larger than the kiosk reads");
		goto out;
	}
	if (!transaction && len == 0)
		goto out; /* an update answered with no body (Prefer: return=minimal) */
	if (root == NULL) {
		retry(v, status, "the answer is not a FHIR %s",
		      transaction ? "Bundle" : "resource");
		goto out;
	}
	if (transaction)
		judge_transaction(status, root, refs, n, v);
	else
		judge_update(status, root, &refs[0], v);
out:
	json_doc_free(d);
}

/* ------------------------------------------------------------ path lookup */

static const json_value *walk(const json_value *v, const char *path)
{
	const char *dot = strchr(path, '.');
	size_t seg = dot ? (size_t)(dot - path) : strlen(path);
	char name[128];
	bool each = seg >= 2 && path[seg - 2] == '[' && path[seg - 1] == ']';

	if (*path == '\0')
		return json_kind(v) == JSON_STRING ? v : NULL;
	if (seg - (each ? 2 : 0) >= sizeof name)
		return NULL;
	memcpy(name, path, seg - (each ? 2 : 0));
	name[seg - (each ? 2 : 0)] = '\0';
	if (name[0])
		v = json_get(v, name);
	if (!each)
		return name[0] ? walk(v, dot ? dot + 1 : "") : NULL;
	if (json_kind(v) != JSON_ARRAY)
		return NULL;
	for (size_t i = 0; i < json_len(v); i++) {
		const json_value *hit = walk(json_at(v, i), dot ? dot + 1 : "");

		if (hit)
			return hit;
	}
	return NULL;
}

int sync_json_string(const char *text, size_t len, const char *path, char *buf, size_t n)
{
	json_doc *d = NULL;
	const json_value *hit;
	int rc = 0;

	if (buf && n)
		buf[0] = '\0';
	if (json_parse(text, len, &d, NULL) != K_OK)
		return -1;
	if (path) {
		hit = walk(json_root(d), path);
		if (hit == NULL)
			rc = -1;
		else if (buf && n)
			ktext_clean(buf, n, json_string(hit, NULL));
	}
	json_doc_free(d);
	return rc;
}
