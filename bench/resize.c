// SPDX-License-Identifier: MIT
/*
 * resize.c - how long tapqd takes to grow a device from 1 to N active queues
 * and to shrink it back, against a plain loop of TUNSETQUEUE ioctls in the
 * same run
 *
 * tapqd: RESIZE requests (request -> OK) on a daemon-mode lease held by this
 * process, so a shrink needs no acknowledgement round trip (the requester is
 * the holder). Plain: attach 1..N-1, then detach N-1..1, on the queues of
 * plN, a tap of the same size and settings that tapqd does not own
 * (bench/resize.sh makes it), so that tapqd reads nothing for it. Follow:
 * this process holds rzN in client mode, as QEMU does, runs the same loop on
 * its fds and asks STATUS until tapqd shows the new active set: the loop
 * and tapqd's following of it (every step is a change tapqd did not make,
 * and reading a device's queues takes rtnl once per queue). The three are
 * interleaved, order flipped every run. Timings are printed, never
 * asserted. Run inside the daemon's namespaces (bench/resize.sh does).
 */

#include <fcntl.h>
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
	const char *dev;   /* a device of bench/resize.conf */
	const char *plain; /* a tap of the same size tapqd does not own (bench/resize.sh) */
	unsigned int queues;
	unsigned int iters;
} resize_sizes[] = {
    {"rz4", "pl4", 4, 200},
    {"rz64", "pl64", 64, 40},
    {"rz256", "pl256", 256, 12},
};
#define RESIZE_N_SIZES (sizeof(resize_sizes) / sizeof(resize_sizes[0]))
#define RESIZE_ITERS_MAX 200

struct resize_times {
	uint64_t grow[RESIZE_ITERS_MAX];
	uint64_t shrink[RESIZE_ITERS_MAX];
	uint64_t noop[RESIZE_ITERS_MAX]; /* tapqd: a RESIZE to the size it has, the request's own cost */
	uint64_t drain[RESIZE_ITERS_MAX]; /* the first one after a shrink: it waits for its notifications */
};

/* The queues of a tap, opened by name: every one attached as it opens. */
struct plain_tap {
	int fds[TAPQD_MAX_QUEUES];
	unsigned int n;
};

static void tapqd_resize_or_die(struct tapqd_client *c, const char *dev, unsigned int n)
{
	int r = tapqd_client_resize(c, dev, n);

	if (r < 0)
		die("resize %s %u: %s (%s)", dev, n, strerror(-r), tapqd_client_error(c));
}

static void plain_set(const int *fds, unsigned int i, bool attach)
{
	struct ifreq ifr = {.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE};

	if (ioctl(fds[i], TUNSETQUEUE, &ifr) < 0)
		die("TUNSETQUEUE %s queue %u: %s", attach ? "attach" : "detach", i,
		    strerror(errno));
}

static void plain_open(struct plain_tap *t, const char *name, unsigned int n)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	for (t->n = 0; t->n < n; t->n++) {
		t->fds[t->n] = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (t->fds[t->n] < 0 || ioctl(t->fds[t->n], TUNSETIFF, &ifr) < 0)
			die("opening queue %u of %s: %s", t->n, name, strerror(errno));
	}
}

static void plain_close(struct plain_tap *t)
{
	for (unsigned int i = 0; i < t->n; i++)
		close(t->fds[i]);
	t->n = 0;
}

static void run_tapqd(struct tapqd_client *c, const char *dev, unsigned int n,
		      struct resize_times *t, unsigned int i)
{
	uint64_t t0 = bench_now_ns(), t1, t2, t3;

	tapqd_resize_or_die(c, dev, n);
	t1 = bench_now_ns();
	tapqd_resize_or_die(c, dev, 1);
	/* tapqd reads the shrink's own notifications (one per queue) before the next request */
	t2 = bench_now_ns();
	tapqd_resize_or_die(c, dev, 1);
	t3 = bench_now_ns();
	tapqd_resize_or_die(c, dev, 1);
	t->drain[i] = t3 - t2;
	t2 = t3;
	t3 = bench_now_ns();
	t->grow[i] = t1 - t0;
	t->shrink[i] = t2 - t1;
	t->noop[i] = t3 - t2;
}

