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

/* A parsed document is three blocks: the values (nodes[0] is the root), the
 * child lists (each container's children are contiguous in kids), and the
 * unescaped strings (pool, each NUL-terminated).  While parsing, nodes
 * refer to kids and pool by offset because the blocks grow; a last pass
 * turns the offsets into pointers, so the accessors need no document. */
struct json_value {
	enum json_kind kind;
	size_t n;                    /* string bytes, or children */
	const char *s;               /* string text (or number text) */
	const char *key;             /* member name when inside an object */
	size_t keylen;
	const json_value *const *kids;
	size_t s_off, key_off, kids_off;
};

struct json_doc {
	json_value *nodes;
	size_t nn, ncap;
	const json_value **kids;
	size_t nk, kcap;
	char *pool;
	size_t np, pcap;
	size_t *stack;               /* node indices of the open containers' children */
	size_t ns, scap;
};

struct rd {
	const char *p, *end;
	int depth;
	json_doc *d;
	bool oom;
};

static bool grow(void **buf, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *b;

	if (need <= *cap)
		return true;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return false;
		c *= 2;
	}
	b = realloc(*buf, c * size);
	if (b == NULL)
		return false;
	*buf = b;
	*cap = c;
	return true;
}

static void ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int hex4(struct rd *r, uint32_t *v)
{
	*v = 0;
	if (r->end - r->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(r->p[i]);

		if (h < 0)
			return -1;
		*v = *v << 4 | (uint32_t)h;
	}
	r->p += 4;
	return 0;
}

static int pool_put(struct rd *r, const char *s, size_t n)
{
	json_doc *d = r->d;

	if (!grow((void **)&d->pool, &d->pcap, d->np + n + 1, 1)) {
		r->oom = true;
		return -1;
	}
	memcpy(d->pool + d->np, s, n);
	d->np += n;
	return 0;
}

static int pool_cp(struct rd *r, uint32_t cp)
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
	return pool_put(r, u, n);
}

/* Parse a string at r->p (on the opening quote) into the pool.  *off and
 * *len receive where its unescaped text starts and its length.  Raw bytes
 * must be valid UTF-8; escapes must be complete (no lone surrogates). */
static int rd_string(struct rd *r, size_t *off, size_t *len)
{
	*off = r->d->np;
	if (r->p >= r->end || *r->p != '"')
		return -1;
	r->p++;
	for (;;) {
		const char *run = r->p;
		uint32_t cp, lo;

		while (r->p < r->end && *r->p != '"' && *r->p != '\\' &&
		       (unsigned char)*r->p >= 0x20 && (unsigned char)*r->p < 0x80)
			r->p++;
		if (r->p > run && pool_put(r, run, (size_t)(r->p - run)))
			return -1;
		if (r->p >= r->end)
			return -1;
		if (*r->p == '"') {
			r->p++;
			break;
		}
		if ((unsigned char)*r->p < 0x20)
			return -1;
		if ((unsigned char)*r->p >= 0x80) {
			size_t k = utf8_decode((const unsigned char *)r->p, (size_t)(r->end - r->p), &cp);

			if (k == 0 || pool_put(r, r->p, k))
				return -1;
			r->p += k;
			continue;
		}
		r->p++; /* the backslash */
		if (r->p >= r->end)
			return -1;
		switch (*r->p++) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (hex4(r, &cp))
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
					return -1;
				r->p += 2;
				if (hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return -1;
			}
			break;
		default:
			return -1;
		}
		if (pool_cp(r, cp))
			return -1;
	}
	*len = r->d->np - *off;
	return pool_put(r, "", 1); /* the terminating NUL, not counted */
}

static int digits(struct rd *r)
{
	const char *s = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s ? 0 : -1;
}

static int rd_number(struct rd *r)
{
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (r->p >= r->end || *r->p < '1' || *r->p > '9' || digits(r))
		return -1;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (digits(r))
			return -1;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (digits(r))
			return -1;
	}
	return 0;
}

static int rd_literal(struct rd *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return -1;
	r->p += n;
	return 0;
}

