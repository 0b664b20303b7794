/* libFuzzer target: the JSON reader (json.c), the one parser the kiosk
 * trusts with a server's reply.
 *
 * Properties: no crash, leak or undefined behaviour on any input; the
 * reader answers K_OK, K_ENOTFOUND or K_EINVAL only; and a value it reads
 * survives a round trip through the writer (written with json_str, read
 * back unchanged), so the reader and the writer agree on escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const char *const keys[] = { "resourceType", "location", "status", "diagnostics", "id", "" };

static void round_trip(const char *value)
{
	struct kerr err = { "" };
	char *doc = NULL, *back = NULL;
	json *j = NULL;

	if (json_new(&j, false, &err) != K_OK)
		abort();
	json_obj_begin(j);
	json_kv_str(j, "v", value);
	json_obj_end(j);
	if (json_finish(j, &doc, &err) != K_OK)
		abort();
	if (json_get_string(doc, "v", &back, &err) != K_OK)
		abort();
	/* Invalid UTF-8 is written as U+FFFD, so compare only valid values. */
	if (!json_bad_utf8(j) && strcmp(back, value) != 0)
		abort();
	free(back);
	free(doc);
	json_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *doc = malloc(size + 1);

	if (doc == NULL)
		return 0;
	memcpy(doc, data, size);
	doc[size] = '\0';
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		struct kerr err = { "" };
		char *out = NULL;
		krc rc = json_get_string(doc, keys[i], &out, &err);

		if (rc != K_OK && rc != K_ENOTFOUND && rc != K_EINVAL)
			abort();
		if (rc == K_OK) {
			if (out == NULL)
				abort();
			round_trip(out);
		} else if (out != NULL) {
			abort();
		}
		free(out);
	}
	free(doc);
	return 0;
}
