/* SPDX-License-Identifier: MIT */
/* fdbundle.h - one device's queue fds and holder pidfd, in flight in one socket: one stored fd */
#ifndef TAPQD_FDBUNDLE_H
#define TAPQD_FDBUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "tapqd.h"

#define FDBUNDLE_MAGIC 0x31425154u /* "TQB1" */
/* fds one message carries: the kernel's SCM_MAX_FD */
#define FDBUNDLE_PART_FDS TAPQD_FDS_PER_MSG

/*
 * Each message of a bundle starts with this head, the same in all of them
 * but for part; its fds are the queues in queue order, then the holder's
 * pidfd, FDBUNDLE_PART_FDS to a message.
 */
struct fdbundle_head {
	uint32_t magic;
	uint16_t queues; /* queue fds in the bundle */
	uint8_t holder;  /* 1: a holder pidfd follows the queues */
	uint8_t part;    /* index of this message in the bundle */
	uint64_t gen;    /* the device's bundle generation: the higher wins when two are stored */
};

struct fdbundle {
	uint64_t gen;
	unsigned int queues;
	int fds[TAPQD_MAX_QUEUES];
	int holder; /* -1: none */
};

/* Pure: how many messages a bundle of n fds takes. */
unsigned int fdbundle_parts(unsigned int n_fds);
/*
 * Pure: h (len bytes, as received) is part `part` of a bundle whose first
 * part was first (h itself for part 0), and carries n_fds fds.
 * Return: 0 or -EBADMSG.
 */
int fdbundle_head_check(const struct fdbundle_head *h, size_t len, unsigned int part,
			const struct fdbundle_head *first, size_t n_fds);
/*
 * Puts queues[0..n) and holder (-1: none) in flight in a new socket pair,
 * closes the sending end. Return: the receiving end (the caller's to store
 * and close) or -errno (ETOOMANYREFS: the uid's fds in flight passed
 * RLIMIT_NOFILE).
 */
int fdbundle_pack(const int *queues, unsigned int n, int holder, uint64_t gen);
/*
 * Reads a bundle back without taking it out of its socket (MSG_PEEK), which
 * the service manager keeps: the fds in ret are new copies, the caller's.
 * Return: 0, or -errno with nothing left open.
 */
int fdbundle_unpack(int fd, struct fdbundle *ret);
void fdbundle_close(struct fdbundle *b);

#endif
