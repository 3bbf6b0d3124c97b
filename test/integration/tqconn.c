// SPDX-License-Identifier: MIT
/*
 * tqconn.c - integration-test peer that spends connections: opens many and
 * holds them, opens idle ones and waits for tapqd to close them, or sends
 * refused requests in a row
 *
 *   tqconn [-s SOCKET] hold N            N connections, each says HELLO, or fewer
 *                                        when 3 in a row are not let in; prints
 *                                        "accepted A refused R closed C", the first
 *                                        refusal's message, then "ready"; holds
 *                                        them until SIGTERM
 *   tqconn [-s SOCKET] open N            the same, and closes them at once
 *   tqconn [-s SOCKET] idle N WAIT_MS    N connections that send nothing; waits
 *                                        WAIT_MS at most for tapqd to close them
 *   tqconn [-s SOCKET] resume-wrong DEV N  N RESUMEs of DEV with a wrong token on
 *                                        one connection, each read back
 *   tqconn [-s SOCKET] handover DEV PID  HANDOVER of DEV to PID, without a token
 *   tqconn [-s SOCKET] status            a STATUS on a new connection; prints how
 *                                        long from connect() to the whole answer
 *
 * Exit 0 when it could do what it was asked, 1 otherwise, 2 on usage errors.
 * Uses only tapqd.h and libc (linked with libtapqd.a alone).
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tapqd.h"

#define REPLY_WAIT_MS 3000
#define HOLD_WALL 3 /* not let in so many times in a row: no use trying more */

static const char *sock_path = TAPQD_DEFAULT_SOCKET;

enum answer { ANSWER_HELLO, ANSWER_REFUSED, ANSWER_CLOSED, ANSWER_NONE };

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int conn_open(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* What tapqd says on fd within ms: HELLO, an ERROR (its message in msg), a close, or nothing. */
static enum answer conn_answer(int fd, int ms, char *msg, size_t cap)
{
	_Alignas(max_align_t) char buf[TAPQD_MSG_MAX];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct tapqd_hdr h;
	const void *payload;
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return ANSWER_NONE;
	n = recv(fd, buf, sizeof(buf), 0);
	/* the close of a refused connection with our request unread: a reset, then the reason */
	if (n < 0 && errno == ECONNRESET)
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n <= 0)
		return ANSWER_CLOSED;
	if (tapqd_msg_unpack(buf, (size_t)n, &h, &payload, NULL, 0) < 0)
		return ANSWER_CLOSED;
	if (h.type == TAPQD_ERROR) {
		const struct tapqd_error *e = payload;

		snprintf(msg, cap, "seq %u code %d: %.*s", h.seq, e->code, (int)sizeof(e->msg),
			 e->msg);
		return ANSWER_REFUSED;
	}
	return h.type == TAPQD_HELLO ? ANSWER_HELLO : ANSWER_CLOSED;
}

