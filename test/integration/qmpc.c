// SPDX-License-Identifier: MIT
/*
 * qmpc.c - integration-test probe: one QMP session with a QEMU, as a test
 * drives it (tapqctl qmp-add/qmp-del are what is tested, not this)
 *
 *   qmpc SOCKET COMMAND_JSON...
 *
 * Negotiates capabilities, then sends each command in turn and waits for
 * its reply. Prints every line QEMU sends after the greeting (replies and
 * events), one a line. Exit 0 when every reply was a "return", 1 when one
 * was an "error", 2 on usage or socket errors; 20 s in all at most (SIGALRM).
 */

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* QEMU writes each message on a line of its own, its first key first. */
static int qmpc_reply(FILE *f, int *failed)
{
	char line[65536];

	while (fgets(line, sizeof(line), f)) {
		fputs(line, stdout);
		if (!strncmp(line, "{\"return\"", 9))
			return 0;
		if (!strncmp(line, "{\"error\"", 8)) {
			*failed = 1;
			return 0;
		}
	}
	fprintf(stderr, "qmpc: the monitor closed\n");
	return -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char greeting[4096];
	int fd, failed = 0;
	FILE *f;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: qmpc SOCKET COMMAND_JSON...\n");
		return 2;
	}
	alarm(20);
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("qmpc: connect");
		return 2;
	}
	/* read through stdio, written with dprintf: one FILE never switches direction */
	f = fdopen(fd, "r");
	if (!f || !fgets(greeting, sizeof(greeting), f)) {
		fprintf(stderr, "qmpc: no greeting\n");
		return 2;
	}
	if (dprintf(fd, "{\"execute\":\"qmp_capabilities\"}\n") < 0 || qmpc_reply(f, &failed) < 0)
		return 2;
	for (int i = 2; i < argc; i++) {
		if (dprintf(fd, "%s\n", argv[i]) < 0) {
			perror("qmpc: send");
			return 2;
		}
		if (qmpc_reply(f, &failed) < 0)
			return 2;
	}
	fclose(f);
	return failed;
}
