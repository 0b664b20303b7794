/* kstr: string helpers with no dependencies: edit distance and the one
 * did-you-mean every loader uses (config keys, content keys, kinds,
 * question ids, option ids), so they all suggest alike. */
#include "kstr.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int kstr_distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b), m[64][64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (int i = 0; i <= la; i++)
		m[i][0] = i;
	for (int j = 0; j <= lb; j++)
		m[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int best = m[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (m[i - 1][j] + 1 < best)
				best = m[i - 1][j] + 1;
			if (m[i][j - 1] + 1 < best)
				best = m[i][j - 1] + 1;
			/* Two letters swapped is one slip of the fingers. */
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    m[i - 2][j - 2] + 1 < best)
				best = m[i - 2][j - 2] + 1;
			m[i][j] = best;
		}
	return m[la][lb];
}

static int common_prefix(const char *a, const char *b)
{
	int n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

/* How good a suggestion c is for the mistyped w; -1 when it is not one.
 * Lower is better.  A candidate is close when one is the other plus a
 * suffix (isotretinoin_stop_date -> isotretinoin_stop), or when few edits
 * turn one into the other: about one per four letters, and for short
 * words the first letter must agree (next is not text, x8 is not id). */
static int score(const char *w, const char *c)
{
	int lw = (int)strlen(w), lc = (int)strlen(c), lcp = common_prefix(w, c);
	int longer = lw > lc ? lw : lc, shorter = lw < lc ? lw : lc, d, allowed;

	if (lcp == shorter && lcp >= 4)
		return 0 * 1000 + (longer - shorter) * 10; /* a prefix of the other */
	d = kstr_distance(w, c);
	allowed = longer / 4 > 1 ? longer / 4 : 1;
	if (d > allowed || (lcp == 0 && longer <= 5) || d >= shorter)
		return -1;
	/* Fewer edits first, then the longer shared start. */
	return 1000 + d * 100 - (lcp < 99 ? lcp : 99);
}

const char *kstr_suggest(const char *word, const char *const *choices, int n)
{
	const char *best = NULL;
	int bs = -1;

	if (word == NULL || *word == '\0')
		return NULL;
	for (int i = 0; i < n; i++) {
		int s;

		if (choices[i] == NULL || strcmp(choices[i], word) == 0)
			continue;
		s = score(word, choices[i]);
		if (s >= 0 && (bs < 0 || s < bs)) {
			bs = s;
			best = choices[i];
		}
	}
	return best;
}

char *kstr_join(char *buf, size_t cap, const char *const *choices, int n)
{
	size_t len = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t need;

		if (choices[i] == NULL)
			continue;
		need = strlen(choices[i]) + (len ? 2 : 0);
		if (len + need + 4 >= cap) {
			snprintf(buf + len, cap - len, "%s...", len ? ", " : "");
			break;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", choices[i]);
	}
	return buf;
}
