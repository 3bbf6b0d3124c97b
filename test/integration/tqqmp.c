// SPDX-License-Identifier: MIT
/*
 * tqqmp.c - a QMP client for the integration tests: connects to a QEMU
 * monitor socket, negotiates capabilities, sends each command given and
 * prints QEMU's answer to it, one JSON line each (events are skipped).
 *
 *   tqqmp SOCKET COMMAND...
 *
 * A COMMAND starting with '{' is sent as it is; any other is the name of a
 * command without arguments ("stop" -> {"execute":"stop"}). Every read waits
 * 10 s at most.
 * Exit: 0 when every command returned, 1 on an error answer, 2 when the
 * monitor could not be reached or went away before answering.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define QMP_LINE_MAX 65536
#define QMP_TIMEOUT_SEC 10

struct qmp {
	int fd;
	char buf[QMP_LINE_MAX];
	size_t len;
};

static int qmp_connect(struct qmp *q, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = QMP_TIMEOUT_SEC};

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	q->len = 0;
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return -errno;
	/* a QEMU that stops answering must not hang the test */
	if (setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(q->fd);
		return r;
	}
	return 0;
}

/* Reads one line (QMP sends one JSON object per line) into line, NUL-terminated. */
static int qmp_read_line(struct qmp *q, char *line)
{
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		ssize_t n;

		if (nl) {
			size_t k = (size_t)(nl - q->buf);

			memcpy(line, q->buf, k);
			line[k] = '\0';
			if (k && line[k - 1] == '\r')
				line[k - 1] = '\0';
			q->len -= k + 1;
			memmove(q->buf, nl + 1, q->len);
			return 0;
		}
		if (q->len == sizeof(q->buf))
			return -EMSGSIZE;
		n = read(q->fd, q->buf + q->len, sizeof(q->buf) - q->len);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		q->len += (size_t)n;
	}
}

/* Sends one command; leaves its answer (not an event) in line. */
static int qmp_execute(struct qmp *q, const char *cmd, char *line)
{
	char msg[4096];
	int k, r;

	k = cmd[0] == '{' ? snprintf(msg, sizeof(msg), "%s\n", cmd)
			  : snprintf(msg, sizeof(msg), "{\"execute\":\"%s\"}\n", cmd);
	if (k < 0 || (size_t)k >= sizeof(msg))
		return -E2BIG;
	if (write(q->fd, msg, (size_t)k) != k)
		return -errno;
	do {
		r = qmp_read_line(q, line);
	} while (r == 0 && strstr(line, "\"event\""));
	return r;
}

int main(int argc, char **argv)
{
	static char line[QMP_LINE_MAX];
	const char *what = "connect";
	bool refused = false;
	struct qmp q;
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: tqqmp SOCKET COMMAND...\n");
		return 2;
	}
	r = qmp_connect(&q, argv[1]);
	if (r < 0)
		goto out;
	what = "greeting";
	r = qmp_read_line(&q, line);
	if (r == 0) {
		what = "qmp_capabilities";
		r = qmp_execute(&q, what, line);
	}
	for (int i = 2; r == 0 && !refused && i < argc; i++) {
		what = argv[i];
		r = qmp_execute(&q, argv[i], line);
		if (r == 0) {
			printf("%s\n", line);
			refused = !strstr(line, "\"return\"");
		}
	}
	close(q.fd);
out:
	if (r < 0) {
		fprintf(stderr, "tqqmp: %s: %s: %s\n", argv[1], what, strerror(-r));
		return 2;
	}
	return refused ? 1 : 0;
}
