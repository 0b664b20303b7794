/* content_image: see content_image.h.
 *
 * Layout of an image (host byte order; the image never leaves the machine
 * that wrote it, and the binary stamp makes another machine's image stale):
 *
 *   struct head                  magic, format, length, checksum, offsets
 *   the folder string            as content_image_load is given it
 *   struct content               the root
 *   everything it points to      8-byte aligned, in walk order
 *
 * Pointers inside the image are offsets from its start; 0 is NULL (the
 * header sits there, so no object can).  One walk over the content serves
 * all three uses: measuring (the block is allocated once), copying (every
 * pointer becomes an offset) and loading (every offset is checked and
 * becomes a pointer). */
#include "content_image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMG_MAGIC "KIOSKIMG"
#define IMG_FORMAT 1u          /* bump when struct content changes meaning */
#define IMG_MAX (64u << 20)    /* larger than any content the checker passes */
#define IMG_MAX_ITEMS (1 << 20)

_Static_assert(sizeof(uintptr_t) == sizeof(void *), "offsets are stored in pointer fields");

struct head {
	char magic[8];
	uint32_t format;
	uint32_t pad;
	uint64_t len;      /* the whole image */
	uint64_t sum;      /* over everything after the header */
	uint64_t root;     /* offset of struct content */
	uint64_t dir;      /* offset of the folder string */
	uint64_t sizes;    /* the struct sizes of the binary that wrote it */
	struct content_stamp exe; /* that binary */
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static uint64_t struct_sizes(void)
{
	return (uint64_t)sizeof(struct content) | (uint64_t)sizeof(struct content_screen) << 16 |
	       (uint64_t)sizeof(struct content_flag) << 32 | (uint64_t)sizeof(struct content_cond) << 48;
}

static uint64_t sum64(const unsigned char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ n;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3u;
	return h;
}

void content_image_seal(void *block, size_t len)
{
	struct head h;

	if (len < sizeof h)
		return;
	memcpy(&h, block, sizeof h);
	h.len = len;
	h.sum = sum64((const unsigned char *)block + sizeof h, len - sizeof h);
	memcpy(block, &h, sizeof h);
}

/* ---- the one walk ---- */

enum mode { MEASURE, COPY, LOAD };

struct walk {
	enum mode mode;
	unsigned char *base; /* COPY, LOAD: the image */
	size_t len;          /* LOAD: its length */
	size_t used;         /* MEASURE, COPY: bytes laid out so far */
	const char *why;     /* the first thing wrong; the walk stops there */
};

static bool need(struct walk *w, bool ok, const char *why)
{
	if (!ok && w->why == NULL)
		w->why = why;
	return ok && w->why == NULL;
}

/* One pointer field (field is the address of a T *): n elements of size
 * bytes, or a string when str.  Returns the pointer to walk into: the live
 * object (MEASURE), its copy in the image (COPY, the field now holding the
 * offset) or the checked object in the image (LOAD, the field now holding
 * the pointer).  NULL for a NULL field and once anything is wrong. */
static void *ptr(struct walk *w, void *field, size_t size, size_t n, bool str)
{
	void *p;
	uintptr_t off;
	size_t len;

	if (w->why)
		return NULL;
	memcpy(&p, field, sizeof p);
	if (p == NULL)
		return NULL;
	if (w->mode == LOAD) {
		/* Exactly where COPY put it: objects neither overlap nor
		 * leave gaps, so relocating one field never touches another. */
		const unsigned char *nul;

		memcpy(&off, field, sizeof off);
		if (!need(w, off == w->used && off < w->len, "an offset out of place"))
			return NULL;
		if (str) {
			nul = memchr(w->base + off, '\0', w->len - off);
			if (!need(w, nul != NULL, "an unterminated string"))
				return NULL;
			len = (size_t)(nul - (w->base + off)) + 1;
		} else {
			if (!need(w, n <= (w->len - off) / (size ? size : 1), "an array out of bounds"))
				return NULL;
			len = size * n;
			if (len == 0)
				len = 1;
		}
		if (!need(w, align8(len) <= w->len - off, "an object out of bounds"))
			return NULL;
		w->used = off + align8(len);
		p = w->base + off;
		memcpy(field, &p, sizeof p);
		return p;
	}
	len = str ? strlen(p) + 1 : size * n;
	if (len == 0)
		len = 1; /* an empty array still gets a distinct offset */
	if (w->mode == MEASURE) {
		w->used += align8(len);
		return p;
	}
	off = w->used;
	memcpy(w->base + off, p, str ? len : size * n);
	w->used += align8(len);
	memcpy(field, &off, sizeof off);
	return w->base + off;
}

#define ARR(w, f, n) ptr((w), &(f), sizeof *(f), (size_t)(n), false)
#define STR(w, f) ((char *)ptr((w), &(f), 1, 0, true))

static bool count_ok(struct walk *w, int n, int max, const char *why)
{
	return need(w, n >= 0 && n <= max, why);
}

/* A bool read from an image must hold 0 or 1: anything else is
 * undefined behaviour the moment it is read as a bool. */
static void flag_ok(struct walk *w, const bool *b)
{
	unsigned char v;

	memcpy(&v, b, 1);
	need(w, v <= 1, "a yes/no field");
}

/* A span the YAML could give, or none ({0, 0}). */
static void span_ok(struct walk *w, const struct kdate_span *sp)
{
	need(w, (sp->n == 0 && sp->unit == 0) || kdate_span_valid(*sp), "a date span");
}

/* A real calendar day, or (allow_zero) the all-zero date of an unset bound. */
static void date_ok(struct walk *w, const struct kdate *d, bool allow_zero)
{
	need(w, (allow_zero && d->y == 0 && d->m == 0 && d->d == 0) ||
		(d->y >= 1900 && d->y <= 9999 && d->m >= 1 && d->m <= 12 && d->d >= 1 &&
		 d->d <= kdate_mdays(d->y, d->m)),
	     "a date");
}

static void bound_ok(struct walk *w, const struct content_datebound *b)
{
	unsigned char set, relative;

	flag_ok(w, &b->set);
	flag_ok(w, &b->relative);
	span_ok(w, &b->span);
	if (w->why)
		return;
	memcpy(&set, &b->set, 1);
	memcpy(&relative, &b->relative, 1);
	/* An absolute bound is a day; the others never read it. */
	date_ok(w, &b->abs, !(set && !relative));
}

static void walk_text(struct walk *w, struct content_text *t)
{
	for (int i = 0; i < CONTENT_MAX_LANGS; i++)
		STR(w, t->s[i]);
}

static void walk_when(struct walk *w, struct content_when *wh, int n_screens)
{
	struct content_cond *c;

	flag_ok(w, &wh->any);
	if (!count_ok(w, wh->n, IMG_MAX_ITEMS, "a condition count"))
		return;
	c = ARR(w, wh->c, wh->n);
	if (!need(w, c != NULL || wh->n == 0, "missing conditions"))
		return;
	for (int i = 0; i < wh->n && !w->why; i++) {
		STR(w, c[i].question);
		STR(w, c[i].value);
		need(w, (unsigned)c[i].op <= CONTENT_OP_AGE_AT_LEAST, "a condition operator");
		need(w, c[i].q >= -1 && c[i].q < n_screens, "a condition's question");
		span_ok(w, &c[i].span);
		need(w, c[i].years >= 0 && c[i].years <= 150, "an age");
	}
}

static void walk_screen(struct walk *w, struct content_screen *s, int n_screens)
{
	struct content_option *o;
	struct content_flag *f;

	need(w, STR(w, s->id) != NULL, "a screen without id");
	need(w, STR(w, s->file) != NULL, "a screen without file");
	need(w, (unsigned)s->kind <= CONTENT_AFTERCARE, "a screen kind");
	need(w, (unsigned)s->pattern <= CONTENT_PAT_NAME, "a text pattern");
	/* The ranges the YAML loader accepts. */
	need(w, s->max_length >= 1 && s->max_length <= 500, "a text length");
	need(w, s->min >= -1000000000L && s->min <= 1000000000L && s->max >= -1000000000L &&
		s->max <= 1000000000L, "a number range");
	flag_ok(w, &s->required);
	flag_ok(w, &s->not_sure);
	flag_ok(w, &s->safety);
	bound_ok(w, &s->date_min);
	bound_ok(w, &s->date_max);
	walk_text(w, &s->title);
	walk_text(w, &s->text);
	walk_text(w, &s->help);
	walk_when(w, &s->when, n_screens);
	STR(w, s->not_sure_reason);
	if (!count_ok(w, s->n_options, IMG_MAX_ITEMS, "an option count"))
		return;
	o = ARR(w, s->options, s->n_options);
	need(w, o != NULL || s->n_options == 0, "missing options");
	for (int i = 0; i < s->n_options && !w->why; i++) {
		need(w, STR(w, o[i].id) != NULL, "an option without id");
		flag_ok(w, &o[i].exclusive);
		flag_ok(w, &o[i].unsure);
		walk_text(w, &o[i].label);
	}
	if (!count_ok(w, s->n_flags, IMG_MAX_ITEMS, "a flag count"))
		return;
	f = ARR(w, s->flags, s->n_flags);
	need(w, f != NULL || s->n_flags == 0, "missing flags");
	for (int i = 0; i < s->n_flags && !w->why; i++) {
		need(w, STR(w, f[i].code) != NULL, "a flag without code");
		need(w, (unsigned)f[i].severity <= CONTENT_SEV_DEFER, "a flag severity");
		flag_ok(w, &f[i].patient_visible);
		STR(w, f[i].staff);
		walk_text(w, &f[i].patient);
		walk_when(w, &f[i].when, n_screens);
	}
	for (int i = 0; i < 3; i++)
		walk_text(w, &s->outcome[i]);
	walk_text(w, &s->body);
	STR(w, s->link);
}

static void walk_content(struct walk *w, struct content *c)
{
	struct content_screen *s;
	char **files, **keys;
	struct content_text *msgs;

	c->image = NULL; /* COPY: the copy's; LOAD: set by the caller */
	STR(w, c->dir);
	need(w, STR(w, c->version) != NULL, "no content version");
	STR(w, c->url);
	STR(w, c->name);
	STR(w, c->phone);
	need(w, c->n_langs >= 1 && c->n_langs <= CONTENT_MAX_LANGS, "a language count");
	for (int i = 0; i < CONTENT_MAX_LANGS; i++) {
		need(w, STR(w, c->langs[i]) != NULL || i >= c->n_langs, "a missing language");
		STR(w, c->lang_names[i]);
	}
	STR(w, c->name_question);
	STR(w, c->dob_question);
	STR(w, c->phone_question);
	need(w, c->n_unloaded == 0, "screens that did not load");
	if (!count_ok(w, c->n_screens, CONTENT_MAX_SCREENS, "a screen count"))
		return;
	s = ARR(w, c->screens, c->n_screens);
	need(w, s != NULL || c->n_screens == 0, "missing screens");
	for (int i = 0; i < c->n_screens && !w->why; i++)
		walk_screen(w, &s[i], c->n_screens);
	if (!count_ok(w, c->n_files, IMG_MAX_ITEMS, "a file count"))
		return;
	files = ARR(w, c->files, c->n_files);
	need(w, files != NULL || c->n_files == 0, "missing files");
	need(w, ARR(w, c->file_stamps, c->n_files) != NULL || c->n_files == 0, "missing file stamps");
	for (int i = 0; i < c->n_files && !w->why; i++)
		need(w, STR(w, files[i]) != NULL, "a missing file name");
	if (!count_ok(w, c->n_msgs, IMG_MAX_ITEMS, "a message count"))
		return;
	keys = ARR(w, c->msg_keys, c->n_msgs);
	msgs = ARR(w, c->msgs, c->n_msgs);
	need(w, (keys != NULL && msgs != NULL) || c->n_msgs == 0, "missing messages");
	for (int i = 0; i < c->n_msgs && !w->why; i++) {
		need(w, STR(w, keys[i]) != NULL, "a message without key");
		walk_text(w, &msgs[i]);
	}
}

/* ---- in memory ---- */

krc content_image_parse(struct content **out, void *block, size_t len, struct kerr *err)
{
	struct walk w = { LOAD, block, len, 0, NULL };
	struct head h;
	struct content *c;

	*out = NULL;
	if (len < sizeof h || len > IMG_MAX) {
		free(block);
		return kerr_set(err, K_ENOTFOUND, "not a content image (size %zu)", len);
	}
	memcpy(&h, block, sizeof h);
	if (memcmp(h.magic, IMG_MAGIC, sizeof h.magic) != 0 || h.format != IMG_FORMAT ||
	    h.sizes != struct_sizes())
		w.why = "another format";
	else if (h.len != len)
		w.why = "truncated";
	else if (h.sum != sum64(w.base + sizeof h, len - sizeof h))
		w.why = "a bad checksum";
	else if (h.dir != align8(sizeof h) || h.dir >= len ||
		 memchr(w.base + h.dir, '\0', len - h.dir) == NULL ||
		 h.root != h.dir + align8(strlen((const char *)w.base + h.dir) + 1) ||
		 len < align8(sizeof *c) || h.root > len - align8(sizeof *c))
		w.why = "a header offset out of place";
	if (w.why) {
		free(block);
		return kerr_set(err, K_ENOTFOUND, "content image: %s", w.why);
	}
	c = (struct content *)(void *)(w.base + h.root);
	w.used = h.root + align8(sizeof *c);
	walk_content(&w, c);
	need(&w, w.used == len, "bytes after the content");
	if (w.why) {
		free(block);
		return kerr_set(err, K_ENOTFOUND, "content image: %s", w.why);
	}
	c->image = block;
	*out = c;
	return K_OK;
}

/* ---- stamps ---- */

static bool stamp_path(const char *path, struct content_stamp *s)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return false;
	content_stamp_of(&sb, s);
	return true;
}

