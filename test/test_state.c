// SPDX-License-Identifier: MIT
/* test_state.c - unit tests of the state format (daemon/state.c) and fd store names (daemon/fdstore.c) */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "fdstore.h"
#include "state.h"

static const struct state_lease two[] = {
	{.name = "tqa", .pid = 1234, .uid = 0, .control = TAPQD_CONTROL_CLIENT,
	 .token = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
	{.name = "vm.net-0_long1", .pid = 99999, .uid = 1000, .control = TAPQD_CONTROL_DAEMON,
	 .token = {0xff, 0xee}},
};

#define GEN 0x0102030405060708ull
#define HDR 24 /* the first record, after the header */
#define REC 44
#define REC0 HDR

/* Bytes of a state of n leases and conf_len bytes of config, no created device. */
static size_t size_of(size_t n, size_t conf_len)
{
	struct state s = {.n_leases = n, .conf_len = conf_len};

	return state_size(&s);
}

static const char conf_text[] = "[tapqd]\nlog_level = debug\n\n[device tqa]\nmax_queues = 4\n";

static uint8_t *encoded_conf(const struct state_lease *l, size_t n, const char *conf,
			     size_t conf_len)
{
	struct state s = {.leases = (struct state_lease *)l, .n_leases = n, .generation = GEN,
			  .conf = (char *)conf, .conf_len = conf_len};
	uint8_t *buf = malloc(size_of(n, conf_len));

	ck_assert_ptr_nonnull(buf);
	state_encode(&s, buf);
	return buf;
}

static uint8_t *encoded(const struct state_lease *l, size_t n)
{
	return encoded_conf(l, n, NULL, 0);
}

static void assert_leases(const struct state *s, const struct state_lease *l, size_t n)
{
	ck_assert_uint_eq(s->n_leases, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(s->leases[i].name, l[i].name);
		ck_assert_int_eq(s->leases[i].pid, l[i].pid);
		ck_assert_uint_eq(s->leases[i].uid, l[i].uid);
		ck_assert_uint_eq(s->leases[i].control, l[i].control);
		ck_assert_mem_eq(s->leases[i].token, l[i].token, TAPQD_TOKEN_LEN);
	}
}

START_TEST(test_round_trip)
{
	uint8_t *buf = encoded(two, 2);
	struct state out;

	ck_assert_int_eq(state_decode(buf, size_of(2, 0), &out), 0);
	ck_assert_uint_eq(out.generation, GEN);
	assert_leases(&out, two, 2);
	ck_assert_ptr_null(out.conf);
	ck_assert_uint_eq(out.conf_len, 0);
	state_free(&out);
	ck_assert_ptr_null(out.leases);
	free(buf);
}
END_TEST

/* The config text comes back byte for byte, whatever it holds: the parser reads it again. */
START_TEST(test_conf_round_trip)
{
	static const char odd[] = {'a', 0, '\n', (char)0xff, '['};
	uint8_t *buf = encoded_conf(two, 2, conf_text, sizeof(conf_text) - 1);
	struct state out;

	ck_assert_int_eq(state_decode(buf, size_of(2, sizeof(conf_text) - 1), &out), 0);
	assert_leases(&out, two, 2);
	ck_assert_uint_eq(out.conf_len, sizeof(conf_text) - 1);
	ck_assert_mem_eq(out.conf, conf_text, sizeof(conf_text) - 1);
	state_free(&out);
	free(buf);
	buf = encoded_conf(NULL, 0, odd, sizeof(odd));
	ck_assert_int_eq(state_decode(buf, size_of(0, sizeof(odd)), &out), 0);
	ck_assert_uint_eq(out.n_leases, 0);
	ck_assert_mem_eq(out.conf, odd, sizeof(odd));
	state_free(&out);
	free(buf);
}
END_TEST

/* What a restart does with the text: the parser takes it back to the config that was applied. */
START_TEST(test_conf_parses_back)
{
	uint8_t *buf = encoded_conf(two, 1, conf_text, sizeof(conf_text) - 1);
	struct conf_error err;
	struct conf *c = malloc(sizeof(*c));
	struct state out;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(state_decode(buf, size_of(1, sizeof(conf_text) - 1), &out), 0);
	ck_assert_int_eq(conf_parse_buffer(out.conf, out.conf_len, "tapqd.conf", NULL, c, &err), 0);
	ck_assert_uint_eq(c->n_devices, 1);
	ck_assert_str_eq(c->devices[0].name, "tqa");
	ck_assert_uint_eq(c->devices[0].max_queues, 4);
	ck_assert_int_eq(c->log_level, CONF_LOG_DEBUG);
	state_free(&out);
	conf_free(c);
	free(c);
	free(buf);
}
END_TEST

/* STATE_CONF_MAX is read; one byte more is refused before anything is allocated. */
START_TEST(test_conf_bound)
{
	char *big = malloc(STATE_CONF_MAX + 1);
	uint8_t *buf;
	struct state out;
	uint32_t len = STATE_CONF_MAX + 1;

	ck_assert_ptr_nonnull(big);
	memset(big, '#', STATE_CONF_MAX + 1);
	buf = encoded_conf(two, 1, big, STATE_CONF_MAX);
	ck_assert_int_eq(state_decode(buf, size_of(1, STATE_CONF_MAX), &out), 0);
	ck_assert_uint_eq(out.conf_len, STATE_CONF_MAX);
	state_free(&out);
	free(buf);
	buf = encoded_conf(two, 1, big, STATE_CONF_MAX + 1);
	ck_assert_int_eq(state_decode(buf, size_of(1, STATE_CONF_MAX + 1), &out), -EBADMSG);
	free(buf);
	/* a length that claims more than is there */
	buf = encoded_conf(two, 1, big, 10);
	memcpy(buf + 16, &len, 4);
	ck_assert_int_eq(state_decode(buf, size_of(1, 10), &out), -EBADMSG);
	free(buf);
	free(big);
}
END_TEST

START_TEST(test_empty)
{
	uint8_t *buf = encoded(NULL, 0);
	struct state out;

	ck_assert_int_eq(state_decode(buf, size_of(0, 0), &out), 0);
	ck_assert_uint_eq(out.generation, GEN);
	ck_assert_uint_eq(out.n_leases, 0);
	ck_assert_ptr_null(out.leases);
	ck_assert_ptr_null(out.conf);
	free(buf);
}
END_TEST

START_TEST(test_truncated_and_trailing)
{
	size_t size = size_of(2, 5);
	uint8_t *buf = encoded_conf(two, 2, "x = 1", 5), *big = malloc(size + 1);
	struct state out;

	for (size_t len = 0; len < size; len++)
		ck_assert_int_eq(state_decode(buf, len, &out), -EBADMSG);
	memcpy(big, buf, size);
	big[size] = 0;
	ck_assert_int_eq(state_decode(big, size + 1, &out), -EBADMSG);
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
		{4, 5, -EPROTO},             /* a later version */
		{4, 3, 0},                   /* version 3: the same without created devices */
		{6, 3, -EBADMSG},            /* count says 3, 2 present */
		{16, 6, -EBADMSG},           /* config length says 6, 5 present */
		{20, 1, -EBADMSG},           /* reserved in the header */
		{23, 0x80, -EBADMSG},        /* reserved in the header */
		{REC0, 0, -EBADMSG},         /* empty name */
		{REC0, '/', -EBADMSG},       /* a name the kernel refuses */
		{REC0 + 5, 'x', -EBADMSG},   /* bytes after the name's NUL */
		{REC0 + 19, 0x80, -EBADMSG}, /* negative pid */
		{REC0 + 24, 0, -EBADMSG},    /* control none */
		{REC0 + 24, 3, -EBADMSG},    /* unknown control */
		{REC0 + 25, 1, -EBADMSG},    /* reserved */
	};
	struct state out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *buf = encoded_conf(two, 2, "x = 1", 5);
		int r;

		buf[cases[i].off] = cases[i].val;
		r = state_decode(buf, size_of(2, 5), &out);
		ck_assert_msg(r == cases[i].want, "case %zu: %d", i, r);
		if (r == 0)
			state_free(&out);
		free(buf);
	}
}
END_TEST

