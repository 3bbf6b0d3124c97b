// SPDX-License-Identifier: MIT
/* test_fdlimit.c - unit tests of the fd store ledger against FileDescriptorStoreMax= (daemon/fdlimit.c) */

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "fdlimit.h"

/* Stores q.0.tqa .. q.(n-1).tqa; each fits. */
static void put_queues(struct fdlimit *l, unsigned int n)
{
	char name[32];

	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "q.%u.tqa", i);
		ck_assert_int_eq(fdlimit_put(l, name), 0);
	}
}

/* op (fdlimit_put or fdlimit_passed) on each name, none of them over the limit. */
static void all_fit(struct fdlimit *l, int (*op)(struct fdlimit *, const char *),
		    const char *const *names)
{
	for (; *names; names++)
		ck_assert_int_eq(op(l, *names), 0);
}

static void remove_all(struct fdlimit *l, const char *const *names)
{
	for (; *names; names++)
		fdlimit_remove(l, *names);
}

/* The fds the store keeps, and those tapqd wants kept (kept, and closed by systemd). */
static void expect_counts(const struct fdlimit *l, size_t kept, size_t wanted)
{
	ck_assert_uint_eq(fdlimit_kept(l), kept);
	ck_assert_uint_eq(fdlimit_wanted(l), wanted);
}

/* What fdstore_put_state() sends for generation gen: the new name in, then the old one out. */
static int save_state(struct fdlimit *l, unsigned int gen)
{
	char name[16], old[16];
	int r;

	snprintf(name, sizeof(name), "state.%u", gen & 1);
	snprintf(old, sizeof(old), "state.%u", (gen - 1) & 1);
	r = fdlimit_put(l, name);
	fdlimit_remove(l, old);
	return r;
}

START_TEST(test_under_the_limit)
{
	struct fdlimit *l = fdlimit_new(10);

	ck_assert_ptr_nonnull(l);
	put_queues(l, 4);
	ck_assert_int_eq(fdlimit_put(l, "h.tqa"), 0);
	expect_counts(l, 5, 5);
	ck_assert_uint_eq(fdlimit_max(l), 10);
	fdlimit_free(l);
}
END_TEST

START_TEST(test_exactly_full_is_no_warning)
{
	struct fdlimit *l = fdlimit_new(4);

	put_queues(l, 4);
	expect_counts(l, 4, 4);
	fdlimit_free(l);
}
END_TEST

/* The first fd over the limit says so; the ones after it, refused too, do not. */
START_TEST(test_once_per_crossing)
{
	struct fdlimit *l = fdlimit_new(2);

	put_queues(l, 2);
	ck_assert_int_eq(fdlimit_put(l, "q.2.tqa"), 1);
	ck_assert_int_eq(fdlimit_put(l, "q.3.tqa"), 0);
	ck_assert_int_eq(fdlimit_put(l, "h.tqa"), 0);
	expect_counts(l, 2, 5);
	/* a kept one leaves: room for one more, but three are still missing */
	fdlimit_remove(l, "q.0.tqa");
	ck_assert_int_eq(fdlimit_put(l, "q.4.tqa"), 0);
	expect_counts(l, 2, 5);
	ck_assert_int_eq(fdlimit_put(l, "q.5.tqa"), 0);
	/* the refused ones leave (their device went): everything wanted fits again */
	remove_all(l, (const char *const[]){"q.2.tqa", "q.3.tqa", "h.tqa", "q.5.tqa", NULL});
	expect_counts(l, 2, 2);
	/* so the next crossing is a new one */
	ck_assert_int_eq(fdlimit_put(l, "q.6.tqa"), 1);
	fdlimit_free(l);
}
END_TEST

/*
 * 4 queues and a holder: 5 fds and the state make 6, and 7 while a state
 * replaces the last. With 6 the new state does not fit at every other save,
 * and the old one is removed after it: the store then has no state at all.
 */
START_TEST(test_state_double_slot_one_short)
{
	struct fdlimit *l = fdlimit_new(6);
	unsigned int warned = 0;

	put_queues(l, 4);
	ck_assert_int_eq(fdlimit_put(l, "h.tqa"), 0);
	ck_assert_int_eq(save_state(l, 1), 0); /* the first: nothing to replace */
	expect_counts(l, 6, 6);
	ck_assert_int_eq(save_state(l, 2), 1); /* state.0 refused, state.1 removed */
	expect_counts(l, 5, 6);
	ck_assert_int_eq(save_state(l, 3), 0); /* state.1 fits again, the lost state.0 goes */
	expect_counts(l, 6, 6);
	for (unsigned int gen = 4; gen < 104; gen++)
		warned += (unsigned int)save_state(l, gen);
	ck_assert_uint_eq(warned, 50); /* each loss of the state once */
	fdlimit_free(l);
}
END_TEST

