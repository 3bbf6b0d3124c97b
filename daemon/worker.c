// SPDX-License-Identifier: MIT
/*
 * worker.c - one thread per attached queue of a device with a backend and no
 * lease: it reads frames (sink), or reads them and writes them back swapped
 * (echo), and counts both. The main thread starts, stops and re-pins them.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "daemon.h"
#include "frame.h"
#include "log.h"
#include "topo.h"
#include "worker.h"

/* Frames read between two looks at the stop request. */
#define WORKER_BATCH 64
/* The largest frame a tap hands out: a 64 KiB GSO packet behind an 802.1Q tagged header. */
#define WORKER_FRAME_MAX (14 + 4 + IP_MAXPACKET)
/* How long an echo waits for room to write a frame it read before it counts a drop. */
#define WORKER_TX_WAIT_MS 10
#define WORKER_TX_TRIES 10

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

struct worker {
	pthread_t thread;
	int fd;          /* the device's copy of the queue; the device owns it */
	int stop_fd;     /* eventfd: the main thread asks the worker to finish */
	int saved_flags; /* the queue's file status flags before O_NONBLOCK */
	int cpu;         /* the core it is pinned to, -1 while unpinned */
	bool echo;
	size_t hdr_len; /* virtio-net header in front of every frame, kept as it is */
	struct queue_counters *cnt;
	atomic_bool running; /* cleared by the thread as it returns */
	/* why the thread ended on its own; read by the main thread after the join */
	int err;
	const char *err_what;
	size_t buf_size;
	uint8_t buf[];
};

/* The only writer of its counters: a relaxed load and store, no locked add. */
static void worker_add(_Atomic uint64_t *c, uint64_t n)
{
	if (n)
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
				      memory_order_relaxed);
}

/*
 * Writes back the frame the worker just read. The tap only refuses room when
 * its send buffer is full; waiting for it a little keeps the frame, and the
 * wait is bounded so that a stop request is never held up for long.
 * Return: true when written.
 */