START_TEST(test_no_pid)
{
	struct state_lease l = two[0];
	uint8_t *buf;
	struct state out;

	l.pid = 0;
	buf = encoded(&l, 1);
	ck_assert_int_eq(state_decode(buf, size_of(1, 0), &out), -EBADMSG);
	free(buf);
}
END_TEST

START_TEST(test_duplicate_device)
{
	struct state_lease dup[2] = {two[0], two[0]};
	uint8_t *buf = encoded_conf(dup, 2, conf_text, sizeof(conf_text) - 1);
	struct state out;

	ck_assert_int_eq(state_decode(buf, size_of(2, sizeof(conf_text) - 1), &out), -EBADMSG);
	free(buf);
}
END_TEST

/* Generation 0 is never written: a zeroed header is no state. */
START_TEST(test_generation_zero)
{
	struct state s = {.leases = (struct state_lease *)two, .n_leases = 1};
	uint8_t *buf = malloc(size_of(1, 0));
	struct state out = {.generation = 9};

	ck_assert_ptr_nonnull(buf);
	state_encode(&s, buf);
	ck_assert_int_eq(state_decode(buf, size_of(1, 0), &out), -EBADMSG);
	ck_assert_uint_eq(out.generation, 9);
	s.generation = UINT64_MAX;
	state_encode(&s, buf);
	ck_assert_int_eq(state_decode(buf, size_of(1, 0), &out), 0);
	ck_assert_uint_eq(out.generation, UINT64_MAX);
	state_free(&out);
	free(buf);
}
END_TEST

