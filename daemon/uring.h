/* SPDX-License-Identifier: MIT */
/* uring.h - a raw io_uring for one thread: reads and writes submitted in batches, one wait each */
#ifndef TAPQD_URING_H
#define TAPQD_URING_H

#include <stddef.h>
#include <stdint.h>

struct io_uring_sqe;
struct io_uring_cqe;

struct uring {
	int fd; /* -1 when closed */
	unsigned int entries;
	void *sq_map, *cq_map;
	size_t sq_map_len, cq_map_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
};

/* A ring of at least entries submissions. Return: 0 or -errno (ENOSYS, EPERM: none here). */
int uring_open(struct uring *r, unsigned int entries);
void uring_close(struct uring *r);

/*
 * Queues a read into buf or a write of it on fd; data comes back with its
 * completion. The caller keeps no more requests queued or in flight than
 * the ring has entries.
 */
void uring_read(struct uring *r, int fd, void *buf, unsigned int len, uint64_t data);
void uring_write(struct uring *r, int fd, const void *buf, unsigned int len, uint64_t data);
/* Queues the cancel of the request queued with data target; its own completion carries data. */
void uring_cancel(struct uring *r, uint64_t target, uint64_t data);
/* Submits what is queued and waits for one completion. Return: 0 or -errno (EINTR on a signal). */
int uring_wait(struct uring *r);
/* Takes the oldest completion. Return: 1 with its data and result, 0 when there is none. */
int uring_reap(struct uring *r, uint64_t *ret_data, int32_t *ret_res);

#endif
