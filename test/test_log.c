// SPDX-License-Identifier: MIT
/* test_log.c - unit tests of the journal fields a log line carries (daemon/log.c) */

#include <check.h>
#include <string.h>

#include "check_run.h"
#include "daemon.h"
#include "log.h"

static struct tapqd d;
static struct log_fields f;

static void setup(void)
{
	memset(&d, 0, sizeof(d));
	log_init(&d);
}

/* field i of f, as a string (the iovec, not the buffer: its length is what is sent) */
static const char *field(size_t i)
{
	static char s[sizeof(f.text[0])];

	ck_assert_uint_lt(i, f.n);
	memcpy(s, f.iov[i].iov_base, f.iov[i].iov_len);
	s[f.iov[i].iov_len] = '\0';
	return s;
}

START_TEST(test_no_context)
{
	ck_assert_uint_eq(log_fields(&f, &d.log_ctx, LOG_INFO, "ready"), 0);
	ck_assert_uint_eq(f.n, 3);
	ck_assert_str_eq(field(0), "MESSAGE=ready");
	ck_assert_str_eq(field(1), "PRIORITY=6");
	ck_assert_str_eq(field(2), "SYSLOG_IDENTIFIER=tapqd");
}
END_TEST

START_TEST(test_device_queue_peer)
{
	log_device(&d, "vm0");
	log_queue(&d, 3);
	log_peer(&d, 4242, 1000);
	ck_assert_uint_eq(log_fields(&f, &d.log_ctx, LOG_ERR, "vm0: queue 3: x"), 4);
	ck_assert_uint_eq(f.n, 7);
	ck_assert_str_eq(field(1), "PRIORITY=3");
	ck_assert_str_eq(field(3), "TAPQD_DEVICE=vm0");
	ck_assert_str_eq(field(4), "TAPQD_QUEUE=3");
	ck_assert_str_eq(field(5), "TAPQD_PEER_PID=4242");
	ck_assert_str_eq(field(6), "TAPQD_PEER_UID=1000");
}
END_TEST

/* queue 0 is a queue: only -1 means none */
START_TEST(test_queue_zero)
{
	log_queue(&d, 0);
	ck_assert_uint_eq(log_fields(&f, &d.log_ctx, LOG_DEBUG, "q"), 1);
	ck_assert_str_eq(field(3), "TAPQD_QUEUE=0");
}
END_TEST

/* a name that does not fit is no device's: no field, rather than a cut one */
START_TEST(test_device_too_long)
{
	log_device(&d, "vm0");
	log_device(&d, "a-name-past-ifnamsiz");
	ck_assert_uint_eq(log_fields(&f, &d.log_ctx, LOG_INFO, "x"), 0);
	log_device(&d, "vm1");
	log_device(&d, NULL);
	ck_assert_uint_eq(log_fields(&f, &d.log_ctx, LOG_INFO, "x"), 0);
}
END_TEST

/* the longest line log_msg formats goes whole, and the iovec stops at its end */
START_TEST(test_long_message)
{
	char line[LOG_LINE_MAX];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	log_fields(&f, &d.log_ctx, LOG_INFO, line);
	ck_assert_uint_eq(f.iov[0].iov_len, strlen("MESSAGE=") + sizeof(line) - 1);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_no_context);
	tcase_add_test(tc, test_device_queue_peer);
	tcase_add_test(tc, test_queue_zero);
	tcase_add_test(tc, test_device_too_long);
	tcase_add_test(tc, test_long_message);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(log_suite());
}
