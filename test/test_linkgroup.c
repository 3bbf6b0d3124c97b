// SPDX-License-Identifier: MIT
/*
 * test_linkgroup.c - unit tests of the link group tapqd deletes at stop
 * (daemon/linkgroup.c): its number, and which devices go in it (device.c)
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "daemon.h"
#include "device.h"
#include "linkgroup.h"

static struct tapqd *d;

static void linkgroup_setup(void)
{
	d = calloc(1, sizeof(*d));
	ck_assert_ptr_nonnull(d);
	strcpy(d->conf.socket_path, "/run/tapqd/tapqd.sock");
}

static void linkgroup_teardown(void)
{
	free(d);
}

/* ip(8) reads a group as a signed int: bit 31 clear; bit 30 set: no small group an operator picks */
START_TEST(test_number_ip_can_name)
{
	linkgroup_init(d);
	ck_assert_uint_ne(d->link_group, 0);
	ck_assert_uint_eq(d->link_group & 0x80000000u, 0);
	ck_assert_uint_eq(d->link_group & 0x40000000u, 0x40000000u);
}
END_TEST

/* the socket path names the instance: the same path, the same group; another, another */
START_TEST(test_number_per_instance)
{
	uint32_t first;

	linkgroup_init(d);
	first = d->link_group;
	linkgroup_init(d);
	ck_assert_uint_eq(d->link_group, first);
	strcpy(d->conf.socket_path, "/run/tapqd/other.sock");
	linkgroup_init(d);
	ck_assert_uint_ne(d->link_group, first);
}
END_TEST

/* only what nothing else keeps: not under a service manager, not persistent, not by name */
START_TEST(test_members)
{
	struct conf_device cd;

	memset(&cd, 0, sizeof(cd));
	cd.handoff = CONF_HANDOFF_FD;
	ck_assert(device_deleted_at_stop(d, &cd));
	cd.persist = true;
	ck_assert(!device_deleted_at_stop(d, &cd));
	cd.persist = false;
	cd.handoff = CONF_HANDOFF_NAME;
	ck_assert(!device_deleted_at_stop(d, &cd));
	cd.handoff = CONF_HANDOFF_FD;
	d->fdstore = true;
	ck_assert(!device_deleted_at_stop(d, &cd));
}
END_TEST

static Suite *linkgroup_suite(void)
{
	Suite *s = suite_create("linkgroup");
	TCase *tc = tcase_create("group");

	tcase_add_checked_fixture(tc, linkgroup_setup, linkgroup_teardown);
	tcase_add_test(tc, test_number_ip_can_name);
	tcase_add_test(tc, test_number_per_instance);
	tcase_add_test(tc, test_members);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(linkgroup_suite());
}
