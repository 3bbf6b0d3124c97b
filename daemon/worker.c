// SPDX-License-Identifier: MIT
/*
 * worker.c - one thread per attached queue of a device with a backend and no
 * lease: it reads frames (sink), or reads them and writes them back swapped
 * (echo), and counts both. The main thread starts, stops and re-pins them.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "device.h"
#include "frame.h"
#include "log.h"
#include "topo.h"
#include "uring.h"
#include "worker.h"

/* Ends a worker's blocking read; it runs a no-op handler on the worker's thread only. */
#define WORKER_WAKE_SIGNAL (SIGRTMIN + 1)
/* How often and how long stopping a worker signals it before giving up on it (5 s). */
#define WORKER_STOP_TRIES 500
#define WORKER_STOP_WAIT_NS 10000000
/* The largest frame a tap hands out: a 64 KiB GSO packet behind an 802.1Q tagged header. */
#define WORKER_FRAME_MAX (14 + 4 + IP_MAXPACKET)
/* Interrupted writes of one frame before it counts as a drop. */
#define WORKER_TX_TRIES 10
/*
 * Reads in flight at once through io_uring, each with a buffer of its own:
 * with eight, one wait brings several frames and one submit sends their
 * echoes (doc/echo-costs.md: a third to a half of the CPU per frame of one
 * read and one write each). The ring has room for each slot's request and
 * its cancel.
 */
#define WORKER_SLOTS 8
#define WORKER_RING_ENTRIES (4 * WORKER_SLOTS)
/* The data of a cancel request's own completion, which says nothing the slot's does not. */
#define WORKER_CANCEL WORKER_SLOTS

/* The frame buffer is on the heap; ASan's redzones need more room than the plain loop. */
#if defined(__SANITIZE_ADDRESS__)
#define WORKER_STACK_SIZE (512u << 10)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_STACK_SIZE (512u << 10)
#endif
#endif
#ifndef WORKER_STACK_SIZE
#define WORKER_STACK_SIZE (64u << 10)
#endif

enum worker_slot {
	WORKER_SLOT_IDLE,
	WORKER_SLOT_READ,  /* a read of the queue in flight into the slot's buffer */
	WORKER_SLOT_WRITE, /* the echo of the frame it read in flight */
};

struct worker {
	pthread_t thread;
	int fd;           /* the device's copy of the queue; the device owns it */
	int saved_flags;  /* the queue's file status flags before the worker */
	atomic_bool stop; /* set by the main thread, which then interrupts the read */
	int cpu;         /* the core it is pinned to, -1 while unpinned */
	bool echo;
	size_t hdr_len; /* virtio-net header in front of every frame, kept as it is */
	/*
	 * What this worker did, written by it alone. In its own allocation, not
	 * in the device's array: two workers storing to one cache line on every
	 * frame would pull it back and forth between their cores.
	 */
	struct queue_counters cnt;
	atomic_bool running; /* cleared by the thread as it returns */
	/* why the thread ended on its own; read by the main thread after the join */
	int err;
	const char *err_what;
	/* its CPU time as it returned, stored before running is cleared: the join forgets it */
	uint64_t cpu_ns_at_end;
	struct uring ring; /* fd -1: no io_uring here, one read and one write per frame */
	int ring_err;      /* why not, for the main thread's log */
	enum worker_slot slot[WORKER_SLOTS];
	size_t buf_size;
	uint8_t buf[]; /* WORKER_SLOTS buffers of buf_size; the read/write loop uses the first */
};

/* The only writer of its counters: a relaxed load and store, no locked add. */
static void worker_add(_Atomic uint64_t *c, uint64_t n)
{
	if (n)
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
				      memory_order_relaxed);
}

