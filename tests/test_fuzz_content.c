/* A bounded fuzz run of the loader and checker over mutated content: no
 * crash, no leak (sanitizers), and a rejected file always says why.
 * FUZZ_ITERS sets the number of mutations (default 300); FUZZ_SEED the seed. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "check.h"
#include "content.h"

#define MAXF 64

static char dir[128], screens[160];
static char *orig[MAXF], *names[MAXF];
static size_t len[MAXF];
static int nfiles;
static unsigned long long rng;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (unsigned)((rng >> 33) % n) : 0;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long l;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	l = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)l + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)l, f), (size_t)l);
	b[l] = '\0';
	fclose(f);
	*n = (size_t)l;
	return b;
}

static void put(const char *name, const char *buf, size_t n)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", screens, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(buf, 1, n, f);
	fclose(f);
}

static int setup(void **state)
{
	char path[600], cmd[600];
	DIR *dp;
	struct dirent *de;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/kiosk-fuzz-%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "rm -rf %s && cp -R tests/fixtures/mini %s", dir, dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(screens, sizeof screens, "%s/screens", dir);
	dp = opendir(screens);
	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL && nfiles < MAXF) {
		if (de->d_name[0] == '.')
			continue;
		names[nfiles] = strdup(de->d_name);
		snprintf(path, sizeof path, "%s/%s", screens, de->d_name);
		orig[nfiles] = slurp(path, &len[nfiles]);
		nfiles++;
	}
	closedir(dp);
	rng = getenv("FUZZ_SEED") ? strtoull(getenv("FUZZ_SEED"), NULL, 10) : 20261126ULL;
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	for (int i = 0; i < nfiles; i++) {
		free(orig[i]);
		free(names[i]);
	}
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* One mutation of file i's original text into a new buffer. */
static char *mutate(int i, size_t *n)
{
	static const char *const words[] = {
		"yes", "no", "when", "equals", "within", "6m", "-1d", "kind", "options", "{", "}", "[", "]",
		":", "- ", "\t", "\"", "'", "&a", "*a", "!!binary", "%", "\xff\xfe", "question", "id",
		"severity", "defer", "older_than", "age_under", "999999999999", "review", "not_sure",
	};
	size_t l = len[i], pos = l ? rnd((unsigned)l) : 0;
	char *b = malloc(2 * l + 64);
	const char *w;

	assert_non_null(b);
	memcpy(b, orig[i], l);
	switch (rnd(5)) {
	case 0: /* overwrite a byte */
		if (l)
			b[pos] = (char)(32 + rnd(95));
		*n = l;
		break;
	case 1: /* truncate */
		*n = pos;
		break;
	case 2: /* insert a token */
		w = words[rnd(sizeof words / sizeof words[0])];
		memmove(b + pos + strlen(w), b + pos, l - pos);
		memcpy(b + pos, w, strlen(w));
		*n = l + strlen(w);
		break;
	case 3: { /* delete a span */
		size_t k = 1 + rnd(12);

		if (pos + k > l)
			k = l - pos;
		memmove(b + pos, b + pos + k, l - pos - k);
		*n = l - k;
		break;
	}
	default: { /* duplicate the line at pos */
		size_t st = pos, en = pos;

		while (st > 0 && b[st - 1] != '\n')
			st--;
		while (en < l && b[en] != '\n')
			en++;
		if (en < l)
			en++;
		memmove(b + en + (en - st), b + en, l - en);
		memcpy(b + en, orig[i] + st, en - st);
		*n = l + (en - st);
		break;
	}
	}
	return b;
}

static void test_fuzz(void **state)
{
	int iters = getenv("FUZZ_ITERS") ? atoi(getenv("FUZZ_ITERS")) : 300;
	struct kdate today = { 2026, 11, 26 };
	FILE *null = fopen("/dev/null", "w");
	int rejected = 0;

	(void)state;
	assert_non_null(null);
	for (int it = 0; it < iters; it++) {
		int i = (int)rnd((unsigned)nfiles);
		size_t n = 0;
		char *b = mutate(i, &n);
		struct content *c = NULL;
		struct content_diags d = { 0 };
		struct kerr err = { "" };

		put(names[i], b, n);
		if (content_load(&c, screens, &d, &err) == K_OK) {
			if (check_content(c, today, &d) == K_OK)
				check_paths(c, today, null);
		} else {
			/* a failed load always says why */
			assert_true(d.errors > 0);
			assert_true(err.msg[0] != '\0');
		}
		check_print(&d, screens, null);
		if (d.errors)
			rejected++;
		content_diags_free(&d);
		content_free(c);
		put(names[i], orig[i], len[i]);
		free(b);
	}
	fclose(null);
	print_message("%d mutations, %d rejected with diagnostics\n", iters, rejected);
	assert_true(rejected > iters / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests_name("fuzz_content", tests, setup, teardown);
}