/* Attaches first and detaches last to first, as tapqd and QEMU do: queues stay a prefix. */
static void plain_loop(const int *fds, unsigned int from, unsigned int to)
{
	if (to > from)
		for (unsigned int i = from; i < to; i++)
			plain_set(fds, i, true);
	else
		for (unsigned int i = from; i-- > to;)
			plain_set(fds, i, false);
}

static void run_plain(const struct plain_tap *t, unsigned int n, uint64_t *grow, uint64_t *shrink)
{
	uint64_t t0 = bench_now_ns(), t1, t2;

	plain_loop(t->fds, 1, n);
	t1 = bench_now_ns();
	plain_loop(t->fds, n, 1);
	t2 = bench_now_ns();
	*grow = t1 - t0;
	*shrink = t2 - t1;
}

/* STATUS until tapqd shows n active queues, at most 10 s. */
static void follow_wait(struct tapqd_client *c, const char *dev, unsigned int n)
{
	uint64_t deadline = bench_now_ns() + 10000000000u;

	for (;;) {
		struct tapqd_device_info *info = NULL;
		size_t count = 0;
		int r = tapqd_client_status(c, dev, &info, &count);
		unsigned int active = r == 0 && count == 1 ? info->active_queues : 0;

		free(info);
		if (r < 0)
			die("status %s: %s (%s)", dev, strerror(-r), tapqd_client_error(c));
		if (active == n)
			return;
		if (bench_now_ns() > deadline)
			die("%s: tapqd shows %u active queues 10 s after the holder set %u", dev,
			    active, n);
	}
}

/* The holder of a client-mode lease shrinks N -> 1, then grows 1 -> N, and tapqd follows. */
static void run_follow(struct tapqd_client *c, const char *dev,
		       const struct tapqd_lease_info *l, unsigned int n, uint64_t *grow,
		       uint64_t *shrink)
{
	uint64_t t0 = bench_now_ns(), t1, t2;

	plain_loop(l->fds, n, 1);
	follow_wait(c, dev, 1);
	t1 = bench_now_ns();
	plain_loop(l->fds, 1, n);
	follow_wait(c, dev, n);
	t2 = bench_now_ns();
	*shrink = t1 - t0;
	*grow = t2 - t1;
}

static struct tapqd_client *connect_acquire(const char *sock, const char *dev, unsigned int control,
					    struct tapqd_lease_info *lease)
{
	struct tapqd_client *c;
	int r = tapqd_client_connect(sock, &c);

	if (r < 0)
		die("connect %s: %s", sock, strerror(-r));
	r = tapqd_client_acquire(c, dev, control, lease);
	if (r < 0)
		die("acquire %s: %s (%s)", dev, strerror(-r), tapqd_client_error(c));
	return c;
}

static void release_free(struct tapqd_client *c, const char *dev, struct tapqd_lease_info *lease)
{
	int r = tapqd_client_release(c, dev, NULL);

	if (r < 0)
		die("release %s: %s", dev, strerror(-r));
	tapqd_lease_close_fds(lease);
	tapqd_client_free(c);
}

static void print_row(const char *what, unsigned int n, unsigned int iters, struct resize_times *t,
		      struct resize_times *plain, bool with_noop)
{
	struct bench_stats sg[2], ss[2];