static int conn_hello(int fd)
{
	struct tapqd_hello req = {.version_min = TAPQD_VERSION_MIN, .version_max = TAPQD_VERSION};
	char buf[sizeof(struct tapqd_hdr) + sizeof(req)];
	size_t n = tapqd_msg_pack(buf, sizeof(buf), TAPQD_HELLO, 1, &req, sizeof(req));

	return send(fd, buf, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -errno;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int cmd_hold(unsigned int n, bool hold)
{
	unsigned int counts[4] = {0}, wall = 0;
	char msg[TAPQD_ERRMSG_MAX + 32], first[sizeof(msg)] = "";
	int *fds = calloc(n, sizeof(int));

	if (!fds)
		return 1;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (unsigned int i = 0; i < n; i++)
		fds[i] = -1;
	for (unsigned int i = 0; i < n && wall < HOLD_WALL; i++) {
		enum answer a = ANSWER_CLOSED;

		fds[i] = conn_open();
		/* refused before the HELLO went out: the reason may wait to be read all the same */
		if (fds[i] >= 0 && (conn_hello(fds[i]) == 0 || errno == EPIPE))
			a = conn_answer(fds[i], REPLY_WAIT_MS, msg, sizeof(msg));
		counts[a]++;
		if (a == ANSWER_REFUSED && !first[0])
			snprintf(first, sizeof(first), "%s", msg);
		wall = a == ANSWER_HELLO ? 0 : wall + 1;
		if (a != ANSWER_HELLO && fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	printf("accepted %u refused %u closed %u unanswered %u\n", counts[ANSWER_HELLO],
	       counts[ANSWER_REFUSED], counts[ANSWER_CLOSED], counts[ANSWER_NONE]);
	if (first[0])
		printf("refusal: %s\n", first);
	printf("ready\n");
	fflush(stdout);
	while (hold && !stop)
		pause();
	for (unsigned int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return 0;
}

static int cmd_idle(unsigned int n, long wait_ms)
{
	char msg[TAPQD_ERRMSG_MAX + 32] = "";
	unsigned int closed = 0, told = 0;
	long t0 = now_ms(), last = 0;
	int *fds = calloc(n, sizeof(int));

	if (!fds)
		return 1;
	for (unsigned int i = 0; i < n; i++) {
		fds[i] = conn_open();
		if (fds[i] < 0) {
			printf("connect: %s\n", strerror(-fds[i]));
			return 1;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		for (;;) {
			long left = wait_ms - (now_ms() - t0);
			enum answer a = conn_answer(fds[i], left > 0 ? (int)left : 0, msg, sizeof(msg));

			if (a == ANSWER_REFUSED) {
				told++;
				continue; /* the close follows */
			}
			if (a == ANSWER_CLOSED) {
				closed++;
				last = now_ms() - t0;
			}
			break;
		}
		close(fds[i]);
	}
	printf("closed %u of %u, the last after %ld ms; told why %u\n", closed, n, last, told);
	if (msg[0])
		printf("said: %s\n", msg);
	free(fds);
	return 0;
}

static int cmd_resume_wrong(const char *dev, unsigned int n)
{
	uint8_t token[TAPQD_TOKEN_LEN];
	struct tapqd_client *c;
	unsigned int refused = 0;
	int r;

	memset(token, 0x5a, sizeof(token));
	r = tapqd_client_connect(sock_path, &c);
	if (r < 0) {
		printf("connect: %s\n", strerror(-r));
		return 1;
	}
	for (unsigned int i = 0; i < n; i++) {
		r = tapqd_client_resume(c, dev, token);
		if (r == 0 || r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT)
			break;
		refused++;
	}
	printf("refused %u of %u (last: %s: %s)\n", refused, n, strerror(-r),
	       tapqd_client_error(c));
	tapqd_client_free(c);
	return refused == n ? 0 : 1;
}

static int cmd_handover(const char *dev, pid_t pid)
{
	struct tapqd_client *c;
	int r = tapqd_client_connect(sock_path, &c);

	if (r < 0) {
		printf("connect: %s\n", strerror(-r));
		return 1;
	}
	r = tapqd_client_handover(c, dev, NULL, pid);
	printf("handover %s to pid %d: %s: %s\n", dev, (int)pid, r < 0 ? strerror(-r) : "done",
	       tapqd_client_error(c));
	tapqd_client_free(c);
	return r < 0;
}

/*
 * How long tapqd takes to let a peer in and answer it, timed in here: a
 * test that times a whole tapqctl also times exec, nsenter and the
 * sanitizer runtime's start, which a loaded machine stretches past any
 * bound that says something about tapqd.
 */
static int cmd_status(void)
{
	struct tapqd_device_info *devs = NULL;
	struct tapqd_client *c;
	long t0 = now_ms();
	size_t n = 0;
	int r;

	r = tapqd_client_connect(sock_path, &c);
	if (r < 0) {
		printf("connect: %s\n", strerror(-r));
		return 1;
	}
	r = tapqd_client_status(c, NULL, &devs, &n);
	if (r < 0) {
		printf("status: %s: %s\n", strerror(-r), tapqd_client_error(c));
		tapqd_client_free(c);
		return 1;
	}
	printf("status: %zu devices in %ld ms\n", n, now_ms() - t0);
	free(devs);
	tapqd_client_free(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "-s")) {
		sock_path = argv[2];
		argc -= 2;
		argv += 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return cmd_hold((unsigned int)strtoul(argv[2], NULL, 10), true);
	if (argc == 3 && !strcmp(argv[1], "open"))
		return cmd_hold((unsigned int)strtoul(argv[2], NULL, 10), false);
	if (argc == 4 && !strcmp(argv[1], "idle"))
		return cmd_idle((unsigned int)strtoul(argv[2], NULL, 10), strtol(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "resume-wrong"))
		return cmd_resume_wrong(argv[2], (unsigned int)strtoul(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "handover"))
		return cmd_handover(argv[2], (pid_t)strtol(argv[3], NULL, 10));
	if (argc == 2 && !strcmp(argv[1], "status"))
		return cmd_status();
	fprintf(stderr, "usage: tqconn [-s SOCKET] hold N | open N | idle N WAIT_MS | "
			"resume-wrong DEV N | handover DEV PID | status\n");
	return 2;
}
