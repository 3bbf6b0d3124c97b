// SPDX-License-Identifier: MIT
/* test_proto.c - unit tests of the control message packing and checking (lib/proto.c) */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "tapqd.h"

static _Alignas(max_align_t) char buf[TAPQD_MSG_MAX + 64];

START_TEST(test_round_trip_every_type)
{
	static const uint16_t types[] = {TAPQD_HELLO, TAPQD_STATUS, TAPQD_ACQUIRE, TAPQD_RELEASE,
					 TAPQD_RESIZE, TAPQD_SUBSCRIBE, TAPQD_RELOAD, TAPQD_RESUME, TAPQD_HANDOVER, TAPQD_OK, TAPQD_ERROR,
					 TAPQD_DEVICE, TAPQD_LEASE, TAPQD_FDS, TAPQD_EVENT};
	static char payload[TAPQD_MSG_MAX];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ssize_t want = tapqd_msg_payload_size(types[i]);
		struct tapqd_hdr h;
		const void *p;
		size_t n;

		ck_assert_int_ge(want, 0);
		for (ssize_t k = 0; k < want; k++)
			payload[k] = (char)(k * 7 + (ssize_t)i);
		n = tapqd_msg_pack(buf, sizeof(buf), types[i], 1000 + (uint32_t)i, payload,
				   (size_t)want);
		ck_assert_uint_eq(n, sizeof(h) + (size_t)want);
		ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p), 0);
		ck_assert_uint_eq(h.type, types[i]);
		ck_assert_uint_eq(h.seq, 1000 + i);
		ck_assert_uint_eq(h.len, (uint32_t)want);
		ck_assert_mem_eq(p, payload, (size_t)want);
	}
}
END_TEST

START_TEST(test_every_message_fits)
{
	for (uint16_t t = 0; t < 256; t++) {
		ssize_t want = tapqd_msg_payload_size(t);

		if (want >= 0)
			ck_assert_uint_le(sizeof(struct tapqd_hdr) + (size_t)want, TAPQD_MSG_MAX);
	}
}
END_TEST

START_TEST(test_truncated)
{
	struct tapqd_acquire req = {.name = "tapq0", .control = TAPQD_CONTROL_CLIENT};
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_ACQUIRE, 1, &req, sizeof(req));
	struct tapqd_hdr h;
	const void *p;

	ck_assert_uint_gt(n, 0);
	/* every shorter length is refused, down to an empty message */
	for (size_t k = 0; k < n; k++)
		ck_assert_int_eq(tapqd_msg_unpack(buf, k, &h, &p), -EBADMSG);
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p), 0);
}
END_TEST

START_TEST(test_trailing_bytes_and_bad_len)
{
	struct tapqd_name req = {.name = "tapq0"};
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_STATUS, 1, &req, sizeof(req));
	struct tapqd_hdr h;
	const void *p;

	/* a message one byte longer than its header says */
	ck_assert_int_eq(tapqd_msg_unpack(buf, n + 1, &h, &p), -EBADMSG);
	/* a header that claims a length its type does not take */
	memcpy(&h, buf, sizeof(h));
	h.len = sizeof(req) + 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n + 1, &h, &p), -EBADMSG);
	/* longer than any message may be */
	ck_assert_int_eq(tapqd_msg_unpack(buf, TAPQD_MSG_MAX + 1, &h, &p), -EBADMSG);
}
END_TEST

START_TEST(test_bad_magic_version_type)
{
	struct tapqd_name req = {.name = "tapq0"};
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_STATUS, 1, &req, sizeof(req));
	struct tapqd_hdr h, orig;
	const void *p;

	memcpy(&orig, buf, sizeof(orig));

	h = orig;
	h.magic ^= 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p), -EBADMSG);

	h = orig;
	h.version = TAPQD_VERSION + 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p), -EPROTO);
	ck_assert_uint_eq(h.version, TAPQD_VERSION + 1);

	h = orig;
	h.version = 0;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p), -EPROTO);

	h = orig;
	h.type = 999;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(tapqd_msg_unpack(buf, n, &h, &p), -EOPNOTSUPP);
}
END_TEST

START_TEST(test_pack_refuses_small_buffer)
{
	struct tapqd_device_info dev;
	char small[64];

	memset(&dev, 0, sizeof(dev));
	ck_assert_uint_eq(tapqd_msg_pack(small, sizeof(small), TAPQD_DEVICE, 1, &dev, sizeof(dev)),
			  0);
	ck_assert_uint_eq(tapqd_msg_pack(buf, sizeof(buf), TAPQD_DEVICE, 1, &dev, TAPQD_MSG_MAX),
			  0);
}
END_TEST

START_TEST(test_names)
{
	char exact[TAPQD_NAME_MAX];

	ck_assert(tapqd_name_valid("tapq0", TAPQD_NAME_MAX));
	ck_assert(tapqd_name_valid("a", 2));
	ck_assert(!tapqd_name_valid("", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid(".", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("..", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a/b", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a:b", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a b", TAPQD_NAME_MAX));
	ck_assert(!tapqd_name_valid("a\tb", TAPQD_NAME_MAX));
	ck_assert(tapqd_name_valid("fifteen-chars15", TAPQD_NAME_MAX));
	/* 16 characters and no NUL within the array */
	memcpy(exact, "sixteen-chars-16", TAPQD_NAME_MAX);
	ck_assert(!tapqd_name_valid(exact, TAPQD_NAME_MAX));
}
END_TEST

START_TEST(test_control_names)
{
	unsigned int c = 0;

	ck_assert_int_eq(tapqd_control_parse("client", &c), 0);
	ck_assert_uint_eq(c, TAPQD_CONTROL_CLIENT);
	ck_assert_int_eq(tapqd_control_parse("daemon", &c), 0);
	ck_assert_uint_eq(c, TAPQD_CONTROL_DAEMON);
	ck_assert_int_eq(tapqd_control_parse("Client", &c), -EINVAL);
	ck_assert_int_eq(tapqd_control_parse("", &c), -EINVAL);
	ck_assert_str_eq(tapqd_control_name(TAPQD_CONTROL_CLIENT), "client");
	ck_assert_str_eq(tapqd_control_name(TAPQD_CONTROL_DAEMON), "daemon");
	ck_assert_str_eq(tapqd_control_name(TAPQD_CONTROL_NONE), "none");
	ck_assert_str_eq(tapqd_control_name(77), "none");
}
END_TEST

static Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("messages");

	tcase_add_test(tc, test_round_trip_every_type);
	tcase_add_test(tc, test_every_message_fits);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_trailing_bytes_and_bad_len);
	tcase_add_test(tc, test_bad_magic_version_type);
	tcase_add_test(tc, test_pack_refuses_small_buffer);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_control_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(proto_suite());
}
