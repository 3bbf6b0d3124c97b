// SPDX-License-Identifier: MIT
/*
 * echo.c - UDP request/response through a tap's echo: the load, and the plain loop it is compared with
 *
 *   echo load SRC_IP DST_IP [-f FLOWS] [-w WINDOW] [-t SECONDS] [-p PORTS]
 *   echo plain IFNAME QUEUES SRC_IP DST_IP [-f FLOWS] [-w WINDOW] [-t SECONDS] [-p PORTS]
 *
 * load: FLOWS UDP flows (one thread and socket each, source port
 * 20000+PORTS+i to destination port 30000+PORTS+i, so the kernel's flow hash
 * spreads them over the tap's queues), each keeping WINDOW 64-byte requests in flight; whatever
 * echoes the frames on the tap (here tapqd's echo backend) turns each request
 * into its response. After a 0.5 s warm-up, counts responses for SECONDS and
 * prints "pps N".
 *
 * plain: the same load against the baseline: QUEUES queue fds of the
 * existing multiqueue tap IFNAME (opened like tapqd opens its own: IFF_TAP,
 * IFF_NO_PI, IFF_MULTI_QUEUE, IFF_VNET_HDR with a 12-byte header), one
 * thread per queue pinned to the queue's core (the n-th CPU we may use, as
 * tapqd places them), each a blocking read / frame_swap() / write loop that
 * counts its frames as tapqd's worker does (a relaxed store, no locked add),
 * and the load in a child process, as against tapqd.
 * Prints "pps N", the responses per queue, and "cpu_ns N frames M": the
 * queue threads' CPU time (their CLOCK_THREAD_CPUTIME_ID, read from outside)
 * and the frames they echoed, from just before the load starts to just
 * after it ends, the same span bench/echo.sh reads tapqd's status over.
 *
 * Timings are printed, never judged: the exit status is non-zero only when
 * something fails. Run it inside the namespace of the tap (bench/echo.sh).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "echo"
#include "bench.h"
#include "frame.h"

#define ECHO_FLOWS_MAX 64
#define ECHO_QUEUES_MAX 64
#define ECHO_PAYLOAD 64
#define ECHO_VNET_HDR 12
#define ECHO_FRAME_MAX 65550
#define ECHO_WARMUP_MS 500
#define ECHO_RECV_TIMEOUT_MS 100 /* a lost request is sent again after this */

struct echo_opts {
	unsigned int flows;
	unsigned int window;
	unsigned int ports; /* added to every port: new flows, which no queue has served yet */
	double seconds;
	struct in_addr src, dst;
};

struct flow {
	pthread_t thread;
	unsigned int index;
	const struct echo_opts *o;
	atomic_bool *stop;
	_Atomic uint64_t replies;
	_Atomic uint64_t resent;
};

/* A cache line each, as tapqd's workers: two queues' counters must not share one. */
struct plain_queue {
	_Alignas(64) pthread_t thread;
	int fd;
	int cpu;
	_Atomic uint64_t frames;
};


static void echo_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			die("nanosleep: %s", strerror(errno));
}

/* ---- the load: FLOWS request/response flows ---- */

static int flow_socket(const struct flow *f)
{
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = f->o->src};
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_addr = f->o->dst};
	struct timeval tv = {.tv_usec = ECHO_RECV_TIMEOUT_MS * 1000};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	src.sin_port = htons((uint16_t)(20000 + f->o->ports + f->index));
	dst.sin_port = htons((uint16_t)(30000 + f->o->ports + f->index));
	/* connected: only the echo of our own requests is received */
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die("flow %u: bind/connect/SO_RCVTIMEO: %s", f->index, strerror(errno));
	return fd;
}

static void flow_send(int fd, const struct flow *f, const uint8_t *req)
{
	if (send(fd, req, ECHO_PAYLOAD, 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
		die("flow %u: send: %s", f->index, strerror(errno));
}

static void *flow_main(void *arg)
{
	struct flow *f = arg;
	uint8_t req[ECHO_PAYLOAD], rep[ECHO_PAYLOAD * 2];
	int fd = flow_socket(f);

	memset(req, 'r', sizeof(req));
	for (unsigned int i = 0; i < f->o->window; i++)
		flow_send(fd, f, req);
	while (!atomic_load_explicit(f->stop, memory_order_relaxed)) {
		ssize_t n = recv(fd, rep, sizeof(rep), 0);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				die("flow %u: recv: %s", f->index, strerror(errno));
			atomic_fetch_add_explicit(&f->resent, 1, memory_order_relaxed);
		} else {
			atomic_fetch_add_explicit(&f->replies, 1, memory_order_relaxed);
		}
		flow_send(fd, f, req);
	}
	if (close(fd) < 0)
		die("flow %u: close: %s", f->index, strerror(errno));
	return NULL;
}

static uint64_t load_replies(struct flow *flows, unsigned int n)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += atomic_load_explicit(&flows[i].replies, memory_order_relaxed);
	return sum;
}

