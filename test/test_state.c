// SPDX-License-Identifier: MIT
/* test_state.c - unit tests of the lease state format (daemon/state.c) and fd store names (daemon/fdstore.c) */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "fdstore.h"
#include "state.h"

static const struct state_lease two[] = {
	{.name = "tqa", .pid = 1234, .uid = 0, .control = TAPQD_CONTROL_CLIENT,
	 .token = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
	{.name = "vm.net-0_long1", .pid = 99999, .uid = 1000, .control = TAPQD_CONTROL_DAEMON,
	 .token = {0xff, 0xee}},
};

#define GEN 0x0102030405060708ull
#define REC0 16 /* the first record, after the header */

static uint8_t *encoded(const struct state_lease *l, size_t n)
{
	uint8_t *buf = malloc(state_size(n));

	ck_assert_ptr_nonnull(buf);
	state_encode(l, n, GEN, buf);
	return buf;
}

START_TEST(test_round_trip)
{
	uint8_t *buf = encoded(two, 2);
	struct state_lease *out = NULL;
	uint64_t gen = 0;
	size_t n = 0;

	ck_assert_int_eq(state_decode(buf, state_size(2), &out, &n, &gen), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(gen, GEN);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_str_eq(out[i].name, two[i].name);
		ck_assert_int_eq(out[i].pid, two[i].pid);
		ck_assert_uint_eq(out[i].uid, two[i].uid);
		ck_assert_uint_eq(out[i].control, two[i].control);
		ck_assert_mem_eq(out[i].token, two[i].token, TAPQD_TOKEN_LEN);
	}
	free(out);
	free(buf);
}
END_TEST

START_TEST(test_empty)
{
	uint8_t *buf = encoded(NULL, 0);
	struct state_lease *out = (struct state_lease *)buf;
	uint64_t gen = 0;
	size_t n = 7;

	ck_assert_int_eq(state_decode(buf, state_size(0), &out, &n, &gen), 0);
	ck_assert_uint_eq(gen, GEN);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(out);
	free(buf);
}
END_TEST

START_TEST(test_truncated_and_trailing)
{
	uint8_t *buf = encoded(two, 2), *big = malloc(state_size(2) + 1);
	struct state_lease *out = NULL;
	uint64_t gen;
	size_t n = 0;

	for (size_t len = 0; len < state_size(2); len++)
		ck_assert_int_eq(state_decode(buf, len, &out, &n, &gen), -EBADMSG);
	memcpy(big, buf, state_size(2));
	big[state_size(2)] = 0;
	ck_assert_int_eq(state_decode(big, state_size(2) + 1, &out, &n, &gen), -EBADMSG);
	free(big);
	free(buf);
}
END_TEST

/* Each corruption of one field of a valid state is refused. */
START_TEST(test_bad_fields)
{
	static const struct {
		size_t off;
		uint8_t val;
		int want;
	} cases[] = {
		{0, 'X', -EBADMSG},          /* magic */
		{4, 1, -EPROTO},             /* version 1, before the generation */
		{4, 3, -EPROTO},             /* a later version */
		{6, 3, -EBADMSG},            /* count says 3, 2 present */
		{REC0, 0, -EBADMSG},         /* empty name */
		{REC0, '/', -EBADMSG},       /* a name the kernel refuses */
		{REC0 + 5, 'x', -EBADMSG},   /* bytes after the name's NUL */
		{REC0 + 19, 0x80, -EBADMSG}, /* negative pid */
		{REC0 + 24, 0, -EBADMSG},    /* control none */
		{REC0 + 24, 3, -EBADMSG},    /* unknown control */
		{REC0 + 25, 1, -EBADMSG},    /* reserved */
	};
	struct state_lease *out = NULL;
	uint64_t gen;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *buf = encoded(two, 2);
		int r;

		buf[cases[i].off] = cases[i].val;
		r = state_decode(buf, state_size(2), &out, &n, &gen);
		ck_assert_msg(r == cases[i].want, "case %zu: %d", i, r);
		free(buf);
	}
}
END_TEST

START_TEST(test_no_pid)
{
	struct state_lease l = two[0];
	uint8_t *buf;
	struct state_lease *out = NULL;
	uint64_t gen;
	size_t n = 0;

	l.pid = 0;
	buf = encoded(&l, 1);
	ck_assert_int_eq(state_decode(buf, state_size(1), &out, &n, &gen), -EBADMSG);
	free(buf);
}
END_TEST

START_TEST(test_duplicate_device)
{
	struct state_lease dup[2] = {two[0], two[0]};
	uint8_t *buf = encoded(dup, 2);
	struct state_lease *out = NULL;
	uint64_t gen;
	size_t n = 0;

	ck_assert_int_eq(state_decode(buf, state_size(2), &out, &n, &gen), -EBADMSG);
	free(buf);
}
END_TEST

