// SPDX-License-Identifier: MIT
/*
 * tqflood.c - integration-test clients that never read what tapqd sends them
 *
 *   tqflood SOCKET status CONNECTIONS REQUESTS SECONDS
 *       CONNECTIONS connections, each sending up to REQUESTS STATUS
 *       requests (all devices) and reading nothing
 *   tqflood SOCKET subscribe CONNECTIONS 0 SECONDS
 *       CONNECTIONS connections that subscribe to every device's events and
 *       read nothing
 *   tqflood SOCKET resize DEVICE COUNT
 *       a client that reads: resizes DEVICE to 1, 2, 1, 2, ... COUNT times
 *
 * The first two print "connections N", "sent N" (requests sent in all) and,
 * once no send is left to make or SECONDS passed, "dropped N": the
 * connections tapqd closed (POLLHUP); then they hold their connections
 * until killed. resize prints "resized N". Exit 2 on usage or set-up errors.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tapqd.h"

#define FLOOD_CONN_MAX 1000

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int flood_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		exit(2);
	}
	return fd;
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

int main(int argc, char **argv)
{
	static int fds[FLOOD_CONN_MAX];
	static long left[FLOOD_CONN_MAX];
	struct tapqd_name all = {.name = ""};
	char msg[64];
	size_t len;
	long n, sent = 0, dropped = 0, deadline, busy;
	struct rlimit nofile;
	bool subscribe;

	if (argc == 5 && !strcmp(argv[2], "resize"))
		return resize(argv[1], argv[3], atol(argv[4]));
	if (argc != 6 || (strcmp(argv[2], "status") && strcmp(argv[2], "subscribe"))) {
		fprintf(stderr, "usage: tqflood SOCKET status|subscribe CONNECTIONS REQUESTS "
				"SECONDS | tqflood SOCKET resize DEVICE COUNT\n");
		return 2;
	}
	subscribe = !strcmp(argv[2], "subscribe");
	n = atol(argv[3]);
	if (n < 1 || n > FLOOD_CONN_MAX)
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	deadline = now_ms() + 1000 * atol(argv[5]);
	len = tapqd_msg_pack(msg, sizeof(msg), subscribe ? TAPQD_SUBSCRIBE : TAPQD_STATUS, 1, &all,
			     sizeof(all));
	for (long i = 0; i < n; i++) {
		fds[i] = flood_connect(argv[1]);
		left[i] = subscribe ? 1 : atol(argv[4]);
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