/* Runs the flows, prints "pps N" over the measured window and the requests sent again. */
static void load_run(const struct echo_opts *o)
{
	struct flow flows[ECHO_FLOWS_MAX];
	atomic_bool stop = false;
	uint64_t r0, r1, t0, t1, resent = 0;
	int r;

	memset(flows, 0, sizeof(flows));
	for (unsigned int i = 0; i < o->flows; i++) {
		flows[i].index = i;
		flows[i].o = o;
		flows[i].stop = &stop;
		r = pthread_create(&flows[i].thread, NULL, flow_main, &flows[i]);
		if (r)
			die("pthread_create: %s", strerror(r));
	}
	echo_sleep_ms(ECHO_WARMUP_MS);
	t0 = bench_now_ns();
	r0 = load_replies(flows, o->flows);
	echo_sleep_ms((unsigned int)(o->seconds * 1000));
	t1 = bench_now_ns();
	r1 = load_replies(flows, o->flows);
	atomic_store(&stop, true);
	for (unsigned int i = 0; i < o->flows; i++) {
		r = pthread_join(flows[i].thread, NULL);
		if (r)
			die("pthread_join: %s", strerror(r));
		resent += atomic_load(&flows[i].resent);
	}
	if (r1 == r0)
		die("no responses in %.1f s: is anything echoing on the tap?", o->seconds);
	printf("pps %.0f\n", (double)(r1 - r0) * 1e9 / (double)(t1 - t0));
	printf("resent %llu\n", (unsigned long long)resent);
}

/* ---- the baseline: one plain pinned read/swap/write thread per queue ---- */

static int plain_open_queue(const char *ifname)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("/dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("TUNSETIFF %s: %s", ifname, strerror(errno));
	return fd;
}

