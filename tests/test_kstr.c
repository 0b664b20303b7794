/* kstr: did-you-mean ranks by shared start and edits, and stays quiet
 * when nothing is close (the cases admins met in `kiosk check`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "kstr.h"

static const char *const screen_ids[] = { "medicines", "isotretinoin_status", "isotretinoin_stop", "procedures",
					  "allergies" };
static const char *const screen_keys[] = { "id",   "kind",     "title",    "text",   "help",
					   "when", "required", "not_sure", "safety", "options",
					   "flags", "max_length", "pattern", "min",    "max",
					   "body_file", "link",   "clear",   "review", "defer" };

#define N(a) ((int)(sizeof a / sizeof a[0]))

static void test_suggest(void **state)
{
	(void)state;
	/* The real one, not the one with a few letters in common. */
	assert_string_equal(kstr_suggest("isotretinoin_stop_date", screen_ids, N(screen_ids)), "isotretinoin_stop");
	assert_string_equal(kstr_suggest("isotretinoin_stat", screen_ids, N(screen_ids)), "isotretinoin_status");
	assert_string_equal(kstr_suggest("alergies", screen_ids, N(screen_ids)), "allergies");
	assert_string_equal(kstr_suggest("titel", screen_keys, N(screen_keys)), "title");
	assert_string_equal(kstr_suggest("option", screen_keys, N(screen_keys)), "options");
	assert_string_equal(kstr_suggest("notsure", screen_keys, N(screen_keys)), "not_sure");
	/* Nothing close: no suggestion. */
	assert_null(kstr_suggest("next", screen_keys, N(screen_keys)));
	assert_null(kstr_suggest("x8", screen_keys, N(screen_keys)));
	assert_null(kstr_suggest("colour", screen_keys, N(screen_keys)));
	assert_null(kstr_suggest("pregnant", screen_ids, N(screen_ids)));
	assert_null(kstr_suggest("", screen_ids, N(screen_ids)));
}

static void test_join(void **state)
{
	char buf[32];
	const char *const opts[] = { "numbing", "products", "metal", "none", "unsure" };

	(void)state;
	assert_string_equal(kstr_join(buf, sizeof buf, opts, 3), "numbing, products, metal");
	assert_string_equal(kstr_join(buf, sizeof buf, opts, 5), "numbing, products, metal, ...");
	assert_string_equal(kstr_join(buf, sizeof buf, opts, 0), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
