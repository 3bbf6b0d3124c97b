// SPDX-License-Identifier: MIT
/* test_uring.c - the raw io_uring the workers use (uring.c), on a pipe: reads, writes, a cancel */

#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "uring.h"

static struct uring ring;
static int pipe_fds[2];

static void setup(void)
{
	ck_assert_int_eq(uring_open(&ring, 8), 0);
	ck_assert_int_ge(ring.fd, 0);
	ck_assert_int_eq(pipe(pipe_fds), 0);
}

static void teardown(void)
{
	uring_close(&ring);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
}

/* Waits until a completion comes and takes it. */
static void reap_one(uint64_t *data, int32_t *res)
{
	while (!uring_reap(&ring, data, res)) {
		int r = uring_wait(&ring);

		ck_assert(r == 0 || r == -EINTR);
	}
}

START_TEST(test_read)
{
	char buf[8] = {0};
	uint64_t data;
	int32_t res;

	ck_assert_int_eq(write(pipe_fds[1], "abc", 3), 3);
	uring_read(&ring, pipe_fds[0], buf, sizeof(buf), 5);
	/* queued only: nothing completes before the wait submits it */
	ck_assert_int_eq(uring_reap(&ring, &data, &res), 0);
	reap_one(&data, &res);
	ck_assert_uint_eq(data, 5);
	ck_assert_int_eq(res, 3);
	ck_assert_mem_eq(buf, "abc", 3);
	ck_assert_int_eq(uring_reap(&ring, &data, &res), 0);
}
END_TEST

START_TEST(test_write_then_read)
{
	char buf[8] = {0};
	uint64_t data;
	int32_t res;

	uring_write(&ring, pipe_fds[1], "frame", 5, 1);
	reap_one(&data, &res);
	ck_assert_uint_eq(data, 1);
	ck_assert_int_eq(res, 5);
	ck_assert_int_eq(read(pipe_fds[0], buf, sizeof(buf)), 5);
	ck_assert_mem_eq(buf, "frame", 5);
}
END_TEST

/*
 * How a worker stops: a read that waits for data (the pipe is empty) is
 * cancelled, and both completions come back, the read's with ECANCELED.
 */
START_TEST(test_cancel_a_read_in_flight)
{
	char buf[8];
	bool read_done = false, cancel_done = false;
	uint64_t data;
	int32_t res;

	uring_read(&ring, pipe_fds[0], buf, sizeof(buf), 7);
	uring_cancel(&ring, 7, 99);
	while (!read_done || !cancel_done) {
		reap_one(&data, &res);
		if (data == 7) {
			ck_assert_int_eq(res, -ECANCELED);
			read_done = true;
		} else {
			ck_assert_uint_eq(data, 99);
			ck_assert_int_eq(res, 0);
			cancel_done = true;
		}
	}
}
END_TEST

START_TEST(test_close_twice)
{
	uring_close(&ring);
	ck_assert_int_eq(ring.fd, -1);
	uring_close(&ring); /* teardown's: a no-op */
}
END_TEST

static Suite *uring_suite(void)
{
	Suite *s = suite_create("uring");
	TCase *tc = tcase_create("pipe");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_write_then_read);
	tcase_add_test(tc, test_cancel_a_read_in_flight);
	tcase_add_test(tc, test_close_twice);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(uring_suite());
}
