// SPDX-License-Identifier: MIT
/* test_expect.c - unit tests of recognising tapqd's own queue steps (daemon/expect.c) */

#include <check.h>

#include "check_run.h"
#include "expect.h"

static struct expect e;

static void setup(void)
{
	expect_reset(&e);
}

/* tapqd moves the attached count from a to b one step at a time, as device_set_active() does */
static void steps(unsigned int a, unsigned int b)
{
	while (a != b) {
		unsigned int next = b > a ? a + 1 : a - 1;

		expect_step(&e, a, next);
		a = next;
	}
}

/* a grow 1 -> 256 and the shrink back: 510 notifications, none needs a read */
START_TEST(test_own_grow_and_shrink)
{
	steps(1, 256);
	steps(256, 1);
	for (unsigned int n = 2; n <= 256; n++)
		ck_assert_int_eq(expect_hear(&e, n, 1), EXPECT_OWN);
	for (unsigned int n = 255; n >= 1; n--)
		ck_assert_int_eq(expect_hear(&e, n, 1), EXPECT_OWN);
	ck_assert_uint_eq(e.len, 0);
	ck_assert_int_eq(expect_hear(&e, 1, 1), EXPECT_SAME);
}
END_TEST

/* another link change (MTU, up) between two steps carries the count of the step before */
START_TEST(test_other_link_change_between)
{
	steps(1, 4);
	ck_assert_int_eq(expect_hear(&e, 1, 4), EXPECT_SAME);
	ck_assert_int_eq(expect_hear(&e, 2, 4), EXPECT_OWN);
	ck_assert_int_eq(expect_hear(&e, 2, 4), EXPECT_SAME);
	ck_assert_int_eq(expect_hear(&e, 3, 4), EXPECT_OWN);
	ck_assert_int_eq(expect_hear(&e, 4, 4), EXPECT_OWN);
	ck_assert_int_eq(expect_hear(&e, 4, 4), EXPECT_SAME);
}
END_TEST

/*
 * Nothing expected, only the count tapqd holds is no change. A holder's own
 * detach among tapqd's steps: read, and nothing expected after.
 */
START_TEST(test_foreign_step)
{
	ck_assert_int_eq(expect_hear(&e, 4, 4), EXPECT_SAME);
	ck_assert_int_eq(expect_hear(&e, 3, 4), EXPECT_OTHER);
	steps(2, 4);
	ck_assert_int_eq(expect_hear(&e, 1, 4), EXPECT_OTHER);
	ck_assert_uint_eq(e.len, 0);
	/* tapqd's own steps now count as foreign until it has read the queues */
	ck_assert_int_eq(expect_hear(&e, 3, 4), EXPECT_OTHER);
	ck_assert_int_eq(expect_hear(&e, 4, 4), EXPECT_SAME);
}
END_TEST

/* a segment starting where the last one ended in the same direction extends it */
START_TEST(test_segments_join)
{
	steps(1, 3);
	steps(3, 5);
	ck_assert_uint_eq(e.len, 1);
	steps(5, 2);
	ck_assert_uint_eq(e.len, 2);
}
END_TEST

/* more resizes than segments before the monitor reads: all are forgotten, the next is kept */
START_TEST(test_overflow_forgets)
{
	steps(1, 2);
	steps(2, 1);
	steps(1, 2);
	steps(2, 1);
	ck_assert_uint_eq(e.len, EXPECT_SEGMENTS);
	steps(1, 2);
	ck_assert_uint_eq(e.len, 0);
	ck_assert_int_eq(expect_hear(&e, 2, 2), EXPECT_SAME);
	ck_assert_int_eq(expect_hear(&e, 1, 2), EXPECT_OTHER);
}
END_TEST

static Suite *expect_suite(void)
{
	Suite *s = suite_create("expect");
	TCase *tc = tcase_create("expect");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_own_grow_and_shrink);
	tcase_add_test(tc, test_other_link_change_between);
	tcase_add_test(tc, test_foreign_step);
	tcase_add_test(tc, test_segments_join);
	tcase_add_test(tc, test_overflow_forgets);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(expect_suite());
}