START_TEST(test_state_double_slot_counted)
{
	struct fdlimit *l = fdlimit_new(7);

	put_queues(l, 4);
	ck_assert_int_eq(fdlimit_put(l, "h.tqa"), 0);
	for (unsigned int gen = 1; gen < 100; gen++)
		ck_assert_int_eq(save_state(l, gen), 0);
	expect_counts(l, 6, 6);
	/* a lease ends: the holder is replaced by nothing, the state saved */
	fdlimit_remove(l, "h.tqa");
	ck_assert_int_eq(save_state(l, 100), 0);
	expect_counts(l, 5, 5);
	fdlimit_free(l);
}
END_TEST

/* FDSTOREREMOVE=1 closes every fd of the name; a name never stored is no fd. */
START_TEST(test_remove_by_name)
{
	struct fdlimit *l = fdlimit_new(10);

	all_fit(l, fdlimit_put, (const char *const[]){"h.tqa", "h.tqa", "h.tqv", NULL});
	expect_counts(l, 3, 3);
	fdlimit_remove(l, "h.tqa");
	expect_counts(l, 1, 1);
	remove_all(l, (const char *const[]){"h.tqa", "q.0.tqnone", "state.1", NULL});
	expect_counts(l, 1, 1);
	fdlimit_free(l);
}
END_TEST

/* What the store passed back is in it, even over a limit lowered since. */
START_TEST(test_passed_back)
{
	struct fdlimit *l = fdlimit_new(2);

	all_fit(l, fdlimit_passed, (const char *const[]){"q.0.tqa", "q.1.tqa", "state.0", NULL});
	expect_counts(l, 3, 3);
	ck_assert_int_eq(fdlimit_put(l, "h.tqa"), 1);
	remove_all(l, (const char *const[]){"state.0", "h.tqa", NULL});
	expect_counts(l, 2, 2);
	fdlimit_free(l);
}
END_TEST

/* FileDescriptorStoreMax=0: systemd keeps nothing, and the first fd says so. */
START_TEST(test_zero)
{
	struct fdlimit *l = fdlimit_new(0);

	ck_assert_int_eq(fdlimit_put(l, "q.0.tqa"), 1);
	ck_assert_int_eq(fdlimit_put(l, "q.1.tqa"), 0);
	expect_counts(l, 0, 2);
	fdlimit_free(l);
}
END_TEST

START_TEST(test_conf_need)
{
	static struct conf c;

	memset(&c, 0, sizeof(c));
	/* a bundle being replaced, and the two lease states */
	ck_assert_uint_eq(fdlimit_conf_need(&c), 3);
	c.devices = calloc(CONF_STORE_SIZED_DEVICES, sizeof(*c.devices));
	ck_assert_ptr_nonnull(c.devices);
	c.n_devices = 3;
	c.devices[0].max_queues = 4;
	c.devices[1].max_queues = 256;
	c.devices[2].max_queues = 8;
	c.devices[2].handoff = CONF_HANDOFF_NAME; /* no queue fd, at most a holder */
	/* one bundle each, whatever its queues */
	ck_assert_uint_eq(fdlimit_conf_need(&c), 3 + 3);
	/* open in tapqd: the queues, a holder and a bundle each */
	ck_assert_uint_eq(fdlimit_conf_open(&c), (4 + 2) + (256 + 2) + 2);
	c.n_devices = CONF_STORE_SIZED_DEVICES;
	for (size_t i = 0; i < CONF_STORE_SIZED_DEVICES; i++) {
		c.devices[i].max_queues = CONF_MAX_QUEUES;
		c.devices[i].handoff = CONF_HANDOFF_FD;
	}
	/* the worst case units/tapqd.service provides for */
	ck_assert_uint_eq(fdlimit_conf_need(&c), 4096);
	conf_free(&c);
}
END_TEST

START_TEST(test_parse)
{
	unsigned int v = 7;

	ck_assert_int_eq(fdlimit_parse("16450", &v), 0);
	ck_assert_uint_eq(v, 16450);
	ck_assert_int_eq(fdlimit_parse("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(fdlimit_parse("4294967295", &v), 0);
	ck_assert_uint_eq(v, 4294967295u);
	v = 7;
	ck_assert_int_eq(fdlimit_parse("4294967296", &v), -ERANGE);
	ck_assert_int_eq(fdlimit_parse("99999999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(fdlimit_parse("", &v), -EINVAL);
	ck_assert_int_eq(fdlimit_parse("-1", &v), -EINVAL);
	ck_assert_int_eq(fdlimit_parse("12 ", &v), -EINVAL);
	ck_assert_int_eq(fdlimit_parse("0x10", &v), -EINVAL);
	ck_assert_uint_eq(v, 7);
}
END_TEST

static Suite *fdlimit_suite(void)
{
	Suite *s = suite_create("fdlimit");
	TCase *tc = tcase_create("ledger");

	tcase_add_test(tc, test_under_the_limit);
	tcase_add_test(tc, test_exactly_full_is_no_warning);
	tcase_add_test(tc, test_once_per_crossing);
	tcase_add_test(tc, test_state_double_slot_one_short);
	tcase_add_test(tc, test_state_double_slot_counted);
	tcase_add_test(tc, test_remove_by_name);
	tcase_add_test(tc, test_passed_back);
	tcase_add_test(tc, test_zero);
	tcase_add_test(tc, test_conf_need);
	tcase_add_test(tc, test_parse);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(fdlimit_suite());
}
