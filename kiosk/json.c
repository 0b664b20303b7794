/* json: writes JSON documents into a growable buffer, and reads one string
 * member out of a small reply.
 *
 * The writer owns its buffer and a stack of open containers; it keeps the
 * first error and ignores later calls, so callers check once at the end.
 * It never prints and never logs: documents carry patient data. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

struct json {
	char *buf;
	size_t len, cap;
	bool pretty;
	bool bad_utf8;
	krc rc;
	const char *why;
	int depth;
	char kind[JSON_MAX_DEPTH];  /* 'o' object, 'a' array */
	int count[JSON_MAX_DEPTH];  /* values written in the container */
	bool key_pending;           /* a key was written, its value is due */
	int top;                    /* values written at the top level */
};

static void fail(json *j, krc rc, const char *why)
{
	if (j->rc == K_OK) {
		j->rc = rc;
		j->why = why;
	}
}

static void put(json *j, const char *s, size_t n)
{
	if (j->rc != K_OK)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		while (j->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(j->buf, cap);
		if (!b) {
			fail(j, K_ENOMEM, "out of memory");
			return;
		}
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void newline(json *j)
{
	if (!j->pretty)
		return;
	put(j, "\n", 1);
	for (int i = 0; i < j->depth; i++)
		put(j, "  ", 2);
}

/* Called before every value: commas, indentation and the key rule. */
static void before_value(json *j)
{
	if (j->depth == 0) {
		if (j->top++ > 0)
			fail(j, K_EINVAL, "more than one top-level value");
		return;
	}
	int d = j->depth - 1;
	if (j->kind[d] == 'o') {
		if (!j->key_pending)
			fail(j, K_EINVAL, "object member without a key");
		j->key_pending = false;
		return;
	}
	if (j->count[d]++ > 0)
		put(j, ",", 1);
	newline(j);
}

krc json_new(json **out, bool pretty, struct kerr *err)
{
	*out = NULL;
	json *j = calloc(1, sizeof *j);
	if (!j)
		return kerr_set(err, K_ENOMEM, "json: out of memory");
	j->pretty = pretty;
	*out = j;
	return K_OK;
}

void json_free(json *j)
{
	if (!j)
		return;
	free(j->buf);
	free(j);
}

static void open_(json *j, char kind)
{
	before_value(j);
	if (j->depth >= JSON_MAX_DEPTH) {
		fail(j, K_EINVAL, "nested too deep");
		return;
	}
	put(j, kind == 'o' ? "{" : "[", 1);
	j->kind[j->depth] = kind;
	j->count[j->depth] = 0;
	j->depth++;
}

static void close_(json *j, char kind)
{
	if (j->depth == 0 || j->kind[j->depth - 1] != kind || j->key_pending) {
		fail(j, K_EINVAL, "unbalanced end of object or array");
		return;
	}
	bool empty = j->count[j->depth - 1] == 0;
	j->depth--;
	if (!empty)
		newline(j);
	put(j, kind == 'o' ? "}" : "]", 1);
}

void json_obj_begin(json *j) { open_(j, 'o'); }
void json_obj_end(json *j) { close_(j, 'o'); }
void json_arr_begin(json *j) { open_(j, 'a'); }
void json_arr_end(json *j) { close_(j, 'a'); }

/* Decode one UTF-8 sequence at s (n bytes left).  Returns its length and
 * the code point, or 0 when the bytes are not valid UTF-8 (overlong forms,
 * surrogates and values past U+10FFFF included). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2; v = c & 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3; v = c & 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static void escape_into(json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		const char *rep = NULL;
		char ubuf[8];

		if (len == 0) {
			rep = "\xef\xbf\xbd"; /* U+FFFD */
			j->bad_utf8 = true;
			len = 1;
		} else if (cp == '"') {
			rep = "\\\"";
		} else if (cp == '\\') {
			rep = "\\\\";
		} else if (cp == '\n') {
			rep = "\\n";
		} else if (cp == '\r') {
			rep = "\\r";
		} else if (cp == '\t') {
			rep = "\\t";
		} else if (cp == '\b') {
			rep = "\\b";
		} else if (cp == '\f') {
			rep = "\\f";
		} else if (cp < 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029) {
			snprintf(ubuf, sizeof ubuf, "\\u%04x", (unsigned)cp);
			rep = ubuf;
		}
		if (rep) {
			put(j, str + i - run, run);
			run = 0;
			puts_(j, rep);
		} else {
			run += len;
		}
		i += len;
	}
	put(j, str + n - run, run);
}