	sg[0] = bench_stats(t->grow, iters);
	sg[1] = bench_stats(plain->grow, iters);
	ss[0] = bench_stats(t->shrink, iters);
	ss[1] = bench_stats(plain->shrink, iters);
	printf("%-6s %6u %5u | %9.1f / %9.1f us | %9.1f / %9.1f us | %9.1f / %9.1f us | "
	       "%9.1f / %9.1f us | %5.2fx, %5.2fx",
	       what, n, iters, sg[0].median_us, sg[0].p99_us, sg[1].median_us, sg[1].p99_us,
	       ss[0].median_us, ss[0].p99_us, ss[1].median_us, ss[1].p99_us,
	       sg[0].median_us / sg[1].median_us, ss[0].median_us / ss[1].median_us);
	if (with_noop)
		printf(" | %7.1f us, %7.1f us", bench_stats(t->noop, iters).median_us,
		       bench_stats(t->drain, iters).median_us);
	printf("\n");
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
	static struct resize_times tq, plain, fw, plain2;
	static struct plain_tap pt;
	const char *sock = argc > 1 ? argv[1] : TAPQD_DEFAULT_SOCKET;

	raise_nofile();
	if (setvbuf(stdout, NULL, _IOLBF, 0))
		die("setvbuf failed");
	printf("resize: grow 1 -> N and shrink N -> 1 active queues. tapqd: RESIZE on a\n"
	       "        daemon-mode lease (request -> OK); follow: a client-mode holder's\n"
	       "        TUNSETQUEUE loop until tapqd's STATUS shows it; plain: the same loop\n"
	       "        on a tap of the same size tapqd does not own, measured alongside each\n\n");
	printf("%-6s %6s %5s | %-23s | %-23s | %-23s | %-23s | %-14s | %s\n", "", "queues",
	       "iters", "grow med/p99", "plain grow med/p99", "shrink med/p99",
	       "plain shrink med/p99", "ratio grow, shrink", "no-op RESIZE med, after shrink");
	for (size_t k = 0; k < RESIZE_N_SIZES; k++) {
		const char *dev = resize_sizes[k].dev;
		unsigned int n = resize_sizes[k].queues, iters = resize_sizes[k].iters;
		struct tapqd_client *c;

		plain_open(&pt, resize_sizes[k].plain, n);
		plain_loop(pt.fds, n, 1);
		c = connect_acquire(sock, dev, TAPQD_CONTROL_DAEMON, &lease);
		tapqd_resize_or_die(c, dev, 1);
		/* one warm-up of each */
		run_tapqd(c, dev, n, &tq, 0);
		run_plain(&pt, n, &plain.grow[0], &plain.shrink[0]);
		for (unsigned int i = 0; i < iters; i++) {
			if (i % 2)
				run_tapqd(c, dev, n, &tq, i);
			run_plain(&pt, n, &plain.grow[i], &plain.shrink[i]);
			if (!(i % 2))
				run_tapqd(c, dev, n, &tq, i);
		}
		release_free(c, dev, &lease);
		print_row("tapqd", n, iters, &tq, &plain, true);

		/* client mode hands every queue over attached */
		c = connect_acquire(sock, dev, TAPQD_CONTROL_CLIENT, &lease);
		for (unsigned int i = 0; i < iters; i++) {
			if (i % 2)
				run_follow(c, dev, &lease, n, &fw.grow[i], &fw.shrink[i]);
			/* the plain tap goes N -> 1 -> N too, in the same order */
			run_plain(&pt, n, &plain2.grow[i], &plain2.shrink[i]);
			if (!(i % 2))
				run_follow(c, dev, &lease, n, &fw.grow[i], &fw.shrink[i]);
		}
		release_free(c, dev, &lease);
		plain_close(&pt);
		print_row("follow", n, iters, &fw, &plain2, false);
	}
	printf("(target: tapqd/plain <= 1.5x, medians; follow has no target: it shows what\n"
	       " reading a client's changes costs. No-op RESIZE: a request to the size the\n"
	       " device has, the round trip every tapqd figure includes and no plain one;\n"
	       " after shrink: the first one, which waits while tapqd reads the shrink's\n"
	       " own notifications)\n");
	return 0;
}
