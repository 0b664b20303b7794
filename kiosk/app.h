/* app: the patient kiosk's run loop (`kiosk`, the default command) and
 * `kiosk preview`.
 *
 * One struct app, owned by the loop, holds the configuration, the content,
 * the engine, the store and the UI.  The loop draws, reads one input, turns
 * it into an engine step, performs the effects on the store (intake.c), and
 * runs the timers: the idle warning and wipe, the return to the welcome
 * screen after the outcome, the retry after a database failure.  Content is
 * (re)loaded only between patients.  cmd_run() and cmd_preview() are
 * declared in cmd.h. */
#ifndef KIOSK_APP_H
#define KIOSK_APP_H

#include "cmd.h"

#endif
