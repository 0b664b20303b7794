/* fill_outbox: queue N completed intakes in a kiosk database, as the kiosk
 * does when a patient finishes, so the sync tests need no terminal.
 *
 * Usage: fill_outbox DB N [FIRST [match]]  queue N records, print their ids
 *        fill_outbox DB --meta KEY FILE   set a shared setting to FILE's text
 *        fill_outbox DB --get KEY        print a shared setting
 *        fill_outbox DB --status         print the store's delivery status
 * Prints each record id on its own line.  Each record is a FHIR R4
 * transaction Bundle that PUTs a Patient and a QuestionnaireResponse with
 * kiosk-assigned ids (synthetic test people "Test Person <n>").  With
 * "match" the records are shaped as the kiosk queues them for sync.patient
 * (fhir.h): the Patient a conditional create referenced by its urn:uuid,
 * the response with its identifier; record n is person p = n % 10 ("Test
 * Person<p>", born 1990-01-<p + 1>), so 1,000 records are 10 people (an
 * in-memory server scans every Patient for each match).  It creates the
 * database if there is none yet, as `kiosk init` would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

static const char *bundle_fmt =
	"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
	"{\"fullUrl\":\"urn:uuid:%s\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"%s\","
	"\"name\":[{\"text\":\"Test Person %d\",\"family\":\"Person\",\"given\":[\"Test\"]}],"
	"\"birthDate\":\"1990-01-%02d\"},"
	"\"request\":{\"method\":\"PUT\",\"url\":\"Patient/%s\"}},"
	"{\"fullUrl\":\"urn:uuid:%s\",\"resource\":{\"resourceType\":\"QuestionnaireResponse\","
	"\"id\":\"%s\",\"status\":\"completed\","
	"\"questionnaire\":\"https://fhir.example.org/Questionnaire/microneedling-intake|test\","
	"\"subject\":{\"reference\":\"Patient/%s\"},\"authored\":\"2026-01-02T10:00:00Z\","
	"\"item\":[{\"linkId\":\"full_name\",\"answer\":[{\"valueString\":\"Test Person %d\"}]}]},"
	"\"request\":{\"method\":\"PUT\",\"url\":\"QuestionnaireResponse/%s\"}}]}";

static const char *match_fmt =
	"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
	"{\"fullUrl\":\"urn:uuid:%s\",\"resource\":{\"resourceType\":\"Patient\","
	"\"name\":[{\"text\":\"Test Person%d\",\"family\":\"Person%d\",\"given\":[\"Test\"]}],"
	"\"birthDate\":\"1990-01-%02d\"},"
	"\"request\":{\"method\":\"POST\",\"url\":\"Patient\","
	"\"ifNoneExist\":\"family:exact=Person%d&given:exact=Test&birthdate=1990-01-%02d\"}},"
	"{\"fullUrl\":\"urn:uuid:%s\",\"resource\":{\"resourceType\":\"QuestionnaireResponse\","
	"\"id\":\"%s\",\"identifier\":{\"system\":"
	"\"https://fhir.example.org/Questionnaire/microneedling-intake/intake\",\"value\":\"%s\"},"
	"\"status\":\"completed\","
	"\"questionnaire\":\"https://fhir.example.org/Questionnaire/microneedling-intake|test\","
	"\"subject\":{\"reference\":\"urn:uuid:%s\"},\"authored\":\"2026-01-02T10:00:00Z\","
	"\"item\":[{\"linkId\":\"full_name\",\"answer\":[{\"valueString\":\"Test Person%d\"}]}]},"
	"\"request\":{\"method\":\"PUT\",\"url\":\"QuestionnaireResponse/%s\"}}]}";

int main(int argc, char **argv)
{
	struct kerr err = { "" };
	store *st = NULL;
	int n, first, status = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: fill_outbox DB N [FIRST]\n");
		return 2;
	}
	if (store_create(&st, argv[1], &err) != K_OK)
		goto out;
	if (!strcmp(argv[2], "--meta") && argc == 5) {
		char *buf = NULL;
		size_t cap = 0, len = 0, k;
		FILE *f = fopen(argv[4], "r");

		do {
			char *p = realloc(buf, cap += 65536);

			if (p == NULL)
				break;
			buf = p;
			k = f ? fread(buf + len, 1, cap - len - 1, f) : 0;
			len += k;
		} while (k > 0);
		if (f)
			fclose(f);
		if (buf) {
			buf[len] = '\0';
			if (store_meta_set(st, argv[3], buf, &err) == K_OK)
				status = 0;
		}
		free(buf);
		goto out;
	}
	if (!strcmp(argv[2], "--get") && argc == 4) {
		char *v = NULL;

		if (store_meta_get(st, argv[3], &v, &err) == K_OK) {
			printf("%s\n", v ? v : "");
			status = 0;
		}
		free(v);
		goto out;
	}
	if (!strcmp(argv[2], "--status")) {
		struct store_status ss;

		if (store_status_get(st, &ss, &err) != K_OK)
			goto out;
		printf("waiting=%d\nfailed=%d\ndelivered=%d\nlast_failure=%s\npaused=%s\n",
		       ss.waiting, ss.failed, ss.delivered, ss.last_failure, ss.paused);
		status = 0;
		goto out;
	}
	n = atoi(argv[2]);
	first = argc > 3 ? atoi(argv[3]) : 1;
	for (int i = first; i < first + n; i++) {
		char id[STORE_ID_LEN], qr[STORE_ID_LEN], bundle[2048], name[32];
		int64_t now = (int64_t)time(NULL);
		struct store_completion c = { 0 };

		if (store_session_start(st, "test", "en", now, id, &err) != K_OK)
			goto out;
		/* The response's own id: the session id with its first digit
		 * moved on by one (still a UUID, never the Patient's). */
		memcpy(qr, id, sizeof qr);
		qr[0] = "123456789abcdef0"[strchr("0123456789abcdef", id[0]) - "0123456789abcdef"];
		if (argc > 4 && !strcmp(argv[4], "match"))
			snprintf(bundle, sizeof bundle, match_fmt, id, i % 10, i % 10, i % 10 + 1,
				 i % 10, i % 10 + 1, qr, qr, qr, id, i % 10, qr);
		else
			snprintf(bundle, sizeof bundle, bundle_fmt, id, id, i, i % 28 + 1, id, qr, qr, id,
				 i, qr);
		snprintf(name, sizeof name, "Test Person %d", i);
		c.session = id;
		c.outcome = "clear";
		c.flags = "";
		c.flag_details = "";
		c.bundle = bundle;
		c.patient_name = name;
		c.patient_dob = "1990-01-01";
		c.now = now;
		if (store_session_complete(st, &c, &err) != K_OK)
			goto out;
		printf("%s %s\n", id, qr);
	}
	status = 0;
out:
	if (status)
		fprintf(stderr, "fill_outbox: %s\n", err.msg);
	store_close(st);
	return status;
}
