/* fuzz_sync_response: libFuzzer harness for sync_answer_judge(), the one
 * place that decides what a FHIR server's answer means, and for the JSON
 * reader underneath it.
 *
 * Input: byte 0 picks the HTTP status, byte 1 the kind of request (bit 0:
 * transaction, bit 1: answer cut at the size limit), the rest is the body.
 * Beyond memory safety it checks the promises callers rely on: a verdict
 * is one of the four classes; "delivered" only for a 2xx, and for a
 * transaction only with a location per entry sent; the texts kept are
 * valid UTF-8 without control or format characters and the log text is
 * the start of the stored one.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE
 *        -Ikiosk tests/fuzz/fuzz_sync_response.c kiosk/sync_answer.c
 *        kiosk/json.c kiosk/ktext.c kiosk/kerr.c
 * Seeds: tests/fuzz/corpus/fuzz_sync_response/ */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ktext.h"
#include "sync_answer.h"

static const long statuses[] = { 200, 201, 204, 299, 0, 400, 401, 403, 404, 408, 409, 412,
				 422, 429, 500, 503, 302, 100 };

static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap || !ktext_valid_utf8(s, n))
		abort();
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int k = ktext_decode(s + i, n - i, &cp);

		if (k <= 0 || ktext_is_control(cp) || ktext_is_format(cp))
			abort();
		i += (size_t)k;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sync_ref refs[] = { { "Patient", "p1" },
						{ "QuestionnaireResponse", "q-1" } };
	struct sync_verdict v;
	struct sync_ref *got = NULL;
	size_t ngot = 0;
	long status;
	bool transaction, cut;
	const char *body;
	size_t len;

	if (size < 2)
		return 0;
	status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
	transaction = data[1] & 1;
	cut = (data[1] & 2) != 0;
	body = (const char *)data + 2;
	len = size - 2;

	sync_answer_judge(status, body, len, cut, refs, transaction ? 2 : 1, transaction, &v);
	if (v.cls != SYNC_DELIVERED && v.cls != SYNC_RETRY && v.cls != SYNC_PERMANENT &&
	    v.cls != SYNC_AUTH)
		abort();
	if (v.cls == SYNC_DELIVERED && (status < 200 || status > 299 || cut))
		abort();
	if (v.cls == SYNC_DELIVERED && transaction &&
	    (strncmp(v.locations, "Patient/p1", 10) != 0 ||
	     strstr(v.locations, " QuestionnaireResponse/q-1") == NULL))
		abort();
	check_text(v.why, sizeof v.why);
	check_text(v.summary, sizeof v.summary);
	check_text(v.locations, sizeof v.locations);
	if (strncmp(v.summary, v.why, strlen(v.why)) != 0)
		abort();

	/* The same bytes as a record the kiosk would send. */
	if (sync_bundle_refs(body, len, &got, &ngot, NULL) == K_OK) {
		if (ngot == 0 || got == NULL)
			abort();
		for (size_t i = 0; i < ngot; i++)
			if (got[i].type[0] < 'A' || got[i].type[0] > 'Z' || got[i].id[0] == '\0')
				abort();
	}
	free(got);
	return 0;
}
