/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h - so many log lines per key in each window, the rest only
 * counted, in a table of fixed size: pure, the caller says what time it is
 */
#ifndef TAPQD_RATELIMIT_H
#define TAPQD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Keys in a table of their own. Past that, every other key shares one
 * more slot: a peer with many keys gets one budget for all of them, and
 * the memory stays the same whoever asks.
 */
#define RATELIMIT_SLOTS 32
#define RATELIMIT_OTHERS UINT64_MAX /* the key of that shared slot */

struct ratelimit_slot {
	bool used;
	uint64_t key;
	uint64_t start_ms; /* the window runs [start_ms, start_ms + interval) */
	unsigned int logged;
	uint64_t suppressed; /* in this window, not said yet */
};

struct ratelimit {
	uint64_t interval_ms;
	unsigned int burst;
	struct ratelimit_slot slots[RATELIMIT_SLOTS];
	struct ratelimit_slot others;
};

/* Events suppressed in a window that is over, to be said now. */
struct ratelimit_flush {
	uint64_t key; /* RATELIMIT_OTHERS: keys that had no slot of their own */
	uint64_t suppressed;
};

void ratelimit_init(struct ratelimit *rl, uint64_t interval_ms, unsigned int burst);
/*
 * One event of key at now_ms. Return: true when it may be logged. When a
 * window with suppressed events is over because of it (its own, or one the
 * key takes the slot of), *ret says so (suppressed 0: nothing to say), to be
 * logged before this event.
 */
bool ratelimit_check(struct ratelimit *rl, uint64_t key, uint64_t now_ms,
		     struct ratelimit_flush *ret);
/* One window over at now_ms with events not said yet. Return: false when there is none. */
bool ratelimit_expire(struct ratelimit *rl, uint64_t now_ms, struct ratelimit_flush *ret);
/* When the first window with events not said yet ends; 0 when none. */
uint64_t ratelimit_deadline(const struct ratelimit *rl);

#endif
