/* config: kiosk.conf, an INI file with [sections] and key = value lines.
 *
 * Every key the kiosk knows is listed once, with its type, default and a
 * one-line description, in the table in config.c (the README documents the
 * same table: `kiosk config --list` prints it).  Unknown keys (with a
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

/* Print every key with its meaning and default, as a kiosk.conf an
 * administrator can copy (`kiosk config --list`); with cfg (may be NULL)
 * a key the file sets shows that value. */
void config_list(const config *cfg, FILE *f);

/* Line of the file that sets key, 0 when it has its default. */
int config_line(const config *cfg, const char *key);

/* The file loaded, or "(defaults)".  Borrowed until config_free(). */
const char *config_file(const config *cfg);

/* Check what each key will be used for, beyond its syntax: folders and
 * files exist (or can be created) with the right type and permissions,
 * sync.server is https with a host, sync.pinned_pubkey is sha256//BASE64
 * of 32 bytes, certificates and keys are PEM that decodes.  Prints each
 * problem to diag as "file:line: key: message" naming the path it tried;
 * returns the number of problems.  (The content language is checked by
 * `kiosk check --config`, which loads the content.) */
int config_check(const config *cfg, FILE *diag);

#endif