static uint64_t worker_load(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Adds a worker's counters and CPU time to a queue's totals, or to a status answer's. */
static void worker_counters_fold(struct queue_counters *to, const struct queue_counters *from,
				 uint64_t cpu_ns)
{
	worker_add(&to->rx_packets, worker_load(&from->rx_packets));
	worker_add(&to->rx_bytes, worker_load(&from->rx_bytes));
	worker_add(&to->tx_packets, worker_load(&from->tx_packets));
	worker_add(&to->tx_bytes, worker_load(&from->tx_bytes));
	worker_add(&to->drops, worker_load(&from->drops));
	to->cpu_ns += cpu_ns;
}

/*
 * Writes back the frame the worker just read. A tap write does not wait for
 * the reader, only for send buffer room, and a stop request interrupting
 * that wait must not cost the frame: EINTR is tried again, a few times.
 * Return: true when written.
 */
static bool worker_tx(struct worker *w, const uint8_t *buf, size_t len)
{
	for (int tries = 0; tries < WORKER_TX_TRIES; tries++) {
		if (write(w->fd, buf, len) >= 0)
			return true;
		if (errno != EINTR)
			return false;
	}
	return false;
}

/* The stop signal only interrupts a blocking call; it has nothing to do itself. */
static void worker_on_wake(int sig)
{
	(void)sig;
}

/* Bytes as the kernel counts them on the link: the frame, not the virtio-net header. */
static size_t worker_frame_len(const struct worker *w, size_t len)
{
	return len > w->hdr_len ? len - w->hdr_len : 0;
}

/* Counts a frame read, and turns it around for an echo. */
static void worker_rx(struct worker *w, uint8_t *buf, size_t len)
{
	worker_add(&w->cnt.rx_packets, 1);
	worker_add(&w->cnt.rx_bytes, worker_frame_len(w, len));
	if (w->echo)
		frame_swap(buf + w->hdr_len, worker_frame_len(w, len));
}

/* Counts a write of an echo: res is its result, bytes written or -errno. */
static void worker_tx_done(struct worker *w, ssize_t res)
{
	if (res < 0) {
		worker_add(&w->cnt.drops, 1);
		return;
	}
	worker_add(&w->cnt.tx_packets, 1);
	worker_add(&w->cnt.tx_bytes, worker_frame_len(w, (size_t)res));
}

/* A frame read: counted, and for an echo written back at once. */
static void worker_frame(struct worker *w, uint8_t *buf, size_t len)
{
	worker_rx(w, buf, len);
	if (w->echo)
		worker_tx_done(w, worker_tx(w, buf, len) ? (ssize_t)len : -EIO);
}

/*
 * Serves the queue the way the simplest echo loop would, where io_uring is
 * refused: a blocking read, a swap, a write; one system call per frame each
 * way and no poll, which at a few frames per wakeup would cost as much as
 * the frames. An echo writes each frame before it reads the next, so a stop
 * never finds one in hand. Counters are stored per frame: cheap for their
 * only writer, and never stale.
 * Return: 0 when asked to stop, -EBADFD when the queue is detached, another
 * -errno on a failed read.
 */
static int worker_serve(struct worker *w)
{
	while (!atomic_load_explicit(&w->stop, memory_order_acquire)) {
		ssize_t len = read(w->fd, w->buf, w->buf_size);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			/* counted: the kernel took a frame off the queue and nobody got it */
			if (errno != EBADFD)
				worker_add(&w->cnt.drops, 1);
			return -errno;
		}
		worker_frame(w, w->buf, (size_t)len);
	}
	return 0;
}

static uint8_t *worker_slot_buf(struct worker *w, unsigned int s)
{
	return w->buf + (size_t)s * w->buf_size;
}

static void worker_queue_read(struct worker *w, unsigned int s)
{
	uring_read(&w->ring, w->fd, worker_slot_buf(w, s), (unsigned int)w->buf_size, s);
	w->slot[s] = WORKER_SLOT_READ;
}

/*
 * One completion while serving: a frame read is echoed (a write queued) or
 * sunk (the next read queued), a write done queues the next read.
 * Return: 0, or the -errno that ends serving (the slot then idle).
 */
static int worker_ring_done(struct worker *w, unsigned int s, int32_t res)
{
	if (w->slot[s] == WORKER_SLOT_WRITE) {
		worker_tx_done(w, res);
		worker_queue_read(w, s);
		return 0;
	}
	if (res == -EINTR || res == -EAGAIN) {
		worker_queue_read(w, s);
		return 0;
	}
	if (res < 0) {
		w->slot[s] = WORKER_SLOT_IDLE;
		/* as in the read/write loop: a failed read other than a detach lost a frame */
		if (res != -EBADFD)
			worker_add(&w->cnt.drops, 1);
		return res;
	}
	worker_rx(w, worker_slot_buf(w, s), (size_t)res);
	if (!w->echo) {
		worker_queue_read(w, s);
		return 0;
	}
	uring_write(&w->ring, w->fd, worker_slot_buf(w, s), (unsigned int)res, s);
	w->slot[s] = WORKER_SLOT_WRITE;
	return 0;
}

