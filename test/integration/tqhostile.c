// SPDX-License-Identifier: MIT
/*
 * tqhostile.c - integration-test clients that mean tapqd harm, each for a
 * bounded time
 *
 *   tqhostile SOCKET linger SECONDS MAX_ROUNDS
 *       sends tapqd fds whose last close blocks: TCP sockets on 127.0.0.1
 *       with SO_LINGER 60 s whose peer (kept open here, never read) has a
 *       full receive window, so the FIN waits behind unsent data and
 *       whoever closes the last reference waits the whole linger time. A
 *       round every 50 ms sends one such fd three ways, each on a fresh
 *       connection: with a HELLO; with a HELLO queued behind garbage, so that
 *       the daemon closes the connection with the fd still unread in it;
 *       and with a RESUME_FDS nobody asked for. Prints "sent N", "refused N"
 *       (the kernel said EPERM: SO_PASSRIGHTS off on the daemon's side),
 *       "other N" (the daemon had closed the connection already, after the
 *       garbage) and "rounds N".
 *   tqhostile SOCKET status CONNECTIONS REQUESTS SECONDS
 *       CONNECTIONS connections, each sending up to REQUESTS STATUS
 *       requests (all devices) and reading nothing
 *   tqhostile SOCKET subscribe CONNECTIONS 0 SECONDS
 *       CONNECTIONS connections that subscribe to every device's events and
 *       read nothing
 *   tqhostile SOCKET hangup CONNECTIONS
 *       CONNECTIONS connections, one after the other, each sending a STATUS
 *       of every device and closing at once, every other one with a reset
 *       (SO_LINGER 0): tapqd's answer finds the peer gone. Prints "hung up N"
 *   tqhostile SOCKET slowstatus MILLISECONDS
 *       not hostile: a slow reader. Asks the STATUS of every device, reads
 *       the first device, waits MILLISECONDS (tapqd fills the connection
 *       meanwhile), then reads the rest; prints "devices N" and exits 0 when
 *       the whole answer came
 *   tqhostile SOCKET resize DEVICE COUNT
 *       not hostile: a client that reads, resizing DEVICE to 1, 2, 1, 2, ...
 *       COUNT times, for events to the subscribers
 *
 * status and subscribe print "connections N", "sent N" (requests sent in
 * all) and, once no send is left to make or SECONDS passed, "dropped N": the
 * connections tapqd closed (POLLHUP). linger, status and subscribe then hold
 * what they have until killed; resize prints "resized N". Exit 2 on usage or
 * set-up errors.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tapqd-fdpass.h"
#include "tapqd.h"

#define LINGER_PEERS_MAX 512
#define LINGER_KEPT_MAX 512
#define FLOOD_CONN_MAX 1000

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection to tapqd; -1 when there is none to make (the daemon is not answering). */
static int hostile_connect(const char *path, int flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | flags, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* As many fds as the hard limit allows: a peer and a kept socket a try go past 1024. */
static void raise_nofile(void)
{
	struct rlimit nofile;

	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
}

/* A listener on 127.0.0.1 with a small receive buffer, inherited by what it accepts. */
static int listener(struct sockaddr_in *sa)
{
	socklen_t len = sizeof(*sa);
	int small = 4096;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
	    bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) < 0) {
		perror("listener");
		exit(2);
	}
	return fd;
}

/* A connected TCP socket whose close lingers: its peer's window is full. *peer stays open. */
static int lingering_socket(int lfd, const struct sockaddr_in *sa, int *peer)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 60};
	char junk[4096];
	int small = 4096;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(junk, 'x', sizeof(junk));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) < 0 ||
	    connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		perror("connect");
		exit(2);
	}
	*peer = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*peer < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		perror("accept");
		exit(2);
	}
	while (write(fd, junk, sizeof(junk)) > 0)
		;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
		perror("SO_LINGER");
		exit(2);
	}
	return fd;
}

static void *close_main(void *arg)
{
	close((int)(intptr_t)arg);
	return NULL;
}

/*
 * Whichever closes last waits the linger time: the daemon, if it closed its
 * copy first. A thread of its own closes ours, so that this loop goes on.
 */