/* Generation 0 is never written: a zeroed header is no state. */
START_TEST(test_generation_zero)
{
	uint8_t *buf = malloc(state_size(1));
	struct state_lease *out = NULL;
	uint64_t gen = 9;
	size_t n = 0;

	ck_assert_ptr_nonnull(buf);
	state_encode(two, 1, 0, buf);
	ck_assert_int_eq(state_decode(buf, state_size(1), &out, &n, &gen), -EBADMSG);
	ck_assert_uint_eq(gen, 9);
	state_encode(two, 1, UINT64_MAX, buf);
	ck_assert_int_eq(state_decode(buf, state_size(1), &out, &n, &gen), 0);
	ck_assert_uint_eq(gen, UINT64_MAX);
	free(out);
	free(buf);
}
END_TEST

/* What a version 1 tapqd wrote (8-byte header, no generation) is refused as another version. */
START_TEST(test_version1)
{
	uint8_t buf[8 + 44] = "TQST";
	uint16_t v = 1, c = 1;
	struct state_lease *out = NULL;
	uint64_t gen;
	size_t n = 0;

	memcpy(buf + 4, &v, 2);
	memcpy(buf + 6, &c, 2);
	memcpy(buf + 8, "tqa", 3);
	ck_assert_int_eq(state_decode(buf, sizeof(buf), &out, &n, &gen), -EPROTO);
	ck_assert_int_eq(state_decode(buf, 8, &out, &n, &gen), -EPROTO);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_garbage)
{
	uint8_t buf[512];
	struct state_lease *out;
	uint64_t gen;
	size_t n;
	unsigned int seed = 5;

	/* random bytes behind a valid header: must be refused or read whole, never crash */
	for (int round = 0; round < 2000; round++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(buf);
		int r;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		if (round % 2 && len >= REC0) {
			uint16_t v = 2, c = (uint16_t)((len - REC0) / 44);

			memcpy(buf, "TQST", 4);
			memcpy(buf + 4, &v, 2);
			memcpy(buf + 6, &c, 2);
		}
		out = NULL;
		n = 0;
		r = state_decode(buf, len, &out, &n, &gen);
		ck_assert(r == 0 || r == -EBADMSG || r == -EPROTO);
		if (r == 0)
			for (size_t i = 0; i < n; i++)
				ck_assert(tapqd_name_valid(out[i].name, TAPQD_NAME_MAX));
		free(out);
	}
}
END_TEST

START_TEST(test_fdstore_names)
{
	char name[FDSTORE_NAME_MAX], dev[TAPQD_NAME_MAX];
	unsigned int q = 0;

	fdstore_queue_name(name, sizeof(name), "vm.1", 255);
	ck_assert_str_eq(name, "q.255.vm.1");
	ck_assert_int_eq(fdstore_name_parse(name, dev, &q), FDSTORE_QUEUE);
	ck_assert_str_eq(dev, "vm.1");
	ck_assert_uint_eq(q, 255);
	fdstore_holder_name(name, sizeof(name), "tqa");
	ck_assert_str_eq(name, "h.tqa");
	ck_assert_int_eq(fdstore_name_parse(name, dev, NULL), FDSTORE_HOLDER);
	ck_assert_str_eq(dev, "tqa");
	ck_assert_int_eq(fdstore_name_parse("state", dev, NULL), FDSTORE_LEASES);
	/* two names in turn, by the generation's parity: the new one goes in before the old goes */
	fdstore_state_name(name, sizeof(name), 1);
	ck_assert_str_eq(name, "state.1");
	ck_assert_int_eq(fdstore_name_parse(name, dev, NULL), FDSTORE_LEASES);
	fdstore_state_name(name, sizeof(name), 0x100000000ull);
	ck_assert_str_eq(name, "state.0");
	ck_assert_int_eq(fdstore_name_parse(name, dev, NULL), FDSTORE_LEASES);
	ck_assert_int_eq(fdstore_name_parse("state.2", dev, NULL), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("state.", dev, NULL), FDSTORE_FOREIGN);
	/* what tapqd never writes is someone else's: the socket unit's name, strays */
	ck_assert_int_eq(fdstore_name_parse("tapqd.socket", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("unknown", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("q.256.tqa", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("q.01.tqa", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("q..tqa", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("q.1", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("q.1.", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("q.99999999.tqa", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("h.", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("h.a/b", dev, &q), FDSTORE_FOREIGN);
	ck_assert_int_eq(fdstore_name_parse("h.0123456789abcdef", dev, &q), FDSTORE_FOREIGN);
}
END_TEST

static Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_truncated_and_trailing);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_no_pid);
	tcase_add_test(tc, test_duplicate_device);
	tcase_add_test(tc, test_generation_zero);
	tcase_add_test(tc, test_version1);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_fdstore_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(state_suite());
}