static void *plain_main(void *arg)
{
	struct plain_queue *q = arg;
	static const size_t size = ECHO_VNET_HDR + ECHO_FRAME_MAX;
	uint8_t *buf = malloc(size);

	if (!buf)
		die("out of memory");
	for (;;) {
		ssize_t n = read(q->fd, buf, size);

		if (n < 0)
			die("read: %s", strerror(errno));
		if (n <= ECHO_VNET_HDR)
			continue;
		frame_swap(buf + ECHO_VNET_HDR, (size_t)n - ECHO_VNET_HDR);
		if (write(q->fd, buf, (size_t)n) < 0)
			die("write: %s", strerror(errno));
		/* its only writer, as a tapqd worker is of its counters */
		atomic_store_explicit(&q->frames,
				      atomic_load_explicit(&q->frames, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
	return NULL;
}

/* The n-th CPU of our affinity mask, where tapqd would put queue n. */
static int plain_cpu(unsigned int n)
{
	cpu_set_t set;
	unsigned int k = 0;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		die("sched_getaffinity: %s", strerror(errno));
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && k++ == n % (unsigned int)CPU_COUNT(&set))
			return cpu;
	die("no CPU for queue %u", n);
}

/* What the queue threads used and did so far: CPU time in ns, frames echoed. */
static void plain_cost(const struct plain_queue *queues, unsigned int n, uint64_t *ret_cpu_ns,
		       uint64_t *ret_frames)
{
	*ret_cpu_ns = *ret_frames = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct timespec ts;
		clockid_t clock;
		int r = pthread_getcpuclockid(queues[i].thread, &clock);

		if (r)
			die("pthread_getcpuclockid: %s", strerror(r));
		if (clock_gettime(clock, &ts) < 0)
			die("clock_gettime(queue %u): %s", i, strerror(errno));
		*ret_cpu_ns += (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		*ret_frames += atomic_load_explicit(&queues[i].frames, memory_order_relaxed);
	}
}

/*
 * The load in a process of its own, as it is against tapqd: the echo threads
 * and the flows then switch address spaces on a shared core in both cases.
 * Forked before any thread exists; it waits for a byte on go, runs, exits.
 */
static pid_t plain_fork_load(const struct plain_queue *queues, unsigned int n,
			     const struct echo_opts *o, int *ret_go)
{
	int go[2];
	pid_t pid;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe2: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0) {
		if (close(go[0]) < 0)
			die("close: %s", strerror(errno));
		*ret_go = go[1];
		return pid;
	}
	/* the queues are the echo's: the load only sends and receives on its sockets */
	for (unsigned int i = 0; i < n; i++)
		if (close(queues[i].fd) < 0)
			die("close: %s", strerror(errno));
	if (close(go[1]) < 0)
		die("close: %s", strerror(errno));
	if (read(go[0], &c, 1) != 1)
		_exit(1); /* the echo side died before the start */
	load_run(o);
	fflush(stdout);
	_exit(0);
}

static void plain_run(const char *ifname, unsigned int n_queues, const struct echo_opts *o)
{
	uint64_t cpu0, cpu1, frames0, frames1;
	/* never freed: the threads use it until the process exits */
	struct plain_queue *queues = aligned_alloc(_Alignof(struct plain_queue),
						   n_queues * sizeof(*queues));
	int vnet_hdr = ECHO_VNET_HDR, go, status;
	pid_t load;

	if (!queues)
		die("out of memory");
	memset(queues, 0, n_queues * sizeof(*queues));
	for (unsigned int i = 0; i < n_queues; i++) {
		queues[i].fd = plain_open_queue(ifname);
		if (i == 0 && ioctl(queues[i].fd, TUNSETVNETHDRSZ, &vnet_hdr) < 0)
			die("TUNSETVNETHDRSZ: %s", strerror(errno));
		queues[i].cpu = plain_cpu(i);
	}
	load = plain_fork_load(queues, n_queues, o, &go);
	for (unsigned int i = 0; i < n_queues; i++) {
		struct plain_queue *q = &queues[i];
		cpu_set_t set;
		int r;

		r = pthread_create(&q->thread, NULL, plain_main, q);
		if (r)
			die("pthread_create: %s", strerror(r));
		CPU_ZERO(&set);
		CPU_SET(q->cpu, &set);
		r = pthread_setaffinity_np(q->thread, sizeof(set), &set);
		if (r)
			die("pinning queue %u to cpu %d: %s", i, q->cpu, strerror(r));
	}
	plain_cost(queues, n_queues, &cpu0, &frames0);
	if (write(go, "g", 1) != 1)
		die("starting the load: %s", strerror(errno));
	if (waitpid(load, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	plain_cost(queues, n_queues, &cpu1, &frames1);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("the load failed (wait status %d)", status);
	printf("cpu_ns %llu frames %llu\n", (unsigned long long)(cpu1 - cpu0),
	       (unsigned long long)(frames1 - frames0));
	printf("queues");
	for (unsigned int i = 0; i < n_queues; i++)
		printf(" %u:cpu%d:%llu", i, queues[i].cpu,
		       (unsigned long long)atomic_load(&queues[i].frames));
	printf("\n");
	/* the queue threads block in read(): exiting ends them and closes the fds */
}

static void parse_ip(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		die("not an IPv4 address: %s", s);
}

static unsigned long parse_uint(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		die("%s: expected %lu-%lu", s, min, max);
	return v;
}

static void usage(void)
{
	die("usage: echo load SRC_IP DST_IP [-f FLOWS] [-w WINDOW] [-t SECONDS] [-p PORTS]\n"
	    "       echo plain IFNAME QUEUES SRC_IP DST_IP [-f FLOWS] [-w WINDOW] [-t SECONDS] "
	    "[-p PORTS]");
}

int main(int argc, char **argv)
{
	struct echo_opts o = {.flows = 8, .window = 4, .seconds = 3};
	unsigned int n_queues = 0;
	const char *ifname = NULL;
	int i;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "load") && argc >= 4) {
		i = 2;
	} else if (!strcmp(argv[1], "plain") && argc >= 6) {
		ifname = argv[2];
		n_queues = (unsigned int)parse_uint(argv[3], 1, ECHO_QUEUES_MAX);
		i = 4;
	} else {
		usage();
	}
	parse_ip(argv[i], &o.src);
	parse_ip(argv[i + 1], &o.dst);
	for (i += 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "-f"))
			o.flows = (unsigned int)parse_uint(argv[i + 1], 1, ECHO_FLOWS_MAX);
		else if (!strcmp(argv[i], "-w"))
			o.window = (unsigned int)parse_uint(argv[i + 1], 1, 1024);
		else if (!strcmp(argv[i], "-t"))
			o.seconds = (double)parse_uint(argv[i + 1], 1, 60);
		else if (!strcmp(argv[i], "-p"))
			o.ports = (unsigned int)parse_uint(argv[i + 1], 0, 10000);
		else
			usage();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (ifname)
		plain_run(ifname, n_queues, &o);
	else
		load_run(&o);
	return 0;
}
