// SPDX-License-Identifier: MIT
/*
 * tqprobe.c - integration-test probe: takes leases with libtapqd, checks the
 * received fds with TUNGETIFF and /proc/self/fdinfo, moves frames through
 * them, and feeds the control socket malformed input
 *
 *   tqprobe [-s SOCKET] acquire DEV [--mode client|daemon] [--expect N]
 *                                   [--expect-active N] [--grow N] [--handover PID]
 *                                   [--hold]
 *   (--grow: the holder resizes its own lease to N queues, on its connection;
 *    --handover: then hands it to process PID)
 *   tqprobe [-s SOCKET] arp DEV TARGET_IP SRC_IP
 *   tqprobe [-s SOCKET] pong DEV IP COUNT TIMEOUT_SEC [--hold]
 *                                   (SIGUSR1: resume with the fds; --hold: keep
 *                                    the lease after COUNT, until SIGTERM)
 *   tqprobe pong-name DEV N IP COUNT TIMEOUT_SEC  (opens DEV by name N times, as libvirt)
 *   tqprobe [-s SOCKET] resume DEV TOKEN_HEX TIMEOUT_SEC
 *   tqprobe [-s SOCKET] garbage [DEV]
 *   tqprobe [-s SOCKET] acquire-raw DEV --hangup SECONDS | --read
 *
 * Prints what it saw, one fact per line; the last line starts with "ok" or
 * "FAIL". Exit 0 when every check held, 1 otherwise, 2 on usage errors.
 * Uses only tapqd.h and libc (linked with libtapqd.a alone).
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tapqd-fdpass.h"
#include "tapqd.h"

#define PROBE_MAC {0x02, 0x00, 0x00, 0x00, 0x00, 0x02}
#define ETH_HLEN_ 14
#define ETHTYPE_ARP 0x0806
#define ETHTYPE_IP 0x0800
#define FRAME_MAX 65536

static const char *sock_path = TAPQD_DEFAULT_SOCKET;
static int failures;
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t resume_flag;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		resume_flag = 1;
	else
		stop_flag = 1;
}

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failf(const char *fmt, ...)
{
	va_list ap;

	failures++;
	fputs("FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_client(struct tapqd_client **ret)
{
	int r = tapqd_client_connect(sock_path, ret);

	if (r < 0)
		failf("connect %s: %s", sock_path, strerror(-r));
	return r;
}

/* Connects and takes a lease; prints the error on failure. */
static int take_lease(const char *dev, unsigned int control, struct tapqd_client **ret_c,
		      struct tapqd_lease_info *l)
{
	struct tapqd_client *c;
	int r;

	r = connect_client(&c);
	if (r < 0)
		return r;
	r = tapqd_client_acquire(c, dev, control, l);
	if (r < 0) {
		failf("acquire %s: %s: %s", dev, strerror(-r), tapqd_client_error(c));
		tapqd_client_free(c);
		return r;
	}
	*ret_c = c;
	return 0;
}

/* The number of fds of this process whose fdinfo names tap device dev. */
static int count_proc_tap_fds(const char *dev)
{
	DIR *d = opendir("/proc/self/fdinfo");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], line[256];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char name[64];

			if (sscanf(line, "iff: %63s", name) == 1 && !strcmp(name, dev))
				n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

static int vnet_hdr_len(int fd)
{
	struct ifreq ifr;
	int sz = 0;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_VNET_HDR))
		return 0;
	if (ioctl(fd, TUNGETVNETHDRSZ, &sz) < 0)
		return -1;
	return sz;
}

/*
 * Checks every fd of a lease: TUNGETIFF names dev, the same flags everywhere,
 * a multiqueue tap, the attach state as the metadata says. Return: attached count.
 */
static unsigned int check_lease_fds(const char *dev, const struct tapqd_lease_info *l)
{
	unsigned int attached = 0;
	int flags0 = -1;

	for (size_t i = 0; i < l->n_fds; i++) {
		struct ifreq ifr;
		bool detached;
		int base;

		memset(&ifr, 0, sizeof(ifr));
		if (ioctl(l->fds[i], TUNGETIFF, &ifr) < 0) {
			failf("queue %zu fd %d: TUNGETIFF: %s", i, l->fds[i], strerror(errno));
			continue;
		}
		detached = ifr.ifr_flags & IFF_DETACH_QUEUE;
		printf("queue %zu fd %d name %s flags 0x%04x %s\n", i, l->fds[i], ifr.ifr_name,
		       (unsigned int)ifr.ifr_flags & 0xffff, detached ? "detached" : "attached");
		if (strncmp(ifr.ifr_name, dev, IFNAMSIZ))
			failf("queue %zu fd %d: TUNGETIFF names %s, not %s", i, l->fds[i],
			      ifr.ifr_name, dev);
		base = ifr.ifr_flags & ~IFF_DETACH_QUEUE & 0xffff;
		if ((base & (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE)) !=
		    (IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE))
			failf("queue %zu: flags 0x%04x lack IFF_TAP|IFF_NO_PI|IFF_MULTI_QUEUE", i,
			      (unsigned int)base);
		if (flags0 < 0)
			flags0 = base;
		else if (base != flags0)
			failf("queue %zu: flags 0x%04x differ from queue 0's 0x%04x", i,
			      (unsigned int)base, (unsigned int)flags0);
		if (!detached)
			attached++;
		if (!!l->dev.queues[i].active != !detached)
			failf("queue %zu: metadata says %s, TUNGETIFF says %s", i,
			      l->dev.queues[i].active ? "active" : "inactive",
			      detached ? "detached" : "attached");
	}
	if (l->n_fds) {
		int sz = vnet_hdr_len(l->fds[0]);

		printf("vnet_hdr_size %d metadata %u\n", sz, l->dev.vnet_hdr_size);
		if (sz != (int)l->dev.vnet_hdr_size)
			failf("vnet header size: kernel %d, metadata %u", sz, l->dev.vnet_hdr_size);
	}
	return attached;
}

static int cmd_acquire(int argc, char **argv)
{
	struct tapqd_lease_info *l = calloc(1, sizeof(*l));
	unsigned int control = TAPQD_CONTROL_CLIENT, attached;
	long expect = -1, expect_active = -1, grow = -1, handover = -1;
	struct tapqd_client *c = NULL;
	const char *dev;
	bool hold = false;
	int n;

	if (argc < 2 || !l)
		return 2;
	dev = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			if (tapqd_control_parse(argv[++i], &control) < 0)
				return 2;
		} else if (!strcmp(argv[i], "--expect") && i + 1 < argc) {
			expect = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--expect-active") && i + 1 < argc) {
			expect_active = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--grow") && i + 1 < argc) {
			grow = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--handover") && i + 1 < argc) {
			handover = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--hold")) {
			hold = true;
		} else {
			return 2;
		}
	}
	if (take_lease(dev, control, &c, l) < 0)
		return 1;

	printf("lease device %s ifindex %u max_queues %u active_queues %u leased %u control %s "
	       "holder_pid %d pid %d n_fds %zu\n",
	       l->dev.name, l->dev.ifindex, l->dev.max_queues, l->dev.active_queues, l->dev.leased,
	       tapqd_control_name(l->dev.control), l->dev.holder_pid, (int)getpid(), l->n_fds);
	if (strncmp(l->dev.name, dev, TAPQD_NAME_MAX))
		failf("metadata names %.16s, not %s", l->dev.name, dev);
	if (l->n_fds != l->dev.max_queues)
		failf("received %zu fds for max_queues %u", l->n_fds, l->dev.max_queues);
	if (expect >= 0 && (long)l->n_fds != expect)
		failf("received %zu fds, expected %ld", l->n_fds, expect);
	if (l->dev.control != control)
		failf("metadata control %s, requested %s", tapqd_control_name(l->dev.control),
		      tapqd_control_name(control));
	if (l->dev.holder_pid != getpid())
		failf("metadata holder_pid %d, this process is %d", l->dev.holder_pid,
		      (int)getpid());
	if (!l->dev.leased)
		failf("metadata says not leased");
	attached = check_lease_fds(dev, l);
	if (attached != l->dev.active_queues)
		failf("%u queues attached, metadata active_queues %u", attached,
		      l->dev.active_queues);
	if (expect_active >= 0 && (long)attached != expect_active)
		failf("%u queues attached, expected %ld", attached, expect_active);
	n = count_proc_tap_fds(dev);
	printf("proc tap fds %d\n", n);
	if (n != (int)l->n_fds)
		failf("/proc/self/fdinfo shows %d fds of %s, received %zu", n, dev, l->n_fds);
	if (grow > 0) {
		n = tapqd_client_resize(c, dev, (unsigned int)grow);
		if (n < 0)
			failf("resize of its own lease to %ld: %s: %s", grow, strerror(-n),
			      tapqd_client_error(c));
		else
			printf("grew to %ld\n", grow);
	}
	if (handover >= 0) {
		n = tapqd_client_handover(c, dev, NULL, (pid_t)handover);
		if (n < 0)
			failf("handover to pid %ld: %s: %s", handover, strerror(-n),
			      tapqd_client_error(c));
		else
			printf("handed over to pid %ld\n", handover);
	}
	if (failures == 0)
		printf("ok %s fds %zu attached %u\n", dev, l->n_fds, attached);
	fflush(stdout);

	if (hold && failures == 0) {
		printf("holding pid %d\n", (int)getpid());
		fflush(stdout);
		while (!stop_flag)
			pause();
	}
	tapqd_lease_close_fds(l);
	tapqd_client_free(c);
	free(l);
	return failures ? 1 : 0;
}

