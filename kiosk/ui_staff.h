/* ui_staff: the staff menu, drawn with ncurses on the kiosk's screen.
 *
 * Opened by the run loop (app.c) when the staff key is pressed.  It draws
 * the login (account name, then the PIN masked with '*'), then the menu,
 * and returns what the run loop must do.  Staff mode closes by itself after
 * kiosk.staff_idle_seconds without a key, and the screen is always erased
 * before returning so no patient data is left on it. */
#ifndef KIOSK_UI_STAFF_H
#define KIOSK_UI_STAFF_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "content.h"
#include "store.h"

struct ui_staff_ctx {
	store *st;                   /* the kiosk's open database (borrowed) */
	const config *cfg;           /* the kiosk's configuration (borrowed) */
	const char *content_version; /* content version in use, shown in the menu */
	const struct content *content; /* the content in use: explains flags (borrowed) */
	bool session_open;           /* a patient session is in progress */
	int64_t now_fn_unused;       /* reserved; keep 0 */
	char resume_id[STORE_ID_LEN];    /* UI_STAFF_RESUME: the session staff chose */
	bool replace;                /* UI_STAFF_RESUME: staff confirmed twice to set the open session aside */
	bool reload_after;           /* staff asked for a reload during the session: it happens
				      * when the session ends, whatever they chose next */
};

enum ui_staff_action {
	UI_STAFF_NONE,   /* nothing to do: redraw the patient screen */
	UI_STAFF_RESET,  /* wipe the current patient session (staff confirmed) */
	UI_STAFF_RESUME, /* resume the interrupted session ctx->resume_id */
	UI_STAFF_RELOAD, /* reload content now, or when the session in progress ends */
	UI_STAFF_QUIT,   /* an administrator asked to quit for maintenance */
};

/* Run staff mode on the already-initialised stdscr until the staff member
 * leaves, idles out, or chooses an action.  Never ends the process.  The
 * reset itself is performed by the caller (it owns the session). */
enum ui_staff_action ui_staff_run(struct ui_staff_ctx *ctx);

#endif