void json_key(json *j, const char *key)
{
	if (j->depth == 0 || j->kind[j->depth - 1] != 'o' || j->key_pending) {
		fail(j, K_EINVAL, "key outside an object");
		return;
	}
	if (j->count[j->depth - 1]++ > 0)
		put(j, ",", 1);
	newline(j);
	put(j, "\"", 1);
	escape_into(j, key, strlen(key));
	puts_(j, j->pretty ? "\": " : "\":");
	j->key_pending = true;
}

void json_strn(json *j, const char *s, size_t n)
{
	before_value(j);
	put(j, "\"", 1);
	escape_into(j, s, n);
	put(j, "\"", 1);
}

void json_str(json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(json *j, long long v)
{
	char b[32];
	before_value(j);
	snprintf(b, sizeof b, "%lld", v);
	puts_(j, b);
}

void json_bool(json *j, bool v)
{
	before_value(j);
	puts_(j, v ? "true" : "false");
}

void json_null(json *j)
{
	before_value(j);
	puts_(j, "null");
}

void json_kv_str(json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kv_int(json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kv_bool(json *j, const char *key, bool v)
{
	json_key(j, key);
	json_bool(j, v);
}

bool json_bad_utf8(const json *j)
{
	return j->bad_utf8;
}

krc json_finish(json *j, char **out, struct kerr *err)
{
	*out = NULL;
	if (j->rc == K_OK && (j->depth != 0 || j->key_pending))
		fail(j, K_EINVAL, "unclosed object or array");
	if (j->rc == K_OK && j->top != 1)
		fail(j, K_EINVAL, "no value written");
	if (j->rc == K_OK && j->pretty)
		put(j, "\n", 1);
	krc rc = j->rc;
	if (rc != K_OK) {
		kerr_set(err, rc, "json: %s", j->why);
	} else {
		*out = j->buf;
		j->buf = NULL;
		j->cap = 0;
	}
	j->len = 0;
	j->depth = 0;
	j->top = 0;
	j->key_pending = false;
	j->rc = K_OK;
	j->why = NULL;
	return rc;
}

char *json_escape(const char *s)
{
	json j = { 0 };
	escape_into(&j, s, strlen(s));
	if (j.rc != K_OK) {
		free(j.buf);
		return NULL;
	}
	if (!j.buf)
		return calloc(1, 1);
	return j.buf;
}

/* ---- reader ----------------------------------------------------------- */

struct rd {
	const char *p;
	int depth;
};

static void ws(struct rd *r)
{
	while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
		r->p++;
}

static int hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static void put_utf8(json *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp; n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
	}
	put(b, u, n);
}

/* Parse a string at r->p (on the opening quote).  With out != NULL the
 * unescaped text is appended to it.  Returns 0 or -1 on bad JSON. */
static int rd_string(struct rd *r, json *out)
{
	if (*r->p != '"')
		return -1;
	r->p++;
	for (;;) {
		unsigned char c = (unsigned char)*r->p;
		if (c == '\0' || c < 0x20)
			return -1;
		if (c == '"') {
			r->p++;
			return 0;
		}
		if (c != '\\') {
			if (out)
				put(out, r->p, 1);
			r->p++;
			continue;
		}
		r->p++;
		char e = *r->p++;
		const char *simple = NULL;
		switch (e) {
		case '"': simple = "\""; break;
		case '\\': simple = "\\"; break;
		case '/': simple = "/"; break;
		case 'b': simple = "\b"; break;
		case 'f': simple = "\f"; break;
		case 'n': simple = "\n"; break;
		case 'r': simple = "\r"; break;
		case 't': simple = "\t"; break;
		case 'u': {
			uint32_t cp, lo;
			if (hex4(r->p, &cp))
				return -1;
			r->p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->p[0] != '\\' || r->p[1] != 'u' || hex4(r->p + 2, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return -1;
				r->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return -1;
			}
			if (out)
				put_utf8(out, cp);
			break;
		}
		default:
			return -1;
		}
		if (simple && out)
			puts_(out, simple);
	}
}

static int rd_value(struct rd *r, const char *key, json *found, bool *hit);

static int rd_literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);
	if (strncmp(r->p, word, n))
		return -1;
	r->p += n;
	return 0;
}

