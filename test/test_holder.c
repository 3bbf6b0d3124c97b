// SPDX-License-Identifier: MIT
/*
 * test_holder.c - unit tests of the count of a tap's queue fds a process has
 * open (daemon/holder.c), on this process's own fds: taps are made in a
 * network namespace of the test's own (root only; without it, only what
 * needs no tap is checked).
 */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "check_run.h"
#include "holder.h"

/* One more queue of tap `name` (multiqueue), or -errno. */
static int open_queue(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

START_TEST(test_bad_arguments)
{
	ck_assert_int_eq(holder_count_tap_fds(0, "tq0"), -EINVAL);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), ""), -EINVAL);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "a-name-too-long-for-ifnamsiz"), -EINVAL);
}
END_TEST

/* pid_max is at most 2^22: this pid is nobody's */
START_TEST(test_no_such_process)
{
	ck_assert_int_eq(holder_count_tap_fds(1 << 23, "tq0"), -ENOENT);
}
END_TEST

/* A tun fd attached to no tap names none: nothing of any tap is open here */
START_TEST(test_unattached_tun_fd)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "tqhold0"), 0);
	close(fd);
}
END_TEST

/* Attached and detached queues count, a dup counts as an fd, and names match whole */
START_TEST(test_queues_of_one_tap)
{
	struct ifreq ifr;
	int a, b, c, other, dup_a;

	if (unshare(CLONE_NEWNET) < 0)
		return; /* not root: the other tests say what can be said */
	a = open_queue("tqhold0");
	b = open_queue("tqhold0");
	c = open_queue("tqhold0");
	other = open_queue("tqhold00");
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_ge(c, 0);
	ck_assert_int_ge(other, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_DETACH_QUEUE;
	ck_assert_int_eq(ioctl(c, TUNSETQUEUE, &ifr), 0);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "tqhold0"), 3);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "tqhold00"), 1);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "tqhold"), 0);
	dup_a = fcntl(a, F_DUPFD_CLOEXEC, 0);
	ck_assert_int_ge(dup_a, 0);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "tqhold0"), 4);
	close(dup_a);
	close(a);
	close(c);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "tqhold0"), 1);
	close(b);
	ck_assert_int_eq(holder_count_tap_fds(getpid(), "tqhold0"), 0);
	close(other);
}
END_TEST

static Suite *holder_suite(void)
{
	Suite *s = suite_create("holder");
	TCase *tc = tcase_create("count");

	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_no_such_process);
	tcase_add_test(tc, test_unattached_tun_fd);
	tcase_add_test(tc, test_queues_of_one_tap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(holder_suite());
}
