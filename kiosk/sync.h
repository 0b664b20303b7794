/* sync: delivers completed intakes from the store's outbox to the clinic's
 * FHIR server over HTTPS, exactly once, in its own process.
 *
 * The patient-facing kiosk never talks to the network and holds no server
 * credentials: it only writes records into the outbox (store.h).  This
 * module reads them back, POSTs each stored transaction Bundle unchanged to
 * the FHIR base URL (the Bundle's entries are PUT with kiosk-assigned ids,
 * so sending one twice never creates a second resource), and marks it
 * delivered, after which the store purges the patient data.
 *
 * Contract with the kiosk, through store meta keys:
 *   "questionnaire.pending"   the kiosk sets it to the FHIR Questionnaire
 *                             JSON when the content version changes; sync
 *                             PUTs it to [base]/Questionnaire/<id> (its
 *                             "id", else the last segment of its "url",
 *                             then added to the JSON as "id"),
 *                             then sets "questionnaire.uploaded" to its
 *                             "version" (or "id" without one) and deletes
 *                             "questionnaire.pending" (only if it was not
 *                             replaced meanwhile).  A permanent refusal sets
 *                             "questionnaire.failed" to the reason.
 *   "sync.paused"             sync sets it to the reason when the server
 *                             refuses the credentials (401/403) and then
 *                             delivers nothing; staff clear it (set NULL or
 *                             "") and the running sync resumes within a
 *                             second; kiosk-sync --retry-failed and a
 *                             restart of sync clear it too.
 * What an answer means is decided in one place, sync_answer_judge()
 * (sync_answer.h): a record is delivered (and its patient data purged) only
 * when the transaction-response shows every entry stored as sent.
 * Permanently refused records (4xx other than 401/403/408/409/429) stay in
 * the store marked failed with the HTTP status and, from an
 * OperationOutcome, issue severities, codes and element paths (never the
 * server's free text, which can quote the patient), and are sent again only
 * after store_outbox_requeue (staff).
 *
 * Never logs request or response bodies, nor any server text (it may echo
 * patient data): log lines name the record id, the HTTP status or the
 * transport error. */
#ifndef KIOSK_SYNC_H
#define KIOSK_SYNC_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kerr.h"
#include "store.h"
#include "sync_answer.h"

/* Full-jitter exponential backoff: the wait in seconds before try number
 * failures+1, uniform in [1, min(max, 2^failures)] drawn from rnd (any
 * 32-bit random value).  failures <= 0 gives 1; max < 1 is treated as 1. */
int64_t sync_backoff(int failures, int64_t max, uint32_t rnd);

/* Parse a Retry-After value: delta seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", also the obsolete RFC 850 and asctime
 * forms).  Writes the wait in seconds from now (0 for a date in the past)
 * into *wait.  Returns 0, or -1 when the value is not valid (then ignored). */
int sync_retry_after(const char *value, int64_t now, int64_t *wait);

/* ---- the delivery engine ---- */

/* Named sync_ctx, not sync: unistd.h declares sync(2). */
typedef struct sync_ctx sync_ctx;

/* What one drain did; counts of records in this run. */
struct sync_report {
	int delivered;
	int retry;           /* left for a later try */
	int failed;          /* permanently refused */
	int auth;            /* 1 if the server refused the credentials */
};

/* Build a sync from the [sync] config: checks the server URL (https only),
 * the CA file, the token file (refused if group/world accessible), the
 * client certificate and key, and opens the database.  The TLS peer and
 * host name are always verified; there is no way to turn that off.
 * K_ECONFIG with the reason on a bad setting. *out owned by the caller. */
krc sync_new(sync_ctx **out, const config *cfg, struct kerr *err);
void sync_free(sync_ctx *sy);

/* The sync's open database (borrowed: valid until sync_free). */
store *sync_store(sync_ctx *sy);

/* Clear "sync.paused" (a restart or staff asked to try again), and when
 * requeue is set also put permanently failed records back in the queue. */
krc sync_resume(sync_ctx *sy, int requeue, struct kerr *err);

/* Deliver everything due now, oldest first, with up to sync.in_flight
 * requests on their way at once (HTTP/2 streams on one reused connection,
 * else up to 4 HTTP/1.1 connections); start no new request once *stop
 * becomes non-zero, the server is unreachable or asks to wait, or it
 * refuses the credentials (the requests in flight are answered and judged
 * first).  Adds to *rep.  A K_ESTORE result means
 * the database failed (nothing is lost: undelivered records stay queued). */
krc sync_drain(sync_ctx *sy, const volatile sig_atomic_t *stop, struct sync_report *rep,
		   struct kerr *err);

/* The daemon: drain, then sleep until a new record arrives (inotify on the
 * database folder), the next retry is due, or wake_fd becomes readable (a
 * signal handler writes to it).  Returns when *stop is non-zero, or on a
 * database failure. */
krc sync_run(sync_ctx *sy, const volatile sig_atomic_t *stop, int wake_fd, struct kerr *err);

#endif
