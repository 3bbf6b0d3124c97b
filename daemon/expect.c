// SPDX-License-Identifier: MIT
/*
 * expect.c - tapqd's own queue steps not heard back yet. Every attach or
 * detach sends an RTM_NEWLINK carrying the attached count right after it
 * (IFLA_TUN_NUM_QUEUES); a notification that carries the count tapqd's
 * own next step made needs no TUNGETIFF over every queue, which takes
 * rtnl once per queue: a resize of n queues would cost n times n.
 */

#include "expect.h"

void expect_reset(struct expect *e)
{
	e->head = 0;
	e->len = 0;
}

void expect_step(struct expect *e, unsigned int before, unsigned int after)
{
	int dir = after > before ? 1 : -1;
	struct expect_segment *tail;

	if (e->len) {
		tail = &e->seg[(e->head + e->len - 1) % EXPECT_SEGMENTS];
		if (tail->dir == dir && tail->last == before) {
			tail->last = after;
			return;
		}
	}
	if (e->len == EXPECT_SEGMENTS) {
		expect_reset(e);
		return;
	}
	tail = &e->seg[(e->head + e->len) % EXPECT_SEGMENTS];
	*tail = (struct expect_segment){.next = after, .last = after, .dir = dir};
	e->len++;
}

enum expect_heard expect_hear(struct expect *e, unsigned int attached, unsigned int model)
{
	struct expect_segment *s;

	if (!e->len)
		return attached == model ? EXPECT_SAME : EXPECT_OTHER;
	s = &e->seg[e->head];
	if (attached == s->next) {
		if (s->next == s->last) {
			e->head = (e->head + 1) % EXPECT_SEGMENTS;
			e->len--;
		} else {
			s->next = (unsigned int)((int)s->next + s->dir);
		}
		return EXPECT_OWN;
	}
	/* the count before that step: a notification of something else sent meanwhile */
	if (attached == (unsigned int)((int)s->next - s->dir))
		return EXPECT_SAME;
	expect_reset(e);
	return EXPECT_OTHER;
}
