// SPDX-License-Identifier: MIT
/*
 * resize.c - how long tapqd takes to grow a device from 1 to N active queues
 * and to shrink it back, against a plain loop of TUNSETQUEUE ioctls on the
 * same device's fds in the same run
 *
 * tapqd: RESIZE requests (request -> OK) on a daemon-mode lease held by this
 * process, so a shrink needs no acknowledgement round trip (the requester is
 * the holder). Plain: the same fds, attach 1..N-1, then detach N-1..1. The two
 * are interleaved, order flipped every run. Timings are printed, never
 * asserted. Run inside the daemon's namespaces (bench/resize.sh does).
 */

#include <linux/if_tun.h>
#include <stdbool.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define BENCH_NAME "resize"
#include "bench.h"
#include "tapqd.h"

static const struct {
	const char *dev; /* a device of bench/resize.conf */
	unsigned int queues;
	unsigned int iters;
} resize_sizes[] = {
    {"rz4", 4, 200},
    {"rz64", 64, 40},
    {"rz256", 256, 12},
};
#define RESIZE_N_SIZES (sizeof(resize_sizes) / sizeof(resize_sizes[0]))
#define RESIZE_ITERS_MAX 200

struct resize_times {
	uint64_t grow[RESIZE_ITERS_MAX];
	uint64_t shrink[RESIZE_ITERS_MAX];
};

static void tapqd_resize_or_die(struct tapqd_client *c, const char *dev, unsigned int n)
{
	int r = tapqd_client_resize(c, dev, n);

	if (r < 0)
		die("resize %s %u: %s (%s)", dev, n, strerror(-r), tapqd_client_error(c));
}

static void plain_set(const struct tapqd_lease_info *l, unsigned int i, bool attach)
{
	struct ifreq ifr = {.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE};

	if (ioctl(l->fds[i], TUNSETQUEUE, &ifr) < 0)
		die("TUNSETQUEUE %s queue %u: %s", attach ? "attach" : "detach", i,
		    strerror(errno));
}

static void run_tapqd(struct tapqd_client *c, const char *dev, unsigned int n, uint64_t *grow,
		      uint64_t *shrink)
{
	uint64_t t0 = bench_now_ns(), t1, t2;

	tapqd_resize_or_die(c, dev, n);
	t1 = bench_now_ns();
	tapqd_resize_or_die(c, dev, 1);
	t2 = bench_now_ns();
	*grow = t1 - t0;
	*shrink = t2 - t1;
}

/* Attaches first and detaches last to first, as tapqd and QEMU do: queues stay a prefix. */
static void run_plain(const struct tapqd_lease_info *l, unsigned int n, uint64_t *grow,
		      uint64_t *shrink)
{
	uint64_t t0 = bench_now_ns(), t1, t2;

	for (unsigned int i = 1; i < n; i++)
		plain_set(l, i, true);
	t1 = bench_now_ns();
	for (unsigned int i = n; i-- > 1;)
		plain_set(l, i, false);
	t2 = bench_now_ns();
	*grow = t1 - t0;
	*shrink = t2 - t1;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %s", strerror(errno));
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	static struct tapqd_lease_info lease;
	static struct resize_times tq, plain;
	const char *sock = argc > 1 ? argv[1] : TAPQD_DEFAULT_SOCKET;

	raise_nofile();
	if (setvbuf(stdout, NULL, _IOLBF, 0))
		die("setvbuf failed");
	printf("resize: grow 1 -> N and shrink N -> 1 active queues; tapqd: RESIZE on a\n"
	       "        daemon-mode lease (request -> OK); plain: TUNSETQUEUE loop on its fds\n\n");
	printf("%6s %5s | %-23s | %-23s | %-23s | %-23s | %s\n", "queues", "iters",
	       "tapqd grow med/p99", "plain grow med/p99", "tapqd shrink med/p99",
	       "plain shrink med/p99", "tapqd/plain grow, shrink");
	for (size_t k = 0; k < RESIZE_N_SIZES; k++) {
		const char *dev = resize_sizes[k].dev;
		unsigned int n = resize_sizes[k].queues, iters = resize_sizes[k].iters;
		struct bench_stats sg[2], ss[2];
		struct tapqd_client *c;
		int r;

		r = tapqd_client_connect(sock, &c);
		if (r < 0)
			die("connect %s: %s", sock, strerror(-r));
		r = tapqd_client_acquire(c, dev, TAPQD_CONTROL_DAEMON, &lease);
		if (r < 0)
			die("acquire %s: %s (%s)", dev, strerror(-r), tapqd_client_error(c));
		tapqd_resize_or_die(c, dev, 1);
		/* one warm-up of each */
		run_tapqd(c, dev, n, &tq.grow[0], &tq.shrink[0]);
		run_plain(&lease, n, &plain.grow[0], &plain.shrink[0]);
		for (unsigned int i = 0; i < iters; i++) {
			if (i % 2)
				run_tapqd(c, dev, n, &tq.grow[i], &tq.shrink[i]);
			run_plain(&lease, n, &plain.grow[i], &plain.shrink[i]);
			if (!(i % 2))
				run_tapqd(c, dev, n, &tq.grow[i], &tq.shrink[i]);
		}
		r = tapqd_client_release(c, dev, NULL);
		if (r < 0)
			die("release %s: %s", dev, strerror(-r));
		tapqd_lease_close_fds(&lease);
		tapqd_client_free(c);
		sg[0] = bench_stats(tq.grow, iters);
		sg[1] = bench_stats(plain.grow, iters);
		ss[0] = bench_stats(tq.shrink, iters);
		ss[1] = bench_stats(plain.shrink, iters);
		printf("%6u %5u | %9.1f / %9.1f us | %9.1f / %9.1f us | %9.1f / %9.1f us | "
		       "%9.1f / %9.1f us | %5.2fx, %5.2fx\n",
		       n, iters, sg[0].median_us, sg[0].p99_us, sg[1].median_us, sg[1].p99_us,
		       ss[0].median_us, ss[0].p99_us, ss[1].median_us, ss[1].p99_us,
		       sg[0].median_us / sg[1].median_us, ss[0].median_us / ss[1].median_us);
	}
	printf("(target: tapqd/plain <= 1.5x, medians)\n");
	return 0;
}