/* The running binary.  By its name, not by stat("/proc/self/exe"): under
 * valgrind that is valgrind's own tool, and an image written there would
 * be stale for the kiosk run outside it. */
static bool stamp_exe(struct content_stamp *s)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);

	if (n <= 0)
		return false;
	path[n] = '\0';
	return stamp_path(path, s);
}

static bool stamp_same(const struct content_stamp *a, const struct content_stamp *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* ---- files ---- */

krc content_image_current(const struct content *c, struct kerr *err)
{
	struct content_stamp now;

	if (!stamp_path(c->dir, &now) || !stamp_same(&now, &c->dir_stamp))
		return kerr_set(err, K_ENOTFOUND, "content image: the folder changed");
	for (int i = 0; i < c->n_files; i++)
		if (!stamp_path(c->files[i], &now) || !stamp_same(&now, &c->file_stamps[i]))
			return kerr_set(err, K_ENOTFOUND, "content image: a file changed");
	return K_OK;
}

krc content_image_load(struct content **out, const char *path, const char *dir, bool files,
		       struct kerr *err)
{
	struct content *c = NULL;
	struct head h;
	struct content_stamp now;
	struct stat sb;
	unsigned char *block;
	size_t got = 0;
	int fd;
	krc rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return kerr_set(err, K_ENOTFOUND, "%s: %s", path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < (off_t)sizeof h ||
	    sb.st_size > (off_t)IMG_MAX) {
		close(fd);
		return kerr_set(err, K_ENOTFOUND, "%s: not a content image", path);
	}
	block = malloc((size_t)sb.st_size);
	if (block == NULL) {
		close(fd);
		return kerr_set(err, K_ENOMEM, "out of memory");
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, block + got, (size_t)sb.st_size - got);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	rc = content_image_parse(&c, block, got, err);
	if (rc != K_OK)
		return rc;
	/* block is c's now: c->image. */
	memcpy(&h, c->image, sizeof h);
	if (strcmp((const char *)c->image + h.dir, dir) != 0)
		rc = kerr_set(err, K_ENOTFOUND, "content image: written for another folder");
	else if (!stamp_exe(&now) || !stamp_same(&now, &h.exe))
		rc = kerr_set(err, K_ENOTFOUND, "content image: written by another kiosk binary");
	else if (files)
		rc = content_image_current(c, err);
	if (rc != K_OK) {
		content_free(c);
		return rc;
	}
	*out = c;
	return K_OK;
}

krc content_image_save(const struct content *c, const char *path, struct kerr *err)
{
	struct walk w = { MEASURE, NULL, 0, 0, NULL };
	struct content live = *c, *copy;
	struct head h;
	char tmp[4096];
	size_t at_dir, at_root, dlen, total;
	int fd;
	bool ok;

	if (c->image)
		return kerr_set(err, K_EINVAL, "content image: the content came from an image");
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return kerr_set(err, K_EINVAL, "content image: path too long");
	walk_content(&w, &live);
	if (w.why)
		return kerr_set(err, K_EINVAL, "content image: %s", w.why);
	dlen = strlen(c->dir) + 1;
	at_dir = align8(sizeof h);
	at_root = at_dir + align8(dlen);
	total = at_root + align8(sizeof *c) + w.used;
	if (total > IMG_MAX)
		return kerr_set(err, K_EINVAL, "content image: content too large (%zu bytes)", total);

	w.mode = COPY;
	w.base = calloc(1, total);
	if (w.base == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	memset(&h, 0, sizeof h);
	memcpy(h.magic, IMG_MAGIC, sizeof h.magic);
	h.format = IMG_FORMAT;
	h.root = at_root;
	h.dir = at_dir;
	h.sizes = struct_sizes();
	if (!stamp_exe(&h.exe)) {
		free(w.base);
		return kerr_set(err, K_EIO, "content image: cannot stat the kiosk binary");
	}
	memcpy(w.base, &h, sizeof h);
	memcpy(w.base + at_dir, c->dir, dlen);
	copy = (struct content *)(void *)(w.base + at_root);
	*copy = *c;
	w.used = at_root + align8(sizeof *c);
	walk_content(&w, copy);
	if (w.why || w.used != total) {
		free(w.base);
		return kerr_set(err, K_EINVAL, "content image: %s", w.why ? w.why : "size changed");
	}
	content_image_seal(w.base, total);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		free(w.base);
		return kerr_set(err, K_EIO, "%s: %s", tmp, strerror(errno));
	}
	{
		size_t put = 0;

		while (put < total) {
			ssize_t r = write(fd, w.base + put, total - put);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			put += (size_t)r;
		}
		ok = put == total;
	}
	free(w.base);
	if (close(fd) != 0 || !ok) {
		int e = errno;

		unlink(tmp);
		return kerr_set(err, K_EIO, "%s: %s", tmp, ok ? strerror(e) : "short write");
	}
	if (rename(tmp, path) != 0) {
		int e = errno;

		unlink(tmp);
		return kerr_set(err, K_EIO, "%s: %s", path, strerror(e));
	}
	return K_OK;
}
