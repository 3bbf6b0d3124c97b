// SPDX-License-Identifier: MIT
/*
 * tqudp.c - integration-test probe: sends UDP datagrams from one IPv4
 * address and port to another and waits for each to come back, as an echo
 * backend sends it: from the address and port it was sent to
 *
 *   tqudp SRC_IP SRC_PORT DST_IP DST_PORT COUNT TIMEOUT_MS
 *
 * Prints one line per datagram ("reply N from IP:PORT" or "no reply N");
 * exit 0 when every one came back with its payload from DST_IP:DST_PORT,
 * 1 otherwise, 2 on usage errors.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_addr(const char *ip, const char *port, struct sockaddr_in *sa)
{
	char *end;
	long p = strtol(port, &end, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, ip, &sa->sin_addr) != 1)
		return -1;
	sa->sin_port = htons((uint16_t)p);
	return 0;
}

/* Waits for the reply to datagram seq until the deadline. Return: 1 matched, 0 none, -1 error. */
static int await_reply(int fd, const struct sockaddr_in *dst, const char *want, long deadline)
{
	char buf[256], from_ip[INET_ADDRSTRLEN];
	struct sockaddr_in from;
	socklen_t from_len = sizeof(from);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t n;
	long left;

	while ((left = deadline - now_ms()) > 0) {
		int r = poll(&pfd, 1, (int)left);

		if (r < 0 && errno != EINTR) {
			perror("poll");
			return -1;
		}
		if (r <= 0)
			continue;
		from_len = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &from_len);
		if (n < 0) {
			perror("recvfrom");
			return -1;
		}
		buf[n] = '\0';
		inet_ntop(AF_INET, &from.sin_addr, from_ip, sizeof(from_ip));
		if (from.sin_addr.s_addr != dst->sin_addr.s_addr || from.sin_port != dst->sin_port ||
		    strcmp(buf, want)) {
			printf("unexpected datagram from %s:%u: %s\n", from_ip, ntohs(from.sin_port),
			       buf);
			continue;
		}
		printf("reply %s from %s:%u\n", want, from_ip, ntohs(from.sin_port));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in src, dst;
	int fd, count, timeout_ms, ok = 0;

	if (argc != 7 || parse_addr(argv[1], argv[2], &src) < 0 ||
	    parse_addr(argv[3], argv[4], &dst) < 0 || (count = atoi(argv[5])) < 1 ||
	    (timeout_ms = atoi(argv[6])) < 1) {
		fprintf(stderr, "usage: tqudp SRC_IP SRC_PORT DST_IP DST_PORT COUNT TIMEOUT_MS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		perror("socket/bind");
		return 1;
	}
	for (int i = 0; i < count; i++) {
		char msg[32];
		int r;

		snprintf(msg, sizeof(msg), "tqudp %d", i);
		if (sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("sendto");
			break;
		}
		r = await_reply(fd, &dst, msg, now_ms() + timeout_ms);
		if (r < 0)
			break;
		if (!r)
			printf("no reply %s\n", msg);
		ok += r;
	}
	close(fd);
	printf("%d of %d replies\n", ok, count);
	return ok == count ? 0 : 1;
}
