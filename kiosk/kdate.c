/* kdate: calendar arithmetic.  No clock here: "today" is always passed in. */
#include "kdate.h"

#include <stdio.h>
#include <string.h>

bool kdate_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int kdate_mdays(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && kdate_leap(y))
		return 29;
	return days[m - 1];
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool kdate_parse(const char *s, struct kdate *out)
{
	struct kdate d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if (!digits(s, 4) || !digits(s + 5, 2) || !digits(s + 8, 2))
		return false;
	d.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	d.m = (s[5] - '0') * 10 + (s[6] - '0');
	d.d = (s[8] - '0') * 10 + (s[9] - '0');
	if (d.y < 1900 || d.m < 1 || d.m > 12 || d.d < 1 || d.d > kdate_mdays(d.y, d.m))
		return false;
	*out = d;
	return true;
}

void kdate_format(struct kdate d, char *buf)
{
	unsigned y = (unsigned)d.y % 10000, m = (unsigned)d.m % 100, dd = (unsigned)d.d % 100;

	buf[0] = (char)('0' + y / 1000);
	buf[1] = (char)('0' + y / 100 % 10);
	buf[2] = (char)('0' + y / 10 % 10);
	buf[3] = (char)('0' + y % 10);
	buf[4] = '-';
	buf[5] = (char)('0' + m / 10);
	buf[6] = (char)('0' + m % 10);
	buf[7] = '-';
	buf[8] = (char)('0' + dd / 10);
	buf[9] = (char)('0' + dd % 10);
	buf[10] = '\0';
}

bool kdate_span_valid(struct kdate_span span)
{
	switch (span.unit) {
	case 'd': return span.n >= 1 && span.n <= 36600;
	case 'w': return span.n >= 1 && span.n <= 5220;
	case 'm': return span.n >= 1 && span.n <= 1800;
	case 'y': return span.n >= 1 && span.n <= 150;
	default: return false;
	}
}

bool kdate_span_parse(const char *s, struct kdate_span *out)
{
	long n = 0;
	const char *p = s;
	struct kdate_span sp;

	if (s == NULL || *p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (*p - '0');
		if (n > 100000)
			return false;
		p++;
	}
	if (p[0] == '\0' || p[1] != '\0')
		return false;
	sp.n = (int)n;
	sp.unit = *p;
	if (!kdate_span_valid(sp))
		return false;
	*out = sp;
	return true;
}

static long to_days(struct kdate d)
{
	/* Days from civil, after H. Hinnant's algorithm. */
	int y = d.y - (d.m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (d.m + (d.m > 2 ? -3 : 9)) + 2) / 5 + d.d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static struct kdate from_days(long z)
{
	struct kdate d;
	long era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.y = (int)(y + (d.m <= 2));
	return d;
}

struct kdate kdate_sub(struct kdate d, struct kdate_span span)
{
	int months;

	switch (span.unit) {
	case 'd': return from_days(to_days(d) - span.n);
	case 'w': return from_days(to_days(d) - 7L * span.n);
	case 'm': months = span.n; break;
	case 'y': months = 12 * span.n; break;
	default: return d;
	}
	{
		int total = d.y * 12 + (d.m - 1) - months;
		struct kdate r;

		r.y = total / 12;
		r.m = total % 12 + 1;
		r.d = d.d;
		if (r.d > kdate_mdays(r.y, r.m))
			r.d = kdate_mdays(r.y, r.m);
		return r;
	}
}

int kdate_cmp(struct kdate a, struct kdate b)
{
	if (a.y != b.y)
		return a.y < b.y ? -1 : 1;
	if (a.m != b.m)
		return a.m < b.m ? -1 : 1;
	if (a.d != b.d)
		return a.d < b.d ? -1 : 1;
	return 0;
}

int kdate_age(struct kdate birth, struct kdate today)
{
	int age = today.y - birth.y;

	if (today.m < birth.m || (today.m == birth.m && today.d < birth.d))
		age--;
	return age;
}
