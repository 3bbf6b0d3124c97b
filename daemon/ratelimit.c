// SPDX-License-Identifier: MIT
/*
 * ratelimit.c - per-key log budgets in a fixed table, like the kernel's
 * printk_ratelimit: burst lines per interval, and a count of the rest that
 * is said once the window is over
 */

#include <string.h>

#include "ratelimit.h"

void ratelimit_init(struct ratelimit *rl, uint64_t interval_ms, unsigned int burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->interval_ms = interval_ms;
	rl->burst = burst;
	rl->others.used = true;
	rl->others.key = RATELIMIT_OTHERS;
}

static bool ratelimit_over(const struct ratelimit *rl, const struct ratelimit_slot *s,
			   uint64_t now_ms)
{
	return now_ms - s->start_ms >= rl->interval_ms;
}

/* Says what a slot suppressed and empties it. */
static void ratelimit_take(struct ratelimit_slot *s, struct ratelimit_flush *ret)
{
	ret->key = s->key;
	ret->suppressed = s->suppressed;
	s->suppressed = 0;
}

/*
 * The key's slot; else a free one, one whose window is over with nothing to
 * say, or one whose window is over (what it suppressed goes to *ret); else
 * the shared one.
 */
static struct ratelimit_slot *ratelimit_slot(struct ratelimit *rl, uint64_t key, uint64_t now_ms,
					     struct ratelimit_flush *ret)
{
	struct ratelimit_slot *quiet = NULL, *over = NULL;

	for (unsigned int i = 0; i < RATELIMIT_SLOTS; i++) {
		struct ratelimit_slot *s = &rl->slots[i];

		if (s->used && s->key == key)
			return s;
		if (!s->used || !ratelimit_over(rl, s, now_ms))
			continue;
		if (!s->suppressed && !quiet)
			quiet = s;
		else if (!over)
			over = s;
	}
	for (unsigned int i = 0; i < RATELIMIT_SLOTS && !quiet; i++)
		if (!rl->slots[i].used)
			quiet = &rl->slots[i];
	if (!quiet && over) {
		ratelimit_take(over, ret);
		quiet = over;
	}
	if (!quiet || key == RATELIMIT_OTHERS)
		return &rl->others;
	memset(quiet, 0, sizeof(*quiet));
	quiet->used = true;
	quiet->key = key;
	quiet->start_ms = now_ms - rl->interval_ms; /* over: the event starts a window */
	return quiet;
}

bool ratelimit_check(struct ratelimit *rl, uint64_t key, uint64_t now_ms,
		     struct ratelimit_flush *ret)
{
	struct ratelimit_slot *s;

	ret->key = key;
	ret->suppressed = 0;
	s = ratelimit_slot(rl, key, now_ms, ret);
	if (ratelimit_over(rl, s, now_ms)) {
		if (s->suppressed)
			ratelimit_take(s, ret);
		s->start_ms = now_ms;
		s->logged = 0;
	}
	if (s->logged < rl->burst) {
		s->logged++;
		return true;
	}
	s->suppressed++;
	return false;
}

bool ratelimit_expire(struct ratelimit *rl, uint64_t now_ms, struct ratelimit_flush *ret)
{
	for (unsigned int i = 0; i <= RATELIMIT_SLOTS; i++) {
		struct ratelimit_slot *s = i < RATELIMIT_SLOTS ? &rl->slots[i] : &rl->others;

		if (s->used && s->suppressed && ratelimit_over(rl, s, now_ms)) {
			ratelimit_take(s, ret);
			return true;
		}
	}
	return false;
}

uint64_t ratelimit_deadline(const struct ratelimit *rl)
{
	uint64_t first = 0;

	for (unsigned int i = 0; i <= RATELIMIT_SLOTS; i++) {
		const struct ratelimit_slot *s = i < RATELIMIT_SLOTS ? &rl->slots[i] : &rl->others;
		uint64_t end = s->start_ms + rl->interval_ms;

		if (s->used && s->suppressed && (!first || end < first))
			first = end;
	}
	return first;
}