static void close_elsewhere(int fd)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64u << 10);
	if (pthread_create(&t, &attr, close_main, (void *)(intptr_t)fd))
		perror("pthread_create"); /* then the fd stays until the exit */
	pthread_attr_destroy(&attr);
}

static int resize(const char *path, const char *dev, long count)
{
	struct tapqd_client *c;
	long i;
	int r = tapqd_client_connect(path, &c);

	if (r < 0) {
		fprintf(stderr, "connect: %s\n", strerror(-r));
		return 2;
	}
	for (i = 0; i < count; i++) {
		r = tapqd_client_resize(c, dev, 1 + (unsigned int)(i % 2));
		if (r < 0) {
			fprintf(stderr, "resize: %s: %s\n", strerror(-r), tapqd_client_error(c));
			break;
		}
	}
	printf("resized %ld\n", i);
	tapqd_client_free(c);
	return r < 0;
}

struct slow_reader {
	long ms;
	long devices;
};

static int slow_reader_on_device(void *arg, const struct tapqd_device_info *dev)
{
	struct slow_reader *s = arg;

	(void)dev;
	if (!s->devices++)
		usleep((useconds_t)s->ms * 1000);
	return 0;
}

static int hangup(const char *path, long n)
{
	struct tapqd_name all = {.name = ""};
	struct linger reset = {.l_onoff = 1, .l_linger = 0};
	char msg[64];
	size_t len = tapqd_msg_pack(msg, sizeof(msg), TAPQD_STATUS, 1, &all, sizeof(all));
	long done = 0;

	for (long i = 0; i < n; i++) {
		int fd = hostile_connect(path, 0);

		if (fd < 0) {
			perror("connect");
			return 2;
		}
		if (i % 2 && setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)) < 0) {
			perror("SO_LINGER");
			return 2;
		}
		if (send(fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len)
			done++;
		close(fd);
	}
	printf("hung up %ld\n", done);
	return 0;
}

static int slowstatus(const char *path, long ms)
{
	struct slow_reader s = {.ms = ms};
	struct tapqd_client *c;
	int r = tapqd_client_connect(path, &c);

	if (r < 0) {
		fprintf(stderr, "connect: %s\n", strerror(-r));
		return 2;
	}
	r = tapqd_client_status_each(c, NULL, slow_reader_on_device, &s, NULL);
	if (r < 0)
		fprintf(stderr, "status: %s: %s\n", strerror(-r), tapqd_client_error(c));
	printf("devices %ld\n", s.devices);
	tapqd_client_free(c);
	return r < 0;
}

static int linger(const char *path, long seconds, long max_rounds)
{
	struct tapqd_hello hello = {.version_min = TAPQD_VERSION_MIN, .version_max = TAPQD_VERSION};
	struct tapqd_resume rs = {.name = "tqa"};
	char msg[TAPQD_MSG_MAX], resume[TAPQD_MSG_MAX], garbage[32];
	int peers[LINGER_PEERS_MAX];
	size_t n_kept = 0, n_peers = 0, hello_len, resume_len;
	long sent = 0, refused = 0, other = 0, rounds = 0, deadline;
	struct timespec pace = {.tv_nsec = 50 * 1000 * 1000};
	struct sockaddr_in sa;
	int lfd;

	raise_nofile();
	deadline = now_ms() + 1000 * seconds;
	lfd = listener(&sa);
	memset(garbage, 0x5a, sizeof(garbage));
	hello_len = tapqd_msg_pack(msg, sizeof(msg), TAPQD_HELLO, 1, &hello, sizeof(hello));
	resume_len = tapqd_msg_pack(resume, sizeof(resume), TAPQD_RESUME_FDS, 2, &rs, sizeof(rs));
	while (rounds < max_rounds && now_ms() < deadline && n_peers + 3 <= LINGER_PEERS_MAX &&
	       n_kept + 3 <= LINGER_KEPT_MAX) {
		for (int how = 0; how < 3; how++) {
			int s = hostile_connect(path, 0);
			int fd = lingering_socket(lfd, &sa, &peers[n_peers++]);
			int r;

			if (s < 0) {
				n_kept++;
				continue;
			}
			r = 0;
			if (how == 1 && send(s, garbage, sizeof(garbage), MSG_NOSIGNAL) < 0)
				r = -errno;
			if (r == 0)
				r = how == 2 ? tapqd_fdpass_send(s, resume, resume_len, &fd, 1, MSG_DONTWAIT)
					     : tapqd_fdpass_send(s, msg, hello_len, &fd, 1, MSG_DONTWAIT);
			/* not sent: a close here would linger, so it waits for the exit, which skips it */
			if (r == 0) {
				close_elsewhere(fd);
				sent++;
			} else {
				n_kept++;
				refused += r == -EPERM;
				other += r != -EPERM;
			}
			close(s);
		}
		rounds++;
		nanosleep(&pace, NULL);
	}
	printf("sent %ld\nrefused %ld\nother %ld\nrounds %ld\n", sent, refused, other, rounds);
	fflush(stdout);
	/* the peers stay alive, their windows full, until the test ends this process */
	pause();
	return 0;
}

