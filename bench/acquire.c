// SPDX-License-Identifier: MIT
/*
 * acquire.c - how long it takes to get a device's queue fds: tapqd against two baselines
 *
 * For devices of 1, 4, 64 and 256 queues, times connect() -> every fd in hand:
 * - tapqd: tapqd_client_connect() + tapqd_client_acquire() in client mode (the
 *   release, closing the fds and the disconnect are outside the timing);
 * - baseline: a minimal server in its own thread (epoll: accept, read one
 *   request, reply with that many pre-opened tap fds over SCM_RIGHTS, at most
 *   253 per message) and the same client loop shape;
 * - optionally qemu-bridge-helper getting one fd, driven the way QEMU drives it
 *   (socketpair, fork + exec --use-vnet --br=BR --fd=N, receive the fd, waitpid).
 * Prints medians, p99 and ratios. Timings are reported, never asserted: the exit
 * status is non-zero only when something fails.
 *
 * Run it inside the namespaces of the daemon under test (bench/acquire.sh does).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "acquire"
#include "bench.h"
#include "tapqd.h"

#define BENCH_MAX_FDS TAPQD_MAX_QUEUES
#define BENCH_FDS_PER_MSG TAPQD_FDS_PER_MSG

static const struct {
	const char *dev; /* a device of bench/acquire.conf */
	unsigned int queues;
} bench_sizes[] = {
    {"bq1", 1},
    {"bq4", 4},
    {"bq64", 64},
    {"bq256", 256},
};
#define BENCH_N_SIZES (sizeof(bench_sizes) / sizeof(bench_sizes[0]))

struct bench_opts {
	const char *socket;	 /* tapqd's control socket, NULL: baselines only */
	const char *base_path;	 /* the baseline server's socket, NULL: a temporary one */
	const char *base_ifname; /* the baseline's own tap */
	const char *helper;	 /* qemu-bridge-helper, NULL: skip it */
	const char *bridge;
	unsigned int iters;	  /* per size, 1..64 queues */
	unsigned int iters_large; /* for 256 queues */
	unsigned int helper_iters;
	unsigned int warmup;
	int client_cpu; /* -1: not pinned */
	int server_cpu; /* the baseline server thread; -1: not pinned */
};

/* ---- the baseline: a minimal fd server in its own thread ---- */

struct base_server {
	int listen_fd;
	int epoll_fd;
	int stop_fd; /* eventfd: ends the thread */
	pthread_t thread;
	int taps[BENCH_MAX_FDS];
	int cpu; /* -1: not pinned */
	struct sockaddr_un sa;
};

/* Opens the server's BENCH_MAX_FDS queues: a multiqueue tap, or plain fds without /dev/net/tun. */
static void base_open_taps(struct base_server *s, const char *ifname)
{
	for (size_t i = 0; i < BENCH_MAX_FDS; i++) {
		struct ifreq ifr;
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

		if (fd < 0 && i == 0) {
			fprintf(stderr,
				"acquire: /dev/net/tun: %s; the baseline hands out /dev/null fds\n",
				strerror(errno));
			for (size_t j = 0; j < BENCH_MAX_FDS; j++) {
				s->taps[j] = open("/dev/null", O_RDONLY | O_CLOEXEC);
				if (s->taps[j] < 0)
					die("/dev/null: %s", strerror(errno));
			}
			return;
		}
		if (fd < 0)
			die("/dev/net/tun: %s", strerror(errno));
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0)
			die("TUNSETIFF %s queue %zu: %s", ifname, i, strerror(errno));
		s->taps[i] = fd;
	}
}