/* ---- frames ---- */

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* An ARP packet (request op 1, reply op 2) in an Ethernet frame; returns its length. */
static size_t build_arp(uint8_t *f, unsigned int op, const uint8_t dst_mac[6],
			const uint8_t src_mac[6], struct in_addr spa, const uint8_t tha[6],
			struct in_addr tpa)
{
	memset(f, 0, 60);
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, ETHTYPE_ARP);
	put16(f + 14, 1);          /* htype Ethernet */
	put16(f + 16, ETHTYPE_IP); /* ptype */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, (uint16_t)op);
	memcpy(f + 22, src_mac, 6);
	memcpy(f + 28, &spa, 4);
	memcpy(f + 32, tha, 6);
	memcpy(f + 38, &tpa, 4);
	return 60; /* padded to the Ethernet minimum */
}

/* Writes one frame, with a zeroed vnet header in front when the queue has one. */
static int write_frame(int fd, int vhl, const uint8_t *frame, size_t len)
{
	static uint8_t buf[FRAME_MAX + 64];
	ssize_t n;

	memset(buf, 0, (size_t)vhl);
	memcpy(buf + vhl, frame, len);
	n = write(fd, buf, (size_t)vhl + len);
	if (n < 0)
		return -errno;
	return n == (ssize_t)((size_t)vhl + len) ? 0 : -EIO;
}

/*
 * Waits (until deadline_ms) for a frame on any of the fds; strips the vnet
 * header. Return: the frame length, 0 on timeout or stop, -errno on error.
 */
static ssize_t read_any(const struct tapqd_lease_info *l, int vhl, long deadline_ms,
			uint8_t *frame, size_t cap, size_t *ret_queue)
{
	static uint8_t buf[FRAME_MAX + 64];
	struct pollfd pfd[TAPQD_MAX_QUEUES];

	for (size_t i = 0; i < l->n_fds; i++)
		pfd[i] = (struct pollfd){.fd = l->fds[i], .events = POLLIN};
	while (!stop_flag) {
		long left = deadline_ms - now_ms();
		int r;

		if (resume_flag)
			return -EAGAIN;
		if (left <= 0)
			return 0;
		r = poll(pfd, l->n_fds, (int)(left > 200 ? 200 : left));
		if (r < 0 && errno != EINTR)
			return -errno;
		for (size_t i = 0; r > 0 && i < l->n_fds; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN)) {
				if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
					return -EIO;
				continue;
			}
			n = read(l->fds[i], buf, sizeof(buf));
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				return -errno;
			}
			if (n <= vhl)
				continue;
			n -= vhl;
			if ((size_t)n > cap)
				n = (ssize_t)cap;
			memcpy(frame, buf + vhl, (size_t)n);
			*ret_queue = i;
			return n;
		}
	}
	return 0;
}

static bool is_arp(const uint8_t *f, ssize_t n, unsigned int op)
{
	return n >= 42 && get16(f + 12) == ETHTYPE_ARP && get16(f + 20) == op;
}

static int parse_ip(const char *s, struct in_addr *ret)
{
	if (inet_pton(AF_INET, s, ret) != 1) {
		fprintf(stderr, "bad IPv4 address %s\n", s);
		return -1;
	}
	return 0;
}

/*
 * arp DEV TARGET SRC: on every queue in turn, writes an ARP request for
 * TARGET (the tap's own address) and waits (3 s) for the kernel's reply on
 * any queue.
 */
static int cmd_arp(int argc, char **argv)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6];
	const uint8_t mac[6] = PROBE_MAC;
	struct tapqd_lease_info *l = calloc(1, sizeof(*l));
	struct tapqd_client *c = NULL;
	struct in_addr target, src;
	static uint8_t frame[FRAME_MAX];
	unsigned int replies = 0;
	int vhl;

	if (argc != 4 || !l || parse_ip(argv[2], &target) || parse_ip(argv[3], &src))
		return 2;
	if (take_lease(argv[1], TAPQD_CONTROL_CLIENT, &c, l) < 0)
		return 1;
	vhl = vnet_hdr_len(l->fds[0]);
	printf("lease %s fds %zu vnet_hdr %d\n", argv[1], l->n_fds, vhl);
	for (size_t q = 0; q < l->n_fds; q++) {
		size_t len = build_arp(frame, 1, bcast, mac, src, zero, target);
		long deadline = now_ms() + 3000;
		bool got = false;
		int r = write_frame(l->fds[q], vhl, frame, len);

		if (r < 0) {
			failf("queue %zu: write of an ARP request: %s", q, strerror(-r));
			continue;
		}
		while (!got) {
			size_t rq = 0;
			ssize_t n = read_any(l, vhl, deadline, frame, sizeof(frame), &rq);

			if (n <= 0)
				break;
			if (is_arp(frame, n, 2) && !memcmp(frame + 28, &target, 4) &&
			    !memcmp(frame + 38, &src, 4) && !memcmp(frame, mac, 6)) {
				printf("queue %zu: ARP request written, reply read on queue %zu from "
				       "%02x:%02x:%02x:%02x:%02x:%02x\n",
				       q, rq, frame[22], frame[23], frame[24], frame[25], frame[26],
				       frame[27]);
				got = true;
			}
		}
		if (got)
			replies++;
		else
			failf("queue %zu: no ARP reply for %s within 3 s", q, argv[2]);
	}
	if (failures == 0)
		printf("ok %u ARP replies for %zu queues\n", replies, l->n_fds);
	tapqd_lease_close_fds(l);
	tapqd_client_free(c);
	free(l);
	return failures ? 1 : 0;
}

/*
 * n queue fds of a tap named dev in a network namespace of a child's own,
 * as a holder could make to hand tapqd someone else's traffic. The child
 * keeps its namespace alive until *sock is closed. Return: 0 or -errno.
 */
static int foreign_taps(const char *dev, size_t n, int *fds, int *sock)
{
	int sp[2], flags;
	size_t got = 0;
	pid_t pid;
	char b;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int q[TAPQD_FDS_PER_MSG];

		close(sp[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		for (size_t i = 0; i < n; i++) {
			struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE |
							 IFF_VNET_HDR};

			snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
			q[i] = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
			if (q[i] < 0 || ioctl(q[i], TUNSETIFF, &ifr) < 0)
				_exit(1);
		}
		if (tapqd_fdpass_send(sp[1], "t", 1, q, n, 0) < 0)
			_exit(1);
		while (read(sp[1], &b, 1) > 0)
			;
		_exit(0);
	}
	close(sp[1]);
	if (tapqd_fdpass_recv(sp[0], &b, 1, fds, n, &got, 0, &flags) <= 0 || got != n) {
		close(sp[0]);
		return -EIO;
	}
	*sock = sp[0];
	return 0;
}

static void pong_resume_extra(const char *dev, const struct tapqd_lease_info *l);

