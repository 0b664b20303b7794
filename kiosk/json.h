/* json: a small JSON writer, and the kiosk's one JSON reader.
 *
 * The writer appends to a growable buffer.  Calls never fail one by one:
 * the first problem (out of memory, a value where a key is expected, an
 * unbalanced end) is remembered and reported by json_finish(), so building a
 * document is a straight run of calls with one check at the end.
 *
 * Strings are written as UTF-8 with the JSON escapes: '"', '\\', every
 * control character below 0x20 (\n, \t, ... or \u00XX), DEL, and U+2028 /
 * U+2029 (which break JavaScript consumers).  A byte sequence that is not
 * valid UTF-8 becomes U+FFFD, so one corrupt byte never makes the whole
 * record unparseable; json_bad_utf8() says whether that happened. */
#ifndef KIOSK_JSON_H
#define KIOSK_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"

typedef struct json json;

/* New empty writer.  pretty: indent by two spaces and put each member on
 * its own line (for documents people read); otherwise compact. */
krc json_new(json **out, bool pretty, struct kerr *err);
/* json_free(NULL) is a no-op. */
void json_free(json *j);

/* Containers.  Inside an object every value must be preceded by json_key()
 * (or use the json_kv_* shorthands). */
void json_obj_begin(json *j);
void json_obj_end(json *j);
void json_arr_begin(json *j);
void json_arr_end(json *j);
void json_key(json *j, const char *key);

/* Values.  json_str(j, NULL) writes null. */
void json_str(json *j, const char *s);
/* The first n bytes of s (s may hold no NUL among them). */
void json_strn(json *j, const char *s, size_t n);
void json_int(json *j, long long v);
void json_bool(json *j, bool v);
void json_null(json *j);

/* key + value in one call. */
void json_kv_str(json *j, const char *key, const char *s);
void json_kv_int(json *j, const char *key, long long v);
void json_kv_bool(json *j, const char *key, bool v);

/* True when some string had invalid UTF-8 (replaced by U+FFFD). */
bool json_bad_utf8(const json *j);

/* End the document: every container must be closed and exactly one value
 * written.  On success *out receives the text (NUL-terminated, caller
 * frees) and the writer is empty again.  Returns the first error seen. */
krc json_finish(json *j, char **out, struct kerr *err);

/* Append s to a fresh buffer with JSON string escaping but no quotes.
 * Returns NULL when out of memory.  (For tests and log-safe output.) */
char *json_escape(const char *s);

/* ---- reader ----
 *
 * The one JSON parser of the kiosk: everything it reads from the network
 * (and its own documents read back) goes through json_parse(), which is
 * fuzzed.  Strict RFC 8259: UTF-8 checked, no lone surrogates, at most
 * JSON_MAX_DEPTH nested containers, nothing after the value, and no object
 * with a repeated member name (readers disagree on which one counts). */
typedef struct json_doc json_doc;
typedef struct json_value json_value;

enum json_kind {
	JSON_NONE = 0,   /* no value (a NULL json_value) */
	JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT,
};

#define JSON_MAX_DEPTH 64

/* Parse the len bytes at text (no NUL needed; a NUL byte is invalid JSON).
 * K_EINVAL for anything but one valid document, K_ENOMEM.  *out is owned
 * by the caller (json_doc_free); every json_value of it stays valid until
 * then. */
krc json_parse(const char *text, size_t len, json_doc **out, struct kerr *err);
void json_doc_free(json_doc *d);
const json_value *json_root(const json_doc *d);

/* Accessors take NULL (no value) and give NULL / 0 / JSON_NONE for it, so
 * a path can be followed without a check at each step:
 * json_get_text(json_at(json_get(root, "entry"), 0), "fullUrl"). */
enum json_kind json_kind(const json_value *v);
/* Children of an array or members of an object (0 for anything else). */
size_t json_len(const json_value *v);
/* The i-th child of an array or object, in document order. */
const json_value *json_at(const json_value *v, size_t i);
/* The member named key of an object. */
const json_value *json_get(const json_value *obj, const char *key);
/* The member name of v when v is a member of an object, else NULL. */
const char *json_key_of(const json_value *v);
/* A string's unescaped UTF-8 text, NUL-terminated; *len (may be NULL)
 * gets its length, which counts any NUL written as \u0000.  NULL when v is
 * not a string. */
const char *json_string(const json_value *v, size_t *len);
/* As json_string, but NULL also for a string holding a NUL. */
const char *json_text(const json_value *v);
const char *json_get_text(const json_value *obj, const char *key);

/* The string value of the first member named key, searching the document
 * depth-first in document order (objects inside arrays included).  On
 * success *out is the unescaped UTF-8 value (caller frees).  K_ENOTFOUND
 * when there is no such member with a string value; K_EINVAL when doc is
 * not valid JSON. */
krc json_get_string(const char *doc, const char *key, char **out, struct kerr *err);

#endif
