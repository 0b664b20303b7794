/* config: kiosk.conf, an INI file with [sections] and key = value lines.
 *
 * Every key the kiosk knows is listed once, with its type, default and a
 * one-line description, in the table in config.c (the README documents the
 * same table: `kiosk config --defaults` prints it).  Unknown keys (with a
 * did-you-mean), bad values and duplicates are errors reported as
 * "file:line: message"; the kiosk refuses to start on a bad config. */
#ifndef KIOSK_CONFIG_H
#define KIOSK_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "kerr.h"

typedef struct config config;

/* Load path.  Every problem is printed to diag (may be NULL) as
 * "path:line: message"; on any problem returns K_ECONFIG with the first in
 * err.  NULL path gives the built-in defaults.  *out owned by the caller. */
krc config_load(config **out, const char *path, FILE *diag, struct kerr *err);
void config_free(config *cfg);

/* Value of "section.key" (e.g. "kiosk.database"), the default when the
 * file does not set it.  Asking for a key not in the table is a programming
 * error and returns NULL / 0.  Strings are borrowed until config_free(). */
const char *config_str(const config *cfg, const char *key);
long config_int(const config *cfg, const char *key);
int config_bool(const config *cfg, const char *key);

/* The "COLSxLINES" value of a grid key (display.large_grid) into *cols and
 * *lines; false when the key is not a grid (config_load refuses a bad one). */
bool config_grid(const config *cfg, const char *key, int *cols, int *lines);

/* Resolve a path value relative to the config file's folder ("" stays ""). 
 * Writes into buf (size n); returns buf. */
const char *config_path(const config *cfg, const char *key, char *buf, size_t n);

/* Print every key with type, default and description (for the README). */
void config_print_defaults(FILE *f);

#endif
