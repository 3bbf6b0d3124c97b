// SPDX-License-Identifier: MIT
/* test_budget.c - unit tests of the ring size a queue memory budget gives (daemon/budget.c) */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "budget.h"
#include "conf.h"

static struct conf_device dev;

static void budget_setup(void)
{
	memset(&dev, 0, sizeof(dev));
	dev.max_queues = 4;
	dev.queue_memory = 4u << 20;
}

/* 4 MiB over 1526-byte frames (MTU 1500 + 26): 2748 per queue for one queue */
START_TEST(test_spread_over_queues)
{
	ck_assert_uint_eq(budget_ring(&dev, 1), 4194304 / 1526);
	ck_assert_uint_eq(budget_ring(&dev, 2), 4194304 / (2 * 1526));
	ck_assert_uint_eq(budget_ring(&dev, 4), 687);
	/* never asked for zero queues, but never a division by zero either */
	ck_assert_uint_eq(budget_ring(&dev, 0), budget_ring(&dev, 1));
}
END_TEST

START_TEST(test_floor_is_a_virtio_ring)
{
	ck_assert_uint_eq(budget_ring(&dev, 256), BUDGET_RING_MIN);
	dev.queue_memory = 64u << 10;
	ck_assert_uint_eq(budget_ring(&dev, 1), BUDGET_RING_MIN);
}
END_TEST

START_TEST(test_mtu_counts)
{
	dev.mtu = 9000;
	ck_assert_uint_eq(budget_ring(&dev, 1), 4194304 / 9026);
	dev.mtu = 68;
	ck_assert_uint_eq(budget_ring(&dev, 1), 4194304 / 94);
}
END_TEST

START_TEST(test_ceiling_and_fixed)
{
	dev.queue_memory = UINT64_C(1) << 40;
	ck_assert_uint_eq(budget_ring(&dev, 1), 1000000);
	dev.txqueuelen = 500; /* a fixed ring wins, whatever the queues */
	ck_assert_uint_eq(budget_ring(&dev, 1), 500);
	ck_assert_uint_eq(budget_ring(&dev, 256), 500);
}
END_TEST

static Suite *budget_suite(void)
{
	Suite *s = suite_create("budget");
	TCase *tc = tcase_create("ring");

	tcase_add_checked_fixture(tc, budget_setup, NULL);
	tcase_add_test(tc, test_spread_over_queues);
	tcase_add_test(tc, test_floor_is_a_virtio_ring);
	tcase_add_test(tc, test_mtu_counts);
	tcase_add_test(tc, test_ceiling_and_fixed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(budget_suite());
}