/*
 * What a holder does once a tapqd restarted without systemd: a new
 * connection (tapqd may still be starting: 10 s at most), then RESUME with
 * every queue fd. First the two a tapqd must refuse, closing what it got: a
 * wrong token, and one fd too few.
 */
static int pong_resume(const char *dev, struct tapqd_client **c, const struct tapqd_lease_info *l)
{
	static const uint8_t wrong[TAPQD_TOKEN_LEN] = {0};
	long t0 = now_ms();
	int r = -ECONNREFUSED;

	tapqd_client_free(*c);
	*c = NULL;
	for (int i = 0; i < 100 && r < 0; i++) {
		r = tapqd_client_connect(sock_path, c);
		if (r < 0)
			usleep(100000);
	}
	if (r < 0) {
		failf("reconnecting to resume %s: %s", dev, strerror(-r));
		return r;
	}
	r = tapqd_client_resume_fds(*c, dev, wrong, l->fds, l->n_fds);
	printf("resume with a wrong token: %s: %s\n", r < 0 ? strerror(-r) : "accepted",
	       tapqd_client_error(*c));
	if (r == 0)
		failf("tapqd took the fds with a wrong token");
	r = tapqd_client_resume_fds(*c, dev, l->token, l->fds, l->n_fds - 1);
	printf("resume with %zu fds: %s: %s\n", l->n_fds - 1, r < 0 ? strerror(-r) : "accepted",
	       tapqd_client_error(*c));
	if (r == 0)
		failf("tapqd took %zu of %zu fds", l->n_fds - 1, l->n_fds);
	{
		int foreign[TAPQD_FDS_PER_MSG], sock = -1;

		r = foreign_taps(dev, l->n_fds, foreign, &sock);
		if (r < 0) {
			failf("making a tap %s in a namespace of our own: %s", dev, strerror(-r));
		} else {
			r = tapqd_client_resume_fds(*c, dev, l->token, foreign, l->n_fds);
			printf("resume with the fds of a %s of another netns: %s: %s\n", dev,
			       r < 0 ? strerror(-r) : "accepted", tapqd_client_error(*c));
			if (r == 0)
				failf("tapqd took the queues of a tap of another network namespace");
			for (size_t i = 0; i < l->n_fds; i++)
				close(foreign[i]);
			close(sock);
		}
	}
	pong_resume_extra(dev, l);
	r = tapqd_client_resume_fds(*c, dev, l->token, l->fds, l->n_fds);
	if (r < 0) {
		failf("resume %s with %zu fds: %s: %s", dev, l->n_fds, strerror(-r),
		      tapqd_client_error(*c));
		return r;
	}
	printf("resumed %s with %zu fds in %ld ms\n", dev, l->n_fds, now_ms() - t0);
	fflush(stdout);
	return 0;
}

/*
 * Answers ARP requests for ip_s and ICMP echo requests to it read from any
 * of l's fds, writing each reply to the queue the request came on, until
 * want echo requests or the deadline; with hold, until SIGTERM or the
 * deadline, so that the lease outlives the traffic for as long as a test
 * needs its holder alive. SIGUSR1: resume the lease with its fds on a new
 * connection (pong_resume), when there is one (*c).
 * Return: the echo requests answered.
 */
static unsigned long pong_serve(const char *dev, const char *ip_s, struct tapqd_lease_info *l,
				struct tapqd_client **c, unsigned long want, bool hold,
				long deadline)
{
	const uint8_t mac[6] = PROBE_MAC;
	static uint8_t f[FRAME_MAX], out[FRAME_MAX];
	unsigned long frames = 0, arps = 0, echoes = 0;
	int vhl = vnet_hdr_len(l->fds[0]);
	struct in_addr ip;

	if (parse_ip(ip_s, &ip))
		return 0;
	while (echoes < want || hold) {
		size_t q = 0;
		ssize_t n = read_any(l, vhl, deadline, f, sizeof(f), &q);

		if (n == -EAGAIN) {
			resume_flag = 0;
			if (*c)
				pong_resume(dev, c, l);
			continue;
		}
		if (n < 0) {
			failf("reading the queues: %s", strerror((int)-n));
			break;
		}
		if (n == 0)
			break;
		frames++;
		if (is_arp(f, n, 1) && !memcmp(f + 38, &ip, 4)) {
			struct in_addr spa;
			size_t len;

			memcpy(&spa, f + 28, 4);
			len = build_arp(out, 2, f + 6, mac, ip, f + 22, spa);
			if (write_frame(l->fds[q], vhl, out, len) == 0)
				arps++;
			printf("ARP request for %s on queue %zu, reply written\n", ip_s, q);
		} else if (n >= ETH_HLEN_ + 28 && get16(f + 12) == ETHTYPE_IP && (f[14] >> 4) == 4 &&
			   f[14 + 9] == 1 && !memcmp(f + 14 + 16, &ip, 4)) {
			size_t ihl = (size_t)(f[14] & 0xf) * 4;
			size_t tot = get16(f + 16);
			uint8_t *iph = out + ETH_HLEN_, *icmp = iph + ihl;

			if (ihl < 20 || tot < ihl + 8 || ETH_HLEN_ + tot > (size_t)n || f[14 + ihl] != 8)
				continue;
			memcpy(out, f + 6, 6);
			memcpy(out + 6, mac, 6);
			put16(out + 12, ETHTYPE_IP);
			memcpy(iph, f + 14, tot);
			memcpy(iph + 12, f + 14 + 16, 4); /* swap the addresses */
			memcpy(iph + 16, f + 14 + 12, 4);
			iph[8] = 64;
			put16(iph + 10, 0);
			put16(iph + 10, csum(iph, ihl));
			icmp[0] = 0; /* echo reply */
			put16(icmp + 2, 0);
			put16(icmp + 2, csum(icmp, tot - ihl));
			if (write_frame(l->fds[q], vhl, out, ETH_HLEN_ + tot) < 0) {
				failf("queue %zu: writing an echo reply: %s", q, strerror(errno));
				continue;
			}
			echoes++;
			printf("echo request seq %u to %s on queue %zu, reply written\n",
			       get16(icmp + 6), ip_s, q);
			if (hold && echoes == want)
				printf("holding %s after %lu echo requests, until SIGTERM\n", dev,
				       echoes);
		}
		fflush(stdout);
	}
	printf("frames %lu arp %lu echo %lu\n", frames, arps, echoes);
	if (echoes < want)
		failf("%lu echo requests to %s read from the queues, expected %lu", echoes, ip_s,
		      want);
	else
		printf("ok %lu echo requests answered\n", echoes);
	return echoes;
}

/*
 * pong DEV IP COUNT TIMEOUT [--hold]: pong_serve() on the fds of a
 * client-mode lease of DEV. SIGUSR1: resume the lease with its fds on a new
 * connection.
 */
static int cmd_pong(int argc, char **argv)
{
	struct tapqd_lease_info *l = calloc(1, sizeof(*l));
	struct tapqd_client *c = NULL;
	bool hold = argc == 6 && !strcmp(argv[5], "--hold");
	struct in_addr ip;

	if ((argc != 5 && !hold) || !l || parse_ip(argv[2], &ip))
		return 2;
	if (take_lease(argv[1], TAPQD_CONTROL_CLIENT, &c, l) < 0)
		return 1;
	printf("ready %s fds %zu vnet_hdr %d token ", argv[1], l->n_fds, vnet_hdr_len(l->fds[0]));
	for (size_t i = 0; i < sizeof(l->token); i++)
		printf("%02x", l->token[i]);
	printf("\n");
	fflush(stdout);
	pong_serve(argv[1], argv[2], l, &c, strtoul(argv[3], NULL, 10), hold,
		   now_ms() + atol(argv[4]) * 1000);
	tapqd_lease_close_fds(l);
	tapqd_client_free(c);
	free(l);
	return failures ? 1 : 0;
}

/*
 * pong-name DEV N IP COUNT TIMEOUT: what libvirt does with <interface
 * type='ethernet'><target dev='DEV' managed='no'/><driver queues='N'/> and a
 * virtio model (virNetDevTapCreate): opens the existing DEV N times, each
 * with TUNSETIFF IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, and IFF_MULTI_QUEUE
 * when N > 1, no tapqd involved; then pong_serve() on those fds.
 */
