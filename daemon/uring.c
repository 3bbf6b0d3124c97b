// SPDX-License-Identifier: MIT
/*
 * uring.c - a raw io_uring (no liburing) for one worker thread: the rings
 * mapped, requests queued, one system call to submit them and wait.
 */

#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

static void *uring_map(int fd, size_t len, off_t what)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, what);
}

int uring_open(struct uring *r, unsigned int entries)
{
	struct io_uring_params p;
	int err;

	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	r->sq_map = r->cq_map = r->sqes = MAP_FAILED;
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -errno;
	r->entries = p.sq_entries;
	r->sq_map_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_map_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_map = uring_map(r->fd, r->sq_map_len, IORING_OFF_SQ_RING);
	r->cq_map = uring_map(r->fd, r->cq_map_len, IORING_OFF_CQ_RING);
	r->sqes = uring_map(r->fd, r->sqes_len, IORING_OFF_SQES);
	if (r->sq_map == MAP_FAILED || r->cq_map == MAP_FAILED || r->sqes == MAP_FAILED) {
		err = -errno;
		uring_close(r);
		return err;
	}
	r->sq_head = (unsigned int *)((char *)r->sq_map + p.sq_off.head);
	r->sq_tail = (unsigned int *)((char *)r->sq_map + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)r->sq_map + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)r->sq_map + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)r->cq_map + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)r->cq_map + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)r->cq_map + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)r->cq_map + p.cq_off.cqes);
	return 0;
}

/* Unmapping a mapping this ring made cannot fail; the kernel frees the ring with its fd. */
void uring_close(struct uring *r)
{
	if (r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_map != MAP_FAILED)
		munmap(r->cq_map, r->cq_map_len);
	if (r->sq_map != MAP_FAILED)
		munmap(r->sq_map, r->sq_map_len);
	r->sq_map = r->cq_map = r->sqes = MAP_FAILED;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* The next submission entry, zeroed; uring_push() makes it visible to the kernel. */
static struct io_uring_sqe *uring_next(struct uring *r)
{
	struct io_uring_sqe *e = &r->sqes[*r->sq_tail & *r->sq_mask];

	memset(e, 0, sizeof(*e));
	return e;
}

static void uring_push(struct uring *r)
{
	unsigned int tail = *r->sq_tail;

	r->sq_array[tail & *r->sq_mask] = tail & *r->sq_mask;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

static void uring_rw(struct uring *r, uint8_t op, int fd, const void *buf, unsigned int len,
		     uint64_t data)
{
	struct io_uring_sqe *e = uring_next(r);

	e->opcode = op;
	e->fd = fd;
	e->addr = (uint64_t)(uintptr_t)buf;
	e->len = len;
	e->off = (uint64_t)-1; /* the file's position: a tap has none */
	e->user_data = data;
	uring_push(r);
}

void uring_read(struct uring *r, int fd, void *buf, unsigned int len, uint64_t data)
{
	uring_rw(r, IORING_OP_READ, fd, buf, len, data);
}

void uring_write(struct uring *r, int fd, const void *buf, unsigned int len, uint64_t data)
{
	uring_rw(r, IORING_OP_WRITE, fd, buf, len, data);
}

void uring_cancel(struct uring *r, uint64_t target, uint64_t data)
{
	struct io_uring_sqe *e = uring_next(r);

	e->opcode = IORING_OP_ASYNC_CANCEL;
	e->fd = -1;
	e->addr = target;
	e->user_data = data;
	uring_push(r);
}

int uring_wait(struct uring *r)
{
	/* what the kernel has not consumed yet: a signal may have come before it took them */
	unsigned int queued = *r->sq_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);

	if (syscall(__NR_io_uring_enter, r->fd, queued, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	return 0;
}

int uring_reap(struct uring *r, uint64_t *ret_data, int32_t *ret_res)
{
	unsigned int head = *r->cq_head;
	const struct io_uring_cqe *c;

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return 0;
	c = &r->cqes[head & *r->cq_mask];
	*ret_data = c->user_data;
	*ret_res = c->res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return 1;
}
