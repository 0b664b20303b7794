/* kstr: small string helpers shared by the loaders. */
#ifndef KIOSK_KSTR_H
#define KIOSK_KSTR_H

#include <stddef.h>

/* Edit distance between a and b (insert, delete, substitute, swap two
 * neighbours); 99 for strings longer than 62 bytes. */
int kstr_distance(const char *a, const char *b);

/* The one of choices[0..n) (NULL entries skipped) to suggest for the
 * unknown word, or NULL when none is close.  Ranked by: one being the
 * other plus a suffix, then fewest edits, then the longest shared start;
 * a choice needs about one edit per four letters at most, and a short
 * word must share its first letter. */
const char *kstr_suggest(const char *word, const char *const *choices, int n);

/* choices joined by ", " into buf (size cap), ending in "..." when they do
 * not all fit; for listing the valid values of a closed set.  Returns buf. */
char *kstr_join(char *buf, size_t cap, const char *const *choices, int n);

#endif
