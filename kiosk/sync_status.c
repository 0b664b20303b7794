/* sync_status: one sentence about delivery for staff and `kiosk status`
 * (see sync_status.h).  Owns the wording; never the data: kiosk-sync
 * writes the state, the store keeps it.  Everything shown is cleaned with
 * ktext_clean even though kiosk-sync stores no server text, because a
 * database written by an older version may hold some. */
#include "sync_status.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ktext.h"

static void when(int64_t t, int64_t now, char *buf, size_t n)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, tmn;

	if (localtime_r(&tt, &tm) == NULL || localtime_r(&tn, &tmn) == NULL) {
		snprintf(buf, n, "%lld", (long long)t);
		return;
	}
	/* The date only when it is not today. */
	if (tm.tm_year == tmn.tm_year && tm.tm_yday == tmn.tm_yday)
		strftime(buf, n, "%H:%M:%S", &tm);
	else
		strftime(buf, n, "%Y-%m-%d %H:%M", &tm);
}

void sync_status_format(bool configured, const char *paused, const struct store_sync_state *last,
			int64_t last_delivery, int64_t now, struct sync_status *out)
{
	char a[32], b[32], detail[sizeof last->detail];

	memset(out, 0, sizeof *out);
	out->last = *last;
	out->last_delivery = last_delivery;
	ktext_clean(out->paused, sizeof out->paused, paused ? paused : "");
	ktext_clean(detail, sizeof detail, last->detail);
	if (!configured) {
		out->kind = SYNC_STATUS_OFF;
		out->word = "not configured";
		snprintf(out->line, sizeof out->line,
			 "not configured (no sync.server in kiosk.conf): records stay on this kiosk");
	} else if (out->paused[0]) {
		out->kind = SYNC_STATUS_PAUSED;
		out->word = "paused";
		snprintf(out->line, sizeof out->line, "paused: %s", out->paused);
	} else if (last->last_attempt == 0) {
		out->kind = SYNC_STATUS_NEW;
		out->word = "not started";
		snprintf(out->line, sizeof out->line, "not started (kiosk-sync has not tried yet)");
	} else if (last->failing_since > 0) {
		out->kind = SYNC_STATUS_FAILING;
		out->word = "failing";
		when(last->failing_since, now, a, sizeof a);
		if (last->next_try > 0) {
			when(last->next_try, now, b, sizeof b);
			snprintf(out->line, sizeof out->line, "failing since %s (next try %s): %s", a, b,
				 detail);
		} else {
			snprintf(out->line, sizeof out->line, "failing since %s: %s", a, detail);
		}
	} else {
		out->kind = SYNC_STATUS_OK;
		out->word = "ok";
		if (last_delivery > 0) {
			when(last_delivery, now, a, sizeof a);
			snprintf(out->line, sizeof out->line, "ok, last delivery %s", a);
		} else {
			snprintf(out->line, sizeof out->line, "ok, nothing delivered yet");
		}
	}
}

krc sync_status_read(store *st, const config *cfg, int64_t now, struct sync_status *out,
		     struct kerr *err)
{
	struct store_sync_state last;
	struct store_status q;
	krc rc;

	rc = store_status_get(st, &q, err);
	if (rc == K_OK)
		rc = store_sync_state_get(st, &last, err);
	if (rc != K_OK)
		return rc;
	sync_status_format(*config_str(cfg, "sync.server") != '\0', q.paused, &last, q.last_delivery,
			   now, out);
	return K_OK;
}

const char *sync_status_line(store *st, const config *cfg, int64_t now, char *buf, size_t n)
{
	struct sync_status ss;
	struct kerr err = { "" };

	if (sync_status_read(st, cfg, now, &ss, &err) == K_OK)
		snprintf(buf, n, "%s", ss.line);
	else
		snprintf(buf, n, "unknown (%s)", err.msg);
	return buf;
}
