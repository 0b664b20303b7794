/* content_image: the loaded content saved as one block, so that the kiosk
 * starts without parsing YAML or hashing files.
 *
 * A content version gives the same struct content every time it loads, so
 * the kiosk keeps a copy of it in one file (kiosk.conf's database path with
 * ".content" appended): every string and array of the content laid out in
 * one block, pointers stored as offsets into it.  Loading it is one read,
 * a checksum and one pass that turns offsets back into pointers, checking
 * each against the block's bounds.
 *
 * The image is used only while it still describes the folder: it records
 * the kiosk binary that wrote it and, for the content folder and every file
 * the content was read from, the device, inode, size, modification and
 * change times as the loader saw them when it read them (content.h,
 * file_stamps).  Editing, replacing, adding or removing a screen file (or
 * an aftercare text, or installing another kiosk binary) changes one of
 * these, even while the YAML is being read, and the kiosk loads the YAML
 * again and writes a new image.  The change time cannot be set by a
 * program, so a file cannot be edited back to the old stamps.  Anything
 * wrong with the image itself (missing, truncated, another format, a bad
 * checksum or offset) is the same case: the YAML is the truth, the image
 * only a cache.
 *
 * `kiosk check`, publish, simulate and export-fhir always read the YAML. */
#ifndef KIOSK_CONTENT_IMAGE_H
#define KIOSK_CONTENT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "content.h"
#include "kerr.h"

/* Load the image at path if it was written for content folder dir (the
 * same string the YAML load was given) by this kiosk binary and, with
 * files, if the folder and every file are as they were read
 * (content_image_current).  On success *out is the content (content_free
 * frees it as usual).  K_ENOTFOUND with the reason in err when there is no
 * usable image: the caller loads the YAML. */
krc content_image_load(struct content **out, const char *path, const char *dir, bool files,
		       struct kerr *err);

/* Are c's folder and every file it was read from as they were then (one
 * stat each)?  K_ENOTFOUND and why when one changed.  The kiosk loads its
 * image without this and calls it once the welcome screen is drawn: the
 * stats are half of what an image start costs before the first screen,
 * and a stale image is replaced before any key is read. */
krc content_image_current(const struct content *c, struct kerr *err);

/* Write c, loaded from YAML without errors, as the image at path (a new
 * file renamed over the old one, so a reader sees either). */
krc content_image_save(const struct content *c, const char *path, struct kerr *err);

/* The image in memory: block (len bytes, malloc'd) becomes *out's storage
 * on success and is freed on failure.  Checks the format, the checksum and
 * every offset, not the stamps.  For content_image_load and the fuzzer. */
krc content_image_parse(struct content **out, void *block, size_t len, struct kerr *err);

/* Write the length and checksum into the header of an image in memory
 * (what content_image_save does before writing; the fuzzer uses it so its
 * inputs get past the checksum). */
void content_image_seal(void *block, size_t len);

#endif
