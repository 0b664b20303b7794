/* sync_answer: the one place that decides what a FHIR server's answer
 * means for a record: delivered (the patient data may be purged), retry
 * later, refused for staff, or credentials refused (pause).
 *
 * Pure: no network, no clock, no store, no allocation visible to callers.
 * kiosk-sync (sync.c) calls it with what libcurl received; the unit tests
 * and the fuzz harness (tests/fuzz/fuzz_sync_response.c) call it with
 * bytes of their own.  It keeps no free text from the server: what it
 * returns is built from the HTTP status, fixed words, numbers, and, from an
 * OperationOutcome, issue severities, codes and element paths restricted to
 * a FHIRPath-like character set. */
#ifndef KIOSK_SYNC_ANSWER_H
#define KIOSK_SYNC_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"

/* What happened to one request, and what to do about the record. */
enum sync_class {
	SYNC_DELIVERED = 0,  /* the server says it holds exactly what was sent */
	SYNC_RETRY,          /* transport error, 408, 409, 429, 5xx, or an answer that does not prove delivery */
	SYNC_PERMANENT,      /* other 4xx: the server will never accept it as is (kept for staff) */
	SYNC_AUTH,           /* 401/403: credentials refused, pause everything */
};

/* Classify an HTTP status alone (0 when no answer arrived). */
enum sync_class sync_classify(long http_status);

/* One resource sent: its type and the kiosk-assigned id ("" for a
 * conditional create, whose id the server chooses). */
struct sync_ref {
	char type[64];
	char id[65];
};

/* The entries of a transaction Bundle the kiosk built, in order: each must
 * be "PUT Type/id" of a resource with that type and id, or a conditional
 * create "POST Type" of a resource without an id.  *out (caller
 * frees) receives *n refs.  K_EINVAL when the Bundle is not like that
 * (then it cannot be judged and must not be sent); K_ENOMEM. */
krc sync_bundle_refs(const char *bundle, size_t len, struct sync_ref **out, size_t *n,
		     struct kerr *err);

/* The verdict on one answer. */
struct sync_verdict {
	enum sync_class cls;
	/* For the log: our own words, the HTTP status and numbers only. */
	char why[160];
	/* For the store and staff: why, plus the OperationOutcome's issue
	 * severity, code and expression paths when there is one. */
	char summary[256];
	/* Delivered: "Type/id/_history/v" per entry (version when the server
	 * gave a valid one), space-separated, rebuilt from what was sent and
	 * checked against the server's locations; cut at an entry boundary. */
	char locations[256];
};

/* Judge the answer to a request that sent refs (n of them).
 * transaction: the request POSTed a transaction Bundle; delivered means
 *   2xx, a Bundle of type transaction-response with one entry per entry
 *   sent, every entry.response.status 2xx, and every entry's
 *   response.location naming the type and id sent at that position
 *   ([base/]Type/id[/_history/vid], nothing more).
 * otherwise: the request PUT one resource (n must be 1); delivered means
 *   2xx with an empty body, the resource itself (same type and id), or an
 *   OperationOutcome without an error.
 * body (len bytes, may be NULL when len is 0) is what was received; cut
 * says the answer was larger and the rest was not read. */
void sync_answer_judge(long status, const char *body, size_t len, bool cut,
		       const struct sync_ref *refs, size_t n, bool transaction,
		       struct sync_verdict *v);

/* Check that text (len bytes) is one valid JSON document (json_parse).
 * When path is non-NULL, copy the first string found at path into buf
 * (size n, cleaned of control and format characters, cut at a character
 * boundary) and return 0 only if found.  Paths name object members joined
 * by '.', with "[]" for any array element: "id",
 * "entry[].response.location".  Returns -1 for invalid JSON or a missing
 * path. */
int sync_json_string(const char *text, size_t len, const char *path, char *buf, size_t n);

#endif
