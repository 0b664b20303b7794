/* check: semantic checks of a loaded content model, and the path finder
 * behind `kiosk check --paths`.
 *
 * content_load() already reports what one file alone can tell (syntax,
 * unknown keys, missing translations).  These checks need the whole model:
 * references between screens, flows that never reach an outcome, screens no
 * patient can reach, rules that can never fire, links and text that do not
 * fit the screen.  Pure: no I/O except the FILE the caller passes. */
#ifndef KIOSK_CHECK_H
#define KIOSK_CHECK_H

#include <stdio.h>

#include "content.h"
#include "kdate.h"
#include "kerr.h"

/* Longest QR link that still fits an 80x24 screen at error correction M
 * (version 4: 33 modules plus the quiet zone, drawn two modules a row). */
#define CHECK_MAX_LINK 62

/* Run every semantic check on c, adding file:line:col diagnostics to d.
 * today anchors date windows.  Returns K_ECONTENT when an error was found.
 * When d already holds errors (a content from content_load_all that did
 * not load cleanly) only the checks of references between screens run. */
krc check_content(const struct content *c, struct kdate today, struct content_diags *d);

/* Check that every question screen fits a cols x lines screen, as
 * check_content() does for 80x24: the grid of larger text on the console
 * (display.large_grid).  Adds an error to d for each that does not.  A grid
 * of at least 80x24 adds nothing: what fits 80x24 fits it. */
void check_grid(const struct content *c, int cols, int lines, struct content_diags *d);

/* Print, for each flag and each outcome, a shortest set of answers that
 * reaches it (relative to a baseline patient with nothing to report).
 * Returns the number of flags and outcomes that no answers reach. */
int check_paths(const struct content *c, struct kdate today, FILE *out);

/* Print diagnostics as "file:line:col: error: message", sorted by file and
 * line, to f. */
void check_print(const struct content_diags *d, const char *dir, FILE *f);

#endif