static int cmd_pong_name(int argc, char **argv)
{
	struct tapqd_lease_info *l = calloc(1, sizeof(*l));
	struct tapqd_client *c = NULL;
	unsigned long n;
	struct in_addr ip;

	if (argc != 6 || !l || parse_ip(argv[3], &ip))
		return 2;
	n = strtoul(argv[2], NULL, 10);
	if (n < 1 || n > TAPQD_MAX_QUEUES)
		return 2;
	for (l->n_fds = 0; l->n_fds < n; l->n_fds++) {
		struct ifreq ifr;
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			failf("open /dev/net/tun: %s", strerror(errno));
			break;
		}
		memset(&ifr, 0, sizeof(ifr));
		strncpy(ifr.ifr_name, argv[1], IFNAMSIZ - 1);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | (n > 1 ? IFF_MULTI_QUEUE : 0);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
			failf("queue %zu: TUNSETIFF %s as uid %u: %s", l->n_fds, argv[1],
			      (unsigned int)getuid(), strerror(errno));
			close(fd);
			break;
		}
		l->fds[l->n_fds] = fd;
	}
	if (l->n_fds == n) {
		printf("ready %s fds %zu vnet_hdr %d uid %u\n", argv[1], l->n_fds,
		       vnet_hdr_len(l->fds[0]), (unsigned int)getuid());
		fflush(stdout);
		pong_serve(argv[1], argv[3], l, &c, strtoul(argv[4], NULL, 10), false,
			   now_ms() + atol(argv[5]) * 1000);
	}
	tapqd_lease_close_fds(l);
	free(l);
	return failures ? 1 : 0;
}

/*
 * resume DEV TOKEN TIMEOUT: takes the lease of DEV back on a new connection
 * with its token (as a holder does after tapqd restarted), then waits for
 * the holder's events; done at LEASE_ENDED.
 */
static int cmd_resume(int argc, char **argv)
{
	uint8_t token[TAPQD_TOKEN_LEN];
	struct tapqd_client *c;
	struct tapqd_event_info ev;
	long deadline;
	int r;

	if (argc != 4 || strlen(argv[2]) != 2 * TAPQD_TOKEN_LEN)
		return 2;
	for (size_t i = 0; i < TAPQD_TOKEN_LEN; i++)
		if (sscanf(argv[2] + 2 * i, "%2hhx", &token[i]) != 1)
			return 2;
	if (connect_client(&c) < 0)
		return 1;
	r = tapqd_client_resume(c, argv[1], token);
	if (r < 0) {
		failf("resume %s: %s: %s", argv[1], strerror(-r), tapqd_client_error(c));
		tapqd_client_free(c);
		return 1;
	}
	printf("resumed %s\n", argv[1]);
	deadline = now_ms() + atol(argv[3]) * 1000;
	while (!stop_flag && now_ms() < deadline) {
		r = tapqd_client_next_event(c, (int)(deadline - now_ms()), &ev);
		if (r < 0)
			break;
		printf("event %u active %u pid %d\n", ev.kind, ev.active_queues, ev.pid);
		if (ev.kind == TAPQD_EVENT_LEASE_ENDED) {
			printf("ok lease ended, holder pid %d\n", ev.pid);
			tapqd_client_free(c);
			return 0;
		}
	}
	failf("no LEASE_ENDED event: %s", r < 0 ? strerror(-r) : "stopped");
	tapqd_client_free(c);
	return 1;
}

/* ---- malformed input ---- */

enum outcome {
	OUT_CLOSED,       /* the daemon closed the connection, no reply */
	OUT_ERROR_CLOSED, /* ERROR, then closed */
	OUT_ERROR_OPEN,   /* ERROR, connection left open */
	OUT_REPLY,        /* some other well-formed reply */
	OUT_TIMEOUT,      /* nothing at all */
	OUT_BAD,          /* a malformed reply, fds in a reply, or a socket error */
};

static const char *outcome_name(enum outcome o)
{
	static const char *names[] = {"closed", "error+closed", "error (open)",
				      "reply", "timeout", "bad reply"};
	return names[o];
}

static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		failf("connect %s: %s", sock_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int raw_send(int fd, const void *buf, size_t len, const int *fds, size_t n_fds)
{
	return tapqd_fdpass_send(fd, buf, len, fds, n_fds, 0);
}

/*
 * Reads what the daemon answers, for timeout_ms at most per message: an ERROR
 * (its message kept in errmsg) and/or a close.
 */
static enum outcome raw_outcome(int fd, int timeout_ms, char *errmsg, size_t cap)
{
	bool got_error = false;

	errmsg[0] = '\0';
	for (;;) {
		static char buf[TAPQD_MSG_MAX + 1];
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		char why[TAPQD_ERRMSG_MAX];
		const void *payload;
		struct tapqd_hdr h;
		size_t n_fds;
		bool had_fds;
		int flags;
		ssize_t n;
		int r;

		/* after an ERROR, a close follows at once or not at all */
		r = poll(&pfd, 1, got_error ? 300 : timeout_ms);
		if (r == 0)
			return got_error ? OUT_ERROR_OPEN : OUT_TIMEOUT;
		n = tapqd_fdpass_recv(fd, buf, sizeof(buf), NULL, 0, &n_fds, MSG_DONTWAIT, &flags);
		if (n == 0 || n == -ECONNRESET || n == -EPIPE)
			return got_error ? OUT_ERROR_CLOSED : OUT_CLOSED;
		if (n < 0)
			return OUT_BAD;
		had_fds = n_fds > 0;
		r = tapqd_msg_unpack(buf, (size_t)n, &h, &payload, why, sizeof(why));
		if (r < 0 || had_fds) {
			snprintf(errmsg, cap, "malformed reply (%s)%s", r < 0 ? why : "",
				 had_fds ? " with fds" : "");
			return OUT_BAD;
		}
		if (h.type != TAPQD_ERROR) {
			snprintf(errmsg, cap, "reply type %u", h.type);
			return OUT_REPLY;
		}
		{
			struct tapqd_error e;

			memcpy(&e, payload, sizeof(e));
			snprintf(errmsg, cap, "ERROR %d %.*s", e.code, (int)sizeof(e.msg), e.msg);
			if (e.code <= 0) {
				return OUT_BAD;
			}
		}
		got_error = true;
	}
}

/* Connects, sends one raw message, reports what came back. Return: the outcome. */
static enum outcome raw_case(const char *name, const void *buf, size_t len, const int *fds,
			     size_t n_fds, unsigned int accept_mask)
{
	char msg[300];
	enum outcome o;
	int fd = raw_connect();
	int r;

	if (fd < 0)
		return OUT_BAD;
	r = raw_send(fd, buf, len, fds, n_fds);
	if (r == -EPERM && n_fds && (accept_mask & (1u << OUT_CLOSED))) {
		/* SO_PASSRIGHTS off (Linux 6.16+): fds the daemon did not ask for never leave */
		printf("case %s: send refused by the kernel: %s\n", name, strerror(-r));
		fflush(stdout);
		close(fd);
		return OUT_CLOSED;
	}
	if (r < 0) {
		failf("case %s: send: %s", name, strerror(-r));
		close(fd);
		return OUT_BAD;
	}
	o = raw_outcome(fd, 2000, msg, sizeof(msg));
	close(fd);
	if (accept_mask & (1u << o))
		printf("case %s: %s %s\n", name, outcome_name(o), msg);
	else
		failf("case %s: %s %s", name, outcome_name(o), msg);
	fflush(stdout);
	return o;
}

/*
 * Stops (or continues) the daemon at the other end of fd: SIGSTOP, then
 * until /proc says it is stopped (1 s at most). Return: its pid, or -1.
 */
static pid_t daemon_freeze(int fd, bool stop)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	char path[64], stat[256];

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 ||
	    kill(uc.pid, stop ? SIGSTOP : SIGCONT) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)uc.pid);
	for (int i = 0; stop && i < 100; i++) {
		FILE *f = fopen(path, "r");
		char *state = NULL;

		if (f && fgets(stat, sizeof(stat), f))
			state = strrchr(stat, ')');
		if (f)
			fclose(f);
		if (state && state[1] == ' ' && state[2] == 'T')
			return uc.pid;
		usleep(10000);
	}
	return stop ? -1 : uc.pid;
}

