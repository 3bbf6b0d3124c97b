// SPDX-License-Identifier: MIT
/* test_fdbundle.c - unit tests of fd store bundles (daemon/fdbundle.c) and their names (daemon/fdstore.c) */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check_run.h"
#include "fdbundle.h"
#include "fdstore.h"

/* a and b are the same open file: what a bundle must give back */
static int same_file(int a, int b)
{
	pid_t self = getpid();

	return syscall(SYS_kcmp, self, self, KCMP_FILE, a, b) == 0;
}

START_TEST(test_bundle_names)
{
	char name[FDSTORE_NAME_MAX], dev[TAPQD_NAME_MAX];
	unsigned int parity = 7;

	/* two names in turn, by the generation's parity, the device last */
	fdstore_bundle_name(name, sizeof(name), "vm.1", 1);
	ck_assert_str_eq(name, "b.1.vm.1");
	ck_assert_int_eq(fdstore_name_parse(name, dev, &parity), FDSTORE_BUNDLE);
	ck_assert_str_eq(dev, "vm.1");
	ck_assert_uint_eq(parity, 1);
	fdstore_bundle_name(name, sizeof(name), "tqa", 0x100000000ull);
	ck_assert_str_eq(name, "b.0.tqa");
	ck_assert_int_eq(fdstore_name_parse(name, dev, &parity), FDSTORE_BUNDLE);
	ck_assert_uint_eq(parity, 0);
	ck_assert_int_eq(fdstore_name_parse("b.2.tqa", dev, &parity), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("b.0.", dev, &parity), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("b.1", dev, &parity), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("b.0.a:b", dev, &parity), FDSTORE_FOREIGN);
	/* the names of up to 0.3 are still read, for an upgrade under a running service */
	ck_assert_int_eq(fdstore_name_parse("q.3.tqa", dev, &parity), FDSTORE_QUEUE);
	ck_assert_uint_eq(parity, 3);
	ck_assert_int_eq(fdstore_name_parse("h.tqa", dev, NULL), FDSTORE_HOLDER);
}
END_TEST

START_TEST(test_parts)
{
	ck_assert_uint_eq(fdbundle_parts(0), 1);
	ck_assert_uint_eq(fdbundle_parts(1), 1);
	ck_assert_uint_eq(fdbundle_parts(FDBUNDLE_PART_FDS), 1);
	ck_assert_uint_eq(fdbundle_parts(FDBUNDLE_PART_FDS + 1), 2);
	/* 256 queues and a holder */
	ck_assert_uint_eq(fdbundle_parts(257), 2);
}
END_TEST

START_TEST(test_head_check)
{
	struct fdbundle_head h = {.magic = FDBUNDLE_MAGIC, .queues = 256, .holder = 1, .gen = 5};
	struct fdbundle_head first = h, other;

	ck_assert_int_eq(fdbundle_head_check(&h, sizeof(h), 0, &h, FDBUNDLE_PART_FDS), 0);
	/* the last part carries the rest: 257 - 253 */
	h.part = 1;
	ck_assert_int_eq(fdbundle_head_check(&h, sizeof(h), 1, &first, 4), 0);
	ck_assert_int_eq(fdbundle_head_check(&h, sizeof(h), 1, &first, 3), -EBADMSG);
	/* parts in order only, no part past the last */
	ck_assert_int_eq(fdbundle_head_check(&h, sizeof(h), 0, &first, 4), -EBADMSG);
	h.part = 2;
	ck_assert_int_eq(fdbundle_head_check(&h, sizeof(h), 2, &first, 0), -EBADMSG);
	/* every part of one bundle: same counts, same generation */
	other = first;
	other.part = 1;
	other.gen = 6;
	ck_assert_int_eq(fdbundle_head_check(&other, sizeof(other), 1, &first, 4), -EBADMSG);
	other = first;
	ck_assert_int_eq(fdbundle_head_check(&other, sizeof(other) - 1, 0, &other, 253), -EBADMSG);
	other.magic = 0;
	ck_assert_int_eq(fdbundle_head_check(&other, sizeof(other), 0, &other, 253), -EBADMSG);
	other = first;
	other.queues = TAPQD_MAX_QUEUES + 1;
	ck_assert_int_eq(fdbundle_head_check(&other, sizeof(other), 0, &other, 253), -EBADMSG);
	other = first;
	other.holder = 2;
	ck_assert_int_eq(fdbundle_head_check(&other, sizeof(other), 0, &other, 253), -EBADMSG);
}
END_TEST

/* n queues (pipe ends) and a holder, packed, then read back twice: the same open files each time */
static void round_trip(unsigned int n, bool holder)
{
	int queues[TAPQD_MAX_QUEUES], p[2], h = -1, fd;
	struct fdbundle b;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	for (unsigned int i = 0; i < n; i++) {
		queues[i] = i % 2 ? dup(p[1]) : open("/dev/null", O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(queues[i], 0);
	}
	if (holder)
		h = p[0];
	fd = fdbundle_pack(queues, n, h, 9);
	ck_assert_int_ge(fd, 0);
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(fdbundle_unpack(fd, &b), 0);
		ck_assert_uint_eq(b.gen, 9);
		ck_assert_uint_eq(b.queues, n);
		for (unsigned int i = 0; i < n; i++)
			ck_assert(same_file(b.fds[i], queues[i]));
		if (holder)
			ck_assert(same_file(b.holder, p[0]));
		else
			ck_assert_int_eq(b.holder, -1);
		fdbundle_close(&b);
	}
	close(fd);
	for (unsigned int i = 0; i < n; i++)
		close(queues[i]);
	close(p[0]);
	close(p[1]);
}

START_TEST(test_round_trip)
{
	round_trip(4, true);
	round_trip(4, false);
	round_trip(0, true);
	/* two messages: 256 queues and the holder are more than SCM_MAX_FD */
	round_trip(TAPQD_MAX_QUEUES, true);
	round_trip(FDBUNDLE_PART_FDS, false);
}
END_TEST

/* What is not a bundle reads as none, and leaves no fd open. */
START_TEST(test_unpack_bad)
{
	struct fdbundle_head h = {.magic = FDBUNDLE_MAGIC, .queues = 2, .gen = 1};
	int sp[2], before = dup(0), after;
	struct fdbundle b;

	close(before);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	/* nothing queued */
	ck_assert_int_eq(fdbundle_unpack(sp[1], &b), -ENODATA);
	/* a head that promises two fds, with none */
	ck_assert_int_eq(write(sp[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(fdbundle_unpack(sp[1], &b), -EBADMSG);
	close(sp[0]);
	close(sp[1]);
	/* a pipe is no socket */
	ck_assert_int_eq(pipe2(sp, O_CLOEXEC), 0);
	ck_assert_int_lt(fdbundle_unpack(sp[0], &b), 0);
	close(sp[0]);
	close(sp[1]);
	after = dup(0);
	ck_assert_int_eq(after, before);
	close(after);
}
END_TEST

static Suite *fdbundle_suite(void)
{
	Suite *s = suite_create("fdbundle");
	TCase *tc = tcase_create("bundle");

	tcase_add_test(tc, test_bundle_names);
	tcase_add_test(tc, test_parts);
	tcase_add_test(tc, test_head_check);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_unpack_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(fdbundle_suite());
}
