// SPDX-License-Identifier: MIT
/* test_status.c - what STATUS leaves of a device for a peer that may not use it (status.c) */

#include <check.h>
#include <string.h>

#include "check_run.h"
#include "status.h"

START_TEST(test_redact)
{
	struct tapqd_device_info info, want;

	memset(&info, 0, sizeof(info));
	memcpy(info.name, "tq0", 4);
	info.ifindex = 7;
	info.max_queues = info.n_queues = 2;
	info.active_queues = 1;
	info.leased = true;
	info.control = TAPQD_CONTROL_DAEMON;
	info.holder_pid = 4242;
	info.txqueuelen = 1000;
	info.follow = TAPQD_FOLLOW_UP;
	info.vcpus = 4;
	/* created from a template the reader is not on the allow lists of, by another uid */
	info.created = true;
	info.created_by = 1000;
	memcpy(info.template_name, "rootonly", 9);
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		info.queues[i].active = i == 0;
		info.queues[i].worker = i == 1;
		info.queues[i].cpu = (int)i % 3;
		info.queues[i].rx_packets = info.queues[i].rx_bytes = 10 + i;
		info.queues[i].tx_packets = info.queues[i].tx_bytes = 20 + i;
		info.queues[i].drops = i;
		info.queues[i].cpu_ns = 30 + i;
	}
	want = info;
	want.holder_pid = 0;
	want.follow = TAPQD_FOLLOW_NONE;
	want.vcpus = 0;
	want.created = false;
	want.created_by = 0;
	memset(want.template_name, 0, sizeof(want.template_name));
	for (unsigned int i = 0; i < TAPQD_MAX_QUEUES; i++) {
		want.queues[i].rx_packets = want.queues[i].rx_bytes = 0;
		want.queues[i].tx_packets = want.queues[i].tx_bytes = 0;
		want.queues[i].drops = 0;
		want.queues[i].cpu_ns = 0;
	}
	status_redact(&info);
	/* everything else, the lease state among it, stays as it was */
	ck_assert_mem_eq(&info, &want, sizeof(info));
	ck_assert(info.leased);
	ck_assert_uint_eq(info.control, TAPQD_CONTROL_DAEMON);
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("redact");

	tcase_add_test(tc, test_redact);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(status_suite());
}
