/* publish: install checked content versions for the running kiosk.
 *
 * kiosk.published holds every version ever published and a pointer to the
 * one in use:
 *
 *   versions/<12 hex of the content version>/screens/   the content folder
 *   versions/<...>/assets/                            its assets (`assets: ../assets`)
 *   current -> versions/<...>                         a relative symlink
 *   history                                           one line per publish or rollback
 *
 * A version is copied into a temporary folder, reloaded and compared with
 * the version that was checked, and only then renamed into place; current
 * is switched by rename(2) of a new symlink, so a reader sees the old or
 * the new version, never a mix.  Nothing invalid is ever made current:
 * publishing runs the same checks as `kiosk check`, and a rollback checks
 * its target again.  The running kiosk picks up a new current only between
 * patients (app.c). */
#ifndef KIOSK_PUBLISH_H
#define KIOSK_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "kerr.h"

#define PUBLISH_VERSION_LEN 80 /* "sha256:" + 64 hex + NUL, rounded up */

/* The content folder the kiosk should load: kiosk.published/current's
 * screens folder (resolved, so a later switch does not change the path
 * under a loader) when current exists, else kiosk.content.  Writes into dir
 * (size n).  K_EIO when current exists but cannot be resolved. */
krc publish_current(const config *cfg, char *dir, size_t n, struct kerr *err);

/* Check src exactly as `kiosk check` does, printing every problem to diag
 * (may be NULL) as "file:line:col: error: msg"; on any error return
 * K_ECONTENT and change nothing.  Otherwise install it and make it current,
 * audit "content published" in kiosk.database as actor, and write the
 * content version into version.  Publishing the version already in use
 * changes nothing and returns K_OK. */
krc publish_content(const config *cfg, const char *src, const char *actor, int64_t now, FILE *diag,
		    char version[PUBLISH_VERSION_LEN], struct kerr *err);

/* Make the version that was current before the present one current again
 * (K_ENOTFOUND when there is none), after checking it again.  Audited. */
krc publish_rollback(const config *cfg, const char *actor, int64_t now,
		     char version[PUBLISH_VERSION_LEN], struct kerr *err);

#endif
