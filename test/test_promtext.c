// SPDX-License-Identifier: MIT
/*
 * test_promtext.c - unit tests of the Prometheus text tapqctl metrics writes
 * (tools/promtext.c): label values escaped, families gathered under HELP and TYPE
 */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "promtext.h"

START_TEST(test_escape)
{
	char out[32];

	ck_assert_int_eq(promtext_escape("tap0", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "tap0");
	/* an interface name may hold a quote or a backslash: both escaped, as is a newline */
	ck_assert_int_eq(promtext_escape("a\"b\\c\nd", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a\\\"b\\\\c\\nd");
	ck_assert_int_eq(promtext_escape("", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	/* room for the text and its NUL, or -ENOSPC; an escape is never cut in half */
	ck_assert_int_eq(promtext_escape("abc", out, 4), 0);
	ck_assert_int_eq(promtext_escape("abcd", out, 4), -ENOSPC);
	ck_assert_int_eq(promtext_escape("ab\"", out, 4), -ENOSPC);
	ck_assert_int_eq(promtext_escape("ab\"", out, 5), 0);
	ck_assert_str_eq(out, "ab\\\"");
}
END_TEST

START_TEST(test_families)
{
	struct promtext_family fams[3] = {
		{"t_a_total", "counter", "A."},
		{"t_empty", "gauge", "Nothing."},
		{"t_b", "gauge", "B."},
	};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(promtext_open(fams, 3), 0);
	/* samples of two families interleaved, as devices come: each family's written together */
	promtext_u64(&fams[0], "device=\"x\"", 1);
	promtext_double(&fams[2], "", 0.5);
	promtext_u64(&fams[0], "device=\"y\"", 18446744073709551615u);
	ck_assert_int_eq(promtext_write(out, fams, 3), 0);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_str_eq(text, "# HELP t_a_total A.\n# TYPE t_a_total counter\n"
			       "t_a_total{device=\"x\"} 1\n"
			       "t_a_total{device=\"y\"} 18446744073709551615\n"
			       "# HELP t_b B.\n# TYPE t_b gauge\n"
			       "t_b 0.500000000\n");
	free(text);
	/* freed unwritten after a failure */
	ck_assert_int_eq(promtext_open(fams, 3), 0);
	promtext_u64(&fams[1], "", 3);
	promtext_free(fams, 3);
	ck_assert_ptr_null(fams[1].f);
	ck_assert_ptr_null(fams[1].buf);
}
END_TEST

static Suite *promtext_suite(void)
{
	Suite *s = suite_create("promtext");
	TCase *tc = tcase_create("promtext");

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_families);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(promtext_suite());
}