/* Answers one request (a uint32_t count) with that many fds; closes on EOF or bad input. */
static void base_reply(struct base_server *s, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * BENCH_FDS_PER_MSG)];
		struct cmsghdr align;
	} ctl;
	uint32_t want, hdr[2];
	ssize_t n = recv(fd, &want, sizeof(want), 0);

	if (n != (ssize_t)sizeof(want) || want < 1 || want > BENCH_MAX_FDS) {
		close(fd); /* also leaves the epoll set */
		return;
	}
	for (uint32_t off = 0; off < want; off += hdr[1]) {
		struct iovec iov = {.iov_base = hdr, .iov_len = sizeof(hdr)};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf};
		struct cmsghdr *cm;

		hdr[0] = off;
		hdr[1] = want - off < BENCH_FDS_PER_MSG ? want - off : BENCH_FDS_PER_MSG;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * hdr[1]);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * hdr[1]);
		memcpy(CMSG_DATA(cm), s->taps + off, sizeof(int) * hdr[1]);
		if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
			close(fd);
			return;
		}
	}
}

static void pin_thread(pthread_t t, int cpu)
{
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	r = pthread_setaffinity_np(t, sizeof(set), &set);
	if (r)
		die("pinning to CPU %d: %s", cpu, strerror(r));
}

static void *base_thread(void *arg)
{
	struct base_server *s = arg;
	struct epoll_event evs[16];

	if (s->cpu >= 0)
		pin_thread(pthread_self(), s->cpu);

	for (;;) {
		int n = epoll_wait(s->epoll_fd, evs, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == s->stop_fd)
				return NULL;
			if (fd != s->listen_fd) {
				base_reply(s, fd);
				continue;
			}
			int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};

			if (c < 0)
				die("accept4: %s", strerror(errno));
			if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, c, &ev) < 0)
				die("epoll_ctl: %s", strerror(errno));
		}
	}
}

static void base_start(struct base_server *s, const char *path, const char *ifname, int cpu)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int r;

	s->cpu = cpu;
	memset(&s->sa, 0, sizeof(s->sa));
	s->sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(s->sa.sun_path))
		die("%s: path too long", path);
	memcpy(s->sa.sun_path, path, strlen(path) + 1);
	base_open_taps(s, ifname);

	s->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		die("socket: %s", strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		die("unlink %s: %s", path, strerror(errno));
	if (bind(s->listen_fd, (struct sockaddr *)&s->sa, sizeof(s->sa)) < 0)
		die("bind %s: %s", path, strerror(errno));
	if (listen(s->listen_fd, 128) < 0)
		die("listen: %s", strerror(errno));
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epoll_fd < 0)
		die("epoll_create1: %s", strerror(errno));
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0)
		die("eventfd: %s", strerror(errno));
	ev.data.fd = s->listen_fd;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	ev.data.fd = s->stop_fd;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->stop_fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
	r = pthread_create(&s->thread, NULL, base_thread, s);
	if (r)
		die("pthread_create: %s", strerror(r));
}

static void base_stop(struct base_server *s)
{
	uint64_t one = 1;
	int r;

	if (write(s->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		die("eventfd write: %s", strerror(errno));
	r = pthread_join(s->thread, NULL);
	if (r)
		die("pthread_join: %s", strerror(r));
	/* connections still open were closed by their clients already (EOF seen) */
	close(s->listen_fd);
	close(s->epoll_fd);
	close(s->stop_fd);
	if (unlink(s->sa.sun_path) < 0)
		die("unlink %s: %s", s->sa.sun_path, strerror(errno));
	for (size_t i = 0; i < BENCH_MAX_FDS; i++)
		close(s->taps[i]);
}

/*
 * The baseline client: connect, ask for want fds, receive them all.
 * Return: the connected socket (closed by the caller, outside the timing); fds[0..want-1] filled.
 */
static int base_acquire(const struct sockaddr_un *sa, uint32_t want, int *fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * BENCH_FDS_PER_MSG)];
		struct cmsghdr align;
	} ctl;
	uint32_t got = 0;
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket: %s", strerror(errno));
	if (connect(s, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		die("connect %s: %s", sa->sun_path, strerror(errno));
	if (send(s, &want, sizeof(want), MSG_NOSIGNAL) != (ssize_t)sizeof(want))
		die("send: %s", strerror(errno));
	while (got < want) {
		uint32_t hdr[2];
		struct iovec iov = {.iov_base = hdr, .iov_len = sizeof(hdr)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf)};
		struct cmsghdr *cm;
		ssize_t n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0)
			die("recvmsg: %s", strerror(errno));
		if (n != (ssize_t)sizeof(hdr) || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
			die("baseline: bad reply (%zd bytes, flags %#x)", n,
			    (unsigned int)mh.msg_flags);
		cm = CMSG_FIRSTHDR(&mh);
		if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    hdr[0] != got || hdr[1] > want - got ||
		    cm->cmsg_len != CMSG_LEN(sizeof(int) * hdr[1]))
			die("baseline: unexpected fds in reply");
		memcpy(fds + got, CMSG_DATA(cm), sizeof(int) * hdr[1]);
		got += hdr[1];
	}
	return s;
}

