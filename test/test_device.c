// SPDX-License-Identifier: MIT
/* test_device.c - unit tests of a device's state table (daemon/device.c): every pair of states */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "device.h"

#define N_STATES (DEVICE_REMOVING + 1)

/*
 * The transitions device.h draws, written out again here as the one
 * table the code must agree with: 1 allowed, 0 refused.
 */
static const int allowed[N_STATES][N_STATES] = {
	/* to:               CREATING READY LEASED WAITING ORPHANED BY_NAME REMOVING */
	[DEVICE_CREATING] = {0, 1, 1, 1, 0, 1, 1},
	[DEVICE_READY] = {0, 0, 1, 0, 0, 0, 1},
	[DEVICE_LEASED] = {0, 1, 0, 0, 0, 0, 1},
	[DEVICE_WAITING] = {0, 0, 1, 0, 1, 0, 1},
	[DEVICE_ORPHANED] = {0, 0, 0, 0, 0, 0, 1},
	[DEVICE_BY_NAME] = {0, 0, 0, 0, 0, 0, 1},
	[DEVICE_REMOVING] = {0, 0, 0, 0, 0, 0, 0},
};

static struct device *new_device(void)
{
	struct conf_device cd;
	struct device *dev;

	memset(&cd, 0, sizeof(cd));
	strcpy(cd.name, "tqt");
	cd.max_queues = 4;
	dev = device_new(&cd);
	ck_assert_ptr_nonnull(dev);
	return dev;
}

/* Each pair: allowed moves the state, refused leaves it and says -EINVAL. */
START_TEST(test_every_pair)
{
	for (int from = 0; from < N_STATES; from++) {
		for (int to = 0; to < N_STATES; to++) {
			struct device *dev = new_device();
			int r;

			dev->state = (enum device_state)from;
			r = device_set_state(dev, (enum device_state)to);
			if (allowed[from][to]) {
				ck_assert_msg(r == 0, "%s -> %s refused",
					      device_state_name((enum device_state)from),
					      device_state_name((enum device_state)to));
				ck_assert_int_eq(dev->state, to);
			} else {
				ck_assert_msg(r == -EINVAL, "%s -> %s allowed",
					      device_state_name((enum device_state)from),
					      device_state_name((enum device_state)to));
				ck_assert_int_eq(dev->state, from);
			}
			free(dev);
		}
	}
}
END_TEST

START_TEST(test_new_is_creating_with_nothing)
{
	struct device *dev = new_device();

	ck_assert_int_eq(dev->state, DEVICE_CREATING);
	ck_assert(!device_has_queues(dev));
	for (unsigned int q = 0; q < TAPQD_MAX_QUEUES; q++) {
		ck_assert_int_eq(dev->fds[q], -1);
		ck_assert_int_eq(dev->cpu[q], -1);
	}
	free(dev);
}
END_TEST

/* tapqd has its own copy of every queue in exactly two states. */
START_TEST(test_has_queues)
{
	struct device *dev = new_device();

	for (int s = 0; s < N_STATES; s++) {
		dev->state = (enum device_state)s;
		ck_assert_int_eq(device_has_queues(dev), s == DEVICE_READY || s == DEVICE_LEASED);
	}
	free(dev);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(device_state_name(DEVICE_READY), "ready");
	ck_assert_str_eq(device_state_name(DEVICE_ORPHANED), "orphaned");
	ck_assert_str_eq(device_state_name(DEVICE_BY_NAME), "by-name");
	ck_assert_str_eq(device_state_name((enum device_state)N_STATES), "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("device");
	TCase *tc = tcase_create("state");

	tcase_add_test(tc, test_every_pair);
	tcase_add_test(tc, test_new_is_creating_with_nothing);
	tcase_add_test(tc, test_has_queues);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