/* RESUME on a new connection; Return: the connection, asked for the fds, or -1. */
static int extra_resume(const struct tapqd_resume *rs, const char *what)
{
	char buf[256], msg[300];
	enum outcome o;
	int fd = raw_connect();
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_RESUME, 1, rs, sizeof(*rs));

	if (fd < 0)
		return -1;
	o = raw_send(fd, buf, n, NULL, 0) < 0 ? OUT_BAD : raw_outcome(fd, 2000, msg, sizeof(msg));
	if (o != OUT_REPLY) {
		failf("%s: RESUME: %s %s", what, outcome_name(o), msg);
		close(fd);
		return -1;
	}
	return fd;
}

/* After fd's last message: the daemon's answer, and whether it closed the pipe end it got. */
static void extra_outcome(int fd, int pipe_rd, const char *what)
{
	struct pollfd pfd = {.fd = pipe_rd, .events = POLLIN};
	char msg[300];
	enum outcome o = raw_outcome(fd, 2000, msg, sizeof(msg));
	long t0 = now_ms();
	bool hup;

	close(fd);
	hup = poll(&pfd, 1, 3000) == 1 && (pfd.revents & POLLHUP);
	printf("%s: %s %s; the extra fd %s\n", what, outcome_name(o), msg,
	       hup ? "closed by tapqd" : "still held by tapqd 3 s later");
	if (hup)
		printf("%s: extra fd closed after %ld ms\n", what, now_ms() - t0);
	close(pipe_rd);
}

/*
 * A holder that sends tapqd other than the one RESUME_FDS it was asked for,
 * while tapqd takes fds on its connection, each time with a pipe's write end
 * whose close by tapqd (off its loop: it could be a file whose close waits)
 * shows here as a hang-up:
 *  - another request with the fd first: it closes the connection;
 *  - a short RESUME_FDS (refused), then a HELLO with the fd, both sent while
 *    tapqd is stopped (SIGSTOP), so that both are in before it reads the
 *    first and takes fds no more: the HELLO closes the connection, and the
 *    close of a connection that may hold fds unread is the closer thread's.
 */
static void pong_resume_extra(const char *dev, const struct tapqd_lease_info *l)
{
	struct tapqd_hello hello = {.version_min = TAPQD_VERSION_MIN, .version_max = TAPQD_VERSION};
	struct tapqd_resume rs = {.name = ""};
	char first[256], second[256];
	size_t n1, n2;
	int p[2], fd, r;

	snprintf(rs.name, sizeof(rs.name), "%s", dev);
	memcpy(rs.token, l->token, sizeof(rs.token));
	n1 = tapqd_msg_pack(first, sizeof(first), TAPQD_RESUME_FDS, 2, &rs, sizeof(rs));
	n2 = tapqd_msg_pack(second, sizeof(second), TAPQD_HELLO, 3, &hello, sizeof(hello));

	fd = extra_resume(&rs, "resume, another request first");
	if (fd < 0 || pipe2(p, O_CLOEXEC) < 0)
		return;
	r = raw_send(fd, second, n2, &p[1], 1);
	if (r < 0)
		failf("resume, another request first: send: %s", strerror(-r));
	close(p[1]);
	extra_outcome(fd, p[0], "resume, another request first");

	fd = extra_resume(&rs, "resume with an extra message");
	if (fd < 0 || pipe2(p, O_CLOEXEC) < 0)
		return;
	if (daemon_freeze(fd, true) < 0) {
		failf("resume with an extra message: stopping tapqd: %s", strerror(errno));
		r = -1;
	} else {
		r = raw_send(fd, first, n1, l->fds, l->n_fds - 1);
		if (r == 0)
			r = raw_send(fd, second, n2, &p[1], 1);
		daemon_freeze(fd, false);
		if (r < 0)
			failf("resume with an extra message: send: %s", strerror(-r));
	}
	close(p[1]);
	extra_outcome(fd, p[0], "resume with an extra message");
}

#define ACCEPT_REFUSED ((1u << OUT_CLOSED) | (1u << OUT_ERROR_CLOSED))
#define ACCEPT_ERROR ((1u << OUT_ERROR_CLOSED) | (1u << OUT_ERROR_OPEN))

static size_t pack_raw(void *buf, uint32_t magic, uint16_t version, uint16_t type, uint32_t len,
		       const void *payload, size_t payload_len)
{
	struct tapqd_hdr h = {.magic = magic, .version = version, .type = type, .seq = 7, .len = len};

	memcpy(buf, &h, sizeof(h));
	if (payload_len)
		memcpy((char *)buf + sizeof(h), payload, payload_len);
	return sizeof(h) + payload_len;
}

/* The lease state of dev as STATUS reports it: 1 leased, 0 not, -1 on error. */
static int dev_leased(const char *dev, int *ret_pid)
{
	struct tapqd_device_info *devs = NULL;
	struct tapqd_client *c;
	size_t n = 0;
	int r;

	if (connect_client(&c) < 0)
		return -1;
	r = tapqd_client_status(c, dev, &devs, &n);
	tapqd_client_free(c);
	if (r < 0 || n != 1) {
		failf("status %s: %s, %zu devices", dev, strerror(-r), n);
		free(devs);
		return -1;
	}
	r = devs[0].leased;
	if (ret_pid)
		*ret_pid = devs[0].holder_pid;
	free(devs);
	return r;
}

/* The daemon answers HELLO on a new connection within ms. */
static bool daemon_answers(int ms, const char *when)
{
	struct tapqd_client *c;
	uint16_t v = 0;
	long t0 = now_ms(), dt;
	int r;

	if (connect_client(&c) < 0)
		return false;
	r = tapqd_client_hello(c, &v);
	dt = now_ms() - t0;
	tapqd_client_free(c);
	if (r < 0 || dt > ms) {
		failf("%s: HELLO: %s after %ld ms (limit %d ms)", when, r < 0 ? strerror(-r) : "ok",
		      dt, ms);
		return false;
	}
	printf("%s: HELLO answered in %ld ms, version %u\n", when, dt, v);
	return true;
}

