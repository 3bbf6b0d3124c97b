// SPDX-License-Identifier: MIT
/*
 * scale_raw.c - the kernel's part alone of starting and stopping N
 * multiqueue taps, the floor bench/scale.sh sets tapqd's figures against:
 *
 *   start   per device: Q x (open /dev/net/tun + TUNSETIFF), a noqueue root
 *           qdisc, then IFF_UP with the link group in one RTM_NEWLINK
 *   stop    one RTM_DELLINK by IFLA_GROUP, then every fd closed
 *
 *   scale_raw N Q   (in a network namespace of its own, as root)
 *
 * Prints "start_ms STOP_ms" on one line.
 */

#define BENCH_NAME "scale_raw"

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "tap.h"

#define RAW_FLAGS (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR)
#define RAW_GROUP 0x7a9e0001u /* any group nobody else in this fresh namespace uses */

struct raw_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct tcmsg tcm;
	};
	char attrs[64];
};

static void raw_attr(struct raw_req *req, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	req->h.nlmsg_len = NLMSG_ALIGN(req->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void raw_talk(int nl, struct raw_req *req, const char *what)
{
	char buf[4096];
	struct nlmsgerr *e;
	ssize_t n;

	req->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(nl, req, req->h.nlmsg_len, 0) < 0)
		die("%s: %s", what, strerror(errno));
	n = recv(nl, buf, sizeof(buf), 0);
	if (n < (ssize_t)(NLMSG_HDRLEN + sizeof(*e)))
		die("%s: no ack: %s", what, n < 0 ? strerror(errno) : "short");
	e = NLMSG_DATA((struct nlmsghdr *)buf);
	if (e->error)
		die("%s: %s", what, strerror(-e->error));
}

static void raw_noqueue(int nl, int ifindex)
{
	struct raw_req req = {
		.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)), .nlmsg_type = RTM_NEWQDISC,
		      .nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE},
		.tcm = {.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = TC_H_ROOT},
	};

	raw_attr(&req, TCA_KIND, "noqueue", sizeof("noqueue"));
	raw_talk(nl, &req, "RTM_NEWQDISC noqueue");
}

static void raw_up(int nl, int ifindex)
{
	struct raw_req req = {
		.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK},
		.ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = IFF_UP,
			.ifi_change = IFF_UP},
	};
	unsigned int group = RAW_GROUP;

	raw_attr(&req, IFLA_GROUP, &group, sizeof(group));
	raw_talk(nl, &req, "RTM_NEWLINK up");
}

static void raw_delete_group(int nl)
{
	struct raw_req req = {
		.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_DELLINK},
		.ifi = {.ifi_family = AF_UNSPEC},
	};
	unsigned int group = RAW_GROUP;

	raw_attr(&req, IFLA_GROUP, &group, sizeof(group));
	raw_talk(nl, &req, "RTM_DELLINK by group");
}

int main(int argc, char **argv)
{
	unsigned int n, q;
	struct rlimit rl;
	uint64_t t0, start, stop;
	int nl, *fds;

	if (argc != 3 || !(n = (unsigned int)atoi(argv[1])) || !(q = (unsigned int)atoi(argv[2])) ||
	    q > 256)
		die("usage: scale_raw DEVICES QUEUES");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = calloc((size_t)n * q, sizeof(*fds));
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (!fds || nl < 0)
		die("setting up: %s", strerror(errno));
	t0 = bench_now_ns();
	for (unsigned int i = 0; i < n; i++) {
		char name[IFNAMSIZ];
		int ifindex;

		snprintf(name, sizeof(name), "raw%u", i);
		for (unsigned int j = 0; j < q; j++) {
			fds[i * q + j] = tap_queue_open(name, RAW_FLAGS);
			if (fds[i * q + j] < 0)
				die("%s: queue %u: %s", name, j, strerror(-fds[i * q + j]));
		}
		ifindex = (int)if_nametoindex(name);
		if (!ifindex)
			die("%s: if_nametoindex: %s", name, strerror(errno));
		raw_noqueue(nl, ifindex);
		raw_up(nl, ifindex);
	}
	start = bench_now_ns() - t0;
	t0 = bench_now_ns();
	raw_delete_group(nl);
	for (unsigned int i = 0; i < n * q; i++)
		close(fds[i]);
	stop = bench_now_ns() - t0;
	printf("%.1f %.1f\n", (double)start / 1e6, (double)stop / 1e6);
	close(nl);
	free(fds);
	return 0;
}
