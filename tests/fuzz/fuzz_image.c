/* libFuzzer target: the compiled content image (content_image.c).
 *
 * The kiosk trusts the image it wrote only after checking it, so damage of
 * any kind must be refused or load into content that is safe to use.  A
 * valid image of the bundled screens/ is built once; each input is a list
 * of edits to it (4-byte records: a 3-byte offset, then a byte to XOR
 * there; 2 or 3 bytes left over are a number of bytes to cut off the end),
 * after which the image is resealed, so that the edits get past the
 * checksum to the offset and field checks.  Properties: no crash,
 * leak or undefined behaviour; an accepted image passes through the
 * checker, which reads every field, and frees with content_free. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "content.h"
#include "content_image.h"

static unsigned char *base;
static size_t base_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct content *c = NULL;
	struct kerr err = { "" };
	char path[64];
	FILE *f;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof path, "/tmp/kiosk-fuzz-image-%ld", (long)getpid());
	if (content_load(&c, "screens", NULL, &err) != K_OK ||
	    content_image_save(c, path, &err) != K_OK || (f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fuzz_image: cannot build the base image from screens/: %s\n", err.msg);
		abort();
	}
	content_free(c);
	fseek(f, 0, SEEK_END);
	base_len = (size_t)ftell(f);
	rewind(f);
	base = malloc(base_len);
	if (base == NULL || fread(base, 1, base_len, f) != base_len)
		abort();
	fclose(f);
	unlink(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *img = malloc(base_len);
	struct content *c = NULL;
	struct kerr err = { "" };
	size_t len = base_len;

	if (img == NULL)
		return 0;
	if (size % 4 >= 2)
		len -= ((size_t)data[size - 2] << 8 | data[size - 1]) % base_len;
	memcpy(img, base, base_len);
	for (size_t i = 0; i + 4 <= size; i += 4) {
		size_t at = ((size_t)data[i] << 16 | (size_t)data[i + 1] << 8 | data[i + 2]) % base_len;

		img[at] ^= data[i + 3];
	}
	content_image_seal(img, len);
	if (content_image_parse(&c, img, len, &err) == K_OK) {
		struct content_diags d = { 0 };
		struct kdate today = { 2026, 12, 2 };

		check_content(c, today, &d);
		content_diags_free(&d);
		content_free(c);
	} else if (err.msg[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	return 0;
}
