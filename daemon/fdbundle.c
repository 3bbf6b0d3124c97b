// SPDX-License-Identifier: MIT
/*
 * fdbundle.c - a device's queue fds and its holder's pidfd sent over a
 * socket pair whose receiving end is stored alone: the fds stay in flight in
 * its queue for as long as the service manager keeps that end, and a
 * restarted tapqd peeks them back. One stored fd per device, because
 * systemd compares each new stored fd with every stored one (DESIGN.md).
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdbundle.h"
#include "tapqd-fdpass.h"

unsigned int fdbundle_parts(unsigned int n_fds)
{
	return n_fds ? (n_fds + FDBUNDLE_PART_FDS - 1) / FDBUNDLE_PART_FDS : 1;
}

int fdbundle_head_check(const struct fdbundle_head *h, size_t len, unsigned int part,
			const struct fdbundle_head *first, size_t n_fds)
{
	unsigned int total, want;

	if (len != sizeof(*h) || h->magic != FDBUNDLE_MAGIC || h->part != part ||
	    h->queues > TAPQD_MAX_QUEUES || h->holder > 1)
		return -EBADMSG;
	if (h->queues != first->queues || h->holder != first->holder || h->gen != first->gen)
		return -EBADMSG;
	total = h->queues + h->holder;
	if (part >= fdbundle_parts(total))
		return -EBADMSG;
	want = total - part * FDBUNDLE_PART_FDS;
	if (want > FDBUNDLE_PART_FDS)
		want = FDBUNDLE_PART_FDS;
	return n_fds == want ? 0 : -EBADMSG;
}

int fdbundle_pack(const int *queues, unsigned int n, int holder, uint64_t gen)
{
	struct fdbundle_head h = {
		.magic = FDBUNDLE_MAGIC,
		.queues = (uint16_t)n,
		.holder = holder >= 0,
		.gen = gen,
	};
	int all[TAPQD_MAX_QUEUES + 1], sp[2], r = 0;
	unsigned int total = n + h.holder;

	if (n > TAPQD_MAX_QUEUES)
		return -EINVAL;
	memcpy(all, queues, sizeof(int) * n);
	all[n] = holder;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	for (unsigned int part = 0; part < fdbundle_parts(total) && r == 0; part++) {
		unsigned int from = part * FDBUNDLE_PART_FDS, k = total - from;

		h.part = (uint8_t)part;
		/* a fresh pair with nothing queued: no wait, and EAGAIN would be a bug to report */
		r = tapqd_fdpass_send(sp[0], &h, sizeof(h), all + from,
				      k > FDBUNDLE_PART_FDS ? FDBUNDLE_PART_FDS : k, MSG_DONTWAIT);
	}
	close(sp[0]);
	if (r < 0) {
		close(sp[1]);
		return r;
	}
	return sp[1];
}

void fdbundle_close(struct fdbundle *b)
{
	for (unsigned int i = 0; i < b->queues; i++)
		if (b->fds[i] >= 0)
			close(b->fds[i]);
	if (b->holder >= 0)
		close(b->holder);
	b->queues = 0;
	b->holder = -1;
}

/* One part peeked: its head, and its fds appended to got (room for all of a bundle). */
static int fdbundle_peek(int fd, struct fdbundle_head *h, int *got, unsigned int *n_got,
			 unsigned int room)
{
	size_t n = 0;
	int flags;
	ssize_t len = tapqd_fdpass_recv(fd, h, sizeof(*h), got + *n_got, room - *n_got, &n,
					MSG_PEEK | MSG_DONTWAIT, &flags);

	if (len < 0)
		return len == -EAGAIN ? -ENODATA : (int)len; /* EAGAIN: fewer parts than the head says */
	/* what did not fit was closed */
	if (n > room - *n_got) {
		*n_got = room;
		return -EBADMSG;
	}
	*n_got += (unsigned int)n;
	return flags & (MSG_TRUNC | MSG_CTRUNC) ? -EBADMSG : (int)len;
}

int fdbundle_unpack(int fd, struct fdbundle *ret)
{
	struct fdbundle_head first = {0}, h;
	int got[TAPQD_MAX_QUEUES + 1], zero = 0, no_offset = 0, r;
	unsigned int n_got = 0, parts = 1;

	/*
	 * The offset is the socket's, left where an earlier tapqd's peek ended:
	 * from the start. Without it (a kernel that has none for this socket
	 * type, so nobody moved it either) each peek reads the first part, which
	 * is all a bundle of up to FDBUNDLE_PART_FDS fds has.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) < 0)
		no_offset = -errno;
	for (unsigned int part = 0; part < parts; part++) {
		unsigned int before = n_got;

		r = part ? no_offset : 0;
		if (r == 0)
			r = fdbundle_peek(fd, &h, got, &n_got, TAPQD_MAX_QUEUES + 1);
		if (r >= 0)
			r = fdbundle_head_check(&h, (size_t)r, part, part ? &first : &h,
						n_got - before);
		if (r < 0)
			goto fail;
		if (part == 0) {
			first = h;
			parts = fdbundle_parts(h.queues + h.holder);
		}
	}
	ret->gen = first.gen;
	ret->queues = first.queues;
	memcpy(ret->fds, got, sizeof(int) * first.queues);
	ret->holder = first.holder ? got[first.queues] : -1;
	return 0;
fail:
	for (unsigned int i = 0; i < n_got; i++)
		close(got[i]);
	return r;
}