static int rd_number(struct rd *r)
{
	const char *s = r->p;
	if (*r->p == '-')
		r->p++;
	if (*r->p == '0') {
		r->p++;
	} else if (*r->p >= '1' && *r->p <= '9') {
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	} else {
		return -1;
	}
	if (*r->p == '.') {
		r->p++;
		if (!(*r->p >= '0' && *r->p <= '9'))
			return -1;
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (*r->p == 'e' || *r->p == 'E') {
		r->p++;
		if (*r->p == '+' || *r->p == '-')
			r->p++;
		if (!(*r->p >= '0' && *r->p <= '9'))
			return -1;
		while (*r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	return r->p > s ? 0 : -1;
}

/* Walk one value.  When the first member named key with a string value is
 * met (and *hit is still false) its text goes into found.  The whole
 * document is still walked so bad JSON is always reported. */
static int rd_value(struct rd *r, const char *key, json *found, bool *hit)
{
	ws(r);
	if (++r->depth > JSON_MAX_DEPTH)
		return -1;
	int rc = 0;
	switch (*r->p) {
	case '{':
		r->p++;
		ws(r);
		if (*r->p == '}') {
			r->p++;
			break;
		}
		for (;;) {
			json name = { 0 };
			ws(r);
			if (rd_string(r, &name) || name.rc != K_OK) {
				free(name.buf);
				rc = -1;
				break;
			}
			bool match = !*hit && name.buf && !strcmp(name.buf, key);
			if (!*hit && !name.buf && key[0] == '\0')
				match = true;
			free(name.buf);
			ws(r);
			if (*r->p++ != ':') {
				rc = -1;
				break;
			}
			ws(r);
			if (match && *r->p == '"') {
				if (rd_string(r, found)) {
					rc = -1;
					break;
				}
				*hit = true;
			} else if (rd_value(r, key, found, hit)) {
				rc = -1;
				break;
			}
			ws(r);
			if (*r->p == ',') {
				r->p++;
				continue;
			}
			if (*r->p == '}') {
				r->p++;
				break;
			}
			rc = -1;
			break;
		}
		break;
	case '[':
		r->p++;
		ws(r);
		if (*r->p == ']') {
			r->p++;
			break;
		}
		for (;;) {
			if (rd_value(r, key, found, hit)) {
				rc = -1;
				break;
			}
			ws(r);
			if (*r->p == ',') {
				r->p++;
				continue;
			}
			if (*r->p == ']') {
				r->p++;
				break;
			}
			rc = -1;
			break;
		}
		break;
	case '"':
		rc = rd_string(r, NULL);
		break;
	case 't':
		rc = rd_literal(r, "true");
		break;
	case 'f':
		rc = rd_literal(r, "false");
		break;
	case 'n':
		rc = rd_literal(r, "null");
		break;
	default:
		rc = rd_number(r);
		break;
	}
	r->depth--;
	return rc;
}

krc json_get_string(const char *doc, const char *key, char **out, struct kerr *err)
{
	*out = NULL;
	struct rd r = { .p = doc, .depth = 0 };
	json found = { 0 };
	bool hit = false;
	krc rc = K_OK;

	if (rd_value(&r, key, &found, &hit) != 0) {
		rc = kerr_set(err, K_EINVAL, "json: not valid JSON near byte %ld",
			      (long)(r.p - doc));
		goto out;
	}
	ws(&r);
	if (*r.p != '\0') {
		rc = kerr_set(err, K_EINVAL, "json: extra text after the document");
		goto out;
	}
	if (found.rc != K_OK) {
		rc = kerr_set(err, K_ENOMEM, "json: out of memory");
		goto out;
	}
	if (!hit) {
		rc = kerr_set(err, K_ENOTFOUND, "json: no string member '%s'", key);
		goto out;
	}
	*out = found.buf ? found.buf : calloc(1, 1);
	found.buf = NULL;
	if (!*out)
		rc = kerr_set(err, K_ENOMEM, "json: out of memory");
out:
	free(found.buf);
	return rc;
}