static int cmd_garbage(int argc, char **argv)
{
	static char buf[65536];
	const char *dev = argc > 1 ? argv[1] : NULL;
	unsigned int seed = 12345;
	int silent, p[2];
	size_t n;

	/* A connection that never says anything, open during all the cases. */
	silent = raw_connect();
	if (silent < 0)
		return 1;
	if (!daemon_answers(2000, "start"))
		return 1;

	/* Random bytes, never starting with the magic. */
	static const size_t sizes[] = {1, 3, 15, 16, 17, 100, 1000, 4096};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char name[32];

		for (size_t k = 0; k < sizes[i]; k++)
			buf[k] = (char)(rand_r(&seed) & 0xff);
		buf[0] = 0x00; /* not 'T' */
		snprintf(name, sizeof(name), "random-%zu", sizes[i]);
		raw_case(name, buf, sizes[i], NULL, 0, ACCEPT_REFUSED);
	}
	/* The right magic and version, random rest, for every request type. */
	for (uint16_t t = 0; t <= 8; t++) {
		char name[32];

		for (size_t k = 0; k < 64; k++)
			buf[k] = (char)(rand_r(&seed) & 0xff);
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, t, (uint32_t)rand_r(&seed), NULL, 0);
		snprintf(name, sizeof(name), "type-%u-random-len", t);
		raw_case(name, buf, n + 48, NULL, 0, ACCEPT_REFUSED);
	}

	struct tapqd_hello hello = {.version_min = TAPQD_VERSION, .version_max = TAPQD_VERSION};
	struct tapqd_name sname;
	memset(&sname, 0, sizeof(sname));

	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_HELLO, sizeof(hello), &hello,
		     sizeof(hello));
	raw_case("truncated-header-8", buf, 8, NULL, 0, ACCEPT_REFUSED);
	raw_case("truncated-header-15", buf, 15, NULL, 0, ACCEPT_REFUSED);
	raw_case("truncated-payload", buf, n - 4, NULL, 0, ACCEPT_REFUSED);
	raw_case("header-only-hello", buf, sizeof(struct tapqd_hdr), NULL, 0, ACCEPT_REFUSED);

	n = pack_raw(buf, TAPQD_MAGIC ^ 0x01000000u, TAPQD_VERSION, TAPQD_HELLO, sizeof(hello),
		     &hello, sizeof(hello));
	raw_case("bad-magic", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION + 1, TAPQD_STATUS, sizeof(sname), &sname,
		     sizeof(sname));
	raw_case("wrong-version-next", buf, n, NULL, 0, ACCEPT_REFUSED);
	/* HELLO is read in any version: a newer client negotiates down, an older one is told */
	hello.version_max = TAPQD_VERSION + 1;
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION + 1, TAPQD_HELLO, sizeof(hello), &hello,
		     sizeof(hello));
	raw_case("hello-from-next-version", buf, n, NULL, 0, 1u << OUT_REPLY);
	hello.version_min = hello.version_max = TAPQD_VERSION_MIN - 1;
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION_MIN - 1, TAPQD_HELLO, sizeof(hello), &hello,
		     sizeof(hello));
	raw_case("hello-older-versions-only", buf, n, NULL, 0, 1u << OUT_ERROR_OPEN);
	hello.version_min = TAPQD_VERSION + 1;
	hello.version_max = TAPQD_VERSION + 9;
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_HELLO, sizeof(hello), &hello,
		     sizeof(hello));
	raw_case("hello-newer-versions-only", buf, n, NULL, 0, 1u << OUT_ERROR_OPEN);
	hello.version_min = hello.version_max = TAPQD_VERSION;
	n = pack_raw(buf, TAPQD_MAGIC, 0, TAPQD_STATUS, sizeof(sname), &sname, sizeof(sname));
	raw_case("wrong-version-0", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, 0xffff, TAPQD_STATUS, sizeof(sname), &sname, sizeof(sname));
	raw_case("wrong-version-ffff", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, 999, 0, NULL, 0);
	raw_case("unknown-type-999", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, 0, 0, NULL, 0);
	raw_case("unknown-type-0", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_OK, 0, NULL, 0);
	raw_case("reply-type-ok", buf, n, NULL, 0, ACCEPT_REFUSED | ACCEPT_ERROR);
	{
		static char lease[TAPQD_LEASE_MSG_SIZE(4) - sizeof(struct tapqd_hdr)];

		memset(lease, 0xff, sizeof(lease));
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_LEASE, sizeof(lease), lease,
			     sizeof(lease));
		raw_case("reply-type-lease", buf, n, NULL, 0, ACCEPT_REFUSED | ACCEPT_ERROR);
	}
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname) + 1, &sname,
		     sizeof(sname));
	raw_case("len-says-more", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname) - 1, &sname,
		     sizeof(sname));
	raw_case("len-says-less", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, 0xffffffffu, &sname,
		     sizeof(sname));
	raw_case("len-huge", buf, n, NULL, 0, ACCEPT_REFUSED);
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname) - 1, &sname,
		     sizeof(sname) - 1);
	raw_case("shorter-than-its-struct", buf, n, NULL, 0, ACCEPT_REFUSED);
	/* longer than its struct: taken when what follows is zero, as from a newer client */
	{
		struct tapqd_acquire a = {.name = "tqnosuchdev", .control = TAPQD_CONTROL_CLIENT};
		char ext[sizeof(a) + 32] = {0};

		memcpy(ext, &a, sizeof(a));
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(ext), ext,
			     sizeof(ext));
		raw_case("acquire-zero-extended", buf, n, NULL, 0, 1u << OUT_ERROR_OPEN);
		ext[sizeof(a) + 5] = 1;
		ext[sizeof(a) + 30] = 7;
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(ext), ext,
			     sizeof(ext));
		raw_case("acquire-non-zero-extension", buf, n, NULL, 0, 1u << OUT_ERROR_CLOSED);
	}
	memset(buf, 0, sizeof(buf));
	pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, TAPQD_MSG_MAX + 1 - 16, NULL, 0);
	raw_case("oversized-by-one", buf, TAPQD_MSG_MAX + 1, NULL, 0, ACCEPT_REFUSED);
	pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, 65536 - 16, NULL, 0);
	raw_case("oversized-65536", buf, 65536, NULL, 0, ACCEPT_REFUSED);

	/* fds attached to a request: refused, and the daemon keeps no copy. */
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	{
		int fds[2] = {p[1], open("/dev/null", O_RDONLY | O_CLOEXEC)};
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		long t0;

		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname), &sname,
			     sizeof(sname));
		raw_case("fds-with-status", buf, n, fds, 2, ACCEPT_REFUSED);
		close(p[1]);
		close(fds[1]);
		t0 = now_ms();
		if (poll(&pfd, 1, 3000) != 1 || !(pfd.revents & POLLHUP))
			failf("fds-with-status: the daemon still holds the pipe it was sent, "
			      "3 s after");
		else
			printf("fds-with-status: the fd sent was closed by the daemon after %ld ms\n",
			       now_ms() - t0);
		close(p[0]);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	{
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};

		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_HELLO, sizeof(hello), &hello,
			     sizeof(hello));
		raw_case("fds-with-hello", buf, n, &p[1], 1, ACCEPT_REFUSED);
		close(p[1]);
		if (poll(&pfd, 1, 3000) != 1 || !(pfd.revents & POLLHUP))
			failf("fds-with-hello: the daemon still holds the pipe it was sent");
		close(p[0]);
	}
	/* An fd attached to garbage. */
	if (pipe2(p, O_CLOEXEC) < 0)
		return 1;
	{
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};

		memset(buf, 0x5a, 64);
		raw_case("fds-with-garbage", buf, 64, &p[1], 1, ACCEPT_REFUSED);
		close(p[1]);
		if (poll(&pfd, 1, 3000) != 1 || !(pfd.revents & POLLHUP))
			failf("fds-with-garbage: the daemon still holds the pipe it was sent");
		close(p[0]);
	}

	/* RESUME_FDS only after the OK to a RESUME asked for it */
	{
		struct tapqd_resume rs = {.name = "tqa"};
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_RESUME_FDS, sizeof(rs), &rs,
			     sizeof(rs));
		raw_case("resume-fds-unasked", buf, n, NULL, 0, ACCEPT_REFUSED);
		raw_case("resume-fds-unasked-with-fds", buf, n, &nul, 1, ACCEPT_REFUSED);
		close(nul);
		n = pack_raw(buf, TAPQD_MAGIC, 2, TAPQD_RESUME_FDS, sizeof(rs), &rs, sizeof(rs));
		raw_case("resume-fds-v2", buf, n, NULL, 0, ACCEPT_REFUSED);
	}

	/* Well-formed but invalid requests: an ERROR reply. */
	memset(sname.name, 'x', sizeof(sname.name)); /* no NUL */
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname), &sname,
		     sizeof(sname));
	raw_case("status-name-no-nul", buf, n, NULL, 0, ACCEPT_ERROR | ACCEPT_REFUSED);
	memset(&sname, 0, sizeof(sname));
	strcpy(sname.name, "../etc");
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname), &sname,
		     sizeof(sname));
	raw_case("status-name-slash", buf, n, NULL, 0, ACCEPT_ERROR | ACCEPT_REFUSED);
	strcpy(sname.name, "tqnosuchdev");
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname), &sname,
		     sizeof(sname));
	raw_case("status-unknown-device", buf, n, NULL, 0, ACCEPT_ERROR);
	{
		struct tapqd_acquire a = {.control = TAPQD_CONTROL_CLIENT};

		memset(a.name, 'y', sizeof(a.name));
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(a), &a,
			     sizeof(a));
		raw_case("acquire-name-no-nul", buf, n, NULL, 0, ACCEPT_ERROR | ACCEPT_REFUSED);
		memset(&a, 0, sizeof(a));
		strcpy(a.name, "tqnosuchdev");
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(a), &a,
			     sizeof(a));
		raw_case("acquire-unknown-device", buf, n, NULL, 0, ACCEPT_ERROR);
	}

	if (dev) {
		struct tapqd_acquire a = {.control = TAPQD_CONTROL_CLIENT};
		struct tapqd_resize rs = {.active_queues = 65535};
		struct tapqd_release rl;
		int holder = 0;

		if (pipe2(p, O_CLOEXEC) < 0)
			return 1;
		snprintf(a.name, sizeof(a.name), "%s", dev);
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(a), &a,
			     sizeof(a));
		raw_case("fds-with-acquire", buf, n, &p[1], 1, ACCEPT_REFUSED);
		close(p[1]);
		{
			struct pollfd pfd = {.fd = p[0], .events = POLLIN};

			if (poll(&pfd, 1, 3000) != 1 || !(pfd.revents & POLLHUP))
				failf("fds-with-acquire: the daemon still holds the pipe it was "
				      "sent");
		}
		close(p[0]);
		if (dev_leased(dev, &holder) != 0)
			failf("fds-with-acquire: %s is leased (holder %d) after a refused acquire",
			      dev, holder);

		a.control = 7;
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(a), &a,
			     sizeof(a));
		raw_case("acquire-control-7", buf, n, NULL, 0, ACCEPT_ERROR | ACCEPT_REFUSED);
		if (dev_leased(dev, &holder) != 0)
			failf("acquire-control-7: %s is leased (holder %d)", dev, holder);

		snprintf(rs.name, sizeof(rs.name), "%s", dev);
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_RESIZE, sizeof(rs), &rs,
			     sizeof(rs));
		raw_case("resize-65535", buf, n, NULL, 0, ACCEPT_ERROR);

		memset(&rl, 0, sizeof(rl));
		snprintf(rl.name, sizeof(rl.name), "%s", dev);
		memset(rl.token, 0xa5, sizeof(rl.token));
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_RELEASE, sizeof(rl), &rl,
			     sizeof(rl));
		raw_case("release-unleased-bad-token", buf, n, NULL, 0, ACCEPT_ERROR);

		/* ACQUIRE, then hang up before reading the lease: no fd may stay in flight in
		 * the daemon; the lease (if one was made) is this process's, and RELEASE by
		 * name ends it. */
		a.control = TAPQD_CONTROL_CLIENT;
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(a), &a,
			     sizeof(a));
		for (int k = 0; k < 20; k++) {
			int fd = raw_connect();
			int st;

			if (fd < 0)
				break;
			raw_send(fd, buf, n, NULL, 0);
			close(fd);
			usleep(20000);
			st = dev_leased(dev, &holder);
			if (st == 1 && holder != getpid())
				failf("acquire-and-hang-up: %s leased by %d, not this process %d",
				      dev, holder, (int)getpid());
			if (st == 1) {
				struct tapqd_client *c;
				int r;

				if (connect_client(&c) < 0)
					break;
				r = tapqd_client_release(c, dev, NULL);
				if (r < 0)
					failf("acquire-and-hang-up: release by the holder: %s: %s",
					      strerror(-r), tapqd_client_error(c));
				tapqd_client_free(c);
			}
		}
		if (dev_leased(dev, &holder) != 0)
			failf("acquire-and-hang-up: %s still leased (holder %d) after release", dev,
			      holder);
		else
			printf("case acquire-and-hang-up x20: no lease left\n");
	}

	/* Zero-length datagram: whatever the daemon does, it must still answer others. */
	{
		int fd = raw_connect();
		char msg[300];

		if (fd >= 0) {
			raw_send(fd, "", 0, NULL, 0);
			printf("case empty: %s\n", outcome_name(raw_outcome(fd, 500, msg, sizeof(msg))));
			close(fd);
		}
	}

	/* A client that floods requests and never reads the replies must not stall others. */
	{
		int fd = raw_connect();
		unsigned long sent = 0;

		memset(&sname, 0, sizeof(sname));
		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_STATUS, sizeof(sname), &sname,
			     sizeof(sname));
		for (long t_end = now_ms() + 2000; fd >= 0 && sent < 20000 && now_ms() < t_end;) {
			if (send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				if (errno == EAGAIN) {
					usleep(1000);
					continue;
				}
				break; /* dropped as too slow: fine */
			}
			sent++;
		}
		printf("case flood: %lu STATUS requests sent, none read\n", sent);
		daemon_answers(2000, "during flood");
		if (fd >= 0)
			close(fd);
	}

	/* Many connections at once, each with a request left unread, then all closed. */
	{
		int fds[200];
		size_t k;

		n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_HELLO, sizeof(hello), &hello,
			     sizeof(hello));
		for (k = 0; k < 200; k++) {
			fds[k] = raw_connect();
			if (fds[k] < 0)
				break;
			raw_send(fds[k], buf, n, NULL, 0);
		}
		printf("case many: %zu connections with unread replies\n", k);
		daemon_answers(2000, "with many connections open");
		while (k > 0)
			close(fds[--k]);
	}

	close(silent);
	daemon_answers(2000, "end");
	if (failures == 0)
		printf("ok garbage\n");
	return failures ? 1 : 0;
}