/*
 * What the tapqd an upgrade replaces wrote (version 2: a 16-byte header, no
 * config) is read: its leases survive the upgrade's restart.
 */
START_TEST(test_version2)
{
	uint8_t *v3 = encoded(two, 2), v2[16 + 2 * REC];
	uint16_t v = 2;
	struct state out;

	memcpy(v2, v3, 16);
	memcpy(v2 + 4, &v, 2);
	memcpy(v2 + 16, v3 + HDR, 2 * REC);
	ck_assert_int_eq(state_decode(v2, sizeof(v2), &out), 0);
	ck_assert_uint_eq(out.generation, GEN);
	assert_leases(&out, two, 2);
	ck_assert_ptr_null(out.conf);
	state_free(&out);
	ck_assert_int_eq(state_decode(v2, sizeof(v2) - 1, &out), -EBADMSG);
	ck_assert_int_eq(state_decode(v2, 15, &out), -EBADMSG);
	free(v3);
}
END_TEST

/* What a version 1 tapqd wrote (8-byte header, no generation) is refused as another version. */
START_TEST(test_version1)
{
	uint8_t buf[8 + 44] = "TQST";
	uint16_t v = 1, c = 1;
	struct state out = {0};

	memcpy(buf + 4, &v, 2);
	memcpy(buf + 6, &c, 2);
	memcpy(buf + 8, "tqa", 3);
	ck_assert_int_eq(state_decode(buf, sizeof(buf), &out), -EPROTO);
	ck_assert_int_eq(state_decode(buf, 8, &out), -EPROTO);
	ck_assert_ptr_null(out.leases);
}
END_TEST

START_TEST(test_garbage)
{
	uint8_t buf[512];
	struct state out;
	unsigned int seed = 5;

	/* random bytes behind a valid header: must be refused or read whole, never crash */
	for (int round = 0; round < 4000; round++) {
		size_t len = (size_t)rand_r(&seed) % sizeof(buf);
		int r;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand_r(&seed);
		if (round % 2 && len >= HDR) {
			uint16_t v = round % 4 == 1 ? 2 : 3, c = (uint16_t)((len - HDR) / REC);
			uint32_t conf_len = (uint32_t)((len - HDR) % REC), zero = 0;

			memcpy(buf, "TQST", 4);
			memcpy(buf + 4, &v, 2);
			memcpy(buf + 6, &c, 2);
			memcpy(buf + 16, &conf_len, 4);
			memcpy(buf + 20, &zero, 4);
		}
		r = state_decode(buf, len, &out);
		ck_assert(r == 0 || r == -EBADMSG || r == -EPROTO);
		if (r == 0) {
			for (size_t i = 0; i < out.n_leases; i++)
				ck_assert(tapqd_name_valid(out.leases[i].name, TAPQD_NAME_MAX));
			ck_assert(out.conf_len <= STATE_CONF_MAX);
			state_free(&out);
		}
	}
}
END_TEST

static const char created_conf[] = "[device tqvm1]\nmax_queues = 2\nallow_users = 65534\n";

/* A state of two leases, two created devices and a config, as tapqd writes it. */
static uint8_t *encoded_created(size_t *ret_len)
{
	struct state_created c[2] = {
		{.name = "tqvm1", .template_name = "vm", .creator = 65534, .ifindex = 7,
		 .conf = (char *)created_conf, .conf_len = sizeof(created_conf) - 1},
		{.name = "tqvm2", .template_name = "a-template-of-31-characters-xyz", .creator = 0,
		 .ifindex = 0, .conf = (char *)"[device tqvm2]\n", .conf_len = 15},
	};
	struct state s = {.leases = (struct state_lease *)two, .n_leases = 2, .generation = GEN,
			  .created = c, .n_created = 2, .conf = (char *)conf_text,
			  .conf_len = sizeof(conf_text) - 1};
	uint8_t *buf;

	*ret_len = state_size(&s);
	buf = malloc(*ret_len);
	ck_assert_ptr_nonnull(buf);
	state_encode(&s, buf);
	return buf;
}

