/* libFuzzer target: the JSON reader (json.c), the one parser the kiosk
 * trusts with what a server says.
 *
 * Properties: no crash, leak or undefined behaviour on any input; the
 * reader answers K_OK or K_EINVAL only (K_ENOMEM aside); a parsed tree is
 * consistent (every child reachable by index, every member by its name,
 * no deeper than JSON_MAX_DEPTH); json_get_string agrees with the tree;
 * and every string read survives a round trip through the writer, so the
 * reader and the writer agree on escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void round_trip(const char *s, size_t n)
{
	struct kerr err = { "" };
	const json_value *v;
	json_doc *d = NULL;
	char *doc = NULL;
	size_t m = 0;
	json *j = NULL;

	if (json_new(&j, false, &err) != K_OK)
		abort();
	json_arr_begin(j);
	json_strn(j, s, n);
	json_arr_end(j);
	if (json_finish(j, &doc, &err) != K_OK)
		abort();
	if (json_parse(doc, strlen(doc), &d, &err) != K_OK)
		abort();
	v = json_at(json_root(d), 0);
	/* The reader only hands out valid UTF-8, which the writer keeps. */
	if (json_kind(v) != JSON_STRING || json_string(v, &m) == NULL || m != n ||
	    memcmp(json_string(v, NULL), s, n) != 0)
		abort();
	json_doc_free(d);
	free(doc);
	json_free(j);
}

/* The first string member named key, depth-first in document order: what
 * json_get_string promises, found through the accessors. */
static const json_value *first_member(const json_value *v, const char *key)
{
	size_t n = json_len(v);

	for (size_t i = 0; i < n; i++) {
		const json_value *c = json_at(v, i);
		const json_value *hit;

		if (json_kind(v) == JSON_OBJECT && json_kind(c) == JSON_STRING && json_get(v, key) == c)
			return c;
		if ((hit = first_member(c, key)) != NULL)
			return hit;
	}
	return NULL;
}

static void walk(const json_value *v, int depth)
{
	enum json_kind k = json_kind(v);
	size_t n = json_len(v), len = 0;

	if (depth > JSON_MAX_DEPTH + 1 || k == JSON_NONE)
		abort();
	if (k == JSON_STRING) {
		const char *s = json_string(v, &len);

		if (s == NULL || s[len] != '\0')
			abort();
		if ((json_text(v) == NULL) != (memchr(s, '\0', len) != NULL))
			abort();
		if (json_text(v) != NULL)
			round_trip(s, len);
	} else if (json_string(v, NULL) != NULL) {
		abort();
	}
	if (n > 0 && k != JSON_ARRAY && k != JSON_OBJECT)
		abort();
	for (size_t i = 0; i < n; i++) {
		const json_value *c = json_at(v, i);

		if (c == NULL)
			abort();
		if (k == JSON_OBJECT) {
			if (json_key_of(c) == NULL)
				abort();
		} else if (json_key_of(c) != NULL) {
			abort();
		}
		walk(c, depth + 1);
	}
	if (json_at(v, n) != NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "resourceType", "location", "status", "diagnostics", "id" };
	struct kerr err = { "" };
	json_doc *d = NULL;
	char *doc;
	krc rc = json_parse((const char *)data, size, &d, &err);

	if (rc != K_OK && rc != K_EINVAL && rc != K_ENOMEM)
		abort();
	if ((rc == K_OK) != (d != NULL) || (rc != K_OK && err.msg[0] == '\0'))
		abort();
	if (rc == K_OK)
		walk(json_root(d), 0);

	/* json_get_string reads a NUL-terminated text: the input up to its
	 * first NUL, which is the whole input when it parsed. */
	doc = malloc(size + 1);
	if (doc == NULL)
		abort();
	memcpy(doc, data, size);
	doc[size] = '\0';
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char *out = NULL;
		krc g;

		kerr_clear(&err);
		g = json_get_string(doc, keys[i], &out, &err);
		if (rc == K_OK) {
			const json_value *hit = first_member(json_root(d), keys[i]);

			if ((g == K_OK) != (hit != NULL) || (g != K_OK && g != K_ENOTFOUND))
				abort();
			if (g == K_OK && strcmp(out, json_string(hit, NULL)) != 0)
				abort();
		}
		if ((g == K_OK) != (out != NULL))
			abort();
		free(out);
	}
	free(doc);
	json_doc_free(d);
	return 0;
}
