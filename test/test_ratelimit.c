// SPDX-License-Identifier: MIT
/* test_ratelimit.c - unit tests of the per-key log budgets (daemon/ratelimit.c) */

#include <check.h>

#include "check_run.h"
#include "ratelimit.h"

#define INTERVAL 5000
#define BURST 10

/* every test starts from a fresh table */
static struct ratelimit rl;

static void setup(void)
{
	ratelimit_init(&rl, INTERVAL, BURST);
}

/* n events of key at now: how many may be logged; *flushed adds up what was said as suppressed */
static unsigned int events(struct ratelimit *t, uint64_t key, uint64_t now, unsigned int n,
			   uint64_t *flushed)
{
	struct ratelimit_flush f;
	unsigned int logged = 0;

	for (unsigned int i = 0; i < n; i++) {
		logged += ratelimit_check(t, key, now, &f);
		*flushed += f.suppressed;
	}
	return logged;
}

START_TEST(test_burst_then_suppressed)
{
	struct ratelimit_flush f;
	uint64_t flushed = 0;

	ck_assert_uint_eq(events(&rl, 65534, 100000, 2000, &flushed), BURST);
	ck_assert_uint_eq(flushed, 0);
	ck_assert_uint_eq(ratelimit_deadline(&rl), 100000 + INTERVAL);
	/* not before the window is over */
	ck_assert(!ratelimit_expire(&rl, 100000 + INTERVAL - 1, &f));
	ck_assert(ratelimit_expire(&rl, 100000 + INTERVAL, &f));
	ck_assert_uint_eq(f.key, 65534);
	ck_assert_uint_eq(f.suppressed, 2000 - BURST);
	/* said once */
	ck_assert(!ratelimit_expire(&rl, 100000 + INTERVAL, &f));
	ck_assert_uint_eq(ratelimit_deadline(&rl), 0);
	/* a new window, a new budget */
	ck_assert_uint_eq(events(&rl, 65534, 100000 + INTERVAL, 11, &flushed), BURST);
	ck_assert_uint_eq(flushed, 0);
}
END_TEST

/* Without the timer, the next event after the window says what was suppressed. */
START_TEST(test_flush_on_next_event)
{
	struct ratelimit_flush f;
	uint64_t flushed = 0;

	events(&rl, 1000, 0, 15, &flushed);
	ck_assert(ratelimit_check(&rl, 1000, INTERVAL + 1, &f));
	ck_assert_uint_eq(f.key, 1000);
	ck_assert_uint_eq(f.suppressed, 5);
	ck_assert(ratelimit_check(&rl, 1000, INTERVAL + 2, &f));
	ck_assert_uint_eq(f.suppressed, 0);
}
END_TEST

/* Keys are apart: one peer's flood leaves the others their budget. */
START_TEST(test_keys_apart)
{
	uint64_t flushed = 0;

	ck_assert_uint_eq(events(&rl, 65534, 0, 500, &flushed), BURST);
	ck_assert_uint_eq(events(&rl, 0, 1, 3, &flushed), 3);
	ck_assert_uint_eq(events(&rl, 1000, 2, 20, &flushed), BURST);
}
END_TEST

/*
 * More keys than slots: the rest share one budget, so the lines per window
 * stay bounded however many keys come, and nothing is lost from the count.
 */
START_TEST(test_many_keys_bounded)
{
	struct ratelimit_flush f;
	uint64_t flushed = 0, total = 0;
	unsigned int logged = 0;

	for (uint64_t key = 1; key <= 10000; key++) {
		logged += events(&rl, key, 100, 3, &flushed);
		total += 3;
	}
	ck_assert_uint_eq(logged, RATELIMIT_SLOTS * 3 + BURST);
	while (ratelimit_expire(&rl, 100 + INTERVAL, &f)) {
		ck_assert_uint_eq(f.key, RATELIMIT_OTHERS);
		flushed += f.suppressed;
	}
	ck_assert_uint_eq(logged + flushed, total);
}
END_TEST

/* A slot whose window is over is taken by a new key; what it suppressed is said first. */
START_TEST(test_slot_reused)
{
	struct ratelimit_flush f;
	uint64_t flushed = 0;

	for (uint64_t key = 1; key <= RATELIMIT_SLOTS; key++)
		events(&rl, key, 0, BURST + 1, &flushed);
	ck_assert_uint_eq(flushed, 0);
	/* every slot busy in its window: the shared one */
	ck_assert(ratelimit_check(&rl, 777, 1, &f));
	ck_assert_uint_eq(f.suppressed, 0);
	/* over: 777 takes a slot, and one key's suppressed event is said */
	ck_assert(ratelimit_check(&rl, 778, INTERVAL, &f));
	ck_assert_uint_eq(f.suppressed, 1);
	ck_assert(f.key >= 1 && f.key <= RATELIMIT_SLOTS);
}
END_TEST

static Suite *ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("ratelimit");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_burst_then_suppressed);
	tcase_add_test(tc, test_flush_on_next_event);
	tcase_add_test(tc, test_keys_apart);
	tcase_add_test(tc, test_many_keys_bounded);
	tcase_add_test(tc, test_slot_reused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(ratelimit_suite());
}
