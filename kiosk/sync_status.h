/* sync_status: the one sentence staff and `kiosk status` read about
 * delivery to the clinic's server: "not configured", "not started",
 * "ok, last delivery …", "failing since … (next try …)" or "paused: …".
 *
 * It reads what kiosk-sync left in the store (store_sync_state, the pause
 * reason, the last delivery) and the configuration; it never talks to the
 * network and holds no patient data.  No curses: ui_staff.c and
 * cmd_status.c both print what it gives. */
#ifndef KIOSK_SYNC_STATUS_H
#define KIOSK_SYNC_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kerr.h"
#include "store.h"

enum sync_status_kind {
	SYNC_STATUS_OFF = 0,   /* no sync.server: nothing is ever sent */
	SYNC_STATUS_NEW,       /* configured, kiosk-sync has not tried yet */
	SYNC_STATUS_OK,        /* the last request was answered (delivered or refused) */
	SYNC_STATUS_FAILING,   /* the last requests failed; retried with backoff */
	SYNC_STATUS_PAUSED,    /* credentials refused: nothing sent until staff resume */
};

struct sync_status {
	enum sync_status_kind kind;
	const char *word;                /* "not configured", "not started", "ok", "failing", "paused" */
	char line[320];                  /* the sentence to show */
	struct store_sync_state last;    /* what kiosk-sync recorded */
	int64_t last_delivery;           /* 0: never */
	char paused[256];                /* the pause reason, "" when not paused */
};

/* Pure: the status from its parts (paused: the sync.paused reason or "";
 * times as Unix seconds shown in local time). */
void sync_status_format(bool configured, const char *paused, const struct store_sync_state *last,
			int64_t last_delivery, int64_t now, struct sync_status *out);

/* Read the parts from st (borrowed) and cfg and format them. */
krc sync_status_read(store *st, const config *cfg, int64_t now, struct sync_status *out,
		     struct kerr *err);

/* sync_status_read()'s sentence into buf (size n), or why it could not be
 * read.  Returns buf. */
const char *sync_status_line(store *st, const config *cfg, int64_t now, char *buf, size_t n);

#endif
