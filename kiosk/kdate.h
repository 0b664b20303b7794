/* kdate: calendar dates and windows, pure arithmetic with no clock.
 *
 * The clinic's rule for windows (contraindications.md, rule 5): "within 6
 * months" means the date is after the date exactly 6 calendar months before
 * today; a month end with no matching day uses the last day of that month. */
#ifndef KIOSK_KDATE_H
#define KIOSK_KDATE_H

#include <stdbool.h>

struct kdate {
	int y, m, d; /* 1-based month and day */
};

/* A span of time as the content writes it: "14d", "2w", "6m", "1y". */
struct kdate_span {
	int n;
	char unit; /* 'd', 'w', 'm' or 'y'; 0 for none */
};

/* Parse "YYYY-MM-DD" strictly (real calendar day, year 1900..9999).
 * Returns false for anything else, including 2026-02-31. */
bool kdate_parse(const char *s, struct kdate *out);

/* Write "YYYY-MM-DD" into buf (at least 11 bytes). */
void kdate_format(struct kdate d, char *buf);

/* Parse a span "N[dwmy]" with 0 < N and at most 150 years in any unit; sane limits for
 * the other units.  Returns false when it cannot be parsed. */
bool kdate_span_parse(const char *s, struct kdate_span *out);

/* A span kdate_span_parse could have returned: a unit, and 1 to 150
 * years (or as many months, weeks or days). */
bool kdate_span_valid(struct kdate_span span);

/* d minus the span, clamping to the month's last day. */
struct kdate kdate_sub(struct kdate d, struct kdate_span span);

/* <0, 0, >0 like strcmp. */
int kdate_cmp(struct kdate a, struct kdate b);

/* Whole years between birth and today (birthday not yet reached this year
 * does not count; a 29 Feb birthday is reached on 1 Mar in common years). */
int kdate_age(struct kdate birth, struct kdate today);

bool kdate_leap(int y);
int kdate_mdays(int y, int m);

#endif