/* ---- the runs ---- */

static uint64_t run_tapqd_once(const struct bench_opts *o, const char *dev, unsigned int queues,
			       struct tapqd_lease_info *l)
{
	struct tapqd_client *c;
	uint64_t t0, t1;
	int r;

	t0 = bench_now_ns();
	r = tapqd_client_connect(o->socket, &c);
	if (r < 0)
		die("connect %s: %s", o->socket, strerror(-r));
	r = tapqd_client_acquire(c, dev, TAPQD_CONTROL_CLIENT, l);
	t1 = bench_now_ns();
	if (r < 0)
		die("acquire %s: %s%s%s", dev, strerror(-r), *tapqd_client_error(c) ? ": " : "",
		    tapqd_client_error(c));
	/* the metadata is sized by the device too: one queue entry per fd */
	if (l->n_fds != queues || l->dev.n_queues != queues)
		die("acquire %s: %zu fds and %u queue entries, expected %u", dev, l->n_fds,
		    l->dev.n_queues, queues);
	r = tapqd_client_release(c, dev, l->token);
	if (r < 0)
		die("release %s: %s%s%s", dev, strerror(-r), *tapqd_client_error(c) ? ": " : "",
		    tapqd_client_error(c));
	tapqd_lease_close_fds(l);
	tapqd_client_free(c);
	return t1 - t0;
}

static uint64_t run_base_once(const struct base_server *s, unsigned int queues, int *fds)
{
	uint64_t t0, t1;
	int sock;

	t0 = bench_now_ns();
	sock = base_acquire(&s->sa, queues, fds);
	t1 = bench_now_ns();
	for (unsigned int i = 0; i < queues; i++)
		close(fds[i]);
	close(sock);
	return t1 - t0;
}

/* Receives the fd the helper sends, as QEMU's net/tap.c recv_fd() does. */
static int helper_recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	cm = CMSG_FIRSTHDR(&mh);
	if (n == 0 || !cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

/* One qemu-bridge-helper run, as QEMU's net_bridge_run_helper() does it. */
static uint64_t run_helper_once(const struct bench_opts *o)
{
	char fd_arg[32], br_arg[16 + IFNAMSIZ], use_vnet[] = "--use-vnet";
	char *argv[] = {(char *)o->helper, use_vnet, fd_arg, br_arg, NULL};
	uint64_t t0, t1;
	int sv[2], fd, status;
	pid_t pid;

	t0 = bench_now_ns();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair: %s", strerror(errno));
	snprintf(fd_arg, sizeof(fd_arg), "--fd=%d", sv[1]);
	snprintf(br_arg, sizeof(br_arg), "--br=%s", o->bridge);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* only async-signal-safe calls here: this process has threads */
		if (fcntl(sv[1], F_SETFD, 0) < 0)
			_exit(126);
		execv(o->helper, argv);
		_exit(127);
	}
	close(sv[1]);
	do
		fd = helper_recv_fd(sv[0]);
	while (fd == -EINTR);
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	}
	t1 = bench_now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s failed (wait status %#x)", o->helper, (unsigned int)status);
	if (fd < 0)
		die("%s sent no fd: %s", o->helper, strerror(-fd));
	close(fd); /* destroys the helper's tap, outside the timing */
	return t1 - t0;
}