/* Version 4: created devices, with template, creator, ifindex and config, between leases and config. */
START_TEST(test_created_round_trip)
{
	size_t len;
	uint8_t *buf = encoded_created(&len);
	struct state out;

	ck_assert_uint_eq(len, HDR + 2 * REC + 2 * 60 + (sizeof(created_conf) - 1) + 15 +
				       sizeof(conf_text) - 1);
	ck_assert_int_eq(state_decode(buf, len, &out), 0);
	assert_leases(&out, two, 2);
	ck_assert_uint_eq(out.n_created, 2);
	ck_assert_str_eq(out.created[0].name, "tqvm1");
	ck_assert_str_eq(out.created[0].template_name, "vm");
	ck_assert_uint_eq(out.created[0].creator, 65534);
	ck_assert_int_eq(out.created[0].ifindex, 7);
	ck_assert_uint_eq(out.created[0].conf_len, sizeof(created_conf) - 1);
	ck_assert_mem_eq(out.created[0].conf, created_conf, sizeof(created_conf) - 1);
	ck_assert_str_eq(out.created[1].template_name, "a-template-of-31-characters-xyz");
	ck_assert_uint_eq(out.created[1].creator, 0);
	ck_assert_uint_eq(out.conf_len, sizeof(conf_text) - 1);
	ck_assert_mem_eq(out.conf, conf_text, sizeof(conf_text) - 1);
	state_free(&out);
	/* one byte short or long: refused */
	ck_assert_int_eq(state_decode(buf, len - 1, &out), -EBADMSG);
	free(buf);
}
END_TEST

START_TEST(test_created_bad_fields)
{
	const size_t c0 = HDR + 2 * REC; /* the first created record */
	static const struct {
		size_t off;
		uint8_t val;
		int want;
	} cases[] = {
		{4, 3, -EBADMSG},          /* version 3 has no created device */
		{20, 3, -EBADMSG},         /* count says 3, 2 present */
		{0, 0, -EBADMSG},          /* empty name (off is relative to c0) */
		{7, 'x', -EBADMSG},        /* bytes after the name's NUL */
		{16, 0, -EBADMSG},         /* empty template */
		{20, 'x', -EBADMSG},       /* bytes after the template's NUL */
		{48, 0xff, 0},             /* creator 255 is a uid like any */
		{55, 0x80, -EBADMSG},      /* negative ifindex */
		{56, 0, -EBADMSG},         /* its config length 0 */
		{59, 0x10, -EBADMSG},      /* its config length past the end */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len, off = cases[i].off + (i >= 2 ? c0 : 0);
		uint8_t *buf = encoded_created(&len);
		struct state out;
		int r;

		buf[off] = cases[i].val;
		if (i == 1) {
			buf[off] = 3;
			buf[off + 1] = 0;
		}
		r = state_decode(buf, len, &out);
		ck_assert_msg(r == cases[i].want, "case %zu: %d", i, r);
		if (r == 0)
			state_free(&out);
		free(buf);
	}
}
END_TEST

/* Version 3, what the tapqd before created devices wrote, is still read. */
START_TEST(test_version3)
{
	uint8_t *buf = encoded_conf(two, 2, conf_text, sizeof(conf_text) - 1);
	uint16_t v = 3;
	struct state out;

	memcpy(buf + 4, &v, 2);
	ck_assert_int_eq(state_decode(buf, size_of(2, sizeof(conf_text) - 1), &out), 0);
	assert_leases(&out, two, 2);
	ck_assert_uint_eq(out.n_created, 0);
	ck_assert_ptr_null(out.created);
	ck_assert_mem_eq(out.conf, conf_text, sizeof(conf_text) - 1);
	state_free(&out);
	free(buf);
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
	tcase_add_test(tc, test_conf_round_trip);
	tcase_add_test(tc, test_conf_parses_back);
	tcase_add_test(tc, test_conf_bound);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_truncated_and_trailing);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_no_pid);
	tcase_add_test(tc, test_duplicate_device);
	tcase_add_test(tc, test_generation_zero);
	tcase_add_test(tc, test_version2);
	tcase_add_test(tc, test_version1);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_created_round_trip);
	tcase_add_test(tc, test_created_bad_fields);
	tcase_add_test(tc, test_version3);
	tcase_add_test(tc, test_fdstore_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(state_suite());
}
