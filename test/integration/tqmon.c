// SPDX-License-Identifier: MIT
/*
 * tqmon.c - a fake QMP monitor for the follow tests, and a plain client
 *
 *   tqmon SOCKET COMMAND...   connects to QEMU's QMP socket, negotiates
 *                             capabilities, sends each COMMAND (one JSON
 *                             object) and prints its reply line; events
 *                             are skipped
 *   tqmon -s SOCKET TEXT      listens on SOCKET (a fake monitor), writes
 *                             TEXT to the first connection and waits until
 *                             it is closed
 *
 * Exit 0 when every reply is a "return", 1 otherwise (an "error", no reply
 * within 10 s, a lost connection), 2 on usage errors. JSON is not parsed:
 * QMP sends one object per line, and a reply is the line with "return" or
 * "error" (the tests parse what they need with jq).
 */

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LINE_MAX_BYTES (1 << 20)

static char buf[LINE_MAX_BYTES];
static size_t have;

/* The next line from fd, without its "\r\n", within 10 s. Return: 0 or -1. */
static int read_line(int fd, char **ret)
{
	static size_t consumed;
	char *nl;

	memmove(buf, buf + consumed, have - consumed);
	have -= consumed;
	consumed = 0;
	while (!(nl = memchr(buf, '\n', have))) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (have == sizeof(buf) - 1 || poll(&p, 1, 10000) != 1)
			return -1;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	*nl = '\0';
	if (nl > buf && nl[-1] == '\r')
		nl[-1] = '\0';
	consumed = (size_t)(nl - buf) + 1;
	*ret = buf;
	return 0;
}

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

/* The reply to the command just sent: the next line with "return" or "error". */
static int reply(int fd, bool print)
{
	char *line;

	for (;;) {
		if (read_line(fd, &line) < 0) {
			fprintf(stderr, "tqmon: no reply\n");
			return 1;
		}
		if (strstr(line, "\"return\"") || strstr(line, "\"error\"")) {
			if (print)
				printf("%s\n", line);
			return strstr(line, "\"error\"") && !strstr(line, "\"return\"");
		}
	}
}

static int serve(const char *path, const char *text)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int l, c;
	char b[256];

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 1) < 0) {
		perror("tqmon: listen");
		return 1;
	}
	c = accept(l, NULL, NULL);
	if (c < 0 || write_all(c, text) < 0) {
		perror("tqmon: accept/write");
		return 1;
	}
	while (read(c, b, sizeof(b)) > 0)
		;
	close(c);
	close(l);
	unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *line;
	int fd, rc = 0;

	if (argc == 4 && !strcmp(argv[1], "-s"))
		return serve(argv[2], argv[3]);
	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: tqqmp SOCKET COMMAND... | tqqmp -s SOCKET TEXT\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("tqmon: connect");
		return 1;
	}
	if (read_line(fd, &line) < 0 || !strstr(line, "\"QMP\"")) {
		fprintf(stderr, "tqmon: no QMP greeting\n");
		return 1;
	}
	if (write_all(fd, "{\"execute\":\"qmp_capabilities\"}\n") < 0 || reply(fd, false)) {
		fprintf(stderr, "tqmon: qmp_capabilities failed\n");
		return 1;
	}
	for (int i = 2; i < argc && rc == 0; i++) {
		if (write_all(fd, argv[i]) < 0 || write_all(fd, "\n") < 0) {
			perror("tqmon: write");
			return 1;
		}
		rc = reply(fd, true);
	}
	close(fd);
	return rc;
}
