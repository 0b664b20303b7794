/* The compiled content image: the same content as the YAML, used only
 * while the folder is unchanged, and refused (never crashed on) when the
 * image itself is damaged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "check.h"
#include "content.h"
#include "content_image.h"

static const struct kdate today = { 2026, 11, 26 };

static char work[64];
static char folder[128];
static char image[128];

static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	strcpy(work, "/tmp/kiosk-image.XXXXXX");
	assert_non_null(mkdtemp(work));
	snprintf(folder, sizeof folder, "%s/screens", work);
	snprintf(image, sizeof image, "%s/kiosk.db.content", work);
	sh("cp -R screens '%s'", folder);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf '%s'", work);
	return 0;
}

/* ---- deep equality of two contents ---- */

static void same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same_text(const struct content_text *a, const struct content_text *b)
{
	for (int i = 0; i < CONTENT_MAX_LANGS; i++)
		same_str(a->s[i], b->s[i]);
	assert_int_equal(a->line, b->line);
}

static void same_when(const struct content_when *a, const struct content_when *b)
{
	assert_int_equal(a->any, b->any);
	assert_int_equal(a->n, b->n);
	for (int i = 0; i < a->n; i++) {
		same_str(a->c[i].question, b->c[i].question);
		same_str(a->c[i].value, b->c[i].value);
		assert_int_equal(a->c[i].q, b->c[i].q);
		assert_int_equal(a->c[i].op, b->c[i].op);
		assert_int_equal(a->c[i].years, b->c[i].years);
		assert_int_equal(a->c[i].span.n, b->c[i].span.n);
		assert_int_equal(a->c[i].span.unit, b->c[i].span.unit);
	}
}

static void same_bound(const struct content_datebound *a, const struct content_datebound *b)
{
	assert_int_equal(a->set, b->set);
	assert_int_equal(a->relative, b->relative);
	assert_int_equal(a->span.n, b->span.n);
	assert_int_equal(a->span.unit, b->span.unit);
	assert_int_equal(kdate_cmp(a->abs, b->abs), 0);
}

static void same_content(const struct content *a, const struct content *b)
{
	same_str(a->dir, b->dir);
	same_str(a->version, b->version);
	same_str(a->url, b->url);
	same_str(a->name, b->name);
	same_str(a->phone, b->phone);
	assert_int_equal(a->n_langs, b->n_langs);
	for (int i = 0; i < CONTENT_MAX_LANGS; i++) {
		same_str(a->langs[i], b->langs[i]);
		same_str(a->lang_names[i], b->lang_names[i]);
	}
	same_str(a->name_question, b->name_question);
	same_str(a->dob_question, b->dob_question);
	same_str(a->phone_question, b->phone_question);
	assert_int_equal(a->n_screens, b->n_screens);
	for (int i = 0; i < a->n_screens; i++) {
		const struct content_screen *x = &a->screens[i], *y = &b->screens[i];

		same_str(x->id, y->id);
		same_str(x->file, y->file);
		assert_int_equal(x->kind, y->kind);
		same_text(&x->title, &y->title);
		same_text(&x->text, &y->text);
		same_text(&x->help, &y->help);
		same_when(&x->when, &y->when);
		assert_int_equal(x->required, y->required);
		assert_int_equal(x->not_sure, y->not_sure);
		assert_int_equal(x->safety, y->safety);
		same_str(x->not_sure_reason, y->not_sure_reason);
		assert_int_equal(x->n_options, y->n_options);
		for (int j = 0; j < x->n_options; j++) {
			same_str(x->options[j].id, y->options[j].id);
			same_text(&x->options[j].label, &y->options[j].label);
			assert_int_equal(x->options[j].exclusive, y->options[j].exclusive);
			assert_int_equal(x->options[j].unsure, y->options[j].unsure);
		}
		assert_int_equal(x->max_length, y->max_length);
		assert_int_equal(x->pattern, y->pattern);
		assert_int_equal(x->min, y->min);
		assert_int_equal(x->max, y->max);
		same_bound(&x->date_min, &y->date_min);
		same_bound(&x->date_max, &y->date_max);
		assert_int_equal(x->n_flags, y->n_flags);
		for (int j = 0; j < x->n_flags; j++) {
			same_str(x->flags[j].code, y->flags[j].code);
			assert_int_equal(x->flags[j].severity, y->flags[j].severity);
			same_str(x->flags[j].staff, y->flags[j].staff);
			same_text(&x->flags[j].patient, &y->flags[j].patient);
			assert_int_equal(x->flags[j].patient_visible, y->flags[j].patient_visible);
			same_when(&x->flags[j].when, &y->flags[j].when);
		}
		for (int j = 0; j < 3; j++)
			same_text(&x->outcome[j], &y->outcome[j]);
		same_text(&x->body, &y->body);
		same_str(x->link, y->link);
	}
	assert_int_equal(a->n_files, b->n_files);
	for (int i = 0; i < a->n_files; i++) {
		same_str(a->files[i], b->files[i]);
		assert_memory_equal(&a->file_stamps[i], &b->file_stamps[i], sizeof a->file_stamps[i]);
	}
	assert_int_equal(a->n_msgs, b->n_msgs);
	for (int i = 0; i < a->n_msgs; i++) {
		same_str(a->msg_keys[i], b->msg_keys[i]);
		same_text(&a->msgs[i], &b->msgs[i]);
	}
}

static struct content *yaml(void)
{
	struct content *c = NULL;
	struct kerr err = { "" };

	assert_int_equal(content_load(&c, folder, NULL, &err), K_OK);
	return c;
}

static krc from_image(struct content **c, char *why)
{
	struct kerr err = { "" };
	krc rc = content_image_load(c, image, folder, true, &err);

	if (why)
		strcpy(why, err.msg);
	return rc;
}