/*
 * acquire-raw DEV --hangup SECONDS: a client that goes away before its
 * lease can be sent. On a raw connection, shuts its own read side (tapqd's
 * send of the LEASE then fails, however fast tapqd is), sends ACQUIRE of
 * DEV in client mode (the header from TAPQD_MAGIC and TAPQD_VERSION), and
 * closes the connection without reading anything; prints "closed pid PID"
 * and lives on, SECONDS at most or until SIGTERM, holding no fd of DEV.
 * acquire-raw DEV --read: the very same message on a connection left
 * open, and the reply read: prints "reply lease fds N" (the fds are closed
 * and the process exits, which ends the lease), showing that the message
 * is an ACQUIRE tapqd grants.
 */
static int cmd_acquire_raw(int argc, char **argv)
{
	static char buf[TAPQD_MSG_MAX];
	struct tapqd_acquire a = {.control = TAPQD_CONTROL_CLIENT};
	bool hangup;
	long deadline;
	size_t n;
	int fd, r;

	if (argc < 3 || !tapqd_name_valid(argv[1], strlen(argv[1]) + 1))
		return 2;
	if (!strcmp(argv[2], "--hangup") && argc == 4)
		hangup = true;
	else if (!strcmp(argv[2], "--read") && argc == 3)
		hangup = false;
	else
		return 2;
	snprintf(a.name, sizeof(a.name), "%s", argv[1]);
	fd = raw_connect();
	if (fd < 0)
		return 1;
	if (hangup && shutdown(fd, SHUT_RD) < 0) {
		failf("shutdown(SHUT_RD): %s", strerror(errno));
		close(fd);
		return 1;
	}
	n = pack_raw(buf, TAPQD_MAGIC, TAPQD_VERSION, TAPQD_ACQUIRE, sizeof(a), &a, sizeof(a));
	r = raw_send(fd, buf, n, NULL, 0);
	if (r < 0) {
		failf("sending ACQUIRE %s: %s", argv[1], strerror(-r));
		close(fd);
		return 1;
	}
	if (!hangup) {
		int fds[TAPQD_FDS_PER_MSG], flags = 0;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		const void *payload;
		struct tapqd_hdr h;
		size_t n_fds = 0;
		ssize_t len = -ETIMEDOUT;

		if (poll(&pfd, 1, 5000) == 1)
			len = tapqd_fdpass_recv(fd, buf, sizeof(buf), fds, TAPQD_FDS_PER_MSG,
						&n_fds, MSG_DONTWAIT, &flags);
		close(fd);
		for (size_t i = 0; i < n_fds && i < TAPQD_FDS_PER_MSG; i++)
			close(fds[i]);
		if (len <= 0 || tapqd_msg_unpack(buf, (size_t)len, &h, &payload, NULL, 0) < 0) {
			failf("no well-formed reply to ACQUIRE %s: %s", argv[1],
			      len < 0 ? strerror((int)-len) : "closed or malformed");
			return 1;
		}
		if (h.type != TAPQD_LEASE) {
			failf("reply type %u to ACQUIRE %s, not LEASE", h.type, argv[1]);
			return 1;
		}
		printf("reply lease fds %zu\n", n_fds);
		return 0;
	}
	close(fd);
	printf("closed pid %d\n", (int)getpid());
	fflush(stdout);
	deadline = now_ms() + atol(argv[3]) * 1000;
	while (!stop_flag && now_ms() < deadline)
		usleep(50000);
	if (count_proc_tap_fds(argv[1]) != 0)
		failf("this process holds fds of %s", argv[1]);
	return failures ? 1 : 0;
}