static int flood(const char *path, bool subscribe, long n, long requests, long seconds)
{
	static int fds[FLOOD_CONN_MAX];
	static long left[FLOOD_CONN_MAX];
	struct tapqd_name all = {.name = ""};
	char msg[64];
	size_t len;
	long sent = 0, dropped = 0, deadline, busy;

	if (n < 1 || n > FLOOD_CONN_MAX)
		return 2;
	raise_nofile();
	deadline = now_ms() + 1000 * seconds;
	len = tapqd_msg_pack(msg, sizeof(msg), subscribe ? TAPQD_SUBSCRIBE : TAPQD_STATUS, 1, &all,
			     sizeof(all));
	for (long i = 0; i < n; i++) {
		fds[i] = hostile_connect(path, SOCK_NONBLOCK);
		if (fds[i] < 0) {
			perror("connect");
			return 2;
		}
		left[i] = subscribe ? 1 : requests;
	}
	printf("connections %ld\n", n);
	fflush(stdout);
	/* round robin, so that every connection has its requests in at once */
	do {
		busy = 0;
		for (long i = 0; i < n; i++) {
			if (!left[i])
				continue;
			if (send(fds[i], msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len) {
				left[i]--;
				sent++;
			} else if (errno != EAGAIN) {
				left[i] = 0; /* tapqd closed it */
			}
			busy += left[i] != 0;
		}
	} while (busy && now_ms() < deadline);
	printf("sent %ld\n", sent);
	fflush(stdout);
	/* a connection tapqd dropped hangs up; the others stay, unread */
	for (;;) {
		struct pollfd pfd;
		long hung = 0;

		for (long i = 0; i < n; i++) {
			pfd.fd = fds[i];
			pfd.events = 0;
			pfd.revents = 0;
			if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP))
				hung++;
		}
		if (hung == n || now_ms() >= deadline) {
			dropped = hung;
			break;
		}
		usleep(100 * 1000);
	}
	printf("dropped %ld\n", dropped);
	fflush(stdout);
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[2], "linger"))
		return linger(argv[1], atol(argv[3]), atol(argv[4]));
	if (argc == 4 && !strcmp(argv[2], "hangup"))
		return hangup(argv[1], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[2], "slowstatus"))
		return slowstatus(argv[1], atol(argv[3]));
	if (argc == 5 && !strcmp(argv[2], "resize"))
		return resize(argv[1], argv[3], atol(argv[4]));
	if (argc == 6 && (!strcmp(argv[2], "status") || !strcmp(argv[2], "subscribe")))
		return flood(argv[1], !strcmp(argv[2], "subscribe"), atol(argv[3]), atol(argv[4]),
			     atol(argv[5]));
	fprintf(stderr, "usage: tqhostile SOCKET linger SECONDS MAX_ROUNDS | "
			"tqhostile SOCKET status|subscribe CONNECTIONS REQUESTS SECONDS | "
			"tqhostile SOCKET hangup CONNECTIONS | tqhostile SOCKET slowstatus MILLISECONDS | tqhostile SOCKET resize DEVICE COUNT\n");
	return 2;
}