/* ---- tests ---- */

static void test_same_content(void **state)
{
	struct content *y = yaml(), *m = NULL;
	struct kerr err = { "" };
	struct content_diags dy = { 0 }, dm = { 0 };

	(void)state;
	assert_int_equal(from_image(&m, NULL), K_ENOTFOUND); /* none yet */
	assert_int_equal(content_image_save(y, image, &err), K_OK);
	assert_int_equal(from_image(&m, NULL), K_OK);
	assert_non_null(m->image);
	same_content(y, m);
	/* The checker sees the same content: the same findings. */
	check_content(y, today, &dy);
	check_content(m, today, &dm);
	assert_int_equal(dy.errors, 0);
	assert_int_equal(dm.errors, dy.errors);
	assert_int_equal(dm.warnings, dy.warnings);
	/* An image is not saved again from itself. */
	assert_int_equal(content_image_save(m, image, &err), K_EINVAL);
	content_diags_free(&dy);
	content_diags_free(&dm);
	content_free(y);
	content_free(m);
}

static void saved(void)
{
	struct content *y = yaml();
	struct kerr err = { "" };

	assert_int_equal(content_image_save(y, image, &err), K_OK);
	content_free(y);
}

static void stale(const char *reason)
{
	struct content *m = NULL;
	char why[256];

	assert_int_equal(from_image(&m, why), K_ENOTFOUND);
	assert_null(m);
	assert_non_null(strstr(why, reason));
}

static void test_edited_file(void **state)
{
	struct content *m = NULL;

	(void)state;
	saved();
	assert_int_equal(from_image(&m, NULL), K_OK);
	content_free(m);
	/* An editor that writes in place: the same file, the same folder. */
	sh("printf '# checked\\n' >> '%s/010-welcome.yaml'", folder);
	stale("a file changed");
	saved();
	/* One that writes a new file and renames it over the old one. */
	sh("sed -i 's/Welcome/Welcome/' '%s/010-welcome.yaml'", folder);
	stale("changed");
	/* The YAML loads again and is cached again. */
	saved();
	assert_int_equal(from_image(&m, NULL), K_OK);
	content_free(m);
	/* Only the time stamp moves (touch): still not trusted. */
	sh("touch -d '2001-01-01' '%s/assets/aftercare.es.txt'", folder);
	stale("a file changed");
}

/* The kiosk loads the image without comparing the files, draws, then
 * compares: the change is found then. */
static void test_compared_later(void **state)
{
	struct content *m = NULL;
	struct kerr err = { "" };

	(void)state;
	saved();
	sh("printf '# checked\\n' >> '%s/assets/aftercare.en.txt'", folder);
	assert_int_equal(content_image_load(&m, image, folder, false, &err), K_OK);
	assert_int_equal(content_image_current(m, &err), K_ENOTFOUND);
	assert_non_null(strstr(err.msg, "a file changed"));
	content_free(m);
	kerr_clear(&err);
	assert_int_equal(content_image_load(&m, image, folder, true, &err), K_ENOTFOUND);
}

static void test_added_and_removed(void **state)
{
	(void)state;
	saved();
	sh("cp '%s/950-review.yaml' '%s/951-review-copy.yaml'", folder, folder);
	stale("the folder changed");
	sh("rm '%s/951-review-copy.yaml'", folder);
	saved();
	sh("mv '%s/970-aftercare.yaml' '%s/../970-aftercare.yaml'", folder, folder);
	stale("the folder changed");
	sh("mv '%s/../970-aftercare.yaml' '%s/970-aftercare.yaml'", folder, folder);
}

static void test_other_folder(void **state)
{
	struct content *m = NULL;
	struct kerr err = { "" };

	(void)state;
	saved();
	assert_int_equal(content_image_load(&m, image, "screens", true, &err), K_ENOTFOUND);
	assert_non_null(strstr(err.msg, "another folder"));
}

/* The image file, read into memory. */
static unsigned char *slurp(size_t *len)
{
	FILE *f = fopen(image, "rb");
	unsigned char *b;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	*len = (size_t)ftell(f);
	rewind(f);
	b = malloc(*len);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

static void spill(const unsigned char *b, size_t len)
{
	FILE *f = fopen(image, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
}

static void test_damaged(void **state)
{
	unsigned char *b;
	size_t len;
	struct content *m = NULL;
	struct kerr err = { "" };
	int loaded = 0;

	(void)state;
	saved();
	b = slurp(&len);
	/* One bit flipped in a string: the checksum. */
	b[len / 2] ^= 0x10;
	spill(b, len);
	stale("checksum");
	b[len / 2] ^= 0x10;
	/* Cut short (a full disk while writing it). */
	spill(b, len - 100);
	stale("truncated");
	spill(b, 10);
	stale("not a content image");
	free(b);

	/* Every single-byte change that gets past the checksum (resealed)
	 * is refused or loads into memory-safe content: never a crash. */
	saved();
	b = slurp(&len);
	assert_true(len > 4096);
	for (size_t i = 0; i < len; i += 61) {
		unsigned char *c = malloc(len);

		assert_non_null(c);
		memcpy(c, b, len);
		c[i] ^= 0x5a;
		content_image_seal(c, len);
		if (content_image_parse(&m, c, len, &err) == K_OK) {
			struct content_diags d = { 0 };

			loaded++;
			check_content(m, today, &d); /* reads every field */
			content_diags_free(&d);
			content_free(m);
		}
		kerr_clear(&err);
	}
	free(b);
	/* Both kinds happened: text changed (loads), structure changed (refused). */
	assert_true(loaded > 0);
	assert_true(loaded < (int)(len / 61));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added_and_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compared_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
