// SPDX-License-Identifier: MIT
/*
 * ghost.c - what cutting off a lease's queue files costs, both ways tapqd
 * can do it at lease end, against opening the queues in the first place:
 *
 *   baseline   open("/dev/net/tun") + TUNSETIFF, n times, on a new name
 *   queues     n fresh queues by name, each swapped for an old one
 *              (TUNSETQUEUE detach, close): what device_renew_queues() does,
 *              the same ifindex
 *   interface  RTM_DELLINK of the device, then n queues, TUNSETOWNER and the
 *              link up again: what tapqd does when old files live on
 *              elsewhere, a new ifindex
 *
 *   ghost [-r ROUNDS] N...   (in a network namespace of its own, as root)
 *
 * Prints one line per queue count: the median and p99 of each, in
 * microseconds, and the ratio of each median to the baseline's.
 */

#define BENCH_NAME "ghost"

#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "tap.h"

#define GHOST_FLAGS (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE)
#define GHOST_ROUNDS_MAX 1000

static void open_all(const char *name, int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		fds[i] = tap_queue_open(name, GHOST_FLAGS);
		if (fds[i] < 0)
			die("%s: queue %u: %s", name, i, strerror(-fds[i]));
	}
}

static void close_all(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		close(fds[i]);
}

static void link_up(const char *name)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket: %s", strerror(errno));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS %s: %s", name, strerror(errno));
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS %s: %s", name, strerror(errno));
	close(s);
}

/* RTM_DELLINK by ifindex, as link_delete() sends it, and its ack. */
static void link_del(int nl, int ifindex)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} req = {
		.h = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_DELLINK,
		      .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 1},
		.ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex},
	};
	char buf[4096];
	struct nlmsgerr *e;
	ssize_t n;

	if (send(nl, &req, sizeof(req), 0) < 0)
		die("RTM_DELLINK: %s", strerror(errno));
	n = recv(nl, buf, sizeof(buf), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(*e)))
		die("RTM_DELLINK: no ack: %s", n < 0 ? strerror(errno) : "short");
	e = NLMSG_DATA((struct nlmsghdr *)buf);
	if (e->error)
		die("RTM_DELLINK: %s", strerror(-e->error));
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void bench(int nl, unsigned int n, unsigned int rounds)
{
	static int fds[128], fresh;
	static uint64_t base[GHOST_ROUNDS_MAX], queues[GHOST_ROUNDS_MAX], iface[GHOST_ROUNDS_MAX];
	struct bench_stats b, q, f;
	char name[IFNAMSIZ];

	snprintf(name, sizeof(name), "bg%u", n);
	for (unsigned int r = 0; r < rounds; r++) {
		uint64_t t0 = bench_now_ns();

		open_all(name, fds, n);
		base[r] = bench_now_ns() - t0;
		link_up(name);

		/* the fresh one comes attached: the old one goes, as every queue was attached */
		t0 = bench_now_ns();
		for (unsigned int i = 0; i < n; i++) {
			fresh = tap_queue_open(name, GHOST_FLAGS);
			if (fresh < 0)
				die("%s: fresh queue %u: %s", name, i, strerror(-fresh));
			if (tap_queue_set_attached(fds[i], false) < 0)
				die("%s: detaching queue %u", name, i);
			close(fds[i]);
			fds[i] = fresh;
		}
		queues[r] = bench_now_ns() - t0;

		t0 = bench_now_ns();
		link_del(nl, (int)if_nametoindex(name));
		close_all(fds, n);
		open_all(name, fds, n);
		if (tap_set_owner(fds[0], geteuid()) < 0)
			die("%s: TUNSETOWNER", name);
		link_up(name);
		iface[r] = bench_now_ns() - t0;
		close_all(fds, n);
	}
	b = bench_stats(base, rounds);
	q = bench_stats(queues, rounds);
	f = bench_stats(iface, rounds);
	printf("%3u queues, %u rounds: baseline open+TUNSETIFF %.0f us (p99 %.0f); "
	       "fresh queues %.0f us (p99 %.0f) = %.1fx; interface again %.0f us (p99 %.0f) = %.1fx\n",
	       n, rounds, b.median_us, b.p99_us, q.median_us, q.p99_us,
	       ratio(q.median_us, b.median_us), f.median_us, f.p99_us,
	       ratio(f.median_us, b.median_us));
}

int main(int argc, char **argv)
{
	unsigned int rounds = 20;
	int i = 1, nl;

	if (argc > 2 && !strcmp(argv[1], "-r")) {
		rounds = (unsigned int)strtoul(argv[2], NULL, 10);
		i = 3;
	}
	if (rounds < 1 || rounds > GHOST_ROUNDS_MAX || i >= argc)
		die("usage: ghost [-r ROUNDS (1-%d)] QUEUES...", GHOST_ROUNDS_MAX);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0)
		die("netlink: %s", strerror(errno));
	for (; i < argc; i++) {
		unsigned long n = strtoul(argv[i], NULL, 10);

		if (n < 1 || n > 128)
			die("%s: queues must be 1-128 (fresh ones open next to the old)", argv[i]);
		bench((int)nl, (unsigned int)n, rounds);
	}
	close(nl);
	return 0;
}