static bool worker_tx(struct worker *w, size_t len)
{
	for (int tries = 0; tries < WORKER_TX_TRIES;) {
		struct pollfd pfd = {.fd = w->fd, .events = POLLOUT};

		if (write(w->fd, w->buf, len) >= 0)
			return true;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return false;
		tries++;
		if (poll(&pfd, 1, WORKER_TX_WAIT_MS) < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/*
 * Reads until the queue is empty or a batch is done; an echo writes each
 * frame back before it reads the next, so a stop never finds one in hand.
 * Return: 0, -EBADFD when the queue is detached, or another -errno on a
 * failed read.
 */
static int worker_batch(struct worker *w)
{
	uint64_t rx = 0, rx_bytes = 0, tx = 0, tx_bytes = 0, drops = 0;
	int r = 0;

	for (unsigned int n = 0; n < WORKER_BATCH; n++) {
		ssize_t len = read(w->fd, w->buf, w->buf_size);
		size_t frame_len;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			/* counted: the kernel took a frame off the queue and nobody got it */
			if (errno != EAGAIN && errno != EBADFD)
				drops++;
			r = errno == EAGAIN ? 0 : -errno;
			break;
		}
		/* bytes as the kernel counts them on the link: the frame, not the header */
		frame_len = (size_t)len > w->hdr_len ? (size_t)len - w->hdr_len : 0;
		rx++;
		rx_bytes += frame_len;
		if (!w->echo)
			continue;
		frame_swap(w->buf + w->hdr_len, frame_len);
		if (worker_tx(w, (size_t)len)) {
			tx++;
			tx_bytes += frame_len;
		} else {
			drops++;
		}
	}
	worker_add(&w->cnt->rx_packets, rx);
	worker_add(&w->cnt->rx_bytes, rx_bytes);
	worker_add(&w->cnt->tx_packets, tx);
	worker_add(&w->cnt->tx_bytes, tx_bytes);
	worker_add(&w->cnt->drops, drops);
	return r;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pollfd pfd[2] = {
		{.fd = w->fd, .events = POLLIN},
		{.fd = w->stop_fd, .events = POLLIN},
	};

	for (;;) {
		int r;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			w->err = -errno;
			w->err_what = "poll";
			break;
		}
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		r = worker_batch(w);
		/*
		 * A queue detached under the worker (a resize, before the main
		 * thread stops it) answers POLLERR and EBADFD: nothing to serve
		 * until the stop request comes; poll() skips a negative fd.
		 */
		if (r == -EBADFD || ((pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) && !r)) {
			pfd[0].fd = -1;
		} else if (r < 0) {
			w->err = r;
			w->err_what = "read";
			break;
		}
	}
	atomic_store_explicit(&w->running, false, memory_order_release);
	return NULL;
}

/* Joins the worker of one queue and gives the queue its own file status flags back. */
static void worker_stop(struct tapqd *d, struct device *dev, unsigned int q)
{
	struct worker *w = dev->workers[q];
	uint64_t one = 1;
	int r;

	/* an eventfd refuses a write only at a count of 2^64 - 2: never for one stop */
	if (write(w->stop_fd, &one, sizeof(one)) < 0)
		log_err(d, "%s: queue %u: asking the worker to stop: %s", dev->conf.name, q,
			strerror(errno));
	r = pthread_join(w->thread, NULL);
	if (r)
		log_err(d, "%s: queue %u: joining the worker: %s", dev->conf.name, q, strerror(r));
	if (w->err)
		log_err(d, "%s: queue %u: the worker had stopped: %s: %s", dev->conf.name, q,
			w->err_what, strerror(-w->err));
	if (fcntl(w->fd, F_SETFL, w->saved_flags) < 0)
		log_err(d, "%s: queue %u: restoring its file status flags: %s", dev->conf.name, q,
			strerror(errno));
	close(w->stop_fd);
	free(w);
	dev->workers[q] = NULL;
	log_debug(d, "%s: queue %u: worker stopped", dev->conf.name, q);
}

/*
 * Every signal stays with the main thread's event loop: the worker starts
 * with all of them blocked. Return: 0 or -errno, with what naming the step.
 */
static int worker_spawn(struct worker *w, const char **what)
{
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
	struct worker *w = calloc(1, sizeof(*w) + buf_size);
	int r;

	if (!w) {
		*what = "allocating the worker";
		return -ENOMEM;
	}
	w->fd = dev->fds[q];
	w->cpu = -1;
	w->echo = dev->conf.backend == CONF_BACKEND_ECHO;
	w->hdr_len = hdr_len;
	w->cnt = &dev->counters[q];
	w->buf_size = buf_size;
	w->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (w->stop_fd < 0) {
		r = -errno;
		*what = "eventfd";
		free(w);
		return r;
	}
	/* the same open file a lease hands out: worker_stop() puts the flags back */
	w->saved_flags = fcntl(w->fd, F_GETFL);
	if (w->saved_flags < 0 || fcntl(w->fd, F_SETFL, w->saved_flags | O_NONBLOCK) < 0) {
		r = -errno;
		*what = "setting O_NONBLOCK";
		goto fail;
	}
	r = worker_spawn(w, what);
	if (r < 0) {
		if (fcntl(w->fd, F_SETFL, w->saved_flags) < 0) {
			r = -errno;
			*what = "no thread, and restoring the file status flags";
		}
		goto fail;
	}
	dev->workers[q] = w;
	return 0;
fail:
	close(w->stop_fd);
	free(w);
	return r;
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
	bool serve = dev->conf.backend != CONF_BACKEND_NONE && !dev->lease;

	for (unsigned int q = 0; q < TAPQD_MAX_QUEUES; q++) {
		bool want = serve && q < dev->conf.max_queues && dev->attached[q] &&
			    dev->fds[q] >= 0;
		struct worker *w = dev->workers[q];
		const char *what = "";
		int r;

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
}

void worker_stop_all(struct tapqd *d, struct device *dev)
{
	for (unsigned int q = 0; q < TAPQD_MAX_QUEUES; q++)
		if (dev->workers[q])
			worker_stop(d, dev, q);
}

void worker_queue_info(const struct device *dev, unsigned int q, struct tapqd_queue_info *qi)
{
	const struct queue_counters *c = &dev->counters[q];
	const struct worker *w = dev->workers[q];

	qi->worker = w && atomic_load_explicit(&w->running, memory_order_acquire);
	qi->rx_packets = atomic_load_explicit(&c->rx_packets, memory_order_relaxed);
	qi->rx_bytes = atomic_load_explicit(&c->rx_bytes, memory_order_relaxed);
	qi->tx_packets = atomic_load_explicit(&c->tx_packets, memory_order_relaxed);
	qi->tx_bytes = atomic_load_explicit(&c->tx_bytes, memory_order_relaxed);
	qi->drops = atomic_load_explicit(&c->drops, memory_order_relaxed);
}
