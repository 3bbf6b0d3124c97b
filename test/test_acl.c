// SPDX-License-Identifier: MIT
/* test_acl.c - unit tests of the allow_users / allow_groups decision (daemon/acl.c) */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "acl.h"
#include "conf.h"

static struct conf_device dev;

static void acl_setup(void)
{
	memset(&dev, 0, sizeof(dev));
	dev.allow_users[0] = 1000;
	dev.allow_users[1] = 1001;
	dev.n_allow_users = 2;
	dev.allow_groups[0] = 64055; /* libvirt-qemu style group */
	dev.n_allow_groups = 1;
}

START_TEST(test_root_always)
{
	struct acl_peer p = {.uid = 0, .gid = 0};
	struct conf_device empty;

	memset(&empty, 0, sizeof(empty));
	ck_assert(acl_permits(&dev, &p));
	ck_assert(acl_permits(&empty, &p));
}
END_TEST

START_TEST(test_listed_user)
{
	struct acl_peer p = {.uid = 1001, .gid = 1001};

	ck_assert(acl_permits(&dev, &p));
	p.uid = 1002;
	ck_assert(!acl_permits(&dev, &p));
}
END_TEST

START_TEST(test_primary_group)
{
	struct acl_peer p = {.uid = 2000, .gid = 64055};

	ck_assert(acl_permits(&dev, &p));
	p.gid = 64056;
	ck_assert(!acl_permits(&dev, &p));
}
END_TEST

START_TEST(test_supplementary_group)
{
	gid_t groups[] = {10, 20, 64055};
	struct acl_peer p = {.uid = 2000, .gid = 2000, .groups = groups, .n_groups = 3};

	ck_assert(acl_permits(&dev, &p));
	p.n_groups = 2; /* the matching group is no longer among them */
	ck_assert(!acl_permits(&dev, &p));
}
END_TEST

START_TEST(test_nobody_on_empty_lists)
{
	struct conf_device empty;
	gid_t groups[] = {65534};
	struct acl_peer p = {.uid = 65534, .gid = 65534, .groups = groups, .n_groups = 1};

	memset(&empty, 0, sizeof(empty));
	ck_assert(!acl_permits(&empty, &p));
	/* a uid that equals a listed gid is not a member of that group */
	p.uid = 64055;
	p.n_groups = 0;
	ck_assert(!acl_permits(&dev, &p));
}
END_TEST

/* What a handover reads of its new holder: the effective ids, as SO_PEERCRED gives them. */
START_TEST(test_parse_status)
{
	static const char text[] = "Name:\tqemu-system-x86\nUmask:\t0022\nState:\tS (sleeping)\n"
				   "Uid:\t1000\t1001\t1001\t1001\nGid:\t2000\t64055\t64055\t64055\n"
				   "FDSize:\t64\nGroups:\t10 20 64055 \nNStgid:\t7\n";
	struct acl_peer p = {0};
	gid_t *groups = NULL;

	ck_assert_int_eq(acl_peer_parse_status(text, &p, &groups), 0);
	ck_assert_uint_eq(p.uid, 1001);
	ck_assert_uint_eq(p.real_uid, 1000);
	ck_assert_uint_eq(p.saved_uid, 1001);
	ck_assert_uint_eq(p.gid, 64055);
	ck_assert_uint_eq(p.n_groups, 3);
	ck_assert_ptr_eq(p.groups, groups);
	ck_assert_uint_eq(groups[0], 10);
	ck_assert_uint_eq(groups[2], 64055);
	ck_assert(acl_permits(&dev, &p));
	free(groups);
}
END_TEST

START_TEST(test_parse_status_bad)
{
	struct acl_peer p = {0};
	gid_t *groups = NULL;

	/* no groups at all is fine; a missing or broken id line is not */
	ck_assert_int_eq(acl_peer_parse_status("x\nUid:\t0 0 0 0\nGid:\t0 0 0 0\nGroups:\t\n", &p,
						 &groups),
			 0);
	ck_assert_uint_eq(p.n_groups, 0);
	free(groups);
	ck_assert_int_eq(acl_peer_parse_status("x\nGid:\t0 0 0 0\n", &p, &groups), -EBADMSG);
	ck_assert_int_eq(acl_peer_parse_status("x\nUid:\t0\nGid:\t0 0 0 0\n", &p, &groups),
			 -EBADMSG);
	/* without the saved uid there is no kill(2) rule to apply */
	ck_assert_int_eq(acl_peer_parse_status("x\nUid:\t0 0\nGid:\t0 0 0 0\n", &p, &groups),
			 -EBADMSG);
	ck_assert_int_eq(acl_peer_parse_status("x\nUid:\t1 1 1 1\nGid:\t0 0 0 0\nGroups:\t1 x\n",
						 &p, &groups),
			 -EBADMSG);
}
END_TEST

/* kill(2)'s rule: the requester's uid is the target's real or saved uid, or root asks. */
START_TEST(test_may_signal)
{
	struct acl_peer t = {.uid = 1001, .real_uid = 1000, .saved_uid = 1002};

	ck_assert(acl_may_signal(1000, 4242, 77, &t));
	ck_assert(acl_may_signal(1002, 4242, 77, &t));
	/* the effective uid alone is not kill(2)'s: a setuid program's caller may not */
	ck_assert(!acl_may_signal(1001, 4242, 77, &t));
	ck_assert(!acl_may_signal(65534, 4242, 77, &t));
	ck_assert(acl_may_signal(0, 4242, 77, &t));

	/* pid 1 and tapqd: never for anyone but root, even at the same uid */
	t.real_uid = t.saved_uid = 1000;
	ck_assert(!acl_may_signal(1000, 1, 77, &t));
	ck_assert(!acl_may_signal(1000, 77, 77, &t));
	ck_assert(acl_may_signal(0, 1, 77, &t));
	ck_assert(acl_may_signal(0, 77, 77, &t));
}
END_TEST

static Suite *acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc = tcase_create("decisions");

	tcase_add_checked_fixture(tc, acl_setup, NULL);
	tcase_add_test(tc, test_root_always);
	tcase_add_test(tc, test_listed_user);
	tcase_add_test(tc, test_primary_group);
	tcase_add_test(tc, test_supplementary_group);
	tcase_add_test(tc, test_nobody_on_empty_lists);
	tcase_add_test(tc, test_parse_status);
	tcase_add_test(tc, test_parse_status_bad);
	tcase_add_test(tc, test_may_signal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(acl_suite());
}