static unsigned int parse_uint(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 1000000)
		die("bad %s: %s", what, s);
	return (unsigned int)v;
}

static int parse_cpu(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v >= CPU_SETSIZE)
		die("bad %s: %s", what, s);
	return (int)v;
}

static void usage(void)
{
	fputs("usage: acquire [-s SOCKET | -S] [-b BASELINE_SOCKET] [-t BASELINE_TAP]\n"
	      "               [-H QEMU_BRIDGE_HELPER] [-B BRIDGE] [-n ITERS] [-N ITERS_256]\n"
	      "               [-k HELPER_ITERS] [-w WARMUP] [-c CLIENT_CPU] [-C SERVER_CPU]\n"
	      "Needs a tapqd serving devices bq1, bq4, bq64, bq256 (bench/acquire.conf);\n"
	      "-S measures the baselines only. -c pins this client, -C the baseline's server\n"
	      "thread (pin tapqd to the same CPU for a like-for-like ratio).\n",
	      stderr);
	exit(2);
}

static void parse_opts(int argc, char **argv, struct bench_opts *o)
{
	int ch;

	*o = (struct bench_opts){
	    .socket = TAPQD_DEFAULT_SOCKET,
	    .base_ifname = "bqbase",
	    .bridge = "br0",
	    .iters = 2000,
	    .iters_large = 500,
	    .helper_iters = 200,
	    .warmup = 50,
	    .client_cpu = -1,
	    .server_cpu = -1,
	};
	while ((ch = getopt(argc, argv, "s:Sb:t:H:B:n:N:k:w:c:C:h")) != -1) {
		switch (ch) {
		case 's':
			o->socket = optarg;
			break;
		case 'S':
			o->socket = NULL;
			break;
		case 'b':
			o->base_path = optarg;
			break;
		case 't':
			o->base_ifname = optarg;
			break;
		case 'H':
			o->helper = optarg;
			break;
		case 'B':
			o->bridge = optarg;
			break;
		case 'n':
			o->iters = parse_uint(optarg, "-n");
			break;
		case 'N':
			o->iters_large = parse_uint(optarg, "-N");
			break;
		case 'k':
			o->helper_iters = parse_uint(optarg, "-k");
			break;
		case 'w':
			o->warmup = parse_uint(optarg, "-w");
			break;
		case 'c':
			o->client_cpu = parse_cpu(optarg, "-c");
			break;
		case 'C':
			o->server_cpu = parse_cpu(optarg, "-C");
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (strlen(o->base_ifname) >= IFNAMSIZ || strlen(o->bridge) >= IFNAMSIZ)
		die("interface names are at most %d characters", IFNAMSIZ - 1);
}

/* 256 queues on both sides plus the server's copies need more than the usual 1024 fds. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit: %s", strerror(errno));
	}
}

int main(int argc, char **argv)
{
	static struct tapqd_lease_info lease;
	static int fds[BENCH_MAX_FDS];
	struct bench_stats tq[BENCH_N_SIZES], base[BENCH_N_SIZES], helper = {0, 0};
	unsigned int n_iters[BENCH_N_SIZES];
	struct bench_opts o;
	struct base_server srv;
	char tmpdir[] = "/tmp/tapqd-bench.XXXXXX", base_path[sizeof(tmpdir) + 16];
	const char *path = NULL;
	uint64_t *t_tq, *t_base;
	size_t cap;

	parse_opts(argc, argv, &o);
	raise_nofile();
	if (setvbuf(stdout, NULL, _IOLBF, 0))
		die("setvbuf failed");

	path = o.base_path;
	if (!path) {
		if (!mkdtemp(tmpdir))
			die("mkdtemp: %s", strerror(errno));
		snprintf(base_path, sizeof(base_path), "%s/base.sock", tmpdir);
		path = base_path;
	}
	base_start(&srv, path, o.base_ifname, o.server_cpu);
	if (o.client_cpu >= 0)
		pin_thread(pthread_self(), o.client_cpu);

	cap = o.iters > o.iters_large ? o.iters : o.iters_large;
	if (o.helper_iters > cap)
		cap = o.helper_iters;
	t_tq = calloc(cap, sizeof(*t_tq));
	t_base = calloc(cap, sizeof(*t_base));
	if (!t_tq || !t_base)
		die("out of memory");

	printf(
	    "acquire: connect -> all queue fds in hand (tapqd: client mode via libtapqd;\n"
	    "         baseline: minimal epoll fd server, same client loop), %u warm-up runs each\n",
	    o.warmup);
	if (o.client_cpu >= 0 || o.server_cpu >= 0)
		printf("         client pinned to CPU %d, baseline server thread to CPU %d (-1: "
		       "not pinned)\n",
		       o.client_cpu, o.server_cpu);
	for (size_t k = 0; k < BENCH_N_SIZES; k++) {
		const char *dev = bench_sizes[k].dev;
		unsigned int q = bench_sizes[k].queues;

		n_iters[k] = q > 64 ? o.iters_large : o.iters;
		for (unsigned int i = 0; i < o.warmup; i++) {
			if (o.socket)
				run_tapqd_once(&o, dev, q, &lease);
			run_base_once(&srv, q, fds);
		}
		/* interleaved, with the order flipped every run, so drift hits both alike */
		for (unsigned int i = 0; i < n_iters[k]; i++) {
			if (o.socket && i % 2)
				t_tq[i] = run_tapqd_once(&o, dev, q, &lease);
			t_base[i] = run_base_once(&srv, q, fds);
			if (o.socket && !(i % 2))
				t_tq[i] = run_tapqd_once(&o, dev, q, &lease);
		}
		tq[k] = o.socket ? bench_stats(t_tq, n_iters[k]) : (struct bench_stats){0, 0};
		base[k] = bench_stats(t_base, n_iters[k]);
	}
	base_stop(&srv);
	if (!o.base_path && rmdir(tmpdir) < 0)
		die("rmdir %s: %s", tmpdir, strerror(errno));

	if (o.helper) {
		for (unsigned int i = 0; i < (o.warmup < 10 ? o.warmup : 10); i++)
			run_helper_once(&o);
		for (unsigned int i = 0; i < o.helper_iters; i++)
			t_tq[i] = run_helper_once(&o);
		helper = bench_stats(t_tq, o.helper_iters);
	}

	printf("\n%6s %6s | %11s %11s | %11s %11s | %10s\n", "queues", "iters", "tapqd med",
	       "tapqd p99", "base med", "base p99", "tapqd/base");
	for (size_t k = 0; k < BENCH_N_SIZES; k++) {
		printf("%6u %6u | ", bench_sizes[k].queues, n_iters[k]);
		if (o.socket)
			printf("%8.1f us %8.1f us | ", tq[k].median_us, tq[k].p99_us);
		else
			printf("%11s %11s | ", "-", "-");
		printf("%8.1f us %8.1f us | ", base[k].median_us, base[k].p99_us);
		if (o.socket)
			printf("%9.2fx\n", tq[k].median_us / base[k].median_us);
		else
			printf("%10s\n", "-");
	}
	if (o.socket)
		printf("(target: tapqd/base <= 1.5x at every size)\n");
	if (o.helper) {
		printf("\nqemu-bridge-helper, 1 fd (socketpair, fork+exec --use-vnet --br=%s, "
		       "recv fd, waitpid), %u iters:\n"
		       "  median %.1f us, p99 %.1f us\n",
		       o.bridge, o.helper_iters, helper.median_us, helper.p99_us);
		for (size_t k = 0; o.socket && k < BENCH_N_SIZES; k++) {
			if (bench_sizes[k].queues == 4)
				printf("bridge helper 1-fd median / tapqd 4-queue median: %.1fx "
				       "(target >= 15x)\n",
				       helper.median_us / tq[k].median_us);
		}
	} else {
		printf("\nqemu-bridge-helper: skipped (no -H)\n");
	}
	free(t_tq);
	free(t_base);
	return 0;
}