/*
 * The end of serving through the ring: the reads in flight are cancelled,
 * and a frame one of them took meanwhile is still echoed, with a plain
 * write, so that a stop costs no frame; the writes in flight finish. A
 * stop request's signals may interrupt the waits: they are waited again.
 * Return: 0, or -errno when the ring itself fails and frames in flight may
 * be lost.
 */
static int worker_ring_drain(struct worker *w)
{
	unsigned int busy = 0;
	uint64_t data;
	int32_t res;

	for (unsigned int s = 0; s < WORKER_SLOTS; s++) {
		if (w->slot[s] == WORKER_SLOT_READ)
			uring_cancel(&w->ring, s, WORKER_CANCEL);
		busy += w->slot[s] != WORKER_SLOT_IDLE;
	}
	while (busy) {
		int r = uring_wait(&w->ring);

		if (r < 0 && r != -EINTR)
			return r;
		while (uring_reap(&w->ring, &data, &res)) {
			if (data >= WORKER_SLOTS || w->slot[data] == WORKER_SLOT_IDLE)
				continue; /* a cancel's own completion */
			if (w->slot[data] == WORKER_SLOT_WRITE)
				worker_tx_done(w, res);
			else if (res > 0)
				worker_frame(w, worker_slot_buf(w, (unsigned int)data), (size_t)res);
			w->slot[data] = WORKER_SLOT_IDLE;
			busy--;
		}
	}
	return 0;
}

/*
 * Serves the queue with WORKER_SLOTS reads in flight through io_uring: one
 * system call submits the echoes of every frame that came and waits for the
 * next. Frames of one flow may be echoed out of order: every frame that
 * comes wakes all the reads in flight, and any of them may take it.
 * Return: as worker_serve().
 */
static int worker_serve_ring(struct worker *w)
{
	int err = 0, r;
	uint64_t data;
	int32_t res;

	for (unsigned int s = 0; s < WORKER_SLOTS; s++)
		worker_queue_read(w, s);
	while (!err && !atomic_load_explicit(&w->stop, memory_order_acquire)) {
		r = uring_wait(&w->ring);
		if (r < 0 && r != -EINTR)
			err = r;
		while (uring_reap(&w->ring, &data, &res))
			if (data < WORKER_SLOTS && w->slot[data] != WORKER_SLOT_IDLE) {
				r = worker_ring_done(w, (unsigned int)data, res);
				if (r < 0 && !err)
					err = r;
			}
	}
	r = worker_ring_drain(w);
	uring_close(&w->ring);
	return err ? err : r;
}

static uint64_t worker_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct timespec cpu;
	sigset_t wake;
	int r;

	sigemptyset(&wake);
	sigaddset(&wake, WORKER_WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	r = w->ring.fd >= 0 ? worker_serve_ring(w) : worker_serve(w);
	/*
	 * A queue detached under the worker (a resize, before the main thread
	 * stops it) answers EBADFD at once: nothing to serve until the stop
	 * request, which a signal delivers; pause() returns on it.
	 */
	if (r == -EBADFD) {
		while (!atomic_load_explicit(&w->stop, memory_order_acquire))
			pause();
	} else if (r < 0) {
		w->err = r;
		w->err_what = w->ring_err ? "read" : "read through io_uring";
	}
	/* a thread's own CPU clock cannot fail; if it did, status would only miss its time */
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
		w->cpu_ns_at_end = worker_ns(&cpu);
	atomic_store_explicit(&w->running, false, memory_order_release);
	return NULL;
}

/*
 * Asks the worker to stop and joins it. The signal can come between the
 * worker's look at the flag and its read, where it changes nothing, so it is
 * sent again until the thread is gone.
 */
