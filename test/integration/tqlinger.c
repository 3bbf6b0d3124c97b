// SPDX-License-Identifier: MIT
/*
 * tqlinger.c - integration-test attacker: sends tapqd fds whose last close
 * blocks, over and over, for a bounded time
 *
 *   tqlinger SOCKET SECONDS MAX_ROUNDS
 *
 * A round every 50 ms, so that the attack lasts while the test measures.
 * Each fd is a TCP socket on 127.0.0.1 with SO_LINGER 60 s whose peer (kept
 * open here, never read) has a full receive window, so the FIN waits behind
 * unsent data and whoever closes the last reference waits the whole linger
 * time. Each round sends one such fd three ways on a fresh connection: with
 * a HELLO; with a message queued behind a garbage one, so that the daemon
 * closes the connection with the fd still unread in it; and with a RESUME_FDS
 * nobody asked for. Prints one line per outcome count at the end: "sent N",
 * "refused N" (the kernel said EPERM: SO_PASSRIGHTS off on the daemon's
 * side), "other N" (the daemon had closed the connection already, after the
 * garbage) and "rounds N"; then holds its sockets until it is killed. Exit 2
 * on usage or set-up errors.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "tapqd.h"

#define LINGER_PEERS_MAX 512
#define LINGER_KEPT_MAX 512

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

static int tapqd_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Return: 1 sent, 0 refused with EPERM, -1 another error. */
static int send_with_fd(int sock, const void *buf, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *cm;

	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0)
		return 1;
	return errno == EPERM ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct tapqd_hello hello = {.version_min = TAPQD_VERSION_MIN, .version_max = TAPQD_VERSION};
	struct tapqd_resume rs = {.name = "tqa"};
	char msg[TAPQD_MSG_MAX], resume[TAPQD_MSG_MAX], garbage[32];
	int peers[LINGER_PEERS_MAX];
	size_t n_kept = 0, n_peers = 0, hello_len, resume_len;
	long sent = 0, refused = 0, other = 0, rounds = 0, deadline, max_rounds;
	struct timespec pace = {.tv_nsec = 50 * 1000 * 1000};
	struct sockaddr_in sa;
	struct rlimit nofile;
	int lfd;

	if (argc != 4) {
		fprintf(stderr, "usage: tqlinger SOCKET SECONDS MAX_ROUNDS\n");
		return 2;
	}
	/* a peer and a kept socket a try: past the usual 1024 */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	deadline = now_ms() + 1000 * atol(argv[2]);
	max_rounds = atol(argv[3]);
	lfd = listener(&sa);
	memset(garbage, 0x5a, sizeof(garbage));
	hello_len = tapqd_msg_pack(msg, sizeof(msg), TAPQD_HELLO, 1, &hello, sizeof(hello));
	resume_len = tapqd_msg_pack(resume, sizeof(resume), TAPQD_RESUME_FDS, 2, &rs, sizeof(rs));
	while (rounds < max_rounds && now_ms() < deadline && n_peers + 3 <= LINGER_PEERS_MAX &&
	       n_kept + 3 <= LINGER_KEPT_MAX) {
		for (int how = 0; how < 3; how++) {
			int s = tapqd_connect(argv[1]);
			int fd = lingering_socket(lfd, &sa, &peers[n_peers++]);
			int r;

			if (s < 0) {
				n_kept++;
				continue;
			}
			if (how == 0) {
				r = send_with_fd(s, msg, hello_len, fd);
			} else if (how == 1) {
				r = send(s, garbage, sizeof(garbage), MSG_NOSIGNAL) < 0
					    ? -1
					    : send_with_fd(s, msg, hello_len, fd);
			} else {
				r = send_with_fd(s, resume, resume_len, fd);
			}
			/* not sent: a close here would linger, so it waits for the exit, which skips it */
			if (r > 0)
				close_elsewhere(fd);
			else
				n_kept++;
			if (r > 0)
				sent++;
			else if (r == 0)
				refused++;
			else
				other++;
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
