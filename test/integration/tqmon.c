// SPDX-License-Identifier: MIT
/*
 * tqmon.c - a fake QMP monitor for the follow tests: listens on SOCKET,
 * writes TEXT to the first connection (a greeting, garbage...) and waits
 * until the other side closes it
 *
 *   tqmon SOCKET TEXT
 *
 * Exit 0 once the connection was closed, 1 on a socket error, 2 on usage
 * errors. The real QEMU side of the tests uses tqqmp.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char b[256];
	int l, c;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: tqmon SOCKET TEXT\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0) {
		perror("tqmon: listen");
		return 1;
	}
	c = accept(l, NULL, NULL);
	if (c < 0 || write_all(c, argv[2]) < 0) {
		perror("tqmon: accept/write");
		return 1;
	}
	while (read(c, b, sizeof(b)) > 0)
		;
	close(c);
	close(l);
	unlink(argv[1]);
	return 0;
}