static void worker_stop(struct tapqd *d, struct device *dev, unsigned int q)
{
	struct worker *w = dev->workers[q];
	struct log_ctx was = d->log_ctx;
	int r = EBUSY;

	log_device(d, dev->conf.name);
	log_queue(d, (int)q);
	atomic_store_explicit(&w->stop, true, memory_order_release);
	for (unsigned int tries = 0; r == EBUSY || r == ETIMEDOUT; tries++) {
		struct timespec until;

		/*
		 * Giving up would leave a thread reading an fd that is about to be
		 * closed and reused: better a stuck main loop, which the watchdog
		 * reports, than another device's frames eaten.
		 */
		if (tries == WORKER_STOP_TRIES) {
			log_err(d, "%s: queue %u: the worker does not stop; waiting for it",
				dev->conf.name, q);
			break; /* r is ETIMEDOUT: the join below blocks */
		}
		r = pthread_kill(w->thread, WORKER_WAKE_SIGNAL);
		if (r) {
			log_err(d, "%s: queue %u: signalling the worker: %s", dev->conf.name, q,
				strerror(r));
			break;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += WORKER_STOP_WAIT_NS;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		r = pthread_timedjoin_np(w->thread, NULL, &until);
	}
	if (r) {
		r = pthread_join(w->thread, NULL);
		if (r)
			log_err(d, "%s: queue %u: joining the worker: %s", dev->conf.name, q,
				strerror(r));
	}
	if (w->err)
		log_err(d, "%s: queue %u: the worker had stopped: %s: %s", dev->conf.name, q,
			w->err_what, strerror(-w->err));
	if (fcntl(w->fd, F_SETFL, w->saved_flags) < 0)
		log_err(d, "%s: queue %u: restoring its file status flags: %s", dev->conf.name, q,
			strerror(errno));
	worker_counters_fold(&dev->counters[q], &w->cnt, w->cpu_ns_at_end);
	free(w);
	dev->workers[q] = NULL;
	log_debug(d, "%s: queue %u: worker stopped", dev->conf.name, q);
	d->log_ctx = was;
}

/*
 * Every signal stays with the main thread's event loop: the worker starts
 * with all of them blocked. Return: 0 or -errno, with what naming the step.
 */
static int worker_spawn(struct worker *w, const char **what)
{
	struct sigaction sa = {.sa_flags = 0};
	sigset_t all, old;
	pthread_attr_t attr;
	int r;

	r = pthread_attr_init(&attr);
	if (r) {
		*what = "pthread_attr_init";
		return -r;
	}
	r = pthread_attr_setstacksize(&attr, WORKER_STACK_SIZE);
	if (r) {
		*what = "setting the stack size";
		goto out;
	}
	/* no SA_RESTART: the signal is there to end a blocking read */
	sa.sa_handler = worker_on_wake;
	sigemptyset(&sa.sa_mask);
	if (sigaction(WORKER_WAKE_SIGNAL, &sa, NULL) < 0) {
		r = errno;
		*what = "installing the wake-up signal";
		goto out;
	}
	sigfillset(&all);
	r = pthread_sigmask(SIG_SETMASK, &all, &old);
	if (r) {
		*what = "blocking signals";
		goto out;
	}
	atomic_store_explicit(&w->running, true, memory_order_relaxed);
	r = pthread_create(&w->thread, &attr, worker_main, w);
	if (r)
		*what = "pthread_create";
	/* restoring the mask we just read cannot fail */
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	pthread_attr_destroy(&attr);
	return -r;
}

static int worker_start(struct device *dev, unsigned int q, const char **what)
{
	size_t hdr_len = dev->conf.vnet_hdr ? dev->conf.vnet_hdr_size : 0;
	size_t buf_size = hdr_len + WORKER_FRAME_MAX;
	/* untouched pages of the buffers cost nothing: only the frames that come fill them */
	struct worker *w = calloc(1, sizeof(*w) + WORKER_SLOTS * buf_size);
	int r;

	if (!w) {
		*what = "allocating the worker";
		return -ENOMEM;
	}
	w->ring_err = -uring_open(&w->ring, WORKER_RING_ENTRIES);
	w->fd = dev->fds[q];
	w->cpu = -1;
	w->echo = dev->conf.backend == CONF_BACKEND_ECHO;
	w->hdr_len = hdr_len;
	w->buf_size = buf_size;
	/*
	 * The worker reads blocking. The same open file is handed out in a
	 * lease, and a holder such as QEMU sets O_NONBLOCK on it: take that
	 * off, and worker_stop() puts the flags back.
	 */
	w->saved_flags = fcntl(w->fd, F_GETFL);
	if (w->saved_flags < 0 || fcntl(w->fd, F_SETFL, w->saved_flags & ~O_NONBLOCK) < 0) {
		r = -errno;
		*what = "clearing O_NONBLOCK";
		uring_close(&w->ring);
		free(w);
		return r;
	}
	r = worker_spawn(w, what);
	if (r < 0) {
		if (fcntl(w->fd, F_SETFL, w->saved_flags) < 0) {
			r = -errno;
			*what = "no thread, and restoring the file status flags";
		}
		uring_close(&w->ring);
		free(w);
		return r;
	}
	dev->workers[q] = w;
	return 0;
}

/* "DEVICE/QUEUE" in top -H and /proc/PID/task/TID/comm, cut at the kernel's 15 characters. */
static void worker_name(struct tapqd *d, struct device *dev, unsigned int q)
{
	char name[16];
	int r;

	snprintf(name, sizeof(name), "%.10s/%u", dev->conf.name, q);
	r = pthread_setname_np(dev->workers[q]->thread, name);
	if (r)
		log_warn(d, "%s: queue %u: naming its worker: %s, ignoring", dev->conf.name, q,
			 strerror(r));
}

void worker_sync(struct tapqd *d, struct device *dev)
{
	bool serve = dev->conf.backend != CONF_BACKEND_NONE && dev->state == DEVICE_READY;
	struct log_ctx was = d->log_ctx;

	log_device(d, dev->conf.name);
	for (unsigned int q = 0; q < TAPQD_MAX_QUEUES; q++) {
		bool want = serve && q < dev->conf.max_queues && dev->attached[q] &&
			    dev->fds[q] >= 0;
		struct worker *w = dev->workers[q];
		const char *what = "";
		int r;

		log_queue(d, (int)q);

		/* one that ended on its own is reaped here, its error logged, and started again */
		if (w && (!want || !atomic_load_explicit(&w->running, memory_order_acquire))) {
			worker_stop(d, dev, q);
			w = NULL;
		}
		if (!want)
			continue;
		if (!w) {
			r = worker_start(dev, q, &what);
			if (r < 0) {
				log_err(d, "%s: queue %u: starting its worker: %s: %s",
					dev->conf.name, q, what, strerror(-r));
				continue;
			}
			w = dev->workers[q];
			if (w->ring_err)
				log_debug(d, "%s: queue %u: %s worker started, without io_uring (%s): "
					     "one read and one write per frame",
					  dev->conf.name, q, conf_backend_name(dev->conf.backend),
					  strerror(w->ring_err));
			else
				log_debug(d, "%s: queue %u: %s worker started", dev->conf.name, q,
					  conf_backend_name(dev->conf.backend));
			worker_name(d, dev, q);
		}
		if (w->cpu == dev->cpu[q])
			continue;
		r = topo_bind_thread(d, w->thread, dev->cpu[q]);
		if (r < 0) {
			log_warn(d, "%s: queue %u: pinning its worker to cpu %d: %s; it runs "
				    "unpinned",
				 dev->conf.name, q, dev->cpu[q], strerror(-r));
			continue;
		}
		w->cpu = dev->cpu[q];
	}
	d->log_ctx = was;
}

void worker_stop_all(struct tapqd *d, struct device *dev)
{
	for (unsigned int q = 0; q < TAPQD_MAX_QUEUES; q++)
		if (dev->workers[q])
			worker_stop(d, dev, q);
}

bool worker_running(const struct device *dev)
{
	for (unsigned int q = 0; q < TAPQD_MAX_QUEUES; q++)
		if (dev->workers[q])
			return true;
	return false;
}

/*
 * The CPU time of a worker so far, read from its thread's CPU clock: nothing
 * on the worker's path pays for it. Only the main thread creates threads, so
 * the thread id of a running worker is not reused before this returns; a
 * thread that ends meanwhile has left its total behind.
 */
static uint64_t worker_cpu_ns(const struct worker *w)
{
	struct timespec ts;
	clockid_t clock;

	if (atomic_load_explicit(&w->running, memory_order_acquire) &&
	    pthread_getcpuclockid(w->thread, &clock) == 0 && clock_gettime(clock, &ts) == 0)
		return worker_ns(&ts);
	return atomic_load_explicit(&w->running, memory_order_acquire) ? 0 : w->cpu_ns_at_end;
}

void worker_queue_info(const struct device *dev, unsigned int q, struct tapqd_queue_info *qi)
{
	const struct worker *w = dev->workers[q];
	struct queue_counters sum = dev->counters[q];

	qi->worker = w && atomic_load_explicit(&w->running, memory_order_acquire);
	if (w)
		worker_counters_fold(&sum, &w->cnt, worker_cpu_ns(w));
	qi->rx_packets = worker_load(&sum.rx_packets);
	qi->rx_bytes = worker_load(&sum.rx_bytes);
	qi->tx_packets = worker_load(&sum.tx_packets);
	qi->tx_bytes = worker_load(&sum.tx_bytes);
	qi->drops = worker_load(&sum.drops);
	qi->cpu_ns = sum.cpu_ns;
}
