/* json: a small JSON writer (and a tiny reader for server replies).
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

/* Reader: the string value of the first member named key, searching the
 * document depth-first in document order (objects inside arrays included).
 * Meant for small server replies (OperationOutcome diagnostics, a
 * transaction-response location), not general parsing.  On success *out is
 * the unescaped UTF-8 value (caller frees).  K_ENOTFOUND when there is no
 * such member with a string value; K_EINVAL when doc is not valid JSON. */
krc json_get_string(const char *doc, const char *key, char **out, struct kerr *err);

#endif