/* What tapqd says of one device: active count, queue pattern, TUNSETQUEUE calls. */
static int follow_status(struct tapqd_client *c, const char *dev, unsigned int *ret_active,
			 char pattern[TAPQD_MAX_QUEUES + 1], uint64_t *ret_calls)
{
	struct tapqd_device_info *info = NULL;
	size_t n = 0;
	int r = tapqd_client_status(c, dev, &info, &n);

	if (r < 0 || n != 1) {
		free(info);
		return r < 0 ? r : -EPROTO;
	}
	*ret_active = info->active_queues;
	for (unsigned int i = 0; i < info->max_queues; i++)
		pattern[i] = info->queues[i].active ? '1' : '0';
	pattern[info->max_queues] = '\0';
	*ret_calls = info->tunsetqueue_calls;
	free(info);
	return 0;
}

/*
 * follow DEV N...: takes a client-mode lease and, like QEMU, sets its own
 * active set to each N in turn with TUNSETQUEUE on its fds; tapqd's status
 * and an ACTIVE_CHANGED event must follow (within 1 s; the delay is printed),
 * and tapqd must not issue a single TUNSETQUEUE meanwhile.
 */
static int cmd_follow(int argc, char **argv)
{
	struct tapqd_lease_info *l = calloc(1, sizeof(*l));
	struct tapqd_client *c = NULL, *sub = NULL;
	char want[TAPQD_MAX_QUEUES + 1], seen[TAPQD_MAX_QUEUES + 1];
	uint64_t calls0, calls;
	unsigned int active;
	const char *dev;

	if (argc < 3 || !l)
		return 2;
	dev = argv[1];
	if (connect_client(&sub) < 0 || tapqd_client_subscribe(sub, dev) < 0 ||
	    take_lease(dev, TAPQD_CONTROL_CLIENT, &c, l) < 0)
		return 1;
	if (follow_status(c, dev, &active, seen, &calls0) < 0) {
		failf("status %s", dev);
		return 1;
	}
	printf("lease %s: %u of %zu queues active, tapqd TUNSETQUEUE calls %" PRIu64 "\n", dev,
	       active, l->n_fds, calls0);
	for (int a = 2; a < argc && !stop_flag; a++) {
		unsigned int n = (unsigned int)atoi(argv[a]);
		struct tapqd_event_info ev = {0};
		long t0;
		bool evented = false;

		if (n < 1 || n > l->n_fds)
			return 2;
		/* as QEMU does: attach 0..n-1, detach the rest */
		for (unsigned int i = 0; i < l->n_fds; i++) {
			struct ifreq ifr = {.ifr_flags = i < n ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE};

			if (ioctl(l->fds[i], TUNSETQUEUE, &ifr) < 0 && errno != EINVAL)
				failf("TUNSETQUEUE queue %u: %s", i, strerror(errno));
			want[i] = i < n ? '1' : '0';
		}
		want[l->n_fds] = '\0';
		/* the event first: a STATUS request would read the queues itself */
		t0 = now_ms();
		while (!evented && tapqd_client_next_event(sub, 1000, &ev) == 0)
			evented = ev.kind == TAPQD_EVENT_ACTIVE_CHANGED && ev.active_queues == n;
		if (evented)
			printf("ok set %u: ACTIVE_CHANGED %u after %ld ms\n", n, ev.active_queues,
			       now_ms() - t0);
		else
			failf("set %u: no ACTIVE_CHANGED event with %u queues within 1 s", n, n);
		if (follow_status(c, dev, &active, seen, &calls) == 0 && active == n &&
		    !strcmp(seen, want))
			printf("ok set %u: tapqd status %s\n", n, seen);
		else
			failf("set %u: tapqd shows %s, not %s", n, seen, want);
	}
	if (follow_status(c, dev, &active, seen, &calls) < 0)
		failf("status %s at the end", dev);
	else if (calls != calls0)
		failf("tapqd issued %" PRIu64 " TUNSETQUEUE calls on the leased device",
		      calls - calls0);
	else
		printf("ok tapqd issued no TUNSETQUEUE while the client set its queues (%" PRIu64
		       " before and after)\n",
		       calls);
	tapqd_lease_close_fds(l);
	tapqd_client_free(c);
	tapqd_client_free(sub);
	free(l);
	return failures ? 1 : 0;
}

/*
 * events DEV SECONDS: subscribes to DEV and prints every event as it comes,
 * "event REALTIME_NS KIND ACTIVE PID" (CLOCK_REALTIME, to line up with
 * `ip -ts monitor` and date +%s%N), until SIGTERM or SECONDS have passed.
 * Prints "ready" once subscribed. Exit 0 unless the connection failed.
 * --vcpus appends " vcpus N" to each line, whatever its kind.
 */
static int cmd_events(int argc, char **argv)
{
	struct tapqd_client *sub = NULL;
	long deadline;

	if (argc != 3 && (argc != 4 || strcmp(argv[3], "--vcpus")))
		return 2;
	if (connect_client(&sub) < 0 || tapqd_client_subscribe(sub, argv[1]) < 0) {
		failf("subscribe %s", argv[1]);
		return 1;
	}
	printf("ready\n");
	deadline = now_ms() + atol(argv[2]) * 1000;
	while (!stop_flag && now_ms() < deadline) {
		struct tapqd_event_info ev = {0};
		struct timespec ts;
		int r = tapqd_client_next_event(sub, 200, &ev);

		if (r == -ETIMEDOUT || r == -EINTR)
			continue;
		if (r < 0) {
			failf("events %s: %s", argv[1], strerror(-r));
			break;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		printf("event %lld%09ld %u %u %d", (long long)ts.tv_sec, ts.tv_nsec, ev.kind,
		       ev.active_queues, ev.pid);
		/* the field of every kind, as the wire carries it: what a hostile reader would see */
		if (argc == 4)
			printf(" vcpus %u", ev.vcpus);
		printf("\n");
	}
	tapqd_client_free(sub);
	return failures ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: tqprobe [-s SOCKET] acquire DEV [--mode client|daemon] [--expect N]"
			" [--expect-active N] [--grow N] [--handover PID] [--hold]\n"
			"       tqprobe [-s SOCKET] arp DEV TARGET_IP SRC_IP\n"
			"       tqprobe [-s SOCKET] pong DEV IP COUNT TIMEOUT_SEC [--hold]\n"
			"       tqprobe pong-name DEV N IP COUNT TIMEOUT_SEC\n"
			"       tqprobe [-s SOCKET] resume DEV TOKEN_HEX TIMEOUT_SEC\n"
			"       tqprobe [-s SOCKET] garbage [DEV]\n"
			"       tqprobe [-s SOCKET] acquire-raw DEV --hangup SECONDS | --read\n"
			"       tqprobe [-s SOCKET] follow DEV N...\n"
			"       tqprobe [-s SOCKET] events DEV SECONDS [--vcpus]\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	int r;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	argc--;
	argv++;
	if (argc >= 2 && !strcmp(argv[0], "-s")) {
		sock_path = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (argc < 1) {
		usage();
		return 2;
	}
	if (!strcmp(argv[0], "acquire"))
		r = cmd_acquire(argc, argv);
	else if (!strcmp(argv[0], "arp"))
		r = cmd_arp(argc, argv);
	else if (!strcmp(argv[0], "pong"))
		r = cmd_pong(argc, argv);
	else if (!strcmp(argv[0], "pong-name"))
		r = cmd_pong_name(argc, argv);
	else if (!strcmp(argv[0], "resume"))
		r = cmd_resume(argc, argv);
	else if (!strcmp(argv[0], "follow"))
		r = cmd_follow(argc, argv);
	else if (!strcmp(argv[0], "events"))
		r = cmd_events(argc, argv);
	else if (!strcmp(argv[0], "garbage"))
		r = cmd_garbage(argc, argv);
	else if (!strcmp(argv[0], "acquire-raw"))
		r = cmd_acquire_raw(argc, argv);
	else
		r = 2;
	if (r == 2)
		usage();
	return r;
}
