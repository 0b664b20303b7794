/* ktext: UTF-8 decoding, display width, and what may be shown or stored.
 *
 * The tables are the subset of Unicode a clinic's content, a patient's
 * keyboard and a FHIR server's messages can bring: combining marks, East
 * Asian wide characters and emoji, format characters and spaces.  They are
 * fixed here rather than taken from wcwidth(), whose answer depends on the
 * locale the process happens to run in. */
#include "ktext.h"

#include <stdio.h>
#include <string.h>

struct range { uint32_t lo, hi; };

static const struct range combining[] = {
	{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
	{0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
	{0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
	{0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711}, {0x0730, 0x074A},
	{0x07A6, 0x07B0}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
	{0x1160, 0x11FF}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x20D0, 0x20FF},
	{0x302A, 0x302F}, {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
	{0x1F3FB, 0x1F3FF}, {0xE0100, 0xE01EF},
};

static const struct range wide[] = {
	{0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC},
	{0x23F0, 0x23F0}, {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615},
	{0x2648, 0x2653}, {0x267F, 0x267F}, {0x2693, 0x2693}, {0x26A1, 0x26A1},
	{0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5}, {0x26CE, 0x26CE},
	{0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
	{0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B},
	{0x2728, 0x2728}, {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755},
	{0x2757, 0x2757}, {0x2795, 0x2797}, {0x27B0, 0x27B0}, {0x27BF, 0x27BF},
	{0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x2E80, 0x3029},
	{0x3030, 0x303E}, {0x3041, 0x3096}, {0x309B, 0x33FF}, {0x3400, 0x4DBF},
	{0x4E00, 0x9FFF}, {0xA000, 0xA4CF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3},
	{0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F}, {0xFF00, 0xFF60},
	{0xFFE0, 0xFFE6}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
	{0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F3FA}, {0x1F400, 0x1F64F},
	{0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
	{0x30000, 0x3FFFD},
};

static const struct range format[] = {
	{0x00AD, 0x00AD}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD},
	{0x070F, 0x070F}, {0x08E2, 0x08E2}, {0x180E, 0x180E}, {0x200B, 0x200F},
	{0x2028, 0x202E}, {0x2060, 0x2064}, {0x2066, 0x206F}, {0xFEFF, 0xFEFF},
	{0xFFF9, 0xFFFB}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F},
	{0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001}, {0xE0020, 0xE007F},
};

static const struct range spaces[] = {
	{0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200A}, {0x202F, 0x202F},
	{0x205F, 0x205F}, {0x3000, 0x3000},
};

#define IN(tab, cp) in_table(tab, sizeof tab / sizeof tab[0], cp)

static bool in_table(const struct range *t, size_t n, uint32_t cp)
{
	size_t lo = 0, hi = n;

	if (cp < t[0].lo || cp > t[n - 1].hi)
		return false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp > t[mid].hi)
			lo = mid + 1;
		else if (cp < t[mid].lo)
			hi = mid;
		else
			return true;
	}
	return false;
}

int ktext_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	int len;

	*cp = 0xFFFD;
	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2; c = p[0] & 0x1F; min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3; c = p[0] & 0x0F; min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4; c = p[0] & 0x07; min = 0x10000;
	} else {
		return -1;
	}
	if ((size_t)len > n)
		return -1;
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return -1;
		c = c << 6 | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*cp = c;
	return len;
}

bool ktext_valid_utf8(const char *s, size_t n)
{
	uint32_t cp;

	while (n > 0) {
		int len = ktext_decode(s, n, &cp);

		if (len <= 0)
			return false;
		s += len;
		n -= (size_t)len;
	}
	return true;
}

bool ktext_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool ktext_is_format(uint32_t cp)
{
	return IN(format, cp);
}

bool ktext_is_space(uint32_t cp)
{
	return IN(spaces, cp);
}

int ktext_cp_width(uint32_t cp)
{
	if (ktext_is_control(cp))
		return -1;
	if (cp < 0x300)
		return 1;
	if (IN(combining, cp) || ktext_is_format(cp))
		return 0;
	return IN(wide, cp) ? 2 : 1;
}

int ktext_width(const char *s)
{
	size_t n = strlen(s);
	int cols = 0;

	while (n > 0) {
		uint32_t cp;
		int len = ktext_decode(s, n, &cp), w;

		if (len <= 0) {
			len = 1;
			w = 1;
		} else {
			w = ktext_cp_width(cp);
			if (w < 0)
				w = 1;
		}
		cols += w;
		s += len;
		n -= (size_t)len;
	}
	return cols;
}