static int push_kid(struct rd *r, size_t node)
{
	json_doc *d = r->d;

	if (!grow((void **)&d->stack, &d->scap, d->ns + 1, sizeof *d->stack)) {
		r->oom = true;
		return -1;
	}
	d->stack[d->ns++] = node;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const json_value *x = *(const json_value *const *)a, *y = *(const json_value *const *)b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* Move the children pushed since stack height base into kids, as the
 * contiguous child list of node.  An object whose names repeat is refused:
 * readers disagree on which one counts, and a lying server could use that
 * to show one answer to us and another to the clinic's tools. */
static int close_container(struct rd *r, size_t node, size_t base)
{
	json_doc *d = r->d;
	size_t n = d->ns - base;
	json_value *v;

	if (!grow((void **)&d->kids, &d->kcap, d->nk + n + 1, sizeof *d->kids)) {
		r->oom = true;
		return -1;
	}
	v = &d->nodes[node];
	v->kids_off = d->nk;
	v->n = n;
	for (size_t i = 0; i < n; i++)
		/* An offset stored in a pointer slot until the fix-up pass. */
		d->kids[d->nk + i] = (const json_value *)(uintptr_t)d->stack[base + i];
	d->nk += n;
	d->ns = base;
	if (v->kind == JSON_OBJECT && n > 1) {
		const json_value **tmp = malloc(n * sizeof *tmp);
		int dup = 0;

		if (tmp == NULL) {
			r->oom = true;
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			const json_value *k = &d->nodes[(uintptr_t)d->kids[v->kids_off + i]];

			/* key is not fixed up yet: point it at the pool for now. */
			d->nodes[(uintptr_t)d->kids[v->kids_off + i]].key = d->pool + k->key_off;
			tmp[i] = &d->nodes[(uintptr_t)d->kids[v->kids_off + i]];
		}
		qsort(tmp, n, sizeof *tmp, key_cmp);
		for (size_t i = 1; i < n && !dup; i++)
			dup = key_cmp(&tmp[i - 1], &tmp[i]) == 0;
		free(tmp);
		if (dup)
			return -1;
	}
	return 0;
}

static int rd_value(struct rd *r, size_t *out)
{
	json_doc *d = r->d;
	size_t node, base;
	json_value *v;
	int rc = 0;

	ws(r);
	if (r->p >= r->end || r->depth >= JSON_MAX_DEPTH)
		return -1;
	if (!grow((void **)&d->nodes, &d->ncap, d->nn + 1, sizeof *d->nodes)) {
		r->oom = true;
		return -1;
	}
	node = d->nn++;
	*out = node;
	v = &d->nodes[node];
	memset(v, 0, sizeof *v);
	v->s_off = SIZE_MAX;
	v->key_off = SIZE_MAX;
	switch (*r->p) {
	case '{':
	case '[': {
		char close = *r->p == '{' ? '}' : ']';

		v->kind = close == '}' ? JSON_OBJECT : JSON_ARRAY;
		r->p++;
		r->depth++;
		base = d->ns;
		ws(r);
		if (r->p < r->end && *r->p == close) {
			r->p++;
		} else {
			for (;;) {
				size_t koff = SIZE_MAX, klen = 0, kid;

				ws(r);
				if (close == '}') {
					if (rd_string(r, &koff, &klen))
						return -1;
					ws(r);
					if (r->p >= r->end || *r->p++ != ':')
						return -1;
				}
				if (rd_value(r, &kid) || push_kid(r, kid))
					return -1;
				d->nodes[kid].key_off = koff;
				d->nodes[kid].keylen = klen;
				ws(r);
				if (r->p < r->end && *r->p == ',') {
					r->p++;
					continue;
				}
				if (r->p < r->end && *r->p == close) {
					r->p++;
					break;
				}
				return -1;
			}
		}
		r->depth--;
		rc = close_container(r, node, base);
		break;
	}
	case '"': {
		size_t off, len;

		v->kind = JSON_STRING;
		rc = rd_string(r, &off, &len);
		d->nodes[node].s_off = off;
		d->nodes[node].n = len;
		break;
	}
	case 't':
		v->kind = JSON_TRUE;
		rc = rd_literal(r, "true");
		break;
	case 'f':
		v->kind = JSON_FALSE;
		rc = rd_literal(r, "false");
		break;
	case 'n':
		v->kind = JSON_NULL;
		rc = rd_literal(r, "null");
		break;
	default: {
		const char *s = r->p;

		v->kind = JSON_NUMBER;
		rc = rd_number(r);
		if (rc == 0) {
			size_t off = d->np;

			rc = pool_put(r, s, (size_t)(r->p - s)) || pool_put(r, "", 1) ? -1 : 0;
			d->nodes[node].s_off = off;
			d->nodes[node].n = (size_t)(r->p - s);
		}
		break;
	}
	}
	return rc;
}

void json_doc_free(json_doc *d)
{
	if (d == NULL)
		return;
	free(d->nodes);
	free(d->kids);
	free(d->pool);
	free(d->stack);
	free(d);
}

krc json_parse(const char *text, size_t len, json_doc **out, struct kerr *err)
{
	json_doc *d;
	struct rd r;
	size_t root;

	*out = NULL;
	if (text == NULL)
		return kerr_set(err, K_EINVAL, "json: no document");
	d = calloc(1, sizeof *d);
	if (d == NULL)
		return kerr_set(err, K_ENOMEM, "json: out of memory");
	r = (struct rd){ .p = text, .end = text + len, .d = d };
	if (rd_value(&r, &root) != 0 || (ws(&r), r.p != r.end)) {
		krc rc = r.oom ? kerr_set(err, K_ENOMEM, "json: out of memory")
			       : kerr_set(err, K_EINVAL, "json: not valid JSON near byte %ld",
					  (long)(r.p - text));

		json_doc_free(d);
		return rc;
	}
	/* Fix-up: offsets become pointers now that the blocks stay put. */
	for (size_t i = 0; i < d->nk; i++)
		d->kids[i] = &d->nodes[(uintptr_t)d->kids[i]];
	for (size_t i = 0; i < d->nn; i++) {
		json_value *v = &d->nodes[i];

		v->s = v->s_off == SIZE_MAX ? NULL : d->pool + v->s_off;
		v->key = v->key_off == SIZE_MAX ? NULL : d->pool + v->key_off;
		v->kids = (v->kind == JSON_OBJECT || v->kind == JSON_ARRAY) ? d->kids + v->kids_off : NULL;
	}
	free(d->stack);
	d->stack = NULL;
	*out = d;
	return K_OK;
}

const json_value *json_root(const json_doc *d)
{
	return d ? &d->nodes[0] : NULL;
}

enum json_kind json_kind(const json_value *v)
{
	return v ? v->kind : JSON_NONE;
}

size_t json_len(const json_value *v)
{
	return v && (v->kind == JSON_ARRAY || v->kind == JSON_OBJECT) ? v->n : 0;
}

const json_value *json_at(const json_value *v, size_t i)
{
	return i < json_len(v) ? v->kids[i] : NULL;
}

const json_value *json_get(const json_value *obj, const char *key)
{
	size_t kl = strlen(key);

	if (json_kind(obj) != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->kids[i]->keylen == kl && memcmp(obj->kids[i]->key, key, kl) == 0)
			return obj->kids[i];
	return NULL;
}

const char *json_key_of(const json_value *v)
{
	return v ? v->key : NULL;
}

const char *json_string(const json_value *v, size_t *len)
{
	if (json_kind(v) != JSON_STRING)
		return NULL;
	if (len)
		*len = v->n;
	return v->s;
}

const char *json_text(const json_value *v)
{
	size_t n;
	const char *s = json_string(v, &n);

	return s && strlen(s) == n ? s : NULL;
}

const char *json_get_text(const json_value *obj, const char *key)
{
	return json_text(json_get(obj, key));
}

/* Depth-first, document order: the first member named key whose value is
 * a string; members with other values are searched inside. */
static const json_value *find_member(const json_value *v, const char *key, size_t kl)
{
	for (size_t i = 0; i < json_len(v); i++) {
		const json_value *k = v->kids[i], *hit;

		if (v->kind == JSON_OBJECT && k->kind == JSON_STRING && k->keylen == kl &&
		    memcmp(k->key, key, kl) == 0)
			return k;
		if ((hit = find_member(k, key, kl)) != NULL)
			return hit;
	}
	return NULL;
}

krc json_get_string(const char *doc, const char *key, char **out, struct kerr *err)
{
	json_doc *d = NULL;
	const json_value *hit;
	krc rc;

	*out = NULL;
	rc = json_parse(doc, doc ? strlen(doc) : 0, &d, err);
	if (rc != K_OK)
		return rc;
	hit = find_member(json_root(d), key, strlen(key));
	if (hit == NULL) {
		rc = kerr_set(err, K_ENOTFOUND, "json: no string member '%s'", key);
	} else {
		*out = malloc(hit->n + 1);
		if (*out == NULL)
			rc = kerr_set(err, K_ENOMEM, "json: out of memory");
		else
			memcpy(*out, hit->s, hit->n + 1);
	}
	json_doc_free(d);
	return rc;
}
