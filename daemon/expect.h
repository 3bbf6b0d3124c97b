/* SPDX-License-Identifier: MIT */
/*
 * expect.h - the RTM_NEWLINK notifications tapqd's own TUNSETQUEUE calls
 * will cause, so that the monitor recognises them and reads no queue state
 * for them: pure, one per device
 */
#ifndef TAPQD_EXPECT_H
#define TAPQD_EXPECT_H

#include <stdbool.h>

/*
 * A resize moves the attached count one step at a time, first up (the
 * attaches) then down (the detaches): each run of steps in one direction
 * is one segment. Two resizes before the monitor reads make four; more
 * than that and tapqd forgets them all, which costs one read of the
 * queues, never a wrong state.
 */
#define EXPECT_SEGMENTS 4

struct expect_segment {
	unsigned int next; /* the attached count the next notification of ours carries */
	unsigned int last; /* ... and the one of this segment's last */
	int dir;           /* +1: attaches, -1: detaches */
};

struct expect {
	struct expect_segment seg[EXPECT_SEGMENTS];
	unsigned int head, len;
};

/* What a notification's attached count says, against what tapqd expects. */
enum expect_heard {
	EXPECT_OWN,   /* one of tapqd's own steps */
	EXPECT_SAME,  /* no queue changed since the last step heard (another link change) */
	EXPECT_OTHER, /* someone else changed the queues: read them; expectations are dropped */
};

void expect_reset(struct expect *e);
/* tapqd attached (after = before + 1) or detached (after = before - 1) one queue. */
void expect_step(struct expect *e, unsigned int before, unsigned int after);
/*
 * A notification says @attached queues are attached; @model is the count
 * tapqd holds now. Consumes the step it recognises.
 */
enum expect_heard expect_hear(struct expect *e, unsigned int attached, unsigned int model);

#endif