int ktext_fit(char *dst, size_t cap, const char *src, int cols, bool mark, bool pad, bool ascii)
{
	const char *ell = ascii ? "~" : "\xe2\x80\xa6";
	size_t n = strlen(src), o = 0, ell_len = strlen(ell);
	int used = 0;
	bool cut = ktext_width(src) > cols;
	int room = cut && mark && cols > 0 ? cols - 1 : cols;

	if (cap == 0)
		return 0;
	while (n > 0) {
		uint32_t cp;
		int len = ktext_decode(src, n, &cp), w;
		bool ok = len > 0;

		if (!ok) {
			len = 1;
			w = 1;
		} else {
			w = ktext_cp_width(cp);
			if (w < 0)
				w = 1;
		}
		if (used + w > room || o + (size_t)len + 1 > cap)
			break;
		if (ok && !ktext_is_control(cp)) {
			memcpy(dst + o, src, (size_t)len);
			o += (size_t)len;
		} else {
			dst[o++] = '?';
		}
		used += w;
		src += len;
		n -= (size_t)len;
	}
	if (cut && mark && cols > 0 && o + ell_len + 1 <= cap) {
		/* Fill a column left over by a wide character before the mark. */
		while (used < room && o + ell_len + 2 <= cap) {
			dst[o++] = ' ';
			used++;
		}
		memcpy(dst + o, ell, ell_len);
		o += ell_len;
		used++;
	}
	while (pad && used < cols && o + 2 <= cap) {
		dst[o++] = ' ';
		used++;
	}
	dst[o] = '\0';
	return used;
}

char *ktext_escape(char *dst, size_t cap, const char *src, size_t n)
{
	size_t o = 0;

	if (cap == 0)
		return dst;
	while (n > 0) {
		uint32_t cp;
		int len = ktext_decode(src, n, &cp);
		char tmp[16];
		size_t tl;

		if (len <= 0) {
			snprintf(tmp, sizeof tmp, "\\x%02X", (unsigned char)*src);
			len = 1;
		} else if (cp < 0x20 || cp == 0x7F) {
			snprintf(tmp, sizeof tmp, "\\x%02X", (unsigned)cp);
		} else if (cp == '\\') {
			snprintf(tmp, sizeof tmp, "\\\\");
		} else if (ktext_is_control(cp) || ktext_is_format(cp)) {
			snprintf(tmp, sizeof tmp, "\\u{%04X}", (unsigned)cp);
		} else {
			memcpy(tmp, src, (size_t)len);
			tmp[len] = '\0';
		}
		tl = strlen(tmp);
		if (o + tl + 1 > cap)
			break;
		memcpy(dst + o, tmp, tl);
		o += tl;
		src += len;
		n -= (size_t)len;
	}
	dst[o] = '\0';
	return dst;
}

char *ktext_clean(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src), o = 0;

	if (cap == 0)
		return dst;
	while (n > 0) {
		uint32_t cp;
		int len = ktext_decode(src, n, &cp);

		if (len <= 0) {
			src++;
			n--;
			continue;
		}
		if (cp == '\t' || cp == '\n' || cp == '\r' || ktext_is_space(cp)) {
			if (o + 2 > cap)
				break;
			dst[o++] = ' ';
		} else if (!ktext_is_control(cp) && !ktext_is_format(cp)) {
			if (o + (size_t)len + 1 > cap)
				break;
			memcpy(dst + o, src, (size_t)len);
			o += (size_t)len;
		}
		src += len;
		n -= (size_t)len;
	}
	dst[o] = '\0';
	return dst;
}

bool ktext_is_letter(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7)
		return cp == 0xaa || cp == 0xb5 || cp == 0xba;
	if (ktext_is_control(cp) || ktext_is_format(cp) || ktext_is_space(cp) || IN(combining, cp))
		return false;
	/* Punctuation, symbols, arrows, box drawing, CJK punctuation, the
	 * private use area, variation selectors, half/full-width forms'
	 * punctuation, emoji and pictographs. */
	if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
	    (cp >= 0xd800 && cp <= 0xf8ff) || (cp >= 0xfe00 && cp <= 0xfe6f) ||
	    (cp >= 0xff00 && cp <= 0xff20) || (cp >= 0xfff0 && cp <= 0xffff) || cp >= 0x1f000)
		return false;
	return true;
}
